namespace Registry.Domain.Protocols;

/// <summary>Whether an endpoint is a time to an event (Kaplan–Meier, Cox) or a proportion of patients (exact CI).</summary>
public enum EndpointKind { TimeToEvent, Rate }

/// <summary>One endpoint of the catalogue, with the definition docs/outcomes.md spells out.</summary>
public sealed record EndpointDefinition(string Code, string Name, EndpointKind Kind, string Definition);

/// <summary>The endpoints a protocol may name. Each is derived in exactly one place (<see cref="Outcomes.OutcomeDerivation"/>).</summary>
public static class EndpointCatalogue
{
    public static readonly IReadOnlyList<EndpointDefinition> All =
    [
        new("pfs", "Progression-free survival", EndpointKind.TimeToEvent,
            "From the time origin to the first progression or relapse (any site, including an imaging timepoint of PD) or death; censored at the last tumour assessment."),
        new("os", "Overall survival", EndpointKind.TimeToEvent,
            "From the time origin to death from any cause; censored at the last date known alive."),
        new("efs", "Event-free survival", EndpointKind.TimeToEvent,
            "From the time origin to the first progression, locoregional or distant relapse, or death; censored at the last date known alive."),
        new("ffs", "Failure-free survival", EndpointKind.TimeToEvent,
            "From the time origin to the first locoregional or distant failure (progression or relapse); death without failure censors at death."),
        new("dmfs", "Distant metastasis-free survival", EndpointKind.TimeToEvent,
            "From the time origin to the first distant relapse or progression, or death; censored at the last date known alive."),
        new("lrrfs", "Locoregional relapse-free survival", EndpointKind.TimeToEvent,
            "From the time origin to the first locoregional relapse or progression, or death; censored at the last date known alive."),
        new("ttp", "Time to progression", EndpointKind.TimeToEvent,
            "From the time origin to the first progression or relapse; death without progression censors at the last tumour assessment."),
        new("dor", "Duration of response", EndpointKind.TimeToEvent,
            "Among responders (best overall response CR or PR), from the first response to progression or death; censored at the last tumour assessment."),
        new("orr", "Objective response rate", EndpointKind.Rate, "Patients whose best overall response is CR or PR."),
        new("corr", "Confirmed objective response rate", EndpointKind.Rate,
            "Patients whose CR or PR is confirmed by a later timepoint at least the protocol's confirmation interval apart."),
        new("dcr", "Disease control rate", EndpointKind.Rate, "Patients whose best overall response is CR, PR or SD."),
    ];

    public static EndpointDefinition? Find(string? code) =>
        All.FirstOrDefault(e => string.Equals(e.Code, code, StringComparison.Ordinal));

    public static IEnumerable<string> TimeToEventCodes => All.Where(e => e.Kind == EndpointKind.TimeToEvent).Select(e => e.Code);
}
