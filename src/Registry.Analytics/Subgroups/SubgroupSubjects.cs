using System.Runtime.InteropServices;
using Registry.Analytics.Comparisons;
using Registry.Analytics.Cox;

namespace Registry.Analytics.Subgroups;

/// <summary>
/// The subjects of one treatment comparison, validated and sorted by time once, for the analyses of several subgroup
/// variables (a forest plot, <see cref="SubgroupAnalysis.Analyze(SubgroupSubjects, string, IReadOnlyList{string}, IReadOnlyList{string}?)"/>):
/// each variable's fits derive their rows' order from this one, and the effect over all subjects is fitted once.
/// </summary>
public sealed class SubgroupSubjects
{
    private readonly Lazy<TreatmentEffect> _overall;

    private SubgroupSubjects(int given, int[] rows, double[] time, bool[] hadEvent, double[] experimental, int[]? stratum, CoxOptions options)
    {
        Given = given;
        Rows = rows;
        Time = time;
        HadEvent = hadEvent;
        Experimental = experimental;
        Stratum = stratum;
        StrataCount = stratum is null ? 1 : stratum.Max() + 1;
        Options = options;
        InWholeDays = options.TimeTolerance < 1.0 / TwoGroupCounts.MaximumDay && Array.TrueForAll(time, t => t <= TwoGroupCounts.MaximumDay && t == Math.Floor(t));
        TimeOrder = CoxRowLayout.TimeOrder(time);
        Layout = CoxRowLayout.Of(time, hadEvent, stratum, StrataCount, options.TimeTolerance, TimeOrder);
        _overall = new(() => SubgroupAnalysis.Effect("All", Enumerable.Range(0, rows.Length).ToArray(), TimeOrder, this));
    }

    /// <summary>Rows given (every arm's); a subgroup variable labels each of them.</summary>
    internal int Given { get; }

    /// <summary>The given rows in the comparison, ascending; the arrays below are theirs, in this order.</summary>
    internal int[] Rows { get; }

    internal double[] Time { get; }
    internal bool[] HadEvent { get; }
    internal double[] Experimental { get; }
    internal int[]? Stratum { get; }
    internal int StrataCount { get; }
    internal CoxOptions Options { get; }

    /// <summary>Every time a whole number of days that the options' tolerance keeps apart: a level's effect is then fitted from counts per day.</summary>
    internal bool InWholeDays { get; }

    /// <summary>The subjects in ascending time order, ties in subject order (<see cref="CoxRowLayout.TimeOrder"/>).</summary>
    internal int[] TimeOrder { get; }

    /// <summary>Every subject's rows laid out once for the Cox kernel: each variable's interaction models differ only in their columns.</summary>
    internal CoxRowLayout Layout { get; }

    /// <summary>The treatment effect over every subject of the comparison.</summary>
    public TreatmentEffect Overall => _overall.Value;

    /// <param name="arm">Arm of each subject, matched against <paramref name="comparison"/>.</param>
    /// <param name="strata">Optional stratum label per subject; strata apply to every model.</param>
    /// <param name="kept">
    /// Subjects prepared before (the same comparison at an earlier position): returned as they are, with their order,
    /// layout and overall fit, when the subjects in the comparison and their times, events, arms and strata are exactly these.
    /// </param>
    /// <exception cref="ArgumentException">The inputs differ in length, a time is negative or not finite, a label is missing, or a side of the comparison has no subject.</exception>
    public static SubgroupSubjects Of(
        IReadOnlyList<double> time,
        IReadOnlyList<bool> hadEvent,
        IReadOnlyList<string> arm,
        TreatmentComparison comparison,
        IReadOnlyList<string>? strata = null,
        CoxOptions? options = null,
        SubgroupSubjects? kept = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(hadEvent);
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentNullException.ThrowIfNull(comparison);
        options ??= CoxOptions.Default;
        CoxRegression.Validate(options);
        ValidateComparison(comparison);
        int n = time.Count;
        if (hadEvent.Count != n) throw new ArgumentException($"There are {hadEvent.Count} event flags but {n} times.", nameof(hadEvent));
        if (arm.Count != n) throw new ArgumentException($"There are {arm.Count} arm labels but {n} times.", nameof(arm));
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
            if (strata is not null && strata[i] is null) throw new ArgumentException($"Stratum label at row {i} is missing.", nameof(strata));
            rows.Add(i);
        }
        if (!rows.Any(i => experimental.Contains(arm[i])))
            throw new ArgumentException("No subject is in an experimental arm.", nameof(comparison));
        if (!rows.Any(i => reference.Contains(arm[i])))
            throw new ArgumentException("No subject is in a reference arm.", nameof(comparison));

        var inComparison = rows.ToArray();
        var subjectTime = Array.ConvertAll(inComparison, i => time[i]);
        var subjectEvent = Array.ConvertAll(inComparison, i => hadEvent[i]);
        var subjectExperimental = Array.ConvertAll(inComparison, i => experimental.Contains(arm[i]) ? 1.0 : 0.0);
        var subjectStratum = strata is null ? null : Codes(Array.ConvertAll(inComparison, i => strata[i]));
        if (kept is not null && kept.Given == n && kept.Options == options && kept.Rows.AsSpan().SequenceEqual(inComparison)
            && SameSubjects(kept.Time, kept.HadEvent, kept.Experimental, kept.Stratum, subjectTime, subjectEvent, subjectExperimental, subjectStratum))
            return kept;
        return new SubgroupSubjects(n, inComparison, subjectTime, subjectEvent, subjectExperimental, subjectStratum, options);
    }

    /// <summary>Whether two sets of subjects' data are identical bit for bit (a fit of either gives the same numbers).</summary>
    private static bool SameSubjects(double[] time, bool[] hadEvent, double[] experimental, int[]? stratum,
        double[] otherTime, bool[] otherEvent, double[] otherExperimental, int[]? otherStratum) =>
        MemoryMarshal.Cast<double, long>(time).SequenceEqual(MemoryMarshal.Cast<double, long>(otherTime))
        && hadEvent.AsSpan().SequenceEqual(otherEvent)
        && MemoryMarshal.Cast<double, long>(experimental).SequenceEqual(MemoryMarshal.Cast<double, long>(otherExperimental))
        && (stratum is null ? otherStratum is null : otherStratum is not null && stratum.AsSpan().SequenceEqual(otherStratum));

    /// <summary>
    /// Whether subject <paramref name="row"/> here has exactly the data of subject <paramref name="otherRow"/> of
    /// <paramref name="other"/>: a level made of such subjects, in the same order, gives the same fit.
    /// </summary>
    internal bool SameSubject(int row, SubgroupSubjects other, int otherRow) =>
        BitConverter.DoubleToInt64Bits(Time[row]) == BitConverter.DoubleToInt64Bits(other.Time[otherRow])
        && HadEvent[row] == other.HadEvent[otherRow]
        && BitConverter.DoubleToInt64Bits(Experimental[row]) == BitConverter.DoubleToInt64Bits(other.Experimental[otherRow])
        && (Stratum is null ? other.Stratum is null : other.Stratum is not null && Stratum[row] == other.Stratum[otherRow]);

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
}
