using System.Text.Json.Serialization;

namespace Registry.Domain.Protocols;

/// <summary>
/// What a study is: its design, arms, data dictionary, eligibility, endpoints and analysis plan. Everything the
/// registry knows about one study lives here as data; no study-specific knowledge is code (docs/protocol.md).
/// </summary>
public sealed record Protocol(
    string Code,
    string Title,
    string Design,
    string TimeOrigin,
    IReadOnlyList<ProtocolArm> Arms,
    IReadOnlyList<Variable> Variables,
    IReadOnlyList<string> Endpoints,
    string? Setting = null,
    IReadOnlyList<EligibilityCriterion>? Eligibility = null,
    IReadOnlyList<string>? StratificationFactors = null,
    string? PrimaryEndpoint = null,
    IReadOnlyList<double>? Landmarks = null,
    string? TimeUnit = null,
    ResponseCriteria? Response = null,
    AnalysisPlan? Analysis = null)
{
    [JsonIgnore] public ResponseCriteria ResponseCriteria => Response ?? ResponseCriteria.Default;
    [JsonIgnore] public IReadOnlyList<double> LandmarkMonths => Landmarks is { Count: > 0 } l ? l : [6, 12, 24];
    [JsonIgnore] public bool InDays => string.Equals(TimeUnit, "days", StringComparison.OrdinalIgnoreCase);
    [JsonIgnore] public bool IsRandomized => Design == StudyDesigns.Randomized;

    public ProtocolArm? Arm(string code) => (Arms ?? []).FirstOrDefault(a => a is not null && string.Equals(a.Code, code, StringComparison.Ordinal));
    public bool HasArm(string code) => Arm(code) is not null;
    public Variable? Variable(string key)
    {
        // A loop, not a LINQ search with a lambda over the key: an import's checks ask once per variable of every entry.
        var variables = Variables ?? [];
        for (var i = 0; i < variables.Count; i++)
            if (variables[i] is { } v && string.Equals(v.Key, key, StringComparison.Ordinal)) return v;
        return null;
    }

    /// <summary>Variables a table or forest plot can split patients by: categories, booleans, and numbers with cut-points.</summary>
    [JsonIgnore] public IEnumerable<Variable> GroupableVariables => (Variables ?? []).Where(v => v is not null && v.IsGroupable);
}

/// <summary>One arm; its regimen is a list of components so radiotherapy, surgery or an ADC can be said as plainly as a drug.</summary>
public sealed record ProtocolArm(string Code, string Name, IReadOnlyList<RegimenComponent>? Regimen = null);

/// <summary>A component of a regimen: its class (from <see cref="ComponentClasses"/>), the agent, and how many agents where that matters (chemotherapy doublets and triplets).</summary>
public sealed record RegimenComponent(string Class, string? Agent = null, int? Agents = null);

/// <summary>
/// One baseline variable of the data dictionary. <see cref="Missing"/> lists the missing codes a coordinator may
/// record instead of a value (<c>unknown</c>, <c>notDone</c>); a required variable allows none.
/// </summary>
public sealed record Variable(
    string Key,
    string Label,
    string Type,
    IReadOnlyList<string>? Levels = null,
    double? Min = null,
    double? Max = null,
    string? Unit = null,
    bool Required = true,
    IReadOnlyList<string>? Missing = null,
    Grouping? Grouping = null)
{
    [JsonIgnore] public bool IsNumeric => Type is VariableTypes.Integer or VariableTypes.Decimal;
    [JsonIgnore] public bool IsGroupable => Type is VariableTypes.Category or VariableTypes.Boolean || (IsNumeric && Grouping?.CutPoints is { Count: > 0 });

    /// <summary>The missing codes allowed: none when required; otherwise those listed, or both.</summary>
    [JsonIgnore] public IReadOnlyList<string> AllowedMissing => Required ? [] : Missing is { Count: > 0 } m ? m : MissingCodes.All;
}

/// <summary>
/// How tables and subgroups group a variable: numbers by cut-points (each group is [previous cut, cut), labels
/// optional), categories by merging levels into named groups (in table order).
/// </summary>
public sealed record Grouping(
    IReadOnlyList<double>? CutPoints = null,
    IReadOnlyList<string>? Labels = null,
    IReadOnlyList<MergedLevels>? Merge = null);

public sealed record MergedLevels(string Label, IReadOnlyList<string> Levels);

/// <summary>An eligibility criterion over one dictionary variable: a range for numbers, allowed levels for categories, a required answer for booleans.</summary>
public sealed record EligibilityCriterion(string Variable, double? Min = null, double? Max = null, IReadOnlyList<string>? Levels = null, bool? MustBe = null, string? Label = null);

/// <summary>Response assessment conventions; the defaults suit RECIST 1.1 without confirmation.</summary>
public sealed record ResponseCriteria(string Criteria = "RECIST 1.1", bool RequireConfirmation = false, int ConfirmationMinimumDays = 28, int StableDiseaseMinimumDays = 42)
{
    public static readonly ResponseCriteria Default = new();
}

/// <summary>
/// The analysis plan: the reference arm (or pooled group), named pooled groups, planned comparisons, and the
/// variables Cox models stratify by, adjust for, and forest plots split by.
/// </summary>
public sealed record AnalysisPlan(
    string? Reference = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Pooled = null,
    IReadOnlyList<PlannedComparison>? Comparisons = null,
    IReadOnlyList<string>? StratifyBy = null,
    IReadOnlyList<string>? AdjustFor = null,
    IReadOnlyList<string>? Subgroups = null);

public sealed record PlannedComparison(string Arm, string Reference);

public static class StudyDesigns
{
    public const string Randomized = "randomized";
    public const string SingleArm = "single-arm";
    public const string NonRandomized = "non-randomized";
    public static readonly string[] All = [Randomized, SingleArm, NonRandomized];
}

public static class TimeOrigins
{
    public const string Randomization = "randomization";
    public const string TreatmentStart = "treatmentStart";
    public const string Enrolment = "enrolment";
    public static readonly string[] All = [Randomization, TreatmentStart, Enrolment];
}

public static class VariableTypes
{
    public const string Integer = "integer";
    public const string Decimal = "decimal";
    public const string Category = "category";
    public const string Boolean = "boolean";
    public const string Date = "date";
    public const string Text = "text";
    public static readonly string[] All = [Integer, Decimal, Category, Boolean, Date, Text];
}

public static class MissingCodes
{
    public const string Unknown = "unknown";
    public const string NotDone = "notDone";
    public static readonly string[] All = [Unknown, NotDone];

    public static string Label(string code) => code == NotDone ? "Not done" : "Unknown";
}

public static class ComponentClasses
{
    public static readonly string[] All =
    [
        "immune-checkpoint-inhibitor", "anti-angiogenic", "egfr-inhibitor", "chemotherapy", "radiotherapy", "surgery",
        "endocrine", "antibody-drug-conjugate", "placebo", "other",
    ];
}
