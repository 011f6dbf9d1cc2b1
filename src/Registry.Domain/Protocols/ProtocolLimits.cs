namespace Registry.Domain.Protocols;

/// <summary>
/// How large a protocol may be. Every view's work grows with arms, levels and planned analyses (a forest plot fits a
/// Cox model per subgroup level; a survival view draws a curve per arm), so these bounds are what keep one request's
/// work and answer bounded. <see cref="ProtocolRules"/> refuses a protocol past any of them, keyed by JSON path; the
/// schema (protocol.schema.json) states the same numbers as maxItems/maxLength.
/// </summary>
public static class ProtocolLimits
{
    public const int Arms = 26;
    public const int RegimenComponents = 10;
    public const int Variables = 200;
    public const int Levels = 100;
    public const int CutPoints = 20;
    public const int MergedGroups = 100;
    public const int EligibilityCriteria = 100;
    public const int StratificationFactors = 5;
    public const int Landmarks = 20;
    public const int PooledGroups = 20;
    public const int Comparisons = 20;
    public const int StratifyBy = 5;
    public const int AdjustFor = 10;
    public const int Subgroups = 20;

    /// <summary>Short names: a level, a group label, a unit, a pooled group's name.</summary>
    public const int NameLength = 100;

    /// <summary>Words: an eligibility criterion as a refusal names it.</summary>
    public const int LabelLength = 500;
}
