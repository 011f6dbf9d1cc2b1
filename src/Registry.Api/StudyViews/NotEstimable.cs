using Registry.Projections.StudyViews;

namespace Registry.Api.StudyViews;

/// <summary>
/// Why a number a view leaves null could not be estimated, in the investigator's words: what the dashboard shows
/// beside "not estimable" and the CSV tables write in their note column. Null when the number is there.
/// </summary>
public static class NotEstimable
{
    public const string NoPatients = "no analysable patients";

    public static string? Median(ArmSurvivalView arm) =>
        arm.Median is not null ? null : arm.N == 0 ? NoPatients : "median not reached: more than half are still event-free at the last follow-up";

    public static string? MedianLower(ArmSurvivalView arm) =>
        arm.MedianLower is not null || arm.Median is null ? null : "the upper confidence band never falls to 50%";

    public static string? MedianUpper(ArmSurvivalView arm) =>
        arm.MedianUpper is not null || arm.Median is null ? null : "the lower confidence band never falls to 50%";

    public static string? Landmark(ArmSurvivalView arm, LandmarkView landmark) =>
        landmark.Survival is not null ? null : arm.N == 0 ? NoPatients : "beyond the last follow-up";

    /// <summary>
    /// A landmark's confidence interval: none once the estimate has fallen to 0 (the last patient at risk had the event;
    /// censored patients may remain), none where the estimate is missing.
    /// </summary>
    public static string? LandmarkInterval(ArmSurvivalView arm, LandmarkView landmark) =>
        landmark.Survival is null ? Landmark(arm, landmark)
        : landmark.Lower is not null && landmark.Upper is not null ? null
        : landmark.Survival == 0 ? "the estimate is 0: the last patient at risk had the event" : "the interval is not defined here";

    public static string? HazardRatio(ComparisonView c) => c.Hr is not null ? null : c.NotEstimableReason ?? "not estimable";

    public static string? LogRank(ComparisonView c) => c.LogRankP is not null ? null : c.NotEstimableReason ?? "not testable";

    public static string? HazardRatio(SubgroupRowView row) => row.Hr is not null ? null : row.NotEstimableReason ?? "not estimable";

    public static string? HazardRatio(MaturityPoint point) => point.Hr is not null ? null : point.NotEstimableReason ?? "not estimable";

    public static string? Interaction(SubgroupVariableView variable) =>
        variable.InteractionP is not null ? null : variable.Levels.Select(l => l.NotEstimableReason).FirstOrDefault(r => r is not null) ?? "fewer than two groups with events";

    public static string? Rate(RateView? rate) => rate is null ? NoPatients : null;

    public static string? Across(AcrossArmsTest test) => test.ChiSquareP is not null ? null : test.Note ?? "not testable";
}
