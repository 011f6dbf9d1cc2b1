namespace Registry.Domain.Studies;

/// <summary>A study as its decisions need it: identity, arms and response conventions.</summary>
public sealed record Study(
    Guid Id,
    string Code,
    string Title,
    string? Setting,
    string? PrimaryEndpoint,
    IReadOnlyList<Arm> Arms,
    ResponseRules ResponseRules)
{
    public static Study Create(StudyRegistered registered) => new(
        registered.StudyId, registered.Code, registered.Title, registered.Setting, registered.PrimaryEndpoint,
        registered.Arms, registered.ResponseRules ?? ResponseRules.Default);

    public Study Apply(ArmAdded added) => this with { Arms = [.. Arms, added.Arm] };

    public bool HasArm(string code) => Arms.Any(a => string.Equals(a.Code, code, StringComparison.Ordinal));
}
