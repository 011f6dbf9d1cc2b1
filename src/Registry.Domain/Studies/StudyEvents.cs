using Registry.Domain.Protocols;

namespace Registry.Domain.Studies;

/// <summary>A study registered from its protocol; the protocol is version 1.</summary>
public sealed record StudyRegistered(Guid StudyId, Protocol Protocol);

/// <summary>The protocol replaced by an amended one, numbered and with its reason; patients keep what was recorded under earlier versions.</summary>
public sealed record ProtocolAmended(Guid StudyId, int Version, Protocol Protocol, string Reason);
