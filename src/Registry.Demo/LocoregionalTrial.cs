using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo;

/// <summary>
/// A randomized trial in high-risk locoregionally advanced nasopharyngeal carcinoma shaped like CONTINUUM (Liu et al.,
/// Lancet 2024;403:2720–31): gemcitabine–cisplatin induction and cisplatin chemoradiotherapy with sintilimab or
/// placebo, event-free survival from randomization. Each patient is enrolled, randomized, starts induction, is seen
/// every 3 months for three years and every 6 months after, and may relapse locoregionally, distantly or both, and
/// die. Pure and seeded: the same seed and scale give the same study.
/// </summary>
public static class LocoregionalTrial
{
    public const int DefaultSeed = 90;
    public const string ProtocolFile = "la-npc-efs.json";
    public const string Sintilimab = "SIN-CRT";
    public const string Placebo = "CRT";

    // Liu 2024: 425 patients enrolled between 21 Dec 2018 and 31 Mar 2020, reported at a median follow-up of 41.9
    // months, which a cut at the end of February 2023 gives.
    private const int PublishedPatients = 425;
    private static readonly DateOnly EnrolmentOpens = new(2018, 12, 21);
    private static readonly DateOnly EnrolmentCloses = new(2020, 3, 31);
    public static readonly DateOnly DataCut = new(2023, 2, 28);

    private const double DaysPerMonth = 30.4375;
    // Liu 2024 recruited at nine hospitals; five sites here, the first recruiting most.
    private static readonly string[] Sites = ["S1", "S1", "S1", "S2", "S2", "S3", "S4", "S5"];

    // Relapse hazard per month of a patient with T1–3 N0–2 disease and EBV DNA < 4000 copies/mL on placebo, from the
    // end of chemoradiotherapy to month 36 and halving after (NPC seldom relapses late): set so that 36-month EFS on
    // placebo is about Liu 2024's 76%.
    private const double ReferenceRelapsePerMonth = 0.0042;
    private const double ChemoradiotherapyMonths = 4;
    private const double LateRelapseFactor = 0.5;
    // Liu 2024: EFS hazard ratio 0.59 (95% CI 0.38–0.92) for sintilimab. The relapse hazard ratio is set lower because
    // deaths without relapse and the prognostic mix dilute the hazard ratio a Cox model of EFS sees.
    private const double SintilimabHazardRatio = 0.50;
    // Assumed prognostic weights, so subgroup analyses have something to find.
    private const double N3Factor = 1.6, T4Factor = 1.35, HighEbvDnaFactor = 1.8;
    // Liu 2024: 3-year DMFS 90.3% vs 82.8% and LRFS 93.4% vs 86.8%, so distant failure dominates; the split is assumed.
    private static readonly (FailureSite, double)[] FirstFailure = [(FailureSite.Distant, 0.55), (FailureSite.Locoregional, 0.28), (FailureSite.Both, 0.17)];
    // Assumed: median survival after distant and after locoregional relapse, and how often a locoregional relapse spreads later.
    private const double MonthsAfterDistantRelapse = 30, MonthsAfterLocoregionalRelapse = 60, LaterSpread = 0.25, MonthsToLaterSpread = 10;
    // Liu 2024: grade 5 adverse events in 2 of 209 sintilimab and 1 of 214 standard-therapy patients treated.
    private const double SintilimabTreatmentDeath = 2.0 / 209, PlaceboTreatmentDeath = 1.0 / 214;
    private const string TreatmentRelated = "Treatment-related";
    // Assumed: deaths from other causes (about 0.6% a year) and losses to follow-up.
    private const double MonthsToOtherDeath = 1440, LostToFollowUp = 0.03;

    /// <summary>Assumed adverse-event rates (any grade, grade ≥ 3) so the safety views have something to show.</summary>
    private sealed record Toxicity(string Term, bool SintilimabOnly, double AnyGrade, double GradeThreeOrMore);

    private static readonly Toxicity[] Toxicities =
    [
        new("Leukopenia", false, 0.90, 0.40),
        new("Neutropenia", false, 0.80, 0.30),
        new("Oral mucositis", false, 0.85, 0.20),
        new("Nausea", false, 0.70, 0.05),
        new("Hypothyroidism", true, 0.30, 0.01),
        new("Rash", true, 0.20, 0.03),
    ];

    public static SimulatedStudy Generate(int seed = DefaultSeed, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), "The scale multiplies the published enrolment and must be at least 1.");
        var protocol = DemoProtocols.Load(ProtocolFile);
        var random = new Random(seed);
        var randomization = new BlockRandomization(random);
        var window = EnrolmentCloses.DayNumber - EnrolmentOpens.DayNumber + 1;
        // Patients are randomized in the order they enrol, so the blocks fill as they would at the sites.
        var enrolments = Enumerable.Range(0, PublishedPatients * scale).Select(_ => EnrolmentOpens.AddDays(random.Next(window))).Order().ToList();
        var entries = new List<SimulatedEntry>();
        for (var i = 0; i < enrolments.Count; i++)
            entries.AddRange(SimulatePatient(random, protocol, randomization, i, enrolments[i]));
        return new SimulatedStudy(protocol, entries.OrderBy(e => e.RecordedAt).ToList(), enrolments.Count, DataCut);
    }

    private static IReadOnlyList<SimulatedEntry> SimulatePatient(Random random, Protocol protocol, BlockRandomization randomization, int index, DateOnly enrolledOn)
    {
        var site = Sites[random.Next(Sites.Length)];
        var chart = new PatientChart(index, site);
        var staging = Staging(random);
        var ebvDna = EbvDna(random);
        var baseline = Baseline(random, staging, ebvDna);

        // A few EBV DNA results are entered with an extra zero and corrected from the laboratory report.
        var slipped = ebvDna is > 0 && random.Chance(0.015);
        var enrolment = chart.Add(new PatientEnrolled(Guid.Empty, Guid.Empty, null, site, $"LA-{index + 1:0000}", enrolledOn,
            slipped ? baseline.With("ebvDna", BaselineValue.Of(ebvDna!.Value * 10)) : baseline));
        if (slipped)
            chart.Correct(enrolment, enrolment with { Baseline = baseline }, enrolledOn.AddDays(random.Next(7, 31)),
                "EBV DNA entered with an extra zero; corrected from the laboratory report");

        var strata = protocol.StratificationFactors!.ToDictionary(key => key, key => DataDictionary.GroupOf(protocol.Variable(key)!, baseline.Get(key))!);
        var arm = randomization.Assign(string.Join("|", strata.Values));
        var randomizedOn = enrolledOn.AddDays(random.Next(0, 4));
        chart.Add(new PatientRandomized(randomizedOn, arm, strata));
        var startedOn = chart.Add(new TreatmentStarted(randomizedOn.AddDays(random.Next(1, 11)),
            arm == Sintilimab ? ["sintilimab", "gemcitabine", "cisplatin"] : ["placebo", "gemcitabine", "cisplatin"], null)).StartedOn;

        // The course in months from randomization; a date is the day that many months after randomization.
        DateOnly At(double months) => randomizedOn.AddDays((int)Math.Round(months * DaysPerMonth));
        var followedMonths = (DataCut.DayNumber - randomizedOn.DayNumber) / DaysPerMonth;
        var lostAt = random.Chance(LostToFollowUp) ? 6 + random.NextDouble() * (followedMonths - 6) : double.PositiveInfinity;
        var followedUntil = Math.Min(followedMonths, lostAt);

        var risk = (staging.N == "N3" ? N3Factor : 1) * (staging.T == "T4" ? T4Factor : 1) * (ebvDna >= 4000 ? HighEbvDnaFactor : 1);
        var relapseAt = RelapseAt(random, ReferenceRelapsePerMonth * risk * (arm == Sintilimab ? SintilimabHazardRatio : 1));
        var treatmentDeath = random.Chance(arm == Sintilimab ? SintilimabTreatmentDeath : PlaceboTreatmentDeath);
        var deathAt = treatmentDeath ? 0.5 + random.NextDouble() * 4.5 : random.Exponential(MonthsToOtherDeath);
        var cause = treatmentDeath ? TreatmentRelated : "Other cause";
        if (relapseAt < deathAt && relapseAt <= followedUntil)
        {
            var type = random.Pick(FirstFailure);
            var relapsedOn = At(relapseAt);
            // Some relapses first read as locoregional turn out to be distant too once the PET-CT is reported.
            var foundOn = relapsedOn.AddDays(random.Next(7, 22));
            var relapse = chart.Add(new DiseaseRelapsed(relapsedOn, type == FailureSite.Both && foundOn <= DataCut && random.Chance(0.4) ? FailureSite.Locoregional : type));
            if (relapse.Type != type)
                chart.Correct(relapse, relapse with { Type = type }, foundOn, "PET-CT after the relapse showed distant metastases too; relapse retyped");

            var survival = random.Exponential(type == FailureSite.Locoregional ? MonthsAfterLocoregionalRelapse : MonthsAfterDistantRelapse);
            if (relapseAt + survival < deathAt) (deathAt, cause) = (relapseAt + survival, "Nasopharyngeal carcinoma");
            if (type == FailureSite.Locoregional && random.Chance(LaterSpread) && relapseAt + random.Exponential(MonthsToLaterSpread) is var spreadAt &&
                spreadAt < deathAt && spreadAt <= followedUntil)
                chart.Add(new DiseaseRelapsed(At(spreadAt), FailureSite.Distant));
        }

        var died = deathAt <= followedUntil;
        var lastMonth = Math.Min(deathAt, followedUntil);
        foreach (var toxicity in Toxicities.Where(t => arm == Sintilimab || !t.SintilimabOnly))
        {
            if (!random.Chance(toxicity.AnyGrade)) continue;
            var onsetOn = startedOn.AddDays(7 + random.Next(0, 150));
            var severe = random.Chance(toxicity.GradeThreeOrMore / toxicity.AnyGrade);
            if (onsetOn <= At(lastMonth))
                chart.Add(new AdverseEventRecorded(toxicity.Term, severe ? (random.Chance(0.8) ? 3 : 4) : 1 + random.Next(0, 2), onsetOn,
                    severe && random.Chance(0.4), random.Chance(0.6) ? Attribution.Probable : Attribution.Possible));
        }

        // Seen every 3 months for three years, then every 6; a few visit dates are mistyped and corrected from the clinic letter.
        for (var month = 3 + random.NextDouble(); month < lastMonth; month += (month < 36 ? 3 : 6) + random.NextDouble() - 0.5)
        {
            var seenOn = At(month);
            var visit = chart.Add(new LastKnownAlive(random.Chance(0.002) ? seenOn.AddDays(-random.Next(1, 4)) : seenOn));
            if (visit.LastKnownAliveOn != seenOn && seenOn.AddDays(random.Next(14, 61)) is var correctedOn && correctedOn <= DataCut)
                chart.Correct(visit, new LastKnownAlive(seenOn), correctedOn, "Visit date transcribed wrongly; corrected from the clinic letter");
        }

        if (died)
        {
            var diedOn = chart.Add(new PatientDied(At(deathAt), cause)).DiedOn;
            // A fatal adverse event needs the death on record, so it goes in after it.
            if (cause == TreatmentRelated)
                chart.Add(new AdverseEventRecorded(arm == Sintilimab ? "Pneumonitis" : "Febrile neutropenia", 5,
                    Max(startedOn, diedOn.AddDays(-random.Next(0, 4))), true, Attribution.Probable), enteredFrom: diedOn);
        }
        else if (lostAt <= followedMonths) chart.Add(new WithdrewFromFollowUp(At(lostAt), "Lost to follow-up"));
        else chart.Add(new LastKnownAlive(DataCut));
        return chart.Record(random);
    }

    private sealed record Stage(string T, string N, string Overall);

    /// <summary>
    /// Stage III is T1–3 N2 and stage IVa T4 N1–2 or any T N3 once T3–4N0 and T3N1 are excluded; Liu 2024 had about
    /// 70% stage IVa. The split within each stage is assumed.
    /// </summary>
    private static Stage Staging(Random random)
    {
        string LowerT() => random.Pick(("T1", 0.05), ("T2", 0.20), ("T3", 0.75));
        return random.Pick((0, 0.30), (1, 0.14), (2, 0.18), (3, 0.24), (4, 0.14)) switch
        {
            0 => new Stage(LowerT(), "N2", "III"),
            1 => new Stage("T4", "N1", "IVa"),
            2 => new Stage("T4", "N2", "IVa"),
            3 => new Stage(LowerT(), "N3", "IVa"),
            _ => new Stage("T4", "N3", "IVa"),
        };
    }

    /// <summary>Assumed: not done for a few, undetectable for about one in eight, otherwise log-normal around 4000 copies/mL.</summary>
    private static double? EbvDna(Random random) =>
        random.Chance(0.03) ? null
        : random.Chance(0.12) ? 0
        : Math.Round(Math.Pow(10, random.Normal(3.6, 0.9)) / 10) * 10;

    private static BaselineValues Baseline(Random random, Stage stage, double? ebvDna) => new(new Dictionary<string, BaselineValue>
    {
        ["tStage"] = BaselineValue.Of(stage.T),
        ["nStage"] = BaselineValue.Of(stage.N),
        ["overallStage"] = BaselineValue.Of(stage.Overall),
        // Liu 2024: median age 46, 73.6% men.
        ["age"] = BaselineValue.Of(Math.Clamp(Math.Round(random.Normal(46, 9.5)), 18, 65)),
        ["sex"] = BaselineValue.Of(random.Chance(0.736) ? "Male" : "Female"),
        ["ebvDna"] = ebvDna is { } copies ? BaselineValue.Of(copies) : BaselineValue.MissingAs(MissingCodes.NotDone),
        ["ecog"] = BaselineValue.Of(random.Chance(0.8) ? 0 : 1),
    });

    /// <summary>Months from randomization to relapse: none during chemoradiotherapy, a constant hazard to month 36, a lower one after.</summary>
    private static double RelapseAt(Random random, double hazardPerMonth)
    {
        var cumulative = -Math.Log(1 - random.NextDouble());
        var toMonth36 = (36 - ChemoradiotherapyMonths) * hazardPerMonth;
        return cumulative <= toMonth36
            ? ChemoradiotherapyMonths + cumulative / hazardPerMonth
            : 36 + (cumulative - toMonth36) / (hazardPerMonth * LateRelapseFactor);
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    /// <summary>Liu 2024 randomized 1:1 in blocks of four; here the blocks are permuted within each stratum.</summary>
    private sealed class BlockRandomization(Random random)
    {
        private readonly Dictionary<string, Queue<string>> open = [];

        public string Assign(string stratum)
        {
            if (!open.TryGetValue(stratum, out var block) || block.Count == 0)
            {
                string[] arms = [Sintilimab, Sintilimab, Placebo, Placebo];
                random.Shuffle(arms);
                open[stratum] = block = new Queue<string>(arms);
            }
            return block.Dequeue();
        }
    }
}
