using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo;

/// <summary>
/// A single-arm phase 2 trial in anti-PD-1-resistant recurrent or metastatic nasopharyngeal carcinoma shaped like
/// Jiang et al., BMC Medicine 2025 (doi:10.1186/s12916-025-03985-4): cadonilimab with nab-paclitaxel, cisplatin and
/// capecitabine. Each patient is enrolled, starts treatment, has RECIST 1.1 scans every 6 weeks until progression
/// (responses confirmed by the next scan), is then followed for survival every 2 months, and may die. Pure and
/// seeded: the same seed and scale give the same study.
/// </summary>
public static class SingleArmTrial
{
    public const int DefaultSeed = 404;
    public const string ProtocolFile = "rm-npc-single-arm.json";
    public const string Arm = "CADO-TPC";

    // Assumed accrual window and cut; they give about Jiang 2025's median follow-up of 10.2 months and leave every
    // patient time for a confirmed response.
    private static readonly DateOnly EnrolmentOpens = new(2023, 3, 1);
    private static readonly DateOnly EnrolmentCloses = new(2023, 12, 15);
    public static readonly DateOnly DataCut = new(2024, 6, 15);
    private static readonly string[] Sites = ["S1", "S1", "S2"];

    // Jiang 2025: of 25 patients 3 had a complete and 14 a partial response and 6 stable disease (ORR 68%, DCR 92%);
    // the deck is dealt exactly, so ORR and DCR are the published ones whatever the seed.
    private static readonly TimepointResponse[] BestResponses =
    [
        .. Enumerable.Repeat(TimepointResponse.CR, 3), .. Enumerable.Repeat(TimepointResponse.PR, 14),
        .. Enumerable.Repeat(TimepointResponse.SD, 6), .. Enumerable.Repeat(TimepointResponse.PD, 2),
    ];

    // Latent medians in months from the first response (stable disease: from the first scan) to progression, set so
    // the derived median DOR and PFS land near Jiang 2025's 9.1 and 10.6 months; progression is only seen at the next
    // scan, which adds about three weeks.
    private const double PartialResponseMonths = 9.5, CompleteResponseMonths = 15, StableDiseaseMonths = 10;
    // Assumed median survival after progression, set so 12-month OS is about Jiang 2025's 75.6%.
    private const double MonthsAfterProgression = 6.5;
    private const double DaysPerMonth = 30.4375;

    /// <summary>
    /// Assumed per-term rates (any grade, grade ≥ 3); together they give about the 48% of patients with a grade 3–4
    /// treatment-related adverse event Jiang 2025 reports.
    /// </summary>
    private static readonly (string Term, double AnyGrade, double GradeThreeOrMore)[] Toxicities =
    [
        ("Neutropenia", 0.70, 0.32),
        ("Leukopenia", 0.70, 0.16),
        ("Anaemia", 0.60, 0.08),
        ("Hand-foot syndrome", 0.40, 0.04),
        ("Peripheral sensory neuropathy", 0.45, 0),
        ("Rash", 0.30, 0),
        ("Hypothyroidism", 0.25, 0),
    ];

    public static SimulatedStudy Generate(int seed = DefaultSeed, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), "The scale multiplies the published enrolment and must be at least 1.");
        var protocol = DemoProtocols.Load(ProtocolFile);
        var random = new Random(seed);
        var deck = Enumerable.Repeat(BestResponses, scale).SelectMany(d => d).ToArray();
        random.Shuffle(deck);
        var window = EnrolmentCloses.DayNumber - EnrolmentOpens.DayNumber + 1;
        var enrolments = deck.Select(_ => EnrolmentOpens.AddDays(random.Next(window))).Order().ToList();
        var entries = new List<SimulatedEntry>();
        for (var i = 0; i < deck.Length; i++)
            entries.AddRange(SimulatePatient(random, i, enrolments[i], deck[i]));
        return new SimulatedStudy(protocol, entries.OrderBy(e => e.RecordedAt).ToList(), deck.Length, DataCut);
    }

    private static IReadOnlyList<SimulatedEntry> SimulatePatient(Random random, int index, DateOnly enrolledOn, TimepointResponse best)
    {
        var site = Sites[random.Next(Sites.Length)];
        var chart = new PatientChart(index, site);
        var (baseline, cpsPending) = Baseline(random);
        var enrolment = chart.Add(new PatientEnrolled(Guid.Empty, Guid.Empty, Arm, site, $"RM-{index + 1:000}", enrolledOn,
            cpsPending ? baseline.With("pdL1Cps", BaselineValue.MissingAs(MissingCodes.Unknown)) : baseline));
        if (cpsPending && enrolledOn.AddDays(random.Next(14, 41)) is var reportedOn && reportedOn <= DataCut)
            chart.Correct(enrolment, enrolment with { Baseline = baseline }, reportedOn, "PD-L1 CPS reported by central pathology after enrolment");
        var startedOn = chart.Add(new TreatmentStarted(enrolledOn.AddDays(random.Next(1, 8)),
            ["cadonilimab", "nab-paclitaxel", "cisplatin", "capecitabine"], (int)baseline.Number("priorLines")!.Value + 1)).StartedOn;

        // Scans every 6 weeks (a week's leeway) until progression or the cut; the first is at least 42 days in, so
        // stable disease there counts.
        var scans = new List<DateOnly>();
        for (var on = startedOn.AddDays(42 + random.Next(0, 8)); on <= DataCut; on = on.AddDays(42 + random.Next(0, 8))) scans.Add(on);
        // Responses show at the first scan (the second for some partial responders; a complete response deepens from a
        // partial one at the second), and progression only after the scan that confirms the response.
        var firstResponse = best == TimepointResponse.PR && random.Chance(0.2) ? 1 : 0;
        var (earliestProgression, latentMonths) = best switch
        {
            TimepointResponse.PD => (0, 0.0),
            TimepointResponse.SD => (1, random.Exponential(StableDiseaseMonths)),
            TimepointResponse.PR => (firstResponse + 2, random.Exponential(PartialResponseMonths)),
            _ => (3, random.Exponential(CompleteResponseMonths)),
        };
        var progressesAfter = scans.ElementAtOrDefault(best == TimepointResponse.SD ? 0 : firstResponse).AddDays((int)(latentMonths * DaysPerMonth));
        var progressionScan = Enumerable.Range(0, scans.Count).FirstOrDefault(s => s >= earliestProgression && scans[s] >= progressesAfter, -1);

        // Target lesions (sum of diameters) shrink to a depth that holds while the response or stable disease lasts,
        // each scan within a few percent of it, so no scan before progression reads as another response category.
        var baselineSum = Math.Round(30 + random.NextDouble() * 90, 1);
        var (responseDepth, stableDepth) = (0.3 + random.NextDouble() * 0.3, 0.8 + random.NextDouble() * 0.25);
        var nadir = baselineSum;
        for (var s = 0; s < scans.Count && (progressionScan < 0 || s <= progressionScan); s++)
        {
            var response = s == progressionScan ? TimepointResponse.PD : Timepoint(best, firstResponse, s);
            var sum = Math.Round(response switch
            {
                TimepointResponse.CR => 0,
                TimepointResponse.PR => baselineSum * responseDepth * (0.95 + random.NextDouble() * 0.15),
                TimepointResponse.SD => baselineSum * stableDepth * (0.95 + random.NextDouble() * 0.15),
                _ => nadir * (1.25 + random.NextDouble() * 0.2),
            }, 1);
            // Growth of under 5 mm is not progression by itself (RECIST 1.1); such progression shows as new lesions.
            var newLesions = response == TimepointResponse.PD && (sum - nadir < 5 || random.Chance(0.5));
            nadir = Math.Min(nadir, sum);
            var scan = new ImagingAssessed(scans[s], sum, response == TimepointResponse.CR ? NonTargetStatus.CR : NonTargetStatus.NonCRNonPD,
                newLesions, response);
            // Now and then a scan goes in under the date of the report, a few days late, and is corrected from the radiology system.
            var misdated = s > 0 && response != TimepointResponse.PD && scans[s].AddDays(3) <= DataCut && random.Chance(0.02);
            var entered = chart.Add(misdated ? scan with { AssessedOn = scan.AssessedOn.AddDays(random.Next(1, 4)) } : scan);
            if (misdated && entered.AssessedOn.AddDays(random.Next(14, 61)) is var correctedOn && correctedOn <= DataCut)
                chart.Correct(entered, scan, correctedOn, "Scan entered under the report date; corrected to the date of imaging from the radiology system");
            if (s == progressionScan) chart.Add(new DiseaseProgressed(scans[s], ProgressionBasis.Radiological));
        }

        var progressedOn = progressionScan >= 0 ? scans[progressionScan] : (DateOnly?)null;
        var diedOn = progressedOn?.AddDays((int)(random.Exponential(MonthsAfterProgression) * DaysPerMonth));
        var lastOn = diedOn is { } d && d <= DataCut ? d : DataCut;
        foreach (var (term, anyGrade, severe) in Toxicities)
        {
            if (!random.Chance(anyGrade)) continue;
            var onsetOn = startedOn.AddDays(3 + random.Next(0, 124));
            var grade = random.Chance(severe / anyGrade) ? (random.Chance(0.85) ? 3 : 4) : 1 + random.Next(0, 2);
            if (onsetOn <= lastOn)
                chart.Add(new AdverseEventRecorded(term, grade, onsetOn, grade == 4, random.Chance(0.7) ? Attribution.Probable : Attribution.Possible));
        }

        // After progression, survival follow-up every 2 months.
        for (var on = progressedOn?.AddDays(56 + random.Next(0, 15)); on < lastOn; on = on.Value.AddDays(56 + random.Next(0, 15)))
            chart.Add(new LastKnownAlive(on.Value));
        if (diedOn is { } death && death <= DataCut) chart.Add(new PatientDied(death, "Nasopharyngeal carcinoma"));
        else chart.Add(new LastKnownAlive(DataCut));
        return chart.Record(random);
    }

    /// <summary>The response a scan before progression shows: a partial response before a complete one, stable disease before a late responder's.</summary>
    private static TimepointResponse Timepoint(TimepointResponse best, int firstResponse, int scan) => best switch
    {
        TimepointResponse.CR => scan == 0 ? TimepointResponse.PR : TimepointResponse.CR,
        TimepointResponse.PR => scan < firstResponse ? TimepointResponse.SD : TimepointResponse.PR,
        _ => TimepointResponse.SD,
    };

    /// <summary>
    /// Jiang 2025: 84% men, median age 44 (24–60), all after chemotherapy and anti-PD-1 therapy; the rest is assumed.
    /// Some PD-L1 results are still pending at enrolment (recorded unknown, corrected when reported).
    /// </summary>
    private static (BaselineValues Baseline, bool CpsPending) Baseline(Random random)
    {
        var status = random.Pick(("Metastatic", 0.6), ("Recurrent and metastatic", 0.3), ("Recurrent", 0.1));
        var cps = random.Pick<BaselineValue>((BaselineValue.MissingAs(MissingCodes.NotDone), 0.25), (BaselineValue.Of(0), 0.2),
            (BaselineValue.Of(random.Pick((1.0, 0.2), (5.0, 0.2), (10.0, 0.2), (20.0, 0.2), (50.0, 0.2))), 0.55));
        var baseline = new BaselineValues(new Dictionary<string, BaselineValue>
        {
            ["age"] = BaselineValue.Of(Math.Clamp(Math.Round(random.Normal(44, 8)), 24, 60)),
            ["sex"] = BaselineValue.Of(random.Chance(0.84) ? "Male" : "Female"),
            ["ecog"] = BaselineValue.Of(random.Chance(0.5) ? 0 : 1),
            ["diseaseStatus"] = BaselineValue.Of(status),
            ["priorLines"] = BaselineValue.Of(random.Pick((1, 0.5), (2, 0.35), (3, 0.15))),
            ["priorAntiPd1"] = BaselineValue.Of(true),
            ["liverMetastasis"] = BaselineValue.Of(status != "Recurrent" && random.Chance(0.35)),
            ["pdL1Cps"] = cps,
            ["ebvDna"] = random.Chance(0.1) ? BaselineValue.MissingAs(MissingCodes.NotDone) : BaselineValue.Of(Math.Round(Math.Pow(10, random.Normal(3.8, 1.0)) / 10) * 10),
        });
        return (baseline, !cps.IsMissing && random.Chance(0.15));
    }
}
