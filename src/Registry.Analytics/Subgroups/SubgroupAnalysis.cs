using Registry.Analytics.Comparisons;
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
        ArgumentNullException.ThrowIfNull(subgroup);
        RequireName(subgroupName);
        return Analyze(SubgroupSubjects.Of(time, hadEvent, arm, comparison, strata, options), subgroupName, subgroup, subgroupLevels);
    }

    /// <summary>One subgroup variable of subjects prepared once for several (a forest plot's).</summary>
    /// <param name="subgroup">Subgroup label of each subject given to <see cref="SubgroupSubjects.Of"/>.</param>
    /// <param name="subgroupLevels">Order of the forest-plot rows; default: the labels sorted ordinally.</param>
    public static SubgroupAnalysisResult Analyze(
        SubgroupSubjects subjects, string subgroupName, IReadOnlyList<string> subgroup, IReadOnlyList<string>? subgroupLevels = null) =>
        Analyze(subjects, subgroupName, subgroup, subgroupLevels, kept: null).Result;

    /// <summary>
    /// As <see cref="Analyze(SubgroupSubjects, string, IReadOnlyList{string}, IReadOnlyList{string}?)"/>, taking from
    /// <paramref name="kept"/> (the same variable analysed before) each fit whose inputs are exactly the same: a level's
    /// effect when its subjects, in order, have the same times, events, arms and strata; the whole analysis when every
    /// subject's data and level are the same. Every number is what a fresh analysis gives, bit for bit.
    /// </summary>
    public static KeptSubgroupAnalysis Analyze(
        SubgroupSubjects subjects, string subgroupName, IReadOnlyList<string> subgroup, IReadOnlyList<string>? subgroupLevels, KeptSubgroupAnalysis? kept)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(subgroup);
        RequireName(subgroupName);
        if (subgroup.Count != subjects.Given)
            throw new ArgumentException($"There are {subgroup.Count} subgroup labels but {subjects.Given} times.", nameof(subgroup));
        foreach (int i in subjects.Rows)
            if (subgroup[i] is null) throw new ArgumentException($"Subgroup label at row {i} is missing.", nameof(subgroup));

        var levels = subgroupLevels?.ToArray() ?? subjects.Rows.Select(i => subgroup[i]).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (levels.Distinct().Count() != levels.Length)
            throw new ArgumentException("A subgroup level is listed more than once.", nameof(subgroupLevels));
        var level = LevelIndices(subjects.Rows, subgroup, levels);
        // Kept as bytes: a variable has a handful of groups, and a forest keeps every variable's.
        byte[]? keptLevel = levels.Length <= byte.MaxValue + 1 ? Array.ConvertAll(level, l => (byte)l) : null;

        if (kept is not null && (kept.Result.Subgroup != subgroupName || !kept.Levels.AsSpan().SequenceEqual(levels) || kept.Level is null
            || kept.Subjects.Options != subjects.Options || kept.Subjects.StrataCount != subjects.StrataCount)) kept = null;
        if (kept is not null && keptLevel is not null && ReferenceEquals(kept.Subjects, subjects) && kept.Level.AsSpan().SequenceEqual(keptLevel)) return kept;

        var (members, orders) = ByLevel(level, levels.Length, subjects.TimeOrder);
        var keptMembers = kept is null ? null : Members(kept.Level!, levels.Length);
        var effects = new TreatmentEffect[levels.Length];
        for (int k = 0; k < levels.Length; k++)
            effects[k] = keptMembers is not null && SameSubjects(subjects, members[k], kept!.Subjects, keptMembers[k])
                ? kept.Result.Levels[k]
                : Effect(levels[k], members[k], orders[k], subjects);
        var result = new SubgroupAnalysisResult(subgroupName, subjects.Overall, effects, Interaction(subgroupName, levels, level, subjects));
        return new KeptSubgroupAnalysis(result, subjects, levels, keptLevel);
    }

    /// <summary>Each subject's level, an index into <paramref name="levels"/>; equal labels are mostly the same string, so a label is looked up once per run of it.</summary>
    private static int[] LevelIndices(int[] rows, IReadOnlyList<string> subgroup, string[] levels)
    {
        var levelIndex = new Dictionary<string, int>(levels.Length);
        for (int k = 0; k < levels.Length; k++) levelIndex[levels[k]] = k;
        var level = new int[rows.Length];
        string? last = null;
        int lastIndex = -1;
        for (int r = 0; r < rows.Length; r++)
        {
            string label = subgroup[rows[r]];
            if (!ReferenceEquals(label, last))
            {
                if (!levelIndex.TryGetValue(label, out lastIndex))
                    throw new ArgumentException($"Subgroup label '{label}' is not among the given levels.", "subgroupLevels");
                last = label;
            }
            level[r] = lastIndex;
        }
        return level;
    }

    /// <summary>Each level's subjects, ascending.</summary>
    private static int[][] Members(byte[] level, int levels)
    {
        var counts = new int[levels];
        foreach (byte l in level) counts[l]++;
        var members = new int[levels][];
        for (int k = 0; k < levels; k++) members[k] = new int[counts[k]];
        Array.Clear(counts);
        for (int r = 0; r < level.Length; r++) members[level[r]][counts[level[r]]++] = r;
        return members;
    }

    /// <summary>Whether two levels' subjects, in order, have exactly the same data: then their fits are the same.</summary>
    private static bool SameSubjects(SubgroupSubjects subjects, int[] rows, SubgroupSubjects kept, int[] keptRows)
    {
        if (rows.Length != keptRows.Length) return false;
        for (int j = 0; j < rows.Length; j++)
            if (!subjects.SameSubject(rows[j], kept, keptRows[j])) return false;
        return true;
    }

    private static void RequireName(string subgroupName)
    {
        if (string.IsNullOrWhiteSpace(subgroupName))
            throw new ArgumentException("The subgroup variable needs a name.", nameof(subgroupName));
    }

    /// <summary>
    /// Each level's subjects, ascending, and their time order: the whole's time order walked once, each subject
    /// numbered by its place in its level, so a level's fit needs no sort of its own.
    /// </summary>
    private static (int[][] Members, int[][] Orders) ByLevel(int[] level, int levels, int[] timeOrder)
    {
        var counts = new int[levels];
        var place = new int[level.Length];
        for (int r = 0; r < level.Length; r++) place[r] = counts[level[r]]++;
        var members = new int[levels][];
        var orders = new int[levels][];
        for (int k = 0; k < levels; k++) (members[k], orders[k]) = (new int[counts[k]], new int[counts[k]]);
        for (int r = 0; r < level.Length; r++) members[level[r]][place[r]] = r;
        Array.Clear(counts);
        foreach (int r in timeOrder) orders[level[r]][counts[level[r]]++] = place[r];
        return (members, orders);
    }

    /// <param name="rows">The subjects in the row, ascending.</param>
    /// <param name="timeOrder">Their time order, as places in <paramref name="rows"/>.</param>
    internal static TreatmentEffect Effect(string label, int[] rows, int[] timeOrder, SubgroupSubjects data)
    {
        int experimentalSubjects = 0, experimentalEvents = 0, events = 0;
        foreach (int i in rows)
        {
            bool experimental = data.Experimental[i] == 1;
            if (experimental) experimentalSubjects++;
            if (data.HadEvent[i]) events++;
            if (experimental && data.HadEvent[i]) experimentalEvents++;
        }
        var counts = new TreatmentEffect(label, rows.Length, events, experimentalSubjects, experimentalEvents,
            rows.Length - experimentalSubjects, events - experimentalEvents, false, null, null, null, null, null);

        if (rows.Length == 0) return counts with { NotEstimableReason = "no subjects" };
        if (events == 0) return counts with { NotEstimableReason = "no events" };
        if (experimentalSubjects == 0 || experimentalSubjects == rows.Length)
            return counts with { NotEstimableReason = "only one side of the comparison has subjects" };

        var model = data.InWholeDays
            ? TwoGroupComparison.Cox(Counted(rows, data), Treatment, data.Options)
            : CoxFit.Fit([Treatment], [Array.ConvertAll(rows, i => data.Experimental[i])],
                Array.ConvertAll(rows, i => data.Time[i]), Array.ConvertAll(rows, i => data.HadEvent[i]),
                data.Stratum is null ? null : Array.ConvertAll(rows, i => data.Stratum[i]), data.StrataCount, data.Options, timeOrder);
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

    /// <summary>
    /// The row's subjects counted per day, side and stratum: a treatment effect is the unadjusted two-group comparison, fitted
    /// as the study's comparisons and maturity's cuts fit it, so the forest's overall row and the comparison agree to the last digit.
    /// </summary>
    private static TwoGroupCounts Counted(int[] rows, SubgroupSubjects data)
    {
        var counts = new TwoGroupCounts();
        foreach (int i in rows) counts.Add((int)data.Time[i], data.Experimental[i] == 1, data.HadEvent[i], data.Stratum?[i] ?? 0);
        return counts;
    }

    private static ChiSquareTest? Interaction(string subgroupName, string[] levels, int[] level, SubgroupSubjects data)
    {
        var recorded = new bool[levels.Length];
        foreach (int l in level) recorded[l] = true;
        int[] present = Enumerable.Range(0, levels.Length).Where(k => recorded[k]).ToArray();
        if (present.Length < 2 || !data.HadEvent.Contains(true)) return null;

        // Treatment contrasts against the first level present; the choice does not change the likelihood ratio.
        var names = new List<string> { Treatment };
        var columns = new List<double[]> { data.Experimental };
        foreach (int k in present.Skip(1))
        {
            names.Add($"{subgroupName}={levels[k]}");
            columns.Add(Array.ConvertAll(level, l => l == k ? 1.0 : 0.0));
        }
        int mainColumns = columns.Count;
        foreach (int k in present.Skip(1))
        {
            names.Add($"{Treatment}:{subgroupName}={levels[k]}");
            var interaction = new double[level.Length];
            for (int i = 0; i < level.Length; i++) interaction[i] = level[i] == k ? data.Experimental[i] : 0.0;
            columns.Add(interaction);
        }

        // Both models lay out every subject alike; the main effects are the full model's first columns.
        var design = CoxRiskSets.Build(columns.ToArray(), data.Layout);
        var main = CoxFit.Fit(names.Take(mainColumns).ToList(), design.FirstColumns(mainColumns), data.Options);
        var full = CoxFit.Fit(names, design, data.Options);
        int df = (full.LikelihoodRatio?.DegreesOfFreedom ?? 0) - (main.LikelihoodRatio?.DegreesOfFreedom ?? 0);
        return df <= 0 ? null : CoxFit.Test(2 * (full.LogLikelihood - main.LogLikelihood), df);
    }
}
