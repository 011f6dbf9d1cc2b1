using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;

namespace Registry.Projections.StudyViews;

/// <summary>Patients excluded from an analysis, counted by reason.</summary>
public sealed record Exclusion(string Reason, int N);

/// <summary>Who a figure is about: every enrolled patient of the group, those analysed, and those excluded with why.</summary>
public sealed record PopulationView(int Enrolled, int Analysed, IReadOnlyList<Exclusion> Excluded)
{
    public static PopulationView Of(IReadOnlyCollection<PatientOutcome> enrolled, Func<PatientOutcome, string?> excludedBecause)
    {
        var count = new PopulationCount();
        foreach (var outcome in enrolled) count.Add(excludedBecause(outcome));
        return count.View();
    }

    /// <summary>
    /// Who a view of these groups is about: the groups' patients, and the enrolled patients without an arm yet (a
    /// randomized study's patients before randomization, who may join any group), excluded as "not randomized".
    /// </summary>
    public static PopulationView About(IEnumerable<PatientOutcome> outcomes, IReadOnlyList<ArmGroup> groups, Func<PatientOutcome, string?> excludedBecause)
    {
        var count = new PopulationCount();
        foreach (var outcome in outcomes)
        {
            if (outcome.Arm is null) count.Add(NotRandomized(outcome));
            else if (ArmGroup.AnyContains(groups, outcome)) count.Add(excludedBecause(outcome));
        }
        return count.View();
    }

    /// <summary>Why a patient without an arm is in no group's analysis.</summary>
    public static string NotRandomized(PatientOutcome outcome) => outcome.ExcludedBecause ?? "not randomized";
}

/// <summary>
/// A view's patients counted as a pass over them meets them, each with why it is excluded (null: analysed); the
/// reasons listed most frequent first, then by reason.
/// </summary>
public sealed class PopulationCount
{
    private readonly Dictionary<string, int> _reasonIndex = [];
    private readonly List<(string Reason, int N)> _reasons = [];
    private int _enrolled;

    public void Add(string? excludedBecause)
    {
        _enrolled++;
        if (excludedBecause is null) return;
        if (_reasonIndex.TryGetValue(excludedBecause, out var i)) _reasons[i] = (excludedBecause, _reasons[i].N + 1);
        else
        {
            _reasonIndex[excludedBecause] = _reasons.Count;
            _reasons.Add((excludedBecause, 1));
        }
    }

    public PopulationView View()
    {
        var excluded = _reasons.Select(r => new Exclusion(r.Reason, r.N)).OrderByDescending(e => e.N).ThenBy(e => e.Reason).ToList();
        return new PopulationView(_enrolled, _enrolled - excluded.Sum(e => e.N), excluded);
    }
}

/// <summary>An arm, or arms pooled under one label ("ITC+IT", or a pooled group the analysis plan names).</summary>
public sealed record ArmGroup(string Label, IReadOnlyList<string> Arms)
{
    public bool Contains(PatientOutcome outcome) => outcome.Arm is { } arm && Contains(arm);

    /// <summary>A loop: views ask it of every patient, and LINQ's <c>Contains</c> casts the list to an interface each call.</summary>
    public bool Contains(string arm)
    {
        for (var i = 0; i < Arms.Count; i++)
            if (string.Equals(Arms[i], arm, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Whether any of the groups holds the patient (a loop: views ask it of every patient).</summary>
    public static bool AnyContains(IReadOnlyList<ArmGroup> groups, PatientOutcome outcome)
    {
        for (var g = 0; g < groups.Count; g++)
            if (groups[g].Contains(outcome)) return true;
        return false;
    }
}

/// <summary>The patients' outcomes a study view is computed from, the protocol in force, and the moment and data cut they reflect.</summary>
public sealed record StudyViewScope(Study Study, IReadOnlyList<PatientOutcome> Outcomes, DateTimeOffset? AsOf, DateOnly? DataCut)
{
    public const double DaysPerMonth = 30.4375;

    public Protocol Protocol => Study.Protocol;

    public IEnumerable<ArmGroup> EachArm => Protocol.Arms.Select(a => new ArmGroup(a.Code, [a.Code]));

    public IReadOnlyList<PatientOutcome> In(ArmGroup group) => Outcomes.Where(group.Contains).ToList();

    /// <summary>Enrolled patients whose arm is not yet known (randomized designs before randomization) belong to no group; they are reported here.</summary>
    public int WithoutArm => Outcomes.Count(o => o.Arm is null);
}

/// <summary>Parses the query values study views share, into field errors worded for the investigator.</summary>
public static class ViewQuery
{
    public static EndpointDefinition? TimeToEventEndpoint(string? requested, Protocol protocol, Dictionary<string, string[]> errors)
    {
        var studyEndpoints = protocol.Endpoints.Select(EndpointCatalogue.Find).OfType<EndpointDefinition>().ToList();
        var timed = studyEndpoints.Where(e => e.Kind == EndpointKind.TimeToEvent).ToList();
        if (requested is null)
        {
            var primary = EndpointCatalogue.Find(protocol.PrimaryEndpoint);
            var chosen = primary is { Kind: EndpointKind.TimeToEvent } ? primary : timed.FirstOrDefault() ?? EndpointCatalogue.Find("os");
            return chosen;
        }
        var endpoint = EndpointCatalogue.Find(requested.Trim().ToLowerInvariant());
        if (endpoint is null)
        {
            errors["endpoint"] = [$"'{requested}' is not an endpoint; time-to-event endpoints are {string.Join(", ", EndpointCatalogue.TimeToEventCodes)}."];
            return null;
        }
        if (endpoint.Kind != EndpointKind.TimeToEvent)
        {
            errors["endpoint"] = [$"{endpoint.Code} is a rate ({endpoint.Name}); read it in the response view. Time-to-event endpoints are {string.Join(", ", EndpointCatalogue.TimeToEventCodes)}."];
            return null;
        }
        return endpoint;
    }

    /// <summary>An arm group: an arm code, arms joined by '+', or a pooled group named in the analysis plan.</summary>
    public static ArmGroup? Group(string? value, Protocol protocol, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{field} is required: an arm code, arms joined by '+', or a pooled group ({Choices(protocol)})."];
            return null;
        }
        var trimmed = value.Trim();
        if (protocol.Analysis?.Pooled?.TryGetValue(trimmed, out var pooled) == true) return new ArmGroup(trimmed, pooled.ToList());
        // A literal '+' in a query string arrives as a space unless encoded; accept both.
        var codes = trimmed.Split(['+', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (codes.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            errors[field] = [$"{twice.Key} is listed twice in {trimmed}."];
            return null;
        }
        var unknown = codes.Where(c => !protocol.HasArm(c)).ToList();
        if (unknown.Count > 0 || codes.Count == 0)
        {
            errors[field] = [$"Study {protocol.Code} has no arm {string.Join(", ", unknown.Select(u => $"'{u}'"))} ({Choices(protocol)})."];
            return null;
        }
        return new ArmGroup(string.Join("+", codes), codes);
    }

    /// <summary>At most this many values in one list parameter (arms, landmarks).</summary>
    public const int MaximumListed = 20;

    /// <summary>
    /// The comma-separated values of a list parameter, each once: a repeated value or more than
    /// <paramref name="maximum"/> is refused, never silently folded (the answer would not be what was asked).
    /// </summary>
    public static IReadOnlyList<string>? List(string value, string parameter, int maximum, Dictionary<string, string[]> errors)
    {
        var values = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (values.Length > maximum)
        {
            errors[parameter] = [$"{parameter} lists at most {maximum} values, not {values.Length}."];
            return null;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in values)
            if (!seen.Add(v))
            {
                errors[parameter] = [$"{v} is listed twice."];
                return null;
            }
        return values;
    }

    /// <summary>The groups a table or curve shows: each arm, or the comma-separated groups named in <c>arms=</c> (at most 20, each once).</summary>
    public static IReadOnlyList<ArmGroup>? Groups(string? arms, Protocol protocol, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(arms)) return protocol.Arms.Select(a => new ArmGroup(a.Code, [a.Code])).ToList();
        if (List(arms, "arms", MaximumListed, errors) is not { } names) return null;
        var groups = new List<ArmGroup>();
        foreach (var name in names)
        {
            if (Group(name, protocol, "arms", errors) is not { } group) return null;
            groups.Add(group);
        }
        return groups;
    }

    public static bool InDays(string? unit, Protocol protocol, Dictionary<string, string[]> errors)
    {
        switch (unit?.ToLowerInvariant())
        {
            case null: return protocol.InDays;
            case "months": return false;
            case "days": return true;
            default:
                errors["unit"] = [$"unit must be 'months' or 'days', not '{unit}'."];
                return false;
        }
    }

    /// <summary>Landmark times in months: <c>landmarks=6,12,36</c>, else the protocol's.</summary>
    public static IReadOnlyList<double> Landmarks(string? landmarks, Protocol protocol, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(landmarks)) return protocol.LandmarkMonths;
        if (List(landmarks, "landmarks", MaximumListed, errors) is not { } parts) return [];
        var values = new List<double>();
        foreach (var part in parts)
        {
            if (!double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m) || m <= 0 || m > 240)
            {
                errors["landmarks"] = [$"landmarks are months above 0 and at most 240, separated by commas (e.g. 6,12,36); '{part}' is not."];
                return [];
            }
            if (values.Contains(m))
            {
                errors["landmarks"] = [$"{part} is listed twice."];
                return [];
            }
            values.Add(m);
        }
        return values.Order().ToList();
    }

    /// <summary>A dictionary variable tables and Cox models can group by (categories, booleans, numbers with cut-points).</summary>
    public static Variable? GroupingVariable(string key, Protocol protocol, string field, Dictionary<string, string[]> errors)
    {
        if (protocol.Variable(key) is { IsGroupable: true } v) return v;
        errors[field] = [$"'{key}' is not a categorical, boolean or grouped variable of study {protocol.Code}; use one of {string.Join(", ", protocol.GroupableVariables.Select(x => x.Key))}."];
        return null;
    }

    private static string Choices(Protocol protocol) =>
        $"it has {string.Join(", ", protocol.Arms.Select(a => a.Code))}" +
        (protocol.Analysis?.Pooled is { Count: > 0 } pooled ? $"; pooled groups {string.Join(", ", pooled.Keys)}" : "");
}
