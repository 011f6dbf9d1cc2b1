using System.Globalization;

namespace Registry.Domain.Protocols;

/// <summary>
/// The study's data dictionary applied to recorded values: the field errors a baseline has, whether the patient is
/// eligible, and the group a value falls in for tables and subgroups. One set of rules for an enrolment and any
/// correction of it.
/// </summary>
public static class DataDictionary
{
    /// <summary>Field errors keyed <c>baseline.KEY</c>: unknown variables, wrong types, out-of-range values, levels not listed, missing required values.</summary>
    public static Dictionary<string, List<string>> Errors(Protocol protocol, BaselineValues baseline, string prefix = "baseline")
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string key, string message)
        {
            var field = $"{prefix}.{key}";
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        foreach (var key in baseline.Keys.Where(k => protocol.Variable(k) is null))
            Add(key, $"'{key}' is not a variable of study {protocol.Code}'s data dictionary (it has {string.Join(", ", protocol.Variables.Select(v => v.Key))}).");

        foreach (var variable in protocol.Variables)
        {
            var value = baseline.Get(variable.Key);
            if (value is null || value.IsMissing)
            {
                if (variable.Required)
                    Add(variable.Key, $"{variable.Label} ({variable.Key}) is required{(value is null ? "" : " and cannot be recorded as missing")}.");
                else if (value is null)
                    Add(variable.Key, $"{variable.Label} ({variable.Key}) must be given: a value, or null / {{\"missing\":\"{string.Join("|", variable.AllowedMissing)}\"}} when it is not known.");
                else if (!variable.AllowedMissing.Contains(value.Missing))
                    Add(variable.Key, $"{variable.Key} may be recorded as missing only with {string.Join(" or ", variable.AllowedMissing.Select(c => $"'{c}'"))}, not '{value.Missing}'.");
                continue;
            }
            if (ValueProblem(variable, value) is { } problem) Add(variable.Key, problem);
        }
        return errors;
    }

    private static string? ValueProblem(Variable variable, BaselineValue value)
    {
        switch (variable.Type)
        {
            case VariableTypes.Integer or VariableTypes.Decimal:
                if (value.Number is not { } n) return $"{variable.Key} must be a number{(variable.Unit is { Length: > 0 } u ? $" (in {u})" : "")}.";
                if (variable.Type == VariableTypes.Integer && n != Math.Floor(n)) return $"{variable.Key} must be a whole number.";
                if (variable.Min is { } min && n < min || variable.Max is { } max && n > max)
                    return $"{variable.Key} must be between {Format(variable.Min)} and {Format(variable.Max)}{Unit(variable)}; {Format(n)} is outside.";
                return null;
            case VariableTypes.Category:
                if (value.Text is not { } level) return $"{variable.Key} must be one of {Levels(variable)}.";
                return variable.Levels!.Contains(level, StringComparer.Ordinal) ? null : $"{variable.Key} must be one of {Levels(variable)}, not '{level}'.";
            case VariableTypes.Boolean:
                return value.Flag is null ? $"{variable.Key} must be true or false." : null;
            case VariableTypes.Date:
                if (value.Text is not { } text || !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    return $"{variable.Key} must be a date in the form YYYY-MM-DD.";
                return null;
            default:
                if (value.Text is not { } s) return $"{variable.Key} must be text.";
                return s.Length > 500 ? $"{variable.Key} is at most 500 characters." : null;
        }
    }

    /// <summary>The criteria the baseline fails, each in words; a missing value fails a criterion over it.</summary>
    public static IReadOnlyList<string> Ineligibility(Protocol protocol, BaselineValues baseline) =>
        UnmetCriteria(protocol, baseline).Select(c => c.Message).ToList();

    /// <summary>The criteria the baseline fails with the variable each is about, so a form can say it beside that field.</summary>
    public static IReadOnlyList<(string Variable, string Message)> UnmetCriteria(Protocol protocol, BaselineValues baseline)
    {
        var failed = new List<(string Variable, string Message)>();
        foreach (var criterion in protocol.Eligibility ?? [])
        {
            var variable = protocol.Variable(criterion.Variable);
            var value = baseline.Get(criterion.Variable);
            var label = criterion.Label ?? Describe(criterion, variable);
            var met = value is not null && !value.IsMissing && (
                value.Number is { } n ? (criterion.Min is not { } min || n >= min) && (criterion.Max is not { } max || n <= max)
                : value.Text is { } t ? criterion.Levels is not { Count: > 0 } levels || levels.Contains(t, StringComparer.Ordinal)
                : value.Flag is { } f ? criterion.MustBe is not { } expected || f == expected
                : false);
            if (!met) failed.Add((criterion.Variable, $"Not eligible: {label} (recorded {value?.ToString() ?? "nothing"})."));
        }
        return failed;
    }

    public static string Describe(EligibilityCriterion c, Variable? v)
    {
        var name = v?.Label ?? c.Variable;
        if (c.Levels is { Count: > 0 } levels) return $"{name} must be {string.Join(" or ", levels)}";
        if (c.MustBe is { } b) return $"{name} must be {(b ? "yes" : "no")}";
        return (c.Min, c.Max) switch
        {
            ({ } min, { } max) => $"{name} {Format(min)}–{Format(max)}{Unit(v)}",
            ({ } min, null) => $"{name} ≥ {Format(min)}{Unit(v)}",
            (null, { } max) => $"{name} ≤ {Format(max)}{Unit(v)}",
            _ => $"{name} recorded",
        };
    }

    /// <summary>The group labels of a groupable variable, in table order (missing codes are not among them).</summary>
    public static IReadOnlyList<string> GroupLabels(Variable variable)
    {
        if (variable.Type == VariableTypes.Boolean) return ["No", "Yes"];
        if (variable.IsNumeric)
        {
            var cuts = variable.Grouping?.CutPoints ?? [];
            if (variable.Grouping?.Labels is { } labels && labels.Count == cuts.Count + 1) return labels;
            var generated = new List<string> { $"<{Format(cuts[0])}" };
            for (var i = 1; i < cuts.Count; i++) generated.Add($"{Format(cuts[i - 1])}–<{Format(cuts[i])}");
            generated.Add($"≥{Format(cuts[^1])}");
            return generated;
        }
        if (variable.Grouping?.Merge is { Count: > 0 } merge)
            return [.. merge.Select(m => m.Label), .. (variable.Levels ?? []).Where(l => !merge.Any(m => m.Levels.Contains(l)))];
        return variable.Levels ?? [];
    }

    /// <summary>The group a value falls in (a missing code's label when missing); null when the variable is not groupable or the value absent.</summary>
    public static string? GroupOf(Variable variable, BaselineValue? value)
    {
        if (value is null || !variable.IsGroupable) return null;
        if (value.IsMissing) return MissingCodes.Label(value.Missing!);
        if (variable.Type == VariableTypes.Boolean) return value.Flag is { } f ? (f ? "Yes" : "No") : null;
        if (variable.IsNumeric)
        {
            if (value.Number is not { } n) return null;
            var cuts = variable.Grouping!.CutPoints!;
            var index = 0;
            while (index < cuts.Count && n >= cuts[index]) index++;
            return GroupLabels(variable)[index];
        }
        if (value.Text is not { } level) return null;
        return variable.Grouping?.Merge?.FirstOrDefault(m => m.Levels.Contains(level, StringComparer.Ordinal))?.Label ?? level;
    }

    /// <summary>The group a patient is counted in by a stratified or adjusted model and a subgroup: a value never recorded reads as Unknown.</summary>
    public static string GroupOrUnknown(Variable variable, BaselineValue? value) => GroupOf(variable, value) ?? MissingCodes.Label(MissingCodes.Unknown);

    /// <summary>A numeric reading of a value for a Cox covariate: the number, or 1/0 for yes/no; null when missing or not numeric.</summary>
    public static double? NumericOf(BaselineValue? value) => value?.Number ?? (value?.Flag is { } f ? (f ? 1 : 0) : null);

    private static string Unit(Variable? v) => v?.Unit is { Length: > 0 } u ? $" {u}" : "";
    private static string Levels(Variable v) => string.Join(", ", (v.Levels ?? []).Select(l => $"'{l}'"));
    private static string Format(double? d) => d?.ToString("0.###", CultureInfo.InvariantCulture) ?? "…";
}
