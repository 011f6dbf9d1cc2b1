using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Interop.Datasets;
using static Registry.Interop.Tests.Datasets.SmallStudy;

namespace Registry.Interop.Tests.Datasets;

public sealed class AdrsAdaeTests
{
    private static readonly TreatmentStarted Started = new(D("2021-01-01"), ["drug"], 2);

    [Fact]
    public void ADRS_lists_every_timepoint_and_the_best_overall_response_the_response_view_counts()
    {
        // A scan before treatment (baseline), SD too early to count (30 days), PR on day 59, then PD on day 120.
        var patient = Timeline(Enrolled("S-001", "A"), Scan("2020-12-30", TimepointResponse.SD), Started,
            Scan("2021-01-31", TimepointResponse.SD), Scan("2021-03-01", TimepointResponse.PR), Scan("2021-05-01", TimepointResponse.PD));
        var untreated = Timeline(Enrolled("S-002", "B"), Scan("2021-02-01", TimepointResponse.SD));

        var rows = Records(Adrs.Build(Source(null, patient, untreated)));

        Assert.Equal(
        [
            "S-001 OVRLRESP SD 2020-12-30 N 2", "S-001 OVRLRESP SD 2021-01-31 Y 4", "S-001 OVRLRESP PR 2021-03-01 Y 5", "S-001 OVRLRESP PD 2021-05-01 Y 6",
            "S-001 BOR PR 2021-03-01  ", "S-001 CONFRESP N   ",
            "S-002 OVRLRESP SD 2021-02-01 N 2",
        ], rows.Select(r => $"{r["SUBJID"]} {r["PARAMCD"]} {r["AVALC"]} {(DateOnly?)r["ADT"]:yyyy-MM-dd} {r["ANL01FL"]} {r["SRCSEQ"]}"));
    }

    [Fact]
    public void ADAE_flags_each_subjects_worst_event_overall_and_per_term_as_the_safety_view_counts_them()
    {
        var patient = Timeline(Enrolled("S-001", "A"),
            new AdverseEventRecorded("Fatigue", 1, D("2020-12-30"), false, Attribution.Unlikely),
            Started,
            new AdverseEventRecorded("fatigue ", 3, D("2021-02-01"), false, Attribution.Possible),
            new AdverseEventRecorded("Fatigue", 3, D("2021-03-01"), false, Attribution.Possible),
            new AdverseEventRecorded("Neutropenia", 4, D("2021-02-15"), true, Attribution.Probable),
            new AdverseEventRecorded("Rash", 2, D("2021-04-01"), false, Attribution.Definite));

        var source = Source(null, patient);
        var rows = Records(Adae.Build(source));

        Assert.Equal(
        [
            "Fatigue Fatigue 1 2020-12-30 N - - - 2",
            "fatigue  Fatigue 3 2021-02-01 N Y - Y 4",
            "Fatigue Fatigue 3 2021-03-01 N Y - - 5",
            "Neutropenia Neutropenia 4 2021-02-15 Y Y Y Y 6",
            "Rash Rash 2 2021-04-01 N Y - Y 7",
        ], rows.Select(r => $"{r["AETERM"]} {r["AEDECOD"]} {r["ATOXGRN"]} {(DateOnly?)r["ASTDT"]:yyyy-MM-dd} {r["AESER"]} {r["TRTEMFL"] ?? "-"} {r["AOCCIFL"] ?? "-"} {r["AOCCPIFL"] ?? "-"} {r["SRCSEQ"]}"));
        // The per-term worst grades are the derivation's, the safety table's.
        Assert.Equal(source.Patients[0].Outcome.AdverseEvents.Select(a => (a.Term, (long)a.WorstGrade)),
            rows.Where(r => r["AOCCPIFL"] is "Y").Select(r => ((string)r["AEDECOD"]!, (long)r["ATOXGRN"]!)));
    }
}
