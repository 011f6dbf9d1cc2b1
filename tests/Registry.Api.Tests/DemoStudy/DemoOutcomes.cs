using System.Globalization;
using Registry.Demo;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;

namespace Registry.Api.Tests.DemoStudy;

/// <summary>
/// A simulated study's patients derived without a database, as the registry's outcome projection derives them: each
/// patient's entries folded into a timeline (entry n is stream version n, a correction an <see cref="EntryCorrected"/>),
/// then <see cref="OutcomeDerivation"/> under the study's protocol with no data cut (as the live views read them).
/// </summary>
public static class DemoOutcomes
{
    public static IReadOnlyList<PatientTimeline> Timelines(SimulatedStudy study) => study.Entries
        .GroupBy(e => e.Patient).OrderBy(g => g.Key)
        .Select(g => PatientTimeline.From(new Guid(g.Key + 1, 0, 0, new byte[8]), g.Select((e, i) => new RecordedEvent(i + 1,
            e.Fact is SimulatedCorrection c ? new EntryCorrected(c.EntryNumber, c.Replacement, c.Reason) : e.Fact, e.RecordedAt, $"coordinator-{e.Site}")))!)
        .ToList();

    public static IReadOnlyList<PatientOutcome> Derive(SimulatedStudy study) =>
        Timelines(study).Select(t => OutcomeDerivation.Derive(t, study.Protocol)).ToList();

    /// <summary>
    /// The rows R reads (R/demo_study.R): one per analysable patient, in simulation order, times in days from treatment
    /// start. Deterministic: the same simulation gives the same text, byte for byte.
    /// </summary>
    public static string ToCsv(IReadOnlyList<PatientOutcome> outcomes) => string.Join("\n",
        new[] { "arm,pfs_days,pfs_event,os_days,os_event" }.Concat(outcomes
            .Where(o => o.Analysable)
            .Select(o => string.Join(",", o.Arm, Days(o.Time("pfs")!), Flag(o.Time("pfs")!), Days(o.Time("os")!), Flag(o.Time("os")!))))) + "\n";

    private static string Days(TimeToEvent t) => t.Days.ToString(CultureInfo.InvariantCulture);
    private static string Flag(TimeToEvent t) => t.Event ? "1" : "0";

    /// <summary>A file under the source tree's tests/Registry.Api.Tests/ (found from the test assembly upwards).</summary>
    public static string SourcePath(params string[] parts)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "TrialRegistry.sln")))
                return Path.Combine([directory.FullName, "tests", "Registry.Api.Tests", .. parts]);
        throw new DirectoryNotFoundException("TrialRegistry.sln not found above the test assembly.");
    }
}
