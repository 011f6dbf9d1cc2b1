using System.Text.Json;
using System.Text.Json.Serialization;
using Registry.Analytics;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Api.Analyze;

/// <summary>
/// The one JSON object <c>analyze</c> prints, in the shape issue 3 fixes for checks against R. Optional blocks are
/// left out when not asked for; inside a block, a quantity that is not reached or not estimable is null.
/// </summary>
public sealed record AnalysisReport(
    IReadOnlyList<GroupCurve> Km,
    LogRankReport LogRank,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LogRankReport? StratifiedLogRank,
    CoxReport Cox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CoxReport? StratifiedCox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CoxReport? MultivariableCox)
{
    // The serializer refuses NaN and infinities by default, so none can leak into the output unnoticed.
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

public sealed record GroupCurve(
    string Group, int N, int Events, double? Median, double? MedianLower, double? MedianUpper, IReadOnlyList<CurveStep> Steps)
{
    public static GroupCurve From(string group, KaplanMeierCurve curve) => new(
        group, curve.Subjects, curve.Events, curve.Median.Time, curve.Median.Lower, curve.Median.Upper,
        curve.Steps.Select(s => new CurveStep(s.Time, s.NRisk, s.NEvent, s.Survival, s.StdErr, s.Lower, s.Upper)).ToArray());
}

/// <summary>One event time of a group, as a row of R's <c>summary(survfit(...), censored = FALSE)</c>.</summary>
public sealed record CurveStep(double Time, int NRisk, int NEvent, double Survival, double? StdErr, double? Lower, double? Upper);

/// <summary>Observed and expected events per group in the order of <see cref="AnalysisReport.Km"/>.</summary>
public sealed record LogRankReport(double? ChiSquare, int? Df, double? P, IReadOnlyList<double> Observed, IReadOnlyList<double> Expected)
{
    public static LogRankReport From(LogRankResult result) =>
        new(result.Test?.ChiSquare, result.Test?.DegreesOfFreedom, result.Test?.P, result.Observed, result.Expected);
}

public sealed record ModelTest(double? ChiSquare, int? Df, double? P)
{
    public static ModelTest From(ChiSquareTest? test) => new(test?.ChiSquare, test?.DegreesOfFreedom, test?.P);
}

public sealed record CoxTermReport(string Name, double? Coef, double? Se, double? Hr, double? HrLower, double? HrUpper, double? P);

/// <param name="LogLikelihood">Partial log-likelihood of the null model and of the fitted one, as R's <c>fit$loglik</c>.</param>
public sealed record CoxReport(
    string Ties, IReadOnlyList<CoxTermReport> Terms, IReadOnlyList<double?> LogLikelihood, ModelTest LikelihoodRatio, ModelTest Wald, ModelTest Score)
{
    public static CoxReport From(CoxModel model) => new(
        TiesName(model.Ties),
        model.Terms.Select(t => new CoxTermReport(t.Name, t.Coefficient, t.StandardError, t.HazardRatio, t.HazardRatioLower, t.HazardRatioUpper, t.P)).ToArray(),
        [model.NullLogLikelihood, model.LogLikelihood],
        ModelTest.From(model.LikelihoodRatio), ModelTest.From(model.Wald), ModelTest.From(model.Score));

    /// <summary>Without a single event there is no partial likelihood: every term and test is not estimable, as in R.</summary>
    public static CoxReport WithoutEvents(CoxTies ties, IEnumerable<string> termNames) => new(
        TiesName(ties),
        termNames.Select(name => new CoxTermReport(name, null, null, null, null, null, null)).ToArray(),
        [null, null], new ModelTest(null, null, null), new ModelTest(null, null, null), new ModelTest(null, null, null));

    private static string TiesName(CoxTies ties) => ties.ToString().ToLowerInvariant();
}
