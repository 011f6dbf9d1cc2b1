using System.Text.RegularExpressions;

namespace Registry.Domain.Protocols;

/// <summary>
/// What makes a protocol well formed, as field errors keyed by JSON path; and what an amendment may change.
/// Registration and every amendment pass the same rules.
/// </summary>
public static partial class ProtocolRules
{
    public static Dictionary<string, List<string>> Errors(Protocol? p)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }
        if (p is null)
        {
            Add("", "The protocol is required.");
            return errors;
        }

        if (string.IsNullOrWhiteSpace(p.Code)) Add("code", "code is required.");
        else if (p.Code.Length > 40 || !CodePattern().IsMatch(p.Code)) Add("code", "code is at most 40 letters, digits, '.', '-' or '_'.");
        if (string.IsNullOrWhiteSpace(p.Title)) Add("title", "title is required.");
        else if (p.Title.Length > 500) Add("title", "title is at most 500 characters.");
        if (p.Setting is { Length: > 1000 }) Add("setting", "setting is at most 1000 characters.");
        if (!StudyDesigns.All.Contains(p.Design)) Add("design", $"design must be one of {Quote(StudyDesigns.All)}.");
        if (!TimeOrigins.All.Contains(p.TimeOrigin)) Add("timeOrigin", $"timeOrigin must be one of {Quote(TimeOrigins.All)}.");
        if (p.Design == StudyDesigns.Randomized && p.TimeOrigin is not null && p.TimeOrigin != TimeOrigins.Randomization)
            Add("timeOrigin", "A randomized study counts time from randomization.");
        if (p.Design != StudyDesigns.Randomized && p.TimeOrigin == TimeOrigins.Randomization)
            Add("timeOrigin", "Only a randomized study can count time from randomization.");

        var arms = (p.Arms ?? []).ToList();
        if (arms.Count == 0) Add("arms", "A study needs at least one arm.");
        if (p.Design == StudyDesigns.SingleArm && arms.Count > 1) Add("arms", "A single-arm study has exactly one arm.");
        if (p.Design == StudyDesigns.Randomized && arms.Count < 2) Add("arms", "A randomized study has at least two arms.");
        // Past a limit only the count is reported: checking each of thousands of items is the work the limit prevents.
        if (arms.Count > ProtocolLimits.Arms) { Add("arms", $"A study has at most {ProtocolLimits.Arms} arms."); arms = []; }
        for (var i = 0; i < arms.Count; i++)
        {
            var arm = arms[i];
            if (arm is null) { Add($"arms[{i}]", "An arm is required."); continue; }
            if (string.IsNullOrWhiteSpace(arm.Code) || arm.Code.Length > 20 || !ArmCodePattern().IsMatch(arm.Code))
                Add($"arms[{i}].code", "An arm code is 1–20 letters, digits, '-' or '_' ('+' joins pooled arms in queries).");
            if (string.IsNullOrWhiteSpace(arm.Name) || arm.Name.Length > 200) Add($"arms[{i}].name", "An arm name is 1–200 characters.");
            var regimen = arm.Regimen ?? [];
            if (regimen.Count > ProtocolLimits.RegimenComponents) { Add($"arms[{i}].regimen", $"A regimen has at most {ProtocolLimits.RegimenComponents} components."); regimen = []; }
            for (var j = 0; j < regimen.Count; j++)
            {
                if (regimen[j] is not { } c) { Add($"arms[{i}].regimen[{j}]", "A regimen component is required."); continue; }
                if (!ComponentClasses.All.Contains(c.Class)) Add($"arms[{i}].regimen[{j}].class", $"class must be one of {Quote(ComponentClasses.All)}.");
                if (c.Agents is < 1 or > 10) Add($"arms[{i}].regimen[{j}].agents", "agents counts 1–10 agents.");
                if (c.Agent is { Length: > 200 }) Add($"arms[{i}].regimen[{j}].agent", "agent is at most 200 characters.");
            }
        }
        if (arms.Where(a => a?.Code is not null).GroupBy(a => a.Code).Any(g => g.Count() > 1)) Add("arms", "Arm codes must be distinct.");

        if (p.Variables is null) Add("variables", "variables is required: the data dictionary (an empty list when nothing is collected at baseline).");
        var variables = p.Variables ?? [];
        if (variables.Count > ProtocolLimits.Variables) { Add("variables", $"A dictionary has at most {ProtocolLimits.Variables} variables."); variables = []; }
        for (var i = 0; i < variables.Count; i++) VariableErrors(variables[i], $"variables[{i}]", Add);
        if (variables.Where(v => v?.Key is not null).GroupBy(v => v.Key).Any(g => g.Count() > 1)) Add("variables", "Variable keys must be distinct.");

        var eligibility = p.Eligibility ?? [];
        if (eligibility.Count > ProtocolLimits.EligibilityCriteria) { Add("eligibility", $"A protocol has at most {ProtocolLimits.EligibilityCriteria} eligibility criteria."); eligibility = []; }
        for (var i = 0; i < eligibility.Count; i++)
        {
            var c = eligibility[i];
            if (c is null) { Add($"eligibility[{i}]", "A criterion is required."); continue; }
            var v = p.Variable(c.Variable);
            if (v is null) { Add($"eligibility[{i}].variable", $"'{c.Variable}' is not a variable of the dictionary."); continue; }
            if ((c.Min is not null || c.Max is not null) && !v.IsNumeric) Add($"eligibility[{i}]", $"min/max apply to numeric variables; {v.Key} is {v.Type}.");
            if (c.Levels is { Count: > 0 } levels && levels.Except(v.Levels ?? []).Any()) Add($"eligibility[{i}].levels", $"levels must be levels of {v.Key}.");
            if (c.Label is { Length: > ProtocolLimits.LabelLength }) Add($"eligibility[{i}].label", $"label is at most {ProtocolLimits.LabelLength} characters.");
            if (c.MustBe is not null && v.Type != VariableTypes.Boolean) Add($"eligibility[{i}].mustBe", $"mustBe applies to boolean variables; {v.Key} is {v.Type}.");
        }

        var factors = p.StratificationFactors ?? [];
        if (factors.Count > ProtocolLimits.StratificationFactors)
        {
            Add("stratificationFactors", $"Randomization is stratified by at most {ProtocolLimits.StratificationFactors} factors.");
            factors = [];
        }
        foreach (var (key, i) in factors.Select((k, i) => (k, i)))
        {
            if (p.Design != StudyDesigns.Randomized) { Add("stratificationFactors", "Only a randomized study has stratification factors."); break; }
            if (p.Variable(key) is not { IsGroupable: true }) Add($"stratificationFactors[{i}]", $"'{key}' is not a categorical, boolean or grouped variable of the dictionary.");
        }

        var endpoints = p.Endpoints ?? [];
        if (endpoints.Count == 0) Add("endpoints", $"A study names at least one endpoint from {Quote(EndpointCatalogue.All.Select(e => e.Code))}.");
        if (endpoints.Count > EndpointCatalogue.All.Count) Add("endpoints", $"The catalogue has {EndpointCatalogue.All.Count} endpoints; a study names each at most once.");
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (code, i) in endpoints.Take(EndpointCatalogue.All.Count + 1).Select((c, i) => (c, i)))
            if (code is not null && !named.Add(code)) Add($"endpoints[{i}]", $"{code} is listed twice.");
            else if (EndpointCatalogue.Find(code) is null) Add($"endpoints[{i}]", $"'{code}' is not in the endpoint catalogue ({Quote(EndpointCatalogue.All.Select(e => e.Code))}).");
        if (p.PrimaryEndpoint is { } primary && !endpoints.Contains(primary, StringComparer.Ordinal))
            Add("primaryEndpoint", $"primaryEndpoint must be one of the study's endpoints ({Quote(endpoints)}), not '{primary}'.");
        if (p.Landmarks is { } landmarks && (landmarks.Count > ProtocolLimits.Landmarks || landmarks.Any(m => m <= 0 || m > 240)))
            Add("landmarks", $"landmarks are up to {ProtocolLimits.Landmarks} times in months, each above 0 and at most 240.");
        if (p.TimeUnit is not null and not "months" and not "days") Add("timeUnit", "timeUnit must be 'months' or 'days'.");
        if (p.Response is { } r)
        {
            if (r.Criteria is not ("RECIST 1.1" or "iRECIST" or "irRECIST")) Add("response.criteria", "criteria must be 'RECIST 1.1', 'iRECIST' or 'irRECIST'.");
            if (r.ConfirmationMinimumDays is < 0 or > 365) Add("response.confirmationMinimumDays", "confirmationMinimumDays is 0–365.");
            if (r.StableDiseaseMinimumDays is < 0 or > 365) Add("response.stableDiseaseMinimumDays", "stableDiseaseMinimumDays is 0–365.");
        }
        if (p.Analysis is { } plan) AnalysisErrors(p, plan, Add);
        return errors;
    }

    private static void VariableErrors(Variable? v, string path, Action<string, string> add)
    {
        if (v is null) { add(path, "A variable is required."); return; }
        if (string.IsNullOrWhiteSpace(v.Key) || v.Key.Length > 60 || !KeyPattern().IsMatch(v.Key))
            add($"{path}.key", "A key is 1–60 letters, digits, '_' or '.', starting with a letter.");
        if (string.IsNullOrWhiteSpace(v.Label) || v.Label.Length > 200) add($"{path}.label", "A label is 1–200 characters.");
        if (!VariableTypes.All.Contains(v.Type)) { add($"{path}.type", $"type must be one of {Quote(VariableTypes.All)}."); return; }
        if (v.Type == VariableTypes.Category)
        {
            if (v.Levels is not { Count: > 0 } levels) add($"{path}.levels", "A category needs its levels.");
            else if (levels.Count > ProtocolLimits.Levels || levels.Any(l => string.IsNullOrWhiteSpace(l) || l.Length > ProtocolLimits.NameLength) || levels.Distinct().Count() != levels.Count)
                add($"{path}.levels", $"Levels are 1–{ProtocolLimits.Levels} distinct, non-empty names of at most {ProtocolLimits.NameLength} characters.");
        }
        else if (v.Levels is { Count: > 0 }) add($"{path}.levels", "Only a category has levels.");
        if (v.Unit is { Length: > ProtocolLimits.NameLength }) add($"{path}.unit", $"unit is at most {ProtocolLimits.NameLength} characters.");
        if ((v.Min is not null || v.Max is not null) && !v.IsNumeric) add($"{path}", "min and max apply to integer and decimal variables.");
        if (v.Min is { } min && v.Max is { } max && min > max) add($"{path}.min", "min must not exceed max.");
        if (v.Missing is { } codes && codes.Except(MissingCodes.All).Any()) add($"{path}.missing", $"missing codes are {Quote(MissingCodes.All)}.");
        if (v.Required && v.Missing is { Count: > 0 }) add($"{path}.missing", "A required variable cannot be recorded as missing.");
        if (v.Grouping is { } g)
        {
            if (g.CutPoints is { Count: > ProtocolLimits.CutPoints }) add($"{path}.grouping.cutPoints", $"A variable has at most {ProtocolLimits.CutPoints} cut-points.");
            else if (g.CutPoints is { Count: > 0 } cuts)
            {
                if (!v.IsNumeric) add($"{path}.grouping.cutPoints", "Cut-points group numeric variables.");
                if (cuts.Zip(cuts.Skip(1)).Any(pair => pair.First >= pair.Second)) add($"{path}.grouping.cutPoints", "Cut-points must increase.");
                if (g.Labels is { } labels && labels.Count != cuts.Count + 1) add($"{path}.grouping.labels", $"{cuts.Count} cut-points make {cuts.Count + 1} groups; give that many labels.");
                else if (g.Labels is { } named && (named.Any(l => string.IsNullOrWhiteSpace(l) || l.Length > ProtocolLimits.NameLength) || named.Distinct().Count() != named.Count))
                    add($"{path}.grouping.labels", $"Group labels are distinct, not empty and at most {ProtocolLimits.NameLength} characters.");
            }
            if (g.Merge is { Count: > ProtocolLimits.MergedGroups }) add($"{path}.grouping.merge", $"A variable has at most {ProtocolLimits.MergedGroups} merged groups.");
            else if (g.Merge is { Count: > 0 } merge)
            {
                if (merge.Any(m => m is null || string.IsNullOrWhiteSpace(m.Label) || m.Label.Length > ProtocolLimits.NameLength || m.Levels is not { Count: > 0 }))
                    add($"{path}.grouping.merge", $"Each merged group has a label of at most {ProtocolLimits.NameLength} characters and at least one level.");
                else if (merge.Select(m => m.Label).Distinct().Count() != merge.Count)
                    add($"{path}.grouping.merge", "Merged group labels must be distinct.");
                else if (v.Type != VariableTypes.Category) add($"{path}.grouping.merge", "Merged levels group category variables.");
                else if (merge.SelectMany(m => m?.Levels ?? []).Except(v.Levels ?? []).Any()) add($"{path}.grouping.merge", "Merged levels must be levels of the variable.");
                else if (merge.SelectMany(m => m?.Levels ?? []).GroupBy(l => l).Any(x => x.Count() > 1)) add($"{path}.grouping.merge", "A level belongs to at most one group.");
            }
        }
    }

    private static void AnalysisErrors(Protocol p, AnalysisPlan plan, Action<string, string> add)
    {
        var pooledNames = plan.Pooled?.Keys.ToHashSet() ?? [];
        if (pooledNames.Count > ProtocolLimits.PooledGroups) add("analysis.pooled", $"A plan names at most {ProtocolLimits.PooledGroups} pooled groups.");
        if (plan.Comparisons is { Count: > ProtocolLimits.Comparisons }) add("analysis.comparisons", $"A plan has at most {ProtocolLimits.Comparisons} comparisons.");
        var lists = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (list, name, limit) in new[] { (plan.StratifyBy, "stratifyBy", ProtocolLimits.StratifyBy), (plan.AdjustFor, "adjustFor", ProtocolLimits.AdjustFor), (plan.Subgroups, "subgroups", ProtocolLimits.Subgroups) })
        {
            if (list is { Count: var n } && n > limit) { add($"analysis.{name}", $"{name} names at most {limit} variables."); lists[name] = []; continue; }
            lists[name] = list ?? [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, i) in lists[name].Select((k, i) => (k, i)))
                if (key is not null && !seen.Add(key)) add($"analysis.{name}[{i}]", $"{key} is listed twice.");
        }
        IReadOnlyDictionary<string, IReadOnlyList<string>> pooledGroups = plan.Pooled is null or { Count: > ProtocolLimits.PooledGroups } ? new Dictionary<string, IReadOnlyList<string>>() : plan.Pooled;
        var comparisons = plan.Comparisons is { Count: > ProtocolLimits.Comparisons } ? [] : plan.Comparisons ?? [];
        foreach (var (name, codes) in pooledGroups)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > ProtocolLimits.NameLength || p.HasArm(name))
                add($"analysis.pooled.{name}", $"A pooled group needs a name of at most {ProtocolLimits.NameLength} characters that is not an arm code.");
            if (codes is not { Count: > 0 and <= ProtocolLimits.Arms } || codes.Any(c => !p.HasArm(c)) || codes.Distinct().Count() != codes.Count)
                add($"analysis.pooled.{name}", $"A pooled group lists distinct arms of the study ({Quote((p.Arms ?? []).Where(a => a?.Code is not null).Select(a => a.Code))}).");
        }
        bool IsGroup(string? g) => g is not null && (pooledNames.Contains(g) || g.Split('+').All(p.HasArm));
        if (plan.Reference is { } reference && !IsGroup(reference)) add("analysis.reference", $"'{reference}' is not an arm or pooled group of the study.");
        foreach (var (c, i) in comparisons.Select((c, i) => (c, i)))
        {
            if (c is null || !IsGroup(c.Arm)) add($"analysis.comparisons[{i}].arm", "arm must be an arm or pooled group of the study.");
            if (c is null || !IsGroup(c.Reference)) add($"analysis.comparisons[{i}].reference", "reference must be an arm or pooled group of the study.");
        }
        foreach (var name in new[] { "stratifyBy", "subgroups" })
            foreach (var (key, i) in lists[name].Select((k, i) => (k, i)))
                if (p.Variable(key) is not { IsGroupable: true }) add($"analysis.{name}[{i}]", $"'{key}' is not a categorical, boolean or grouped variable of the dictionary.");
        foreach (var (key, i) in lists["adjustFor"].Select((k, i) => (k, i)))
            if (p.Variable(key) is not { } v || !(v.IsGroupable || v.IsNumeric)) add($"analysis.adjustFor[{i}]", $"'{key}' is not a numeric, categorical or boolean variable of the dictionary.");
    }

    /// <summary>What an amendment may not do: change the code or design, or drop an arm or a variable patients may already carry.</summary>
    public static IReadOnlyList<string> AmendmentViolations(Protocol current, Protocol amended)
    {
        var violations = new List<string>();
        if (amended.Code != current.Code) violations.Add("An amendment cannot change the study code.");
        if (amended.Design != current.Design) violations.Add("An amendment cannot change the design.");
        if (amended.TimeOrigin != current.TimeOrigin) violations.Add("An amendment cannot change the time origin.");
        foreach (var arm in current.Arms.Where(a => !amended.HasArm(a.Code)))
            violations.Add($"An amendment cannot remove arm '{arm.Code}'.");
        foreach (var v in current.Variables)
        {
            if (amended.Variable(v.Key) is not { } next) violations.Add($"An amendment cannot remove variable '{v.Key}'.");
            else if (next.Type != v.Type) violations.Add($"An amendment cannot change the type of '{v.Key}' ({v.Type}).");
            else if (v.Levels is { } levels && levels.Except(next.Levels ?? []).Any()) violations.Add($"An amendment cannot remove levels of '{v.Key}'.");
        }
        return violations;
    }

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex ArmCodePattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.]*$")]
    private static partial Regex KeyPattern();
}
