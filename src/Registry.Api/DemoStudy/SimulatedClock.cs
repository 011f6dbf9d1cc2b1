namespace Registry.Api.DemoStudy;

/// <summary>
/// The server clock during a demo load: each loading task sets the instant its next entry is recorded at, so the
/// event store's recorded-at times follow the simulated calendar. Outside a load it is the system clock.
/// </summary>
public sealed class SimulatedClock : TimeProvider
{
    private readonly AsyncLocal<DateTimeOffset?> _now = new();

    public void Set(DateTimeOffset instant) => _now.Value = instant;

    public override DateTimeOffset GetUtcNow() => _now.Value ?? System.GetUtcNow();
}
