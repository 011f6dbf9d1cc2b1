using Registry.Domain.Protocols;

namespace Registry.Domain.Studies;

/// <summary>One version of a study's protocol, when it came into force, who recorded it and why.</summary>
public sealed record ProtocolRevision(int Version, Protocol Protocol, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason);

/// <summary>A study: its protocol in force and every earlier version, so a view as of a past moment uses the protocol of that moment.</summary>
public sealed record Study(Guid Id, IReadOnlyList<ProtocolRevision> Revisions)
{
    public Protocol Protocol => Revisions[^1].Protocol;
    public int ProtocolVersion => Revisions[^1].Version;
    public string Code => Protocol.Code;
    public string Title => Protocol.Title;

    public static Study Create(StudyRegistered registered, DateTimeOffset recordedAt, string? recordedBy) =>
        new(registered.StudyId, [new ProtocolRevision(1, registered.Protocol, recordedAt, recordedBy, null)]);

    public Study Apply(ProtocolAmended amended, DateTimeOffset recordedAt, string? recordedBy) =>
        this with { Revisions = [.. Revisions, new ProtocolRevision(amended.Version, amended.Protocol, recordedAt, recordedBy, amended.Reason)] };

    /// <summary>The protocol as it stood at <paramref name="asOf"/> (now when null); null when the study was not yet registered then.</summary>
    public ProtocolRevision? RevisionAsOf(DateTimeOffset? asOf) =>
        asOf is null ? Revisions[^1] : Revisions.LastOrDefault(r => r.RecordedAt <= asOf);

    /// <summary>This study as it stood at <paramref name="asOf"/>.</summary>
    public Study? AsOf(DateTimeOffset? asOf) =>
        asOf is null ? this : Revisions.Where(r => r.RecordedAt <= asOf).ToList() is { Count: > 0 } kept ? this with { Revisions = kept } : null;

    public bool HasArm(string code) => Protocol.HasArm(code);
}
