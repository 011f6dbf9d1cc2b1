using Registry.Domain.Patients;
using Registry.Interop.Datasets;
using static Registry.Interop.Tests.Datasets.SmallStudy;

namespace Registry.Interop.Tests.Datasets;

/// <summary>
/// ADTTE on hand-built patients, value by value: each endpoint's time in days, its event or the coded reason it was
/// censored, its dates and the entry each date was read from. Days are counted by hand in 2021 (a common year): from
/// 1 Jan to 1 Feb is 31, to 1 Mar 59, to 1 Apr 90, to 1 May 120, to 1 Jun 151, to 30 Jun 180, to 1 Jul 181, to 1 Aug
/// 212, to 1 Sep 243.
/// </summary>
public sealed class AdtteTests
{
    private static readonly TreatmentStarted Started = new(D("2021-01-01"), ["drug"], 2);

    /// <summary>Partial response on 1 Mar, imaging PD on 1 May, died 1 Aug.</summary>
    private static readonly PatientTimeline Progressed = Timeline(Enrolled("S-001", "A"),
        Started, Scan("2021-03-01", TimepointResponse.PR), Scan("2021-05-01", TimepointResponse.PD), new PatientDied(D("2021-08-01"), "Disease"));

    /// <summary>Stable on 1 Mar, last known alive on 1 Jul.</summary>
    private static readonly PatientTimeline Followed = Timeline(Enrolled("S-002", "B"),
        Started, Scan("2021-03-01", TimepointResponse.SD), new LastKnownAlive(D("2021-07-01")));

    /// <summary>Died on 1 Apr without a scan or a progression.</summary>
    private static readonly PatientTimeline DiedUnscanned = Timeline(Enrolled("S-003", "A"), Started, new PatientDied(D("2021-04-01"), null));

    /// <summary>Stable on 1 Feb, distant progression on 1 Aug, last known alive on 1 Sep.</summary>
    private static readonly PatientTimeline ProgressedLate = Timeline(Enrolled("S-004", "B"),
        Started, Scan("2021-02-01", TimepointResponse.SD), new DiseaseProgressed(D("2021-08-01"), ProgressionBasis.Radiological, FailureSite.Distant),
        new LastKnownAlive(D("2021-09-01")));

    /// <summary>Never treated: no time origin.</summary>
    private static readonly PatientTimeline Untreated = Timeline(Enrolled("S-005", "A"), new LastKnownAlive(D("2021-03-01")));

    /// <summary>Death recorded as 1 Jun (version 3), then corrected to 1 May (version 4).</summary>
    private static readonly PatientTimeline Corrected = Timeline(Enrolled("S-006", "A"),
        Started, new PatientDied(D("2021-06-01"), null), new EntryCorrected(3, new PatientDied(D("2021-05-01"), null), "Date misread from the death certificate"));

    private static IReadOnlyDictionary<string, object?> Row(AnalysisDataset adtte, string subject, string parameter) =>
        Records(adtte).Single(r => (string)r["USUBJID"]! == $"SMALL-1-{subject}" && (string)r["PARAMCD"]! == parameter);

    private static void AssertTime(IReadOnlyDictionary<string, object?> row, long days, long cnsr, string start, string end, string description,
        string? censorDescription, string? domain, string? variable, long? sequence)
    {
        Assert.Equal(
            (days, cnsr, (DateOnly?)D(start), (DateOnly?)D(end), description, censorDescription, domain, variable, sequence),
            ((long)row["AVAL"]!, (long)row["CNSR"]!, (DateOnly?)row["STARTDT"], (DateOnly?)row["ADT"], (string?)row["EVNTDESC"], (string?)row["CNSDTDSC"],
                (string?)row["SRCDOM"], (string?)row["SRCVAR"], (long?)row["SRCSEQ"]));
    }

    [Fact]
    public void An_event_is_CNSR_0_dated_and_traced_to_the_entry_it_was_read_from()
    {
        var adtte = Adtte.Build(Source(null, Progressed));

        AssertTime(Row(adtte, "S-001", "PFS"), 120, 0, "2021-01-01", "2021-05-01", "Imaging timepoint PD", null, "imagingAssessed", "assessedOn", 4);
        AssertTime(Row(adtte, "S-001", "OS"), 212, 0, "2021-01-01", "2021-08-01", "Death", null, "died", "diedOn", 5);
        AssertTime(Row(adtte, "S-001", "FFS"), 120, 0, "2021-01-01", "2021-05-01", "Imaging timepoint PD", null, "imagingAssessed", "assessedOn", 4);
        AssertTime(Row(adtte, "S-001", "TTP"), 120, 0, "2021-01-01", "2021-05-01", "Imaging timepoint PD", null, "imagingAssessed", "assessedOn", 4);
        // Duration of response counts from the first response (1 Mar) to progression (1 May): 61 days.
        AssertTime(Row(adtte, "S-001", "DOR"), 61, 0, "2021-03-01", "2021-05-01", "Imaging timepoint PD", null, "imagingAssessed", "assessedOn", 4);
        var row = Row(adtte, "S-001", "PFS");
        Assert.Equal(("SMALL-1", "S-001", "S1", "A", "Arm A", "Progression-free survival (days)", 1L),
            ((string)row["STUDYID"]!, (string)row["SUBJID"]!, (string)row["SITEID"]!, (string)row["ARMCD"]!, (string)row["ARM"]!, (string)row["PARAM"]!, (long)row["PARAMN"]!));
    }

    [Fact]
    public void Each_reason_for_censoring_has_its_code_its_date_and_its_source()
    {
        var adtte = Adtte.Build(Source(null, Followed, DiedUnscanned));

        // 1: the last tumour assessment (PFS, TTP).
        AssertTime(Row(adtte, "S-002", "PFS"), 59, 1, "2021-01-01", "2021-03-01", "Last tumour assessment", "Last tumour assessment", "imagingAssessed", "assessedOn", 3);
        AssertTime(Row(adtte, "S-002", "TTP"), 59, 1, "2021-01-01", "2021-03-01", "Last tumour assessment", "Last tumour assessment", "imagingAssessed", "assessedOn", 3);
        // 3: the last date known alive (OS, FFS).
        AssertTime(Row(adtte, "S-002", "OS"), 181, 3, "2021-01-01", "2021-07-01", "Last known alive", "Last known alive", "lastKnownAlive", "lastKnownAliveOn", 4);
        AssertTime(Row(adtte, "S-002", "FFS"), 181, 3, "2021-01-01", "2021-07-01", "Last known alive", "Last known alive", "lastKnownAlive", "lastKnownAliveOn", 4);
        // 2: no tumour assessment at all: censored at the time origin, day 0 (TTP of a patient who died unscanned).
        AssertTime(Row(adtte, "S-003", "TTP"), 0, 2, "2021-01-01", "2021-01-01", "Time origin (no tumour assessment on or after it)",
            "Time origin (no tumour assessment on or after it)", "treatmentStarted", "startedOn", 2);
        // 5: death without failure censors FFS at death, while it is PFS's event.
        AssertTime(Row(adtte, "S-003", "FFS"), 90, 5, "2021-01-01", "2021-04-01", "Death without failure", "Death without failure", "died", "diedOn", 3);
        AssertTime(Row(adtte, "S-003", "PFS"), 90, 0, "2021-01-01", "2021-04-01", "Death", null, "died", "diedOn", 3);
        // A non-responder has no DOR row.
        Assert.DoesNotContain(Records(adtte), r => (string)r["PARAMCD"]! == "DOR");
    }

    [Fact]
    public void A_data_cut_censors_at_the_cut_a_patient_known_alive_after_it_and_ignores_a_later_progression()
    {
        var live = Adtte.Build(Source(null, ProgressedLate));
        AssertTime(Row(live, "S-004", "PFS"), 212, 0, "2021-01-01", "2021-08-01", "Disease progression (distant)", null, "diseaseProgressed", "progressedOn", 4);
        AssertTime(Row(live, "S-004", "OS"), 243, 3, "2021-01-01", "2021-09-01", "Last known alive", "Last known alive", "lastKnownAlive", "lastKnownAliveOn", 5);

        var cut = Adtte.Build(Source(D("2021-06-30"), ProgressedLate));
        // 4: followed past the cut, so known alive at it; the cut is no entry.
        AssertTime(Row(cut, "S-004", "OS"), 180, 4, "2021-01-01", "2021-06-30", "Data cut (known alive after it)", "Data cut (known alive after it)", null, null, null);
        AssertTime(Row(cut, "S-004", "PFS"), 31, 1, "2021-01-01", "2021-02-01", "Last tumour assessment", "Last tumour assessment", "imagingAssessed", "assessedOn", 3);
    }

    [Fact]
    public void A_corrected_entry_counts_as_corrected_and_is_traced_to_the_entry_it_corrects()
    {
        var adtte = Adtte.Build(Source(null, Corrected));
        AssertTime(Row(adtte, "S-006", "OS"), 120, 0, "2021-01-01", "2021-05-01", "Death", null, "died", "diedOn", 3);
    }

    [Fact]
    public void A_patient_without_a_time_origin_has_no_rows_and_each_analysable_patient_one_per_time_to_event_endpoint()
    {
        var adtte = Adtte.Build(Source(null, Progressed, Followed, Untreated));

        Assert.DoesNotContain(Records(adtte), r => (string)r["SUBJID"]! == "S-005");
        // pfs, os, ffs, ttp for both, dor for the responder; orr is a rate, not a time.
        Assert.Equal(["S-001 PFS", "S-001 OS", "S-001 FFS", "S-001 TTP", "S-001 DOR", "S-002 PFS", "S-002 OS", "S-002 FFS", "S-002 TTP"],
            Records(adtte).Select(r => $"{r["SUBJID"]} {r["PARAMCD"]}"));
    }

    [Fact]
    public void Every_time_is_the_one_the_views_analyse()
    {
        var source = Source(null, Progressed, Followed, DiedUnscanned, ProgressedLate, Corrected);
        var adtte = Adtte.Build(source);
        var expected = source.Patients.Where(p => p.Outcome.Analysable)
            .SelectMany(p => new[] { "pfs", "os", "ffs", "ttp", "dor" }.Select(code => (p.SubjectCode, Code: code.ToUpperInvariant(), Time: p.Outcome.Time(code))))
            .Where(x => x.Time is not null)
            .Select(x => (x.SubjectCode, x.Code, x.Time!.Days, x.Time.Event))
            .ToList();
        Assert.Equal(expected.OrderBy(x => x.SubjectCode).ThenBy(x => x.Code),
            Records(adtte).Select(r => ((string)r["SUBJID"]!, (string)r["PARAMCD"]!, (int)(long)r["AVAL"]!, (long)r["CNSR"]! == 0))
                .OrderBy(x => x.Item1).ThenBy(x => x.Item2));
    }
}
