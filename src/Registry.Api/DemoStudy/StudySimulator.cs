using Registry.Api.Patients;
using Registry.Domain.Patients;

namespace Registry.Api.DemoStudy;

/// <summary>One coordinator entry the simulation will make: what, for whom, and when the server clock reads.</summary>
/// <param name="Patient">Index of the simulated patient; the loader maps it to the stream id enrolment returns.</param>
public sealed record PlannedEntry(DateTimeOffset RecordedAt, int Patient, string Site, object Request);

/// <summary>The whole simulated study: its entries in calendar order of recording, and the data cut it ends at.</summary>
public sealed record SimulatedStudy(IReadOnlyList<PlannedEntry> Entries, int Patients, DateOnly DataCut);

/// <summary>
/// Generates the motivating study patient by patient from <see cref="PublishedStudy"/>: baseline covariates,
/// treatment start, RECIST imaging every 6–9 weeks, adverse events, progression, death, follow-up contacts,
/// losses to follow-up and a few corrected entry errors — as requests a coordinator would send. Pure and seeded:
/// the same seed and scale give the same study.
/// </summary>
public static class StudySimulator
{
    public const int DefaultSeed = 235;
    public static readonly DateOnly DefaultDataCut = new(2022, 3, 31);
    private const double DaysPerMonth = 30.4375;
    private static readonly string[] Sites = ["S1", "S2", "S3"];

    public static SimulatedStudy Generate(int seed = DefaultSeed, int scale = 1, DateOnly? dataCut = null)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), "The scale multiplies the published arm sizes and must be at least 1.");
        var cut = dataCut ?? DefaultDataCut;
        var random = new Random(seed);
        var entries = new List<PlannedEntry>();
        var patient = 0;
        foreach (var arm in PublishedStudy.Arms)
            for (var i = 0; i < arm.Patients * scale; i++)
                entries.AddRange(SimulatePatient(random, arm, patient++, $"NPC-{arm.Code}-{i + 1:0000}", cut));
        // A stable sort keeps each patient's own entries in order when two share a recorded-at instant.
        return new SimulatedStudy(entries.OrderBy(e => e.RecordedAt).ToList(), patient, cut);
    }

    /// <summary>A clinical entry before it gets its version and recorded-at time; a correction names the entry it fixes.</summary>
    private sealed record Draft(DateOnly ClinicalDate, object? Request, Draft? Corrects = null, ImagingAssessed? Replacement = null);

    private static IEnumerable<PlannedEntry> SimulatePatient(Random random, PublishedArm arm, int index, string subjectCode, DateOnly cut)
    {
        var site = Sites[random.Next(Sites.Length)];
        var baseline = Baseline(random, PublishedStudy.Baseline[arm.PooledGroup]);
        var enrolledOn = PublishedStudy.EnrolmentOpens.AddDays(random.Next(PublishedStudy.EnrolmentCloses.DayNumber - PublishedStudy.EnrolmentOpens.DayNumber + 1));
        var startedOn = enrolledOn.AddDays(random.Next(0, 11));
        var drafts = new List<Draft> { new(enrolledOn, new EnrolPatient(subjectCode, arm.Code, site, Iso(enrolledOn), baseline)) };
        if (startedOn <= cut)
        {
            drafts.Add(new Draft(startedOn, new StartTreatment(Iso(startedOn), Agents(arm), baseline.TreatmentLine, null)));
            drafts.AddRange(FollowUp(random, arm, baseline, startedOn, cut));
        }

        // Entered in clinical order, each a few days after the fact; a correction goes in when the slip is found.
        var clock = new EntryClock(random);
        var versions = new Dictionary<Draft, long>(ReferenceEqualityComparer.Instance);
        var planned = new List<PlannedEntry>();
        foreach (var draft in drafts.OrderBy(d => d.ClinicalDate))
        {
            versions[draft] = versions.Count + 1;
            var request = draft.Corrects is { } slip
                ? new CorrectEntry(versions[slip], draft.Replacement, "Scan date transcribed wrongly; corrected from the radiology report", null)
                : draft.Request!;
            planned.Add(new PlannedEntry(clock.RecordedAt(draft.ClinicalDate), index, site, request));
        }
        return planned;
    }

    private static IEnumerable<Draft> FollowUp(Random random, PublishedArm arm, BaselineRequest baseline, DateOnly startedOn, DateOnly cut)
    {
        // Death and progression as competing exponentials whose sum has the published PFS median; poorer
        // performance status progresses faster, so subgroup analyses have something to find.
        var deathRate = Math.Log(2) / (PublishedStudy.ChemotherapyMedianOsMonths * DaysPerMonth) * arm.OsHazardRatioVsChemotherapy;
        // Progression is only seen at the next scan, about half an interval (26 days) after it happens.
        var progressionRate = Math.Max(1e-5, Math.Log(2) / (arm.MedianPfsMonths * DaysPerMonth - 26) - deathRate)
                              * (baseline.KarnofskyScore < 90 ? 1.3 : 0.88);
        var deathDay = Exponential(random, deathRate);
        var progressionDay = Exponential(random, progressionRate);
        var lostDay = random.NextDouble() < 0.25 ? Exponential(random, 1.0 / (9 * DaysPerMonth)) : double.PositiveInfinity;
        var followUpEnd = Math.Min(cut.DayNumber - startedOn.DayNumber, lostDay);
        var diedWithinFollowUp = deathDay <= followUpEnd;
        var lastDay = diedWithinFollowUp ? Math.Ceiling(deathDay) : followUpEnd;

        var scans = ScanDays(random, Math.Min(followUpEnd, deathDay));
        var progressionScan = scans.FindIndex(day => day >= progressionDay);
        var bestResponse = BestResponse(random, arm, progressionScan == 0);
        var lastScan = progressionScan >= 0 ? progressionScan : scans.Count - 1;
        var baselineSum = 40 + random.NextDouble() * 80;

        for (var s = 0; s <= lastScan; s++)
        {
            var on = startedOn.AddDays((int)scans[s]);
            var response = s == progressionScan ? TimepointResponse.PD : TimepointAt(bestResponse, s);
            var newLesions = response == TimepointResponse.PD && random.NextDouble() < 0.5;
            var sum = Math.Round(baselineSum * response switch
            {
                TimepointResponse.CR => 0,
                TimepointResponse.PR => 0.35 + random.NextDouble() * 0.3,
                TimepointResponse.SD => 0.8 + random.NextDouble() * 0.3,
                _ => 1.25 + random.NextDouble() * 0.3,
            }, 1);
            var nonTarget = response == TimepointResponse.CR ? NonTargetStatus.CR : NonTargetStatus.NonCRNonPD;
            var misdated = s > 0 && response != TimepointResponse.PD && random.NextDouble() < 0.03;
            var enteredOn = misdated ? on.AddDays(-random.Next(1, 4)) : on;
            var scan = new Draft(enteredOn, new AssessImaging(Iso(enteredOn), sum, nonTarget, newLesions, response, null));
            yield return scan;
            if (misdated)
                yield return new Draft(on.AddDays(random.Next(14, 60)), null, scan, new ImagingAssessed(on, sum, nonTarget, newLesions, response));
            if (s == progressionScan)
                yield return new Draft(on, new RecordProgression(Iso(on), ProgressionBasis.Radiological, null));
        }

        foreach (var adverseEvent in AdverseEvents(random, arm, lastDay))
            yield return new Draft(startedOn.AddDays(adverseEvent.OnsetDay), adverseEvent.Request(startedOn));

        for (var day = 84 + random.Next(0, 22); day < lastDay; day += 84 + random.Next(0, 22))
            yield return new Draft(startedOn.AddDays(day), new RecordFollowUp(Iso(startedOn.AddDays(day)), null));

        if (diedWithinFollowUp)
        {
            var diedOn = startedOn.AddDays((int)Math.Ceiling(deathDay));
            yield return new Draft(diedOn, new RecordDeath(Iso(diedOn), progressionScan >= 0 ? "Disease progression" : "Unknown", null));
        }
        else if (lostDay <= followUpEnd)
        {
            var lostOn = startedOn.AddDays((int)lostDay);
            yield return new Draft(lostOn, new WithdrawFromFollowUp(Iso(lostOn), "Lost to follow-up", null));
        }
        else
        {
            yield return new Draft(cut, new RecordFollowUp(Iso(cut), null));
        }
    }

    private static BaselineRequest Baseline(Random random, PublishedStudy.BaselineProportions p)
    {
        bool Chance(double probability) => random.NextDouble() < probability;
        var bmiDraw = random.NextDouble();
        var bmi = bmiDraw < p.BmiUnder18_5 ? 16.0 + random.NextDouble() * 2.4
            : bmiDraw < p.BmiUnder18_5 + p.BmiAtLeast24 ? 24.0 + random.NextDouble() * 6
            : 18.5 + random.NextDouble() * 5.4;
        var statusDraw = random.NextDouble();
        var status = statusDraw < p.Recurrent ? DiseaseStatus.Recurrent
            : statusDraw < p.Recurrent + p.RecurrentAndMetastatic ? DiseaseStatus.RecurrentAndMetastatic
            : DiseaseStatus.Metastatic;
        var sitesDraw = random.NextDouble();
        var siteCount = status == DiseaseStatus.Recurrent ? 0 : sitesDraw < p.OneSite ? 1 : sitesDraw < p.OneSite + p.TwoSites ? 2 : 3 + random.Next(0, 3);
        bool liver = false, lung = false, bone = false, other = false;
        if (siteCount > 0)
        {
            liver = Chance(p.Liver); lung = Chance(p.Lung); bone = Chance(p.Bone);
            var flagged = new[] { liver, lung, bone }.Count(f => f);
            while (flagged > siteCount) { if (bone) { bone = false; } else if (lung) { lung = false; } else { liver = false; } flagged--; }
            other = flagged < siteCount;
        }
        return new BaselineRequest(
            Age: Chance(p.AgeAtLeast50) ? 50 + random.Next(0, 21) : 28 + random.Next(0, 22),
            Sex: Chance(p.Male) ? Sex.Male : Sex.Female,
            KarnofskyScore: Chance(p.Kps90To100) ? (Chance(0.6) ? 90 : 100) : (Chance(0.6) ? 80 : 70),
            BodyMassIndex: Math.Round(bmi, 1),
            NpcFamilyHistory: Chance(p.FamilyHistory),
            DiseaseStatus: status,
            TreatmentLine: Chance(p.LineTwo) ? 2 : 3 + random.Next(0, 2),
            MetastaticSites: new MetastaticSitesRequest(siteCount, liver, lung, bone, other),
            EbvDna: Chance(p.EbvPositive) ? EbvDnaStatus.Positive : EbvDnaStatus.Negative,
            PdL1Cps: null);
    }

    private static IReadOnlyList<string> Agents(PublishedArm arm) =>
    [
        .. arm.ImmuneCheckpointInhibitor ? new[] { "camrelizumab" } : [],
        .. arm.Targeted ? new[] { "apatinib" } : [],
        .. arm.Chemotherapy ? new[] { "gemcitabine", "cisplatin" } : [],
    ];

    /// <summary>Scan days after treatment start, every 6–9 weeks, while the patient is followed.</summary>
    private static List<double> ScanDays(Random random, double until)
    {
        var days = new List<double>();
        for (var day = 42 + random.Next(0, 22); day <= until; day += 42 + random.Next(0, 22)) days.Add(day);
        return days;
    }

    /// <summary>
    /// Best response: PD when progression is seen at the first scan; otherwise responders in the published proportion
    /// of disease-controlled patients (ORR / DCR), the rest stable, so ORR and DCR land near the published rates.
    /// </summary>
    private static TimepointResponse BestResponse(Random random, PublishedArm arm, bool progressedByFirstScan)
    {
        if (progressedByFirstScan) return TimepointResponse.PD;
        var draw = random.NextDouble() * arm.DiseaseControlRate;
        if (draw < arm.ObjectiveResponseRate * arm.CompleteResponseShareOfResponders) return TimepointResponse.CR;
        return draw < arm.ObjectiveResponseRate ? TimepointResponse.PR : TimepointResponse.SD;
    }

    private static TimepointResponse TimepointAt(TimepointResponse best, int scan) => (best, scan) switch
    {
        (TimepointResponse.CR, 0) => TimepointResponse.PR,
        (TimepointResponse.PR, 0) => TimepointResponse.SD,
        _ => best,
    };

    private sealed record PlannedAdverseEvent(int OnsetDay, string Term, int Grade, bool Serious, Attribution Attribution)
    {
        public RecordAdverseEvent Request(DateOnly startedOn) =>
            new(Term, Grade, Iso(startedOn.AddDays(OnsetDay)), Serious, Attribution, null, null);
    }

    private static IEnumerable<PlannedAdverseEvent> AdverseEvents(Random random, PublishedArm arm, double lastDay)
    {
        foreach (var rate in PublishedStudy.AdverseEvents)
        {
            var applies = rate.Component switch
            {
                "chemotherapy" => arm.Chemotherapy,
                "ici" => arm.ImmuneCheckpointInhibitor,
                "targeted" => arm.Targeted,
                _ => true,
            };
            if (!applies || random.NextDouble() >= rate.AnyGrade) continue;
            var onset = 7 + random.Next(0, 170);
            if (onset >= lastDay) continue;
            var severe = random.NextDouble() < rate.GradeThreeOrMore / rate.AnyGrade;
            var grade = severe ? (random.NextDouble() < 0.8 ? 3 : 4) : 1 + random.Next(0, 2);
            yield return new PlannedAdverseEvent(onset, rate.Term, grade, severe && random.NextDouble() < 0.5,
                random.NextDouble() < 0.6 ? Attribution.Probable : Attribution.Possible);
        }
    }

    private static double Exponential(Random random, double rate) => -Math.Log(1 - random.NextDouble()) / rate;

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd");

    /// <summary>Recorded-at times: a few days after the clinical date, in office hours, never before the patient's previous entry.</summary>
    private sealed class EntryClock(Random random)
    {
        private DateTimeOffset _last = DateTimeOffset.MinValue;

        public DateTimeOffset RecordedAt(DateOnly clinicalDate)
        {
            var at = new DateTimeOffset(clinicalDate.AddDays(1 + random.Next(0, 14)).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero)
                .AddMinutes(random.Next(0, 8 * 60));
            _last = at > _last ? at : _last.AddMinutes(1);
            return _last;
        }
    }
}
