using System.Globalization;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Domain.Tests.Support;

/// <summary>
/// The small protocols and charts the hand-worked tests share: the motivating nasopharyngeal carcinoma study's
/// dictionary, a single-arm and a randomized design over it, and a way to write a patient's stream in order.
/// </summary>
internal static class Fixtures
{
    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static readonly IReadOnlyList<string> AllEndpoints = [.. EndpointCatalogue.All.Select(e => e.Code)];

    /// <summary>The baseline the first registry schema recorded, as a data dictionary with dotted keys for the nested sites.</summary>
    public static readonly IReadOnlyList<Variable> NpcVariables =
    [
        new("age", "Age", VariableTypes.Integer, Min: 18, Max: 100, Unit: "years", Grouping: new Grouping(CutPoints: [50])),
        new("sex", "Sex", VariableTypes.Category, Levels: ["male", "female"]),
        new("karnofskyScore", "Karnofsky score", VariableTypes.Integer, Min: 0, Max: 100,
            Grouping: new Grouping(CutPoints: [70, 90], Labels: ["<70", "70–80", "90–100"])),
        new("bodyMassIndex", "BMI", VariableTypes.Decimal, Min: 10, Max: 60, Unit: "kg/m²"),
        new("npcFamilyHistory", "NPC family history", VariableTypes.Boolean),
        new("diseaseStatus", "Disease status", VariableTypes.Category, Levels: ["recurrent", "metastatic", "recurrentAndMetastatic"]),
        new("treatmentLine", "Treatment line", VariableTypes.Integer, Min: 1, Max: 10),
        new("metastaticSites.count", "Metastatic sites", VariableTypes.Integer, Min: 0, Max: 20),
        new("metastaticSites.liver", "Liver metastasis", VariableTypes.Boolean),
        new("ebvDna", "EBV DNA", VariableTypes.Category, Levels: ["negative", "positive"], Required: false),
        new("pdL1Cps", "PD-L1 CPS", VariableTypes.Decimal, Min: 0, Max: 100, Required: false),
    ];

    /// <summary>A baseline that satisfies <see cref="NpcVariables"/>: 52-year-old man, KPS 80, BMI 23, one lung metastasis, EBV DNA negative, CPS not known.</summary>
    public static readonly BaselineValues NpcBaseline = Baseline(
        ("age", BaselineValue.Of(52)),
        ("sex", BaselineValue.Of("male")),
        ("karnofskyScore", BaselineValue.Of(80)),
        ("bodyMassIndex", BaselineValue.Of(23.0)),
        ("npcFamilyHistory", BaselineValue.Of(false)),
        ("diseaseStatus", BaselineValue.Of("recurrent")),
        ("treatmentLine", BaselineValue.Of(3)),
        ("metastaticSites.count", BaselineValue.Of(1)),
        ("metastaticSites.liver", BaselineValue.Of(false)),
        ("ebvDna", BaselineValue.Of("negative")),
        ("pdL1Cps", BaselineValue.MissingAs(MissingCodes.Unknown)));

    public static BaselineValues Baseline(params (string Key, BaselineValue Value)[] values) =>
        new(values.Select(v => new KeyValuePair<string, BaselineValue>(v.Key, v.Value)));

    /// <summary>One arm (ITC), time from the origin given; every endpoint of the catalogue.</summary>
    public static Protocol SingleArm(string timeOrigin = TimeOrigins.TreatmentStart, ResponseCriteria? response = null) => new(
        "NPC-ITC", "Immunotherapy, anti-angiogenic and chemotherapy in recurrent/metastatic NPC", StudyDesigns.SingleArm, timeOrigin,
        [new ProtocolArm("ITC", "Toripalimab + anlotinib + GP", [new RegimenComponent("immune-checkpoint-inhibitor", "toripalimab")])],
        NpcVariables, AllEndpoints, Response: response);

    /// <summary>ITC against IC, time from randomization, stratified by disease status, with a complete analysis plan.</summary>
    public static Protocol Randomized(ResponseCriteria? response = null) => new(
        "NPC-RCT", "ITC versus IC in recurrent/metastatic NPC", StudyDesigns.Randomized, TimeOrigins.Randomization,
        [new ProtocolArm("ITC", "Toripalimab + anlotinib + GP"), new ProtocolArm("IC", "Toripalimab + GP")],
        NpcVariables, AllEndpoints,
        Setting: "Previously treated recurrent/metastatic nasopharyngeal carcinoma",
        Eligibility: [new EligibilityCriterion("age", Min: 18, Max: 75), new EligibilityCriterion("karnofskyScore", Min: 70)],
        StratificationFactors: ["diseaseStatus"],
        PrimaryEndpoint: "pfs",
        Response: response,
        Analysis: new AnalysisPlan(
            Reference: "IC",
            Comparisons: [new PlannedComparison("ITC", "IC")],
            StratifyBy: ["diseaseStatus"],
            AdjustFor: ["age", "karnofskyScore"],
            Subgroups: ["age", "sex", "karnofskyScore", "metastaticSites.liver"]));

    public static PatientEnrolled Enrolment(Guid patientId, DateOnly enrolledOn, string? arm = "ITC", BaselineValues? baseline = null) =>
        new(patientId, StudyId, arm, "S1", "NPC-001", enrolledOn, baseline ?? NpcBaseline);

    public static readonly Guid StudyId = Guid.Parse("5b3c1f0e-0000-4000-8000-000000000001");

    /// <summary>The stream as recorded: the enrolment is version 1 and each following event the next version.</summary>
    public static PatientTimeline Timeline(PatientEnrolled enrolment, params object[] events) => PatientTimeline.From(enrolment.PatientId,
        new object[] { enrolment }.Concat(events)
            .Select((e, i) => new RecordedEvent(i + 1, e, DateTimeOffset.UnixEpoch.AddDays(i), "alice")))!;

    /// <summary>A RECIST timepoint whose new-lesion flag agrees with its response.</summary>
    public static ImagingAssessed Scan(string on, TimepointResponse response) =>
        new(D(on), 10, NonTargetStatus.None, response == TimepointResponse.PD, response);
}
