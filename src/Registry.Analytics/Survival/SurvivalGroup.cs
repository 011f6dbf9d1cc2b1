namespace Registry.Analytics.Survival;

/// <summary>A treatment arm (or other group) to compare, with optional per-patient stratum labels.</summary>
/// <param name="Label">Name of the group, e.g. the arm code.</param>
/// <param name="Data">Follow-up of the group's patients.</param>
/// <param name="Strata">
/// Stratum of each patient, aligned with <paramref name="Data"/> (e.g. ECOG or region). When the groups carry strata
/// the log-rank test is stratified, as R's <c>survdiff(Surv(t, s) ~ arm + strata(x))</c>.
/// </param>
public sealed record SurvivalGroup(string Label, SurvivalData Data, IReadOnlyList<string>? Strata = null);
