using Registry.Analytics.Cox;

namespace Registry.Analytics.Subgroups;

/// <summary>
/// Treatment effect within each level of a subgroup variable, and the treatment × subgroup interaction test
/// comparing <c>treatment + subgroup + treatment:subgroup</c> with <c>treatment + subgroup</c> by likelihood
/// ratio, as R's <c>anova(coxph(...), coxph(...))</c>. Strata, if given, apply to every model.
/// </summary>
public static class SubgroupAnalysis
{
    private const string Treatment = "treatment";

    /// <param name="arm">Arm of each subject, matched against <paramref name="comparison"/>.</param>
    /// <param name="subgroup">Subgroup label of each subject.</param>
    /// <param name="subgroupLevels">Order of the forest-plot rows; default: the labels sorted ordinally.</param>
    public static SubgroupAnalysisResult Analyze(
        IReadOnlyList<double> time,
        IReadOnlyList<bool> hadEvent,
        IReadOnlyList<string> arm,
        TreatmentComparison comparison,
        string subgroupName,
        IReadOnlyList<string> subgroup,
        IReadOnlyList<string>? subgroupLevels = null,
        IReadOnlyList<string>? strata = null,
        CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(hadEvent);
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(subgroup);
        options ??= CoxOptions.Default;
        CoxRegression.Validate(options);
        if (string.IsNullOrWhiteSpace(subgroupName))
            throw new ArgumentException("The subgroup variable needs a name.", nameof(subgroupName));
        ValidateComparison(comparison);
        int n = time.Count;
        if (hadEvent.Count != n) throw new ArgumentException($"There are {hadEvent.Count} event flags but {n} times.", nameof(hadEvent));
        if (arm.Count != n) throw new ArgumentException($"There are {arm.Count} arm labels but {n} times.", nameof(arm));
        if (subgroup.Count != n) throw new ArgumentException($"There are {subgroup.Count} subgroup labels but {n} times.", nameof(subgroup));
        if (strata is not null && strata.Count != n)
            throw new ArgumentException($"There are {strata.Count} stratum labels but {n} times.", nameof(strata));

        var experimental = new HashSet<string>(comparison.Experimental);
        var reference = new HashSet<string>(comparison.Reference);
        var rows = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (arm[i] is null) throw new ArgumentException($"Arm label at row {i} is missing.", nameof(arm));
            if (!experimental.Contains(arm[i]) && !reference.Contains(arm[i])) continue;
            if (!double.IsFinite(time[i]) || time[i] < 0)
                throw new ArgumentException($"Time at row {i} is {time[i]}; times must be finite and non-negative.", nameof(time));
            if (subgroup[i] is null) throw new ArgumentException($"Subgroup label at row {i} is missing.", nameof(subgroup));
            if (strata is not null && strata[i] is null) throw new ArgumentException($"Stratum label at row {i} is missing.", nameof(strata));
            rows.Add(i);
        }
        if (!rows.Any(i => experimental.Contains(arm[i])))
            throw new ArgumentException("No subject is in an experimental arm.", nameof(comparison));
        if (!rows.Any(i => reference.Contains(arm[i])))
            throw new ArgumentException("No subject is in a reference arm.", nameof(comparison));

        var levels = subgroupLevels?.ToList() ?? rows.Select(i => subgroup[i]).Distinct().Order(StringComparer.Ordinal).ToList();
        if (levels.Distinct().Count() != levels.Count)
            throw new ArgumentException("A subgroup level is listed more than once.", nameof(subgroupLevels));
        var levelIndex = levels.Select((l, k) => (l, k)).ToDictionary(t => t.l, t => t.k);
        string? unknown = rows.Select(i => subgroup[i]).FirstOrDefault(l => !levelIndex.ContainsKey(l));
        if (unknown is not null)
            throw new ArgumentException($"Subgroup label '{unknown}' is not among the given levels.", nameof(subgroupLevels));

        var data = new Subjects(
            rows.Select(i => time[i]).ToArray(),
            rows.Select(i => hadEvent[i]).ToArray(),
            rows.Select(i => experimental.Contains(arm[i]) ? 1.0 : 0.0).ToArray(),
            rows.Select(i => levelIndex[subgroup[i]]).ToArray(),
            strata is null ? null : Codes(rows.Select(i => strata[i]).ToArray()));

        var all = Enumerable.Range(0, data.Time.Length).ToArray();
        var effects = levels.Select((l, k) => Effect(l, all.Where(i => data.Level[i] == k).ToArray(), data, options)).ToList();
        return new SubgroupAnalysisResult(subgroupName, Effect("All", all, data, options), effects,
            Interaction(subgroupName, levels, data, options));
    }

    private sealed record Subjects(double[] Time, bool[] HadEvent, double[] Experimental, int[] Level, int[]? Stratum);

    private static void ValidateComparison(TreatmentComparison comparison)
    {
        if (comparison.Experimental is null || comparison.Experimental.Count == 0)
            throw new ArgumentException("Name at least one experimental arm.", nameof(comparison));
        if (comparison.Reference is null || comparison.Reference.Count == 0)
            throw new ArgumentException("Name at least one reference arm.", nameof(comparison));
        string? both = comparison.Experimental.FirstOrDefault(comparison.Reference.Contains);
        if (both is not null)
            throw new ArgumentException($"Arm '{both}' is named as both experimental and reference.", nameof(comparison));
    }

    private static int[] Codes(string[] labels)
    {
        var index = new Dictionary<string, int>();
        return labels.Select(l => index.TryGetValue(l, out int c) ? c : index[l] = index.Count).ToArray();
    }

    private static TreatmentEffect Effect(string label, int[] rows, Subjects data, CoxOptions options)
    {
        int experimentalSubjects = rows.Count(i => data.Experimental[i] == 1);
        int experimentalEvents = rows.Count(i => data.Experimental[i] == 1 && data.HadEvent[i]);
        int events = rows.Count(i => data.HadEvent[i]);
        var counts = new TreatmentEffect(label, rows.Length, events, experimentalSubjects, experimentalEvents,
            rows.Length - experimentalSubjects, events - experimentalEvents, false, null, null, null, null, null);

        if (rows.Length == 0) return counts with { NotEstimableReason = "no subjects" };
        if (events == 0) return counts with { NotEstimableReason = "no events" };
        if (experimentalSubjects == 0 || experimentalSubjects == rows.Length)
            return counts with { NotEstimableReason = "only one side of the comparison has subjects" };

        var model = CoxFit.Fit([Treatment], [rows.Select(i => data.Experimental[i]).ToArray()],
            rows.Select(i => data.Time[i]).ToArray(), rows.Select(i => data.HadEvent[i]).ToArray(),
            data.Stratum is null ? null : rows.Select(i => data.Stratum[i]).ToArray(), StrataCount(data), options);
        var term = model.Terms[0];
        return counts with
        {
            Estimable = term.Estimable,
            NotEstimableReason = term.NotEstimableReason,
            HazardRatio = term.HazardRatio,
            HazardRatioLower = term.HazardRatioLower,
            HazardRatioUpper = term.HazardRatioUpper,
            P = term.P,
        };
    }

    private static ChiSquareTest? Interaction(string subgroupName, List<string> levels, Subjects data, CoxOptions options)
    {
        int[] present = Enumerable.Range(0, levels.Count).Where(k => data.Level.Contains(k)).ToArray();
        if (present.Length < 2 || !data.HadEvent.Contains(true)) return null;

        // Treatment contrasts against the first level present; the choice does not change the likelihood ratio.
        var names = new List<string> { Treatment };
        var columns = new List<double[]> { data.Experimental };
        foreach (int k in present.Skip(1))
        {
            names.Add($"{subgroupName}={levels[k]}");
            columns.Add(data.Level.Select(l => l == k ? 1.0 : 0.0).ToArray());
        }
        int mainColumns = columns.Count;
        foreach (int k in present.Skip(1))
        {
            names.Add($"{Treatment}:{subgroupName}={levels[k]}");
            columns.Add(data.Level.Select((l, i) => l == k ? data.Experimental[i] : 0.0).ToArray());
        }

        int strataCount = StrataCount(data);
        var main = CoxFit.Fit(names.Take(mainColumns).ToList(), columns.Take(mainColumns).ToArray(),
            data.Time, data.HadEvent, data.Stratum, strataCount, options);
        var full = CoxFit.Fit(names, columns.ToArray(), data.Time, data.HadEvent, data.Stratum, strataCount, options);
        int df = (full.LikelihoodRatio?.DegreesOfFreedom ?? 0) - (main.LikelihoodRatio?.DegreesOfFreedom ?? 0);
        return df <= 0 ? null : CoxFit.Test(2 * (full.LogLikelihood - main.LogLikelihood), df);
    }

    private static int StrataCount(Subjects data) => data.Stratum is null ? 1 : data.Stratum.Max() + 1;
}
