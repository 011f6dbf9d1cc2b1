using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Interop.Datasets;
using static Registry.Interop.Tests.Datasets.SmallStudy;

namespace Registry.Interop.Tests.Datasets;

public sealed class AdslTests
{
    private static readonly TreatmentStarted Started = new(D("2021-01-01"), ["drug"], 2);

    [Fact]
    public void Every_dictionary_variable_is_a_column_and_each_groupable_one_has_its_group_beside_it()
    {
        var adsl = Adsl.Build(Source(null, Timeline(Enrolled("S-001", "A"), Started)));
        var names = adsl.Columns.Select(c => c.Name).ToList();

        var dictionary = names.Where(n => !Adsl.Standard.Contains(n)).ToList();
        Assert.Equal(["AGE", "AGEGR1", "TSTAGE", "TSTAGEGR1", "LIVERMETASTASIS", "LIVERMETASTASISGR1", "PDL1CPS", "DIAGNOSEDON"], dictionary);
        Assert.Equal(["Age (years)", "Age Group", "T stage", "T stage Group", "Liver metastasis", "Liver metastasis Group", "PD-L1 CPS", "Date of diagnosis"],
            dictionary.Select(n => adsl.Columns.Single(c => c.Name == n).Label));
        Assert.All(dictionary.Where(n => !n.EndsWith("GR1")), n => Assert.Equal(OriginType.Collected, adsl.Columns.Single(c => c.Name == n).Origin.Type));
        Assert.All(dictionary.Where(n => n.EndsWith("GR1")), n => Assert.Equal(OriginType.Derived, adsl.Columns.Single(c => c.Name == n).Origin.Type));
        Assert.Equal(["STUDYID", "USUBJID"], adsl.Columns.Where(c => c.KeySequence is not null).OrderBy(c => c.KeySequence).Select(c => c.Name));
        // A group's code list: the protocol's groups, the missing codes the variable allows (none: age is required), and Unknown for a value never recorded.
        Assert.Equal(["T1–T3", "T4", "Unknown"], adsl.Columns.Single(c => c.Name == "TSTAGEGR1").Values!.Select(v => v.Value));
        Assert.Equal(["T1", "T2", "T3", "T4"], adsl.Columns.Single(c => c.Name == "TSTAGE").Values!.Select(v => v.Value));
    }

    [Fact]
    public void Values_are_as_recorded_and_groups_are_the_protocols()
    {
        var adsl = Adsl.Build(Source(null,
            Timeline(Enrolled("S-001", "A", Baseline(age: 61, tStage: "T2", liver: true)), Started),
            Timeline(Enrolled("S-002", "B", Baseline(age: 49, tStage: "T4", cps: BaselineValue.MissingAs(MissingCodes.NotDone))), Started)));
        var (first, second) = (Records(adsl)[0], Records(adsl)[1]);

        Assert.Equal((61L, "≥50", "T2", "T1–T3", "Y", "Yes", 12.5, (DateOnly?)D("2020-11-20")),
            ((long)first["AGE"]!, first["AGEGR1"], first["TSTAGE"], first["TSTAGEGR1"], first["LIVERMETASTASIS"], first["LIVERMETASTASISGR1"], first["PDL1CPS"], (DateOnly?)first["DIAGNOSEDON"]));
        Assert.Equal((49L, "<50", "T4", "T4", "N", "No", (object?)null),
            ((long)second["AGE"]!, second["AGEGR1"], second["TSTAGE"], second["TSTAGEGR1"], second["LIVERMETASTASIS"], second["LIVERMETASTASISGR1"], second["PDL1CPS"]));
    }

    [Fact]
    public void Population_flags_dates_and_death_follow_the_record_up_to_the_data_cut()
    {
        var treated = Timeline(Enrolled("S-001", "A"), Started, Scan("2021-03-01", TimepointResponse.SD), new PatientDied(D("2021-08-01"), "Pneumonia"));
        var unscanned = Timeline(Enrolled("S-002", "B"), Started);
        var untreated = Timeline(Enrolled("S-003", "A"), new LastKnownAlive(D("2021-02-01")));
        var lateStart = Timeline(Enrolled("S-004", "B"), new TreatmentStarted(D("2021-07-15"), [], 1));
        var enrolledLate = Timeline(Enrolled("S-005", "A", enrolledOn: "2021-07-01"), new TreatmentStarted(D("2021-07-02"), [], 1));

        var live = Records(Adsl.Build(Source(null, treated, unscanned, untreated, lateStart, enrolledLate))).ToDictionary(r => (string)r["SUBJID"]!);
        string Flags(IReadOnlyDictionary<string, object?> r) => $"{r["ITTFL"]}{r["SAFFL"]}{r["EFFFL"]}{r["RSPEVLFL"]}";
        Assert.Equal(["YYYY", "YYYN", "YNNN", "YYYN", "YYYN"], live.Values.Select(Flags));
        Assert.Equal("no treatment start recorded", live["S-003"]["EFFEXRSN"]);
        Assert.Equal(("Y", (DateOnly?)D("2021-08-01"), "Pneumonia", (DateOnly?)D("2021-01-01"), (DateOnly?)D("2021-01-01"), (DateOnly?)D("2020-12-28")),
            (live["S-001"]["DTHFL"], (DateOnly?)live["S-001"]["DTHDT"], live["S-001"]["DTHCAUS"], (DateOnly?)live["S-001"]["TRTSDT"], (DateOnly?)live["S-001"]["ORIGDT"],
                (DateOnly?)live["S-001"]["ENRLDT"]));
        Assert.Null(live["S-002"]["DTHFL"]);
        Assert.Null(live["S-001"]["RANDDT"]);

        // At 30 Jun 2021: S-005 was not yet enrolled, S-004 not yet treated, S-001 not yet dead.
        var cut = Records(Adsl.Build(Source(D("2021-06-30"), treated, unscanned, untreated, lateStart, enrolledLate))).ToDictionary(r => (string)r["SUBJID"]!);
        Assert.Equal(["S-001", "S-002", "S-003", "S-004"], cut.Keys);
        Assert.Equal("YNNN", Flags(cut["S-004"]));
        Assert.Equal(((object?)null, (object?)null), (cut["S-001"]["DTHFL"], cut["S-001"]["DTHDT"]));
    }

    [Fact]
    public void A_randomized_study_lists_the_randomization_date_and_each_stratum_as_randomized()
    {
        var protocol = SmallStudy.Protocol with
        {
            Design = StudyDesigns.Randomized, TimeOrigin = TimeOrigins.Randomization, StratificationFactors = ["tStage", "age"],
            Analysis = new AnalysisPlan(StratifyBy: ["tStage"]),
        };
        var study = Study with { Revisions = [Study.Revisions[0] with { Protocol = protocol }] };
        var randomized = Timeline(Enrolled("S-001", null!), new PatientRandomized(D("2021-01-05"), "B", new Dictionary<string, string> { ["tStage"] = "T1–T3", ["age"] = "≥50" }),
            new LastKnownAlive(D("2021-02-01")));
        var waiting = Timeline(Enrolled("S-002", null!));
        var source = new AnalysisSource(study, new[] { randomized, waiting }.Select(t => new AnalysisPatient(t, Registry.Domain.Outcomes.OutcomeDerivation.Derive(t, protocol))).ToList(), null, null);

        var adsl = Records(Adsl.Build(source));
        Assert.Equal(("B", "Arm B", (DateOnly?)D("2021-01-05"), "T1–T3", "≥50", "Y"),
            (adsl[0]["ARMCD"], adsl[0]["ARM"], (DateOnly?)adsl[0]["RANDDT"], adsl[0]["STRAT1R"], adsl[0]["STRAT2R"], adsl[0]["EFFFL"]));
        Assert.Equal(((object?)null, "N", "not randomized"), (adsl[1]["ARMCD"], adsl[1]["ITTFL"], adsl[1]["EFFEXRSN"]));
        Assert.Equal("Stratification Factor 1 as Randomized: T stage", Adsl.Build(source).Columns.Single(c => c.Name == "STRAT1R").Label);

        // ADTTE carries the strata and the analysis plan's stratification group the comparisons stratify by.
        var os = Records(Adtte.Build(source)).Single(r => (string)r["PARAMCD"]! == "OS");
        Assert.Equal(("T1–T3", "≥50", "T1–T3", 27L, 3L), (os["STRAT1R"], os["STRAT2R"], os["TSTAGEGR1"], (long)os["AVAL"]!, (long)os["CNSR"]!));
    }

    [Fact]
    public void A_dictionary_key_that_would_take_a_standard_name_or_another_variables_name_is_renamed()
    {
        var protocol = SmallStudy.Protocol with
        {
            Variables =
            [
                new Variable("arm", "Arm at referral", VariableTypes.Text),
                new Variable("age", "Age", VariableTypes.Integer, Grouping: new Grouping(CutPoints: [50])),
                new Variable("AGE", "Age again", VariableTypes.Integer),
                new Variable("1st", "First", VariableTypes.Text),
            ],
        };
        var names = Adsl.DictionaryColumnNames(protocol);
        Assert.Equal([("ARM_2", null), ("AGE", "AGEGR1"), ("AGE_2", null), ("V1ST", null)], protocol.Variables.Select(v => names[v.Key]));
    }
}
