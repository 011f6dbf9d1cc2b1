using System.Globalization;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Interop.Datasets;

namespace Registry.Interop.Tests.Datasets;

/// <summary>
/// A small hand-built study the dataset tests read value by value: arms A and B, time from treatment start, a data
/// dictionary with a grouped number, a category with merged levels, a yes/no, an optional number and a date, and
/// patients written entry by entry (entry n is stream version n, recorded n days after 1 Jan 2021).
/// </summary>
internal static class SmallStudy
{
    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static readonly Protocol Protocol = new(
        "SMALL-1", "A small study", StudyDesigns.NonRandomized, TimeOrigins.TreatmentStart,
        [new ProtocolArm("A", "Arm A"), new ProtocolArm("B", "Arm B")],
        [
            new Variable("age", "Age", VariableTypes.Integer, Min: 18, Max: 90, Unit: "years", Grouping: new Grouping(CutPoints: [50], Labels: ["<50", "≥50"])),
            new Variable("tStage", "T stage", VariableTypes.Category, Levels: ["T1", "T2", "T3", "T4"],
                Grouping: new Grouping(Merge: [new MergedLevels("T1–T3", ["T1", "T2", "T3"])])),
            new Variable("liver.metastasis", "Liver metastasis", VariableTypes.Boolean),
            new Variable("pdL1Cps", "PD-L1 CPS", VariableTypes.Decimal, Min: 0, Max: 100, Required: false),
            new Variable("diagnosedOn", "Date of diagnosis", VariableTypes.Date),
        ],
        ["pfs", "os", "ffs", "ttp", "dor", "orr"]);

    public static Study Study => new(Guid.Parse("00000000-0000-0000-0000-00000000000a"),
        [new ProtocolRevision(1, Protocol, new DateTimeOffset(2020, 12, 1, 0, 0, 0, TimeSpan.Zero), "admin", null)]);

    public static BaselineValues Baseline(int age = 61, string tStage = "T2", bool liver = false, BaselineValue? cps = null) => new(
    [
        new("age", BaselineValue.Of(age)),
        new("tStage", BaselineValue.Of(tStage)),
        new("liver.metastasis", BaselineValue.Of(liver)),
        new("pdL1Cps", cps ?? BaselineValue.Of(12.5)),
        new("diagnosedOn", BaselineValue.Of("2020-11-20")),
    ]);

    public static PatientEnrolled Enrolled(string subject, string arm, BaselineValues? baseline = null, string enrolledOn = "2020-12-28") =>
        new(Guid.NewGuid(), Study.Id, arm, "S1", subject, D(enrolledOn), baseline ?? Baseline());

    public static ImagingAssessed Scan(string on, TimepointResponse response) =>
        new(D(on), 40, NonTargetStatus.None, response == TimepointResponse.PD, response);

    /// <summary>The patient's record: each entry in order (a <see cref="EntryCorrected"/> or <see cref="EntryVoided"/> amends an earlier one).</summary>
    public static PatientTimeline Timeline(PatientEnrolled enrolment, params object[] entries) =>
        PatientTimeline.From(enrolment.PatientId, new object[] { enrolment }.Concat(entries)
            .Select((e, i) => new RecordedEvent(i + 1, e, new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(i), "coordinator")))!;

    public static AnalysisPatient Patient(PatientTimeline timeline, DateOnly? dataCut = null) =>
        new(timeline, OutcomeDerivation.Derive(timeline, Protocol, dataCut));

    public static AnalysisSource Source(DateOnly? dataCut, params PatientTimeline[] timelines) =>
        new(Study, timelines.Where(t => dataCut is null || t.Enrolment.EnrolledOn <= dataCut).Select(t => Patient(t, dataCut)).ToList(), null, dataCut);

    /// <summary>A dataset's records as name → value, so a test reads a row as the CSV header names it.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Records(AnalysisDataset dataset) =>
        dataset.Rows.Select(r => (IReadOnlyDictionary<string, object?>)dataset.Columns.Select((c, i) => (c.Name, Value: r[i])).ToDictionary(x => x.Name, x => x.Value)).ToList();
}
