using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo;

/// <summary>
/// The motivating study (<see cref="MotivatingStudyPublished"/>, Jiang 2024) re-created patient by patient, so that the
/// registry's own derivations print the paper's tables. Baseline characteristics (Table 1), best overall response
/// (Table 2), adverse events (Table 3) and regimens are drawn as the published counts, times the scale, and shuffled
/// within arm; progression and death come from a seeded model whose seed was chosen so that the PFS medians and the
/// hazard ratios land inside the published intervals. Pure: the same seed and scale give the same study.
/// </summary>
public static class MotivatingStudy
{
    public const int DefaultSeed = 671;
    public const string ProtocolFile = "npc-rm-2l.json";
    public static readonly DateOnly DataCut = new(2022, 3, 31);
    public static readonly DateOnly EnrolmentOpens = new(2019, 1, 1);
    public static readonly DateOnly EnrolmentCloses = new(2021, 12, 30);
    private const double DaysPerMonth = 30.4375;
    private static readonly string[] Sites = ["S1", "S2", "S3"];

    private static readonly string[] CheckpointInhibitors = ["camrelizumab", "toripalimab", "sintilimab", "tislelizumab"];
    private static readonly string[] AntiAngiogenicAgents = ["apatinib", "anlotinib"];
    private static readonly string[] EgfrInhibitors = ["nimotuzumab", "cetuximab"];

    /// <summary>Chemotherapy regimens by number of agents; every agent named here is a cytotoxic.</summary>
    private static readonly string[][][] ChemotherapyRegimens =
    [
        [],
        [["capecitabine"], ["gemcitabine"], ["docetaxel"], ["tegafur-gimeracil-oteracil"]],
        [["gemcitabine", "cisplatin"], ["docetaxel", "cisplatin"], ["paclitaxel", "nedaplatin"], ["gemcitabine", "carboplatin"]],
        [["docetaxel", "cisplatin", "fluorouracil"], ["paclitaxel", "cisplatin", "capecitabine"]],
    ];

    /// <summary>The cytotoxic agents a treatment start may name, so a reader can count chemotherapy agents per patient.</summary>
    public static readonly IReadOnlySet<string> ChemotherapyAgents =
        ChemotherapyRegimens.SelectMany(regimens => regimens).SelectMany(agents => agents).ToHashSet(StringComparer.Ordinal);

    // Model assumptions (not published), tuned with the seed. Progression after the first scan is Weibull with a
    // rising hazard (shape 1.35): with the PD-at-first-scan patients of Table 2 fixed, that is what lets the medians
    // and the published hazard ratios hold together. Responders progress later than stable disease, a Karnofsky
    // score under 90 sooner, and survival after progression is longer on the combinations.
    private const double ProgressionShape = 1.35;
    private static readonly Dictionary<TimepointResponse, double> ProgressionHazardByResponse = new()
    {
        [TimepointResponse.CR] = 0.3, [TimepointResponse.PR] = 0.6, [TimepointResponse.SD] = 1.0,
    };
    private const double LowKarnofskyHazard = 1.3;
    private const double HighKarnofskyHazard = 0.9;
    private static readonly Dictionary<string, double> MedianSurvivalAfterProgressionMonths = new()
    {
        ["ITC"] = 30, ["IT"] = 22, ["IC"] = 18, ["C"] = 15,
    };
    private const double MedianDeathBeforeProgressionMonths = 150;
    private const double LostToFollowUpShare = 0.05;

    /// <summary>
    /// How far each arm's model median is set above the published one. PFS is censored at the last scan, and with
    /// follow-up this short that pulls Kaplan–Meier medians below the model's (measured at scale 30), the more the
    /// longer the median.
    /// </summary>
    private static readonly Dictionary<string, double> CensoringAllowance = new()
    {
        ["ITC"] = 1.12, ["IT"] = 1.085, ["IC"] = 1.035, ["C"] = 1.03,
    };

    public static SimulatedStudy Generate(int seed = DefaultSeed, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), "The scale multiplies the published arm sizes and must be at least 1.");
        var random = new Random(seed);
        var protocol = DemoProtocols.Load(ProtocolFile);
        var patients = MotivatingStudyPublished.PooledGroups.SelectMany(group => PlanGroup(random, group, scale)).ToList();
        var entries = patients.SelectMany((patient, index) => Simulate(random, patient, index)).ToList();
        // A stable sort keeps each patient's own entries in order when two share a recorded-at instant.
        return new SimulatedStudy(protocol, entries.OrderBy(e => e.RecordedAt).ToList(), patients.Count, DataCut);
    }

    /// <summary>What a patient is given before time runs: arm, baseline, best response, regimen and adverse events.</summary>
    private sealed record PlannedPatient(
        string Arm, string SubjectCode, BaselineValues Baseline, TimepointResponse BestResponse,
        IReadOnlyList<string> Agents, bool OnCheckpointInhibitor, string? TargetedClass, int ChemotherapyAgentCount)
    {
        public List<PlannedAdverseEvent> AdverseEvents { get; } = [];
    }

    private sealed record PlannedAdverseEvent(string Term, int Grade, bool Serious, Attribution Attribution);

    /// <summary>A pooled group's patients: its published baselines shuffled over both arms, then each arm's published responses and regimens.</summary>
    private static List<PlannedPatient> PlanGroup(Random random, string group, int scale)
    {
        var baselines = Baselines(random, group, scale);
        var patients = new List<PlannedPatient>();
        foreach (var arm in MotivatingStudyPublished.ArmsOf(group))
        {
            var size = arm.Patients * scale;
            var responses = Shuffled(random, Counted(scale,
                (TimepointResponse.CR, arm.Responses.CR), (TimepointResponse.PR, arm.Responses.PR),
                (TimepointResponse.SD, arm.Responses.SD), (TimepointResponse.PD, arm.Responses.PD)));
            var targeted = Shuffled(random, Counted(scale,
                ("anti-angiogenic", arm.AntiAngiogenic), ("egfr-inhibitor", arm.EgfrInhibitor),
                ((string?)null, arm.Patients - arm.AntiAngiogenic - arm.EgfrInhibitor)));
            var chemotherapy = Shuffled(random, Counted(scale,
                (1, arm.Chemotherapy.OneAgent), (2, arm.Chemotherapy.TwoAgents), (3, arm.Chemotherapy.ThreeAgents),
                (0, arm.Patients - arm.Chemotherapy.Patients)));
            for (var i = 0; i < size; i++)
            {
                var agents = new List<string>();
                if (arm.ImmuneCheckpointInhibitor) agents.Add(Pick(random, CheckpointInhibitors));
                if (targeted[i] == "anti-angiogenic") agents.Add(Pick(random, AntiAngiogenicAgents));
                if (targeted[i] == "egfr-inhibitor") agents.Add(Pick(random, EgfrInhibitors));
                if (chemotherapy[i] > 0) agents.AddRange(Pick(random, ChemotherapyRegimens[chemotherapy[i]]));
                patients.Add(new PlannedPatient(arm.Code, $"NPC-{arm.Code}-{i + 1:0000}", baselines[patients.Count], responses[i],
                    agents, arm.ImmuneCheckpointInhibitor, targeted[i], chemotherapy[i]));
            }
        }
        AssignAdverseEvents(random, group, scale, patients);
        return patients;
    }

    /// <summary>
    /// Table 1 for one pooled group: each characteristic's published counts as values, shuffled over the group's
    /// patients. Disease status, metastatic site count and the sites themselves are drawn together so they agree:
    /// recurrent disease has no metastatic site, and every metastatic patient has at least one site flagged.
    /// </summary>
    private static List<BaselineValues> Baselines(Random random, string group, int scale)
    {
        var size = MotivatingStudyPublished.PooledPatients.Of(group) * scale;
        var values = Enumerable.Range(0, size).Select(_ => new Dictionary<string, BaselineValue>()).ToList();
        List<string> Labels(string variable)
        {
            var characteristic = MotivatingStudyPublished.Characteristics.Single(c => c.Variable == variable);
            var labels = Shuffled(random, Counted(scale, characteristic.Levels.Select(l => (l.Group, l.Patients.Of(group))).ToArray()));
            return labels.Count == size ? labels : throw new InvalidOperationException($"Table 1 counts of {variable} in {group} do not add up to {size}.");
        }

        foreach (var variable in new[] { "age", "sex", "npcFamilyHistory", "kps", "bmi", "treatmentLine", "ebvDna" })
        {
            var labels = Labels(variable);
            for (var i = 0; i < size; i++) values[i][variable] = ValueIn(random, variable, labels[i]);
        }

        var status = Labels("diseaseStatus");
        var metastatic = Enumerable.Range(0, size).Where(i => status[i] == "metastatic").ToList();
        var siteGroups = Labels("metastaticSiteCount");
        var withoutSites = siteGroups.Count(g => g == "0");
        if (withoutSites != size - metastatic.Count)
            throw new InvalidOperationException($"Table 1 of {group}: {withoutSites} patients without metastatic sites but {size - metastatic.Count} recurrent.");
        var siteGroupOf = metastatic.Zip(siteGroups.Where(g => g != "0")).ToDictionary(p => p.First, p => p.Second);

        // Each site goes first to the patients with the fewest sites so far, so none is left without one;
        // a patient with 1–2 metastatic sites carries at most two of the four.
        var organs = new[] { "liverMetastasis", "lungMetastasis", "boneMetastasis", "otherMetastasis" };
        var flagged = new int[size];
        int Yes(string organ) => MotivatingStudyPublished.Characteristics.Single(c => c.Variable == organ).Levels.Single(l => l.Group == "Yes").Patients.Of(group) * scale;
        foreach (var organ in organs.OrderByDescending(Yes))
        {
            var yes = Yes(organ);
            var tieBreak = metastatic.ToDictionary(i => i, _ => random.NextDouble());
            var chosen = metastatic.Where(i => flagged[i] < (siteGroupOf[i] == "1–2" ? 2 : organs.Length))
                .OrderBy(i => flagged[i]).ThenBy(i => tieBreak[i]).Take(yes).ToHashSet();
            if (chosen.Count < yes) throw new InvalidOperationException($"Table 1 of {group}: too few metastatic patients to carry {yes} with {organ}.");
            for (var i = 0; i < size; i++)
            {
                values[i][organ] = BaselineValue.Of(chosen.Contains(i));
                if (chosen.Contains(i)) flagged[i]++;
            }
        }
        for (var i = 0; i < size; i++)
        {
            values[i]["diseaseStatus"] = BaselineValue.Of(status[i]);
            values[i]["metastaticSiteCount"] = BaselineValue.Of(status[i] == "recurrent" ? 0
                : siteGroupOf[i] == "1–2" ? Math.Max(flagged[i], random.Next(1, 3))
                : Math.Max(3, flagged[i]) + random.Next(0, 3));
            // PD-L1 was tested in a minority of patients in routine care.
            values[i]["pdL1Cps"] = random.NextDouble() < 0.3 ? BaselineValue.Of(random.Next(0, 81)) : BaselineValue.MissingAs(MissingCodes.NotDone);
        }
        return values.Select(v => new BaselineValues(v)).ToList();
    }

    /// <summary>A value inside a Table 1 group. BMI is never exactly 25, which the paper's groups leave unplaced.</summary>
    private static BaselineValue ValueIn(Random random, string variable, string group) => (variable, group) switch
    {
        // Ages under 50 from 32, so the median lands near the published 46.
        ("age", "<50") => BaselineValue.Of(random.Next(32, 50)),
        ("age", "≥50") => BaselineValue.Of(random.Next(50, 73)),
        ("kps", "70–80") => BaselineValue.Of(random.NextDouble() < 0.3 ? 70 : 80),
        ("kps", "90–100") => BaselineValue.Of(random.NextDouble() < 0.7 ? 90 : 100),
        ("bmi", "<18.5") => BaselineValue.Of(Math.Round(15.5 + random.NextDouble() * 2.9, 1)),
        ("bmi", "18.5–25") => BaselineValue.Of(Math.Round(18.5 + random.NextDouble() * 6.4, 1)),
        ("bmi", ">25") => BaselineValue.Of(Math.Round(25.1 + random.NextDouble() * 6, 1)),
        ("treatmentLine", "2") => BaselineValue.Of(2),
        ("treatmentLine", "≥3") => BaselineValue.Of(random.NextDouble() < 0.7 ? 3 : 4),
        (_, "Yes") => BaselineValue.Of(true),
        (_, "No") => BaselineValue.Of(false),
        _ => BaselineValue.Of(group),
    };

    /// <summary>
    /// Table 3 for one pooled group. The published number of patients with any adverse event, and with any of grade
    /// ≥ 3, are chosen first; each term's grade ≥ 3 cases then go to those severe patients (ones still without a severe
    /// event first) and its milder cases to the rest of the patients with events (ones still without any first), so
    /// every term's counts and both totals hold at once. Within those rules, a term favours the patients on the
    /// component that usually causes it.
    /// </summary>
    private static void AssignAdverseEvents(Random random, string group, int scale, List<PlannedPatient> patients)
    {
        var withEvents = Shuffled(random, patients).Take(MotivatingStudyPublished.AnyAdverseEvent.Of(group) * scale).ToList();
        var severe = withEvents.Take(MotivatingStudyPublished.AnyGradeThreeOrMore.Of(group) * scale).ToList();

        double Affinity(PlannedPatient p, string cause) => cause switch
        {
            "chemotherapy" => p.ChemotherapyAgentCount > 0 ? 1 : 0.15,
            "immune-checkpoint-inhibitor" => p.OnCheckpointInhibitor ? 1 : 0.15,
            "anti-angiogenic" => p.TargetedClass == "anti-angiogenic" ? 1 : 0.15,
            _ => 1,
        };
        // Weighted sampling without replacement: order by an exponential race, patients not yet covered first.
        List<PlannedPatient> Choose(IEnumerable<PlannedPatient> candidates, Func<PlannedPatient, bool> covered, string cause, int count)
        {
            var race = candidates.Select(p => (Patient: p, Key: -Math.Log(1 - random.NextDouble()) / Affinity(p, cause))).ToList();
            var chosen = race.OrderBy(r => covered(r.Patient)).ThenBy(r => r.Key).Take(count).Select(r => r.Patient).ToList();
            return chosen.Count == count ? chosen : throw new InvalidOperationException($"Table 3 of {group}: too few patients for {count} cases.");
        }

        var terms = MotivatingStudyPublished.AdverseEvents;
        foreach (var term in terms.OrderByDescending(t => t.GradeThreeOrMore.Of(group)))
            foreach (var patient in Choose(severe, p => p.AdverseEvents.Any(a => a.Grade >= 3), term.Cause, term.GradeThreeOrMore.Of(group) * scale))
                patient.AdverseEvents.Add(new PlannedAdverseEvent(term.Term, random.NextDouble() < 0.8 ? 3 : 4,
                    random.NextDouble() < 0.4, random.NextDouble() < 0.6 ? Attribution.Probable : Attribution.Definite));
        foreach (var term in terms)
        {
            var mild = (term.AnyGrade.Of(group) - term.GradeThreeOrMore.Of(group)) * scale;
            var candidates = withEvents.Where(p => p.AdverseEvents.All(a => a.Term != term.Term));
            foreach (var patient in Choose(candidates, p => p.AdverseEvents.Count > 0, term.Cause, mild))
                patient.AdverseEvents.Add(new PlannedAdverseEvent(term.Term, random.NextDouble() < 0.65 ? 1 : 2,
                    false, random.NextDouble() < 0.5 ? Attribution.Possible : Attribution.Probable));
        }
    }

    /// <summary>A clinical entry before it gets its entry number and recorded-at time; a correction names the entry it fixes.</summary>
    private sealed record Draft(DateOnly On, IPatientFact? Fact, Draft? Corrects = null, IPatientFact? Replacement = null);

    private static IEnumerable<SimulatedEntry> Simulate(Random random, PlannedPatient patient, int index)
    {
        var site = Sites[random.Next(Sites.Length)];
        // Enrolment grows over the period as PD-1 inhibitors came into use (density rising linearly), which is
        // what puts the median follow-up near the published 13.1 months.
        var span = EnrolmentCloses.DayNumber - EnrolmentOpens.DayNumber;
        var enrolledOn = EnrolmentOpens.AddDays((int)Math.Round(span * Math.Sqrt(random.NextDouble())));
        var startedOn = enrolledOn.AddDays(random.Next(0, 11));
        var line = (int?)patient.Baseline.Number("treatmentLine");
        var drafts = new List<Draft>
        {
            new(enrolledOn, new PatientEnrolled(Guid.Empty, Guid.Empty, patient.Arm, site, patient.SubjectCode, enrolledOn, patient.Baseline)),
            new(startedOn, new TreatmentStarted(startedOn, patient.Agents, line)),
        };
        drafts.AddRange(FollowUp(random, patient, startedOn));

        // Entered in clinical order, each a few days after the fact; a correction goes in when the slip is found.
        var clock = new EntryClock(random);
        var numbers = new Dictionary<Draft, long>(ReferenceEqualityComparer.Instance);
        foreach (var draft in drafts.OrderBy(d => d.On))
        {
            numbers[draft] = numbers.Count + 1;
            object fact = draft.Corrects is { } slip
                ? new SimulatedCorrection(numbers[slip], draft.Replacement!, "Scan date transcribed wrongly; corrected from the radiology report")
                : draft.Fact!;
            yield return new SimulatedEntry(clock.RecordedAt(draft.On), index, site, fact);
        }
    }

    /// <summary>
    /// Imaging every 6–9 weeks from treatment start, adverse events, progression, death, follow-up contacts and losses.
    /// Every patient has a first scan (day 42–63) before anything ends their follow-up, so best response always derives:
    /// a PD patient progresses at it; anyone else shows their best response before a later scan shows progression.
    /// </summary>
    private static IEnumerable<Draft> FollowUp(Random random, PlannedPatient patient, DateOnly startedOn)
    {
        var arm = MotivatingStudyPublished.Arm(patient.Arm);
        var horizon = DataCut.DayNumber - startedOn.DayNumber;
        var scans = new List<int>();
        for (var day = 42 + random.Next(0, 22); day <= horizon; day += 42 + random.Next(0, 22)) scans.Add(day);
        var firstScan = scans[0];

        var karnofsky = patient.Baseline.Number("kps") < 90 ? LowKarnofskyHazard : HighKarnofskyHazard;
        var progressionDay = patient.BestResponse == TimepointResponse.PD ? firstScan
            : firstScan + 1 + ProgressionScaleDays(arm) * Math.Pow(Exponential(random, ProgressionHazardByResponse[patient.BestResponse] * karnofsky), 1 / ProgressionShape);
        var deathBeforeProgression = firstScan + 1 + Exponential(random, Math.Log(2) / (MedianDeathBeforeProgressionMonths * DaysPerMonth));
        var lostDay = random.NextDouble() < LostToFollowUpShare ? firstScan + 1 + Exponential(random, 1 / (8 * DaysPerMonth)) : double.PositiveInfinity;

        var followed = scans.TakeWhile(day => day < Math.Min(deathBeforeProgression, lostDay)).ToList();
        var progressionScan = followed.FindIndex(day => day >= progressionDay);
        if (progressionScan >= 0) followed = followed.Take(progressionScan + 1).ToList();
        var deathDay = (int)Math.Ceiling(progressionScan >= 0
            ? followed[progressionScan] + 1 + Exponential(random, Math.Log(2) / (MedianSurvivalAfterProgressionMonths[arm.Code] * DaysPerMonth))
            : deathBeforeProgression);
        var died = deathDay <= horizon && deathDay < lostDay;
        var lost = !died && lostDay <= horizon;
        var lastDay = died ? deathDay : lost ? (int)lostDay : horizon;

        foreach (var draft in Imaging(random, patient.BestResponse, followed, progressionScan, startedOn)) yield return draft;

        foreach (var adverseEvent in patient.AdverseEvents)
        {
            var onset = startedOn.AddDays(7 + random.Next(0, Math.Min(170, lastDay - 7)));
            yield return new Draft(onset, new AdverseEventRecorded(adverseEvent.Term, adverseEvent.Grade, onset, adverseEvent.Serious, adverseEvent.Attribution));
        }

        for (var day = 84 + random.Next(0, 22); day < lastDay; day += 84 + random.Next(0, 22))
            yield return new Draft(startedOn.AddDays(day), new LastKnownAlive(startedOn.AddDays(day)));

        var endOn = startedOn.AddDays(lastDay);
        if (died) yield return new Draft(endOn, new PatientDied(endOn, progressionScan >= 0 ? "Disease progression" : "Unknown"));
        else if (lost) yield return new Draft(endOn, new WithdrewFromFollowUp(endOn, "Lost to follow-up"));
        else yield return new Draft(endOn, new LastKnownAlive(endOn));
    }

    /// <summary>
    /// RECIST 1.1 timepoints consistent with their measurements: a CR has no target lesion left and non-target CR;
    /// a PR is at least 30% below baseline; stable disease stays within the 20% growth that would be PD; PD is growth
    /// from the nadir, new lesions or non-target progression. A responder's first scan shows one step less when a
    /// later scan can show the best response. About 3% of scans are entered with a wrong date and corrected later.
    /// </summary>
    private static IEnumerable<Draft> Imaging(Random random, TimepointResponse best, List<int> scans, int progressionScan, DateOnly startedOn)
    {
        var baselineSum = 40 + random.NextDouble() * 80;
        var nadir = baselineSum;
        var responseLevel = 0.35 + random.NextDouble() * 0.3;
        var stableLevel = 0.8 + random.NextDouble() * 0.2;
        var laterResponseScan = scans.Count > 1 && progressionScan != 1;
        for (var s = 0; s < scans.Count; s++)
        {
            var on = startedOn.AddDays(scans[s]);
            var response = s == progressionScan ? TimepointResponse.PD
                : (best, s, laterResponseScan) switch
                {
                    (TimepointResponse.CR, 0, true) => TimepointResponse.PR,
                    (TimepointResponse.PR, 0, true) => TimepointResponse.SD,
                    _ => best,
                };
            double sum;
            var nonTarget = NonTargetStatus.NonCRNonPD;
            var newLesions = false;
            if (response == TimepointResponse.PD)
            {
                var kind = random.NextDouble();
                if (nadir == 0 || kind < 0.4) newLesions = true;
                else if (kind < 0.55) nonTarget = NonTargetStatus.PD;
                sum = newLesions || nonTarget == NonTargetStatus.PD
                    ? nadir * (1 + random.NextDouble() * 0.1)
                    : Math.Max(nadir * (1.25 + random.NextDouble() * 0.25), nadir + 5);
            }
            else
            {
                var level = response switch
                {
                    TimepointResponse.CR => 0,
                    TimepointResponse.PR => responseLevel,
                    _ => best == TimepointResponse.PR ? Math.Max(0.75, responseLevel + 0.3) : stableLevel,
                };
                sum = baselineSum * level * (0.95 + random.NextDouble() * 0.1);
                if (response == TimepointResponse.CR) nonTarget = NonTargetStatus.CR;
            }
            sum = Math.Round(sum, 1);
            nadir = Math.Min(nadir, sum);

            // 4% of the later, non-PD scans: about 3% of all scans.
            var misdated = s > 0 && response != TimepointResponse.PD && random.NextDouble() < 0.04;
            var enteredOn = misdated ? on.AddDays(-random.Next(1, 4)) : on;
            var scan = new Draft(enteredOn, new ImagingAssessed(enteredOn, sum, nonTarget, newLesions, response));
            yield return scan;
            if (misdated)
                yield return new Draft(on.AddDays(random.Next(14, 60)), null, scan, new ImagingAssessed(on, sum, nonTarget, newLesions, response));
            if (s == progressionScan)
                yield return new Draft(on, new DiseaseProgressed(on, ProgressionBasis.Radiological,
                    random.NextDouble() < 0.6 ? FailureSite.Distant : random.NextDouble() < 0.75 ? FailureSite.Locoregional : FailureSite.Both));
        }
    }

    /// <summary>
    /// The Weibull scale, in days, of the arm's progression time after the first scan (before the response and
    /// Karnofsky factors), solved so that its PFS curve crosses one half at the arm's median: PD patients fail at the
    /// first scan (day ~52), the rest progress after it and are seen at the next scan, about 26 days later on average.
    /// </summary>
    private static double ProgressionScaleDays(PublishedArm arm)
    {
        var afterFirstScan = arm.MedianPfsMonths * CensoringAllowance[arm.Code] * DaysPerMonth - 52 - 26;
        var others = new[] { TimepointResponse.CR, TimepointResponse.PR, TimepointResponse.SD };
        double Survival(double scale) => others.Sum(r => arm.Responses.Of(r) *
            Math.Exp(-ProgressionHazardByResponse[r] * Math.Pow(afterFirstScan / scale, ProgressionShape))) / arm.Patients;
        double low = 1, high = 100_000;
        for (var i = 0; i < 60; i++)
        {
            var middle = (low + high) / 2;
            if (Survival(middle) < 0.5) low = middle; else high = middle;
        }
        return high;
    }

    private static List<T> Counted<T>(int scale, params (T Value, int Count)[] counts) =>
        counts.SelectMany(c => Enumerable.Repeat(c.Value, c.Count * scale)).ToList();

    private static List<T> Shuffled<T>(Random random, IEnumerable<T> items)
    {
        var list = items.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        return list;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static double Exponential(Random random, double rate) => -Math.Log(1 - random.NextDouble()) / rate;

    /// <summary>Recorded-at times: a few days after the clinical date, in office hours, never before the patient's previous entry.</summary>
    private sealed class EntryClock(Random random)
    {
        private DateTimeOffset last = DateTimeOffset.MinValue;

        public DateTimeOffset RecordedAt(DateOnly clinicalDate)
        {
            var at = new DateTimeOffset(clinicalDate.AddDays(1 + random.Next(0, 7)).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero)
                .AddMinutes(random.Next(0, 8 * 60));
            last = at > last ? at : last.AddMinutes(1);
            return last;
        }
    }
}
