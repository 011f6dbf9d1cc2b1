using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Analytics.Comparisons;

/// <summary>
/// The log-rank test and the Cox model of experimental vs reference from <see cref="TwoGroupCounts"/>: what
/// <see cref="Survival.LogRank.Test"/> and <see cref="CoxRegression.Fit"/> give for the same patients with a 0/1 group column
/// (R's <c>survdiff</c> and <c>coxph(Surv(t, s) ~ group + strata(x))</c>), to rounding, at O(distinct days) per Newton
/// step. The same rules decide: the test's chi-square and the fit's convergence, infinite and redundant terms are theirs.
/// </summary>
public static class TwoGroupComparison
{
    /// <summary>The (stratified, when more than one stratum was counted) log-rank test; groups in the order experimental, reference.</summary>
    /// <exception cref="ArgumentException">A label is blank, or both are the same (as <see cref="Survival.LogRank.Test"/>).</exception>
    public static LogRankResult LogRank(TwoGroupCounts counts, string experimental, string reference)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (string.IsNullOrWhiteSpace(experimental))
            throw new ArgumentException($"Group labels must be non-blank and distinct; '{experimental}' is not.", nameof(experimental));
        if (string.IsNullOrWhiteSpace(reference) || reference == experimental)
            throw new ArgumentException($"Group labels must be non-blank and distinct; '{reference}' is not.", nameof(reference));

        var observed = new double[2];
        var expected = new double[2];
        var variance = new double[2, 2];
        Span<double> risk = stackalloc double[2];
        var strata = 0;
        for (var s = 0; s < counts.StrataCounted; s++)
        {
            var stratum = counts.Stratum(s);
            risk.Clear();
            var any = false;
            for (var day = stratum.Length / TwoGroupCounts.Slots - 1; day >= 0; day--)
            {
                var at = stratum.Slice(TwoGroupCounts.Slots * day, TwoGroupCounts.Slots);
                if (at[0] + at[1] + at[2] + at[3] == 0) continue;
                any = true;
                risk[0] += at[2] + at[3];
                risk[1] += at[0] + at[1];
                double deaths = at[1] + at[3];
                if (deaths == 0) continue;
                observed[0] += at[3];
                observed[1] += at[1];
                Survival.LogRank.AddDeaths(risk, deaths, risk[0] + risk[1], expected, variance);
            }
            if (any) strata++;
        }
        return Survival.LogRank.Result([experimental, reference], [counts.ExperimentalSubjects, counts.ReferenceSubjects], Math.Max(strata, 1), observed, expected, variance);
    }

    /// <summary>The Cox model of one term, <paramref name="name"/> (e.g. <c>arm=B</c>): 1 for the experimental group, 0 for the reference.</summary>
    /// <exception cref="ArgumentException">
    /// As <see cref="CoxRegression.Fit"/>: invalid options, no subjects or no events; a group without subjects (the column is
    /// constant: the general fit's term is then redundant or infinite as rounding falls, never estimable); and a time
    /// tolerance that would tie whole days (at least 1 / <see cref="TwoGroupCounts.MaximumDay"/>), which counts per day cannot follow.
    /// </exception>
    public static CoxModel Cox(TwoGroupCounts counts, string name, CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        options ??= CoxOptions.Default;
        CoxRegression.Validate(options);
        if (options.TimeTolerance >= 1.0 / TwoGroupCounts.MaximumDay)
            throw new ArgumentException($"A time tolerance of {options.TimeTolerance} would tie distinct days; counts per day need less than {1.0 / TwoGroupCounts.MaximumDay}.", nameof(options));
        if (counts.Subjects == 0) throw new ArgumentException("There are no subjects.", nameof(counts));
        if (counts.Events == 0)
            throw new ArgumentException("No subject had an event, so the partial likelihood is empty and no hazard ratio can be estimated.", nameof(counts));
        if (counts.ExperimentalSubjects == 0 || counts.ReferenceSubjects == 0)
            throw new ArgumentException("Only one group has subjects, so the group's hazard ratio is not estimable.", nameof(counts));
        return CoxFit.Fit([name], new CoxTwoGroupLikelihood(counts, options.Ties), options);
    }
}
