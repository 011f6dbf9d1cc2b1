using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo;

/// <summary>
/// One coordinator entry a simulation will make: for which simulated patient, at which site, when the server clock
/// reads, and what. <see cref="Fact"/> is an <see cref="IPatientFact"/> (an enrolment carries empty patient and study
/// ids, filled in by the loader) or a <see cref="SimulatedCorrection"/>. The loader sends each through the same
/// routes and rules a coordinator's entry goes through.
/// </summary>
public sealed record SimulatedEntry(DateTimeOffset RecordedAt, int Patient, string Site, object Fact);

/// <summary>A correction of the patient's <paramref name="EntryNumber"/>-th entry (1 = enrolment), i.e. stream version EntryNumber.</summary>
public sealed record SimulatedCorrection(long EntryNumber, IPatientFact Replacement, string Reason);

/// <summary>A whole simulated study: its protocol, its entries in order of recording, and the data cut it ends at.</summary>
public sealed record SimulatedStudy(Protocol Protocol, IReadOnlyList<SimulatedEntry> Entries, int Patients, DateOnly DataCut);
