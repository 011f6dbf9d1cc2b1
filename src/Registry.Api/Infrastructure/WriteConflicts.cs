using JasperFx;

namespace Registry.Api.Infrastructure;

/// <summary>
/// The one rule for telling a lost race from a failure: every append site asks here, so what counts as "someone else
/// wrote first" is decided once. Either way the transaction was rolled back and nothing was recorded.
/// </summary>
public static class WriteConflicts
{
    /// <summary>
    /// Another write to the same stream committed first. Marten refuses the append at the version it read (its
    /// MT003 version check, or the (stream, version) key on the event table) as an
    /// <see cref="JasperFx.Events.EventStreamUnexpectedMaxEventIdException"/>, a <see cref="ConcurrencyException"/>.
    /// </summary>
    public static bool IsConcurrentWrite(Exception e) => e is ConcurrencyException;

    /// <summary>Another write took the same unique claim first (a study code, a subject code): the claim document's key refuses the second insert.</summary>
    public static bool IsClaimTaken(Exception e) => e is DocumentAlreadyExistsException;
}
