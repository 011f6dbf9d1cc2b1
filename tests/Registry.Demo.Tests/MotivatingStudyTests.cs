using System.Text.Json;
using Registry.Analytics.Tables;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo.Tests;

/// <summary>The default study at scale 1, generated and derived once for every test of the class.</summary>
public sealed class MotivatingStudyFixture
{
    public MotivatingStudyAnalysis Analysis { get; } = new(MotivatingStudy.Generate());
}

/// <summary>
/// The simulated motivating study read back through the registry's own rules and derivations must print the
/// published figures of Jiang 2024 (Sci Rep 14, doi:10.1038/s41598-024-52326-7): Tables 1–3 exactly, the PFS medians
/// within 15%, every hazard ratio inside its published 95% CI.
/// </summary>
public sealed class MotivatingStudyTests(MotivatingStudyFixture fixture) : IClassFixture<MotivatingStudyFixture>
{
    private const string Jiang = "Jiang 2024";
    private const string IcPlusC = "IC+C";
    private const string ItcPlusIt = "ITC+IT";
    private static readonly string[] PooledGroups = [IcPlusC, ItcPlusIt];
    private readonly MotivatingStudyAnalysis study = fixture.Analysis;

    [Fact]
    public void The_protocol_is_well_formed_and_plans_the_published_analyses()
    {
        var protocol = study.Protocol;
        Assert.Empty(ProtocolRules.Errors(protocol));
        Assert.Equal("NPC-RM-2L", protocol.Code);
        Assert.Equal(StudyDesigns.NonRandomized, protocol.Design);
        Assert.Equal(TimeOrigins.TreatmentStart, protocol.TimeOrigin);
        Assert.Equal(new[] { "ITC", "IT", "IC", "C" }, protocol.Arms.Select(a => a.Code));
        Assert.All(protocol.Arms.SelectMany(a => a.Regimen ?? []), c => Assert.Contains(c.Class, ComponentClasses.All));
        Assert.Equal(new[] { "ITC", "IT" }, protocol.Analysis!.Pooled![ItcPlusIt]);
        Assert.Equal(new[] { "IC", "C" }, protocol.Analysis.Pooled[IcPlusC]);
        // Planned comparisons are pairs compared on every endpoint, so the paper's seven (six PFS, one OS) are six pairs.
        Assert.Equal(new[] { ("IC+C", "ITC+IT"), ("ITC", "IT"), ("ITC", "IC"), ("ITC", "C"), ("IT", "IC"), ("IT", "C") },
            protocol.Analysis.Comparisons!.Select(c => (c.Arm, c.Reference)));
        Assert.Equal(new[] { "age", "sex", "kps", "ebvDna", "diseaseStatus", "treatmentLine", "liverMetastasis" }, protocol.Analysis.Subgroups!);
        Assert.Equal(new[] { "age", "kps" }, protocol.Analysis.AdjustFor!);
        // Table 1's groups, Jiang 2024, are the dictionary's own.
        foreach (var (variable, groups) in new[]
        {
            ("age", new[] { "<50", "≥50" }), ("kps", new[] { "70–80", "90–100" }), ("bmi", new[] { "<18.5", "18.5–25", ">25" }),
            ("treatmentLine", new[] { "2", "≥3" }), ("metastaticSiteCount", new[] { "0", "1–2", "≥3" }),
            ("sex", new[] { "Male", "Female" }), ("diseaseStatus", new[] { "recurrent", "metastatic" }), ("ebvDna", new[] { "positive", "negative" }),
        })
            Assert.Equal(groups, DataDictionary.GroupLabels(protocol.Variable(variable)!));
    }

    [Fact]
    public void Every_entry_satisfies_the_patient_rules_when_it_is_made()
    {
        var byPatient = study.Study.Entries.GroupBy(e => e.Patient).ToList();
        Assert.Equal(study.Study.Patients, byPatient.Count);
        foreach (var entries in byPatient)
        {
            // Each entry is decided against the stream before it, as the write side decides it.
            var stream = DemoFolding.Stream(entries);
            var timeline = PatientTimeline.From(DemoFolding.PatientId(entries.Key), [stream[0]])!;
            Assert.Empty(PatientRules.Violations(timeline));
            foreach (var next in stream.Skip(1))
            {
                Assert.Empty(PatientDecisions.Decide(timeline, [next.Data]).Violations);
                timeline = timeline.Apply(next);
            }
            var enrolment = Assert.IsType<PatientEnrolled>(entries.First().Fact);
            Assert.Equal(Guid.Empty, enrolment.PatientId);
            Assert.Empty(DataDictionary.Errors(study.Protocol, enrolment.Baseline));
            Assert.Empty(DataDictionary.Ineligibility(study.Protocol, enrolment.Baseline));
            Assert.InRange(enrolment.EnrolledOn, MotivatingStudy.EnrolmentOpens, MotivatingStudy.EnrolmentCloses);
            Assert.Contains(enrolment.Site, new[] { "S1", "S2", "S3" });
            Assert.All(entries, e => Assert.Equal(enrolment.Site, e.Site));
            var recorded = entries.Select(e => e.RecordedAt).ToList();
            Assert.Equal(recorded.Order(), recorded);
            foreach (var entry in entries.Where(e => e.Fact is IPatientFact))
            {
                var fact = (IPatientFact)entry.Fact;
                Assert.True(fact.ClinicalDate <= study.Study.DataCut, $"{fact} is after the data cut.");
                Assert.InRange((entry.RecordedAt.Date - fact.ClinicalDate.ToDateTime(TimeOnly.MinValue)).TotalDays, 1, 60);
            }
        }
    }

    [Fact]
    public void Imaging_timepoints_agree_with_their_measurements()
    {
        var scans = study.Timelines.SelectMany(t => t.Effective<ImagingAssessed>()).ToList();
        Assert.All(scans, scan =>
        {
            if (scan.Response == TimepointResponse.CR)
            {
                Assert.Equal(0, scan.TargetLesionSumMm);
                Assert.Equal(NonTargetStatus.CR, scan.NonTargetStatus);
            }
            if (scan.NewLesions || scan.NonTargetStatus == NonTargetStatus.PD) Assert.Equal(TimepointResponse.PD, scan.Response);
            Assert.NotEqual(TimepointResponse.NE, scan.Response);
        });
        // A progression entry accompanies every PD scan, on its date.
        foreach (var timeline in study.Timelines)
            Assert.Equal(timeline.Effective<ImagingAssessed>().Where(s => s.Response == TimepointResponse.PD).Select(s => s.AssessedOn),
                timeline.Effective<DiseaseProgressed>().Select(p => p.ProgressedOn));
    }

    [Fact]
    public void A_few_scan_dates_are_corrected_and_a_few_patients_lost_to_follow_up()
    {
        var corrections = study.Study.Entries.Select(e => e.Fact).OfType<SimulatedCorrection>().ToList();
        var scans = study.Study.Entries.Count(e => e.Fact is ImagingAssessed);
        Assert.InRange(corrections.Count, 0.01 * scans, 0.06 * scans);
        Assert.All(corrections, c =>
        {
            Assert.IsType<ImagingAssessed>(c.Replacement);
            Assert.False(string.IsNullOrWhiteSpace(c.Reason));
        });
        Assert.All(study.Timelines.Where(t => t.Entries.Any(e => e.AmendedBy.Count > 0)),
            t => Assert.All(t.Entries.Where(e => e.AmendedBy.Count > 0), e => Assert.NotEqual(e.Original.ClinicalDate, e.Current.ClinicalDate)));
        Assert.InRange(study.Timelines.Count(t => t.WithdrewOn is not null), 1, 0.1 * study.Study.Patients);
    }

    [Theory]
    [InlineData("age", new[] { "<50", "≥50" }, new[] { 72, 36 }, new[] { 74, 44 }, 0.535)]
    [InlineData("sex", new[] { "Male", "Female" }, new[] { 83, 25 }, new[] { 92, 26 }, 0.841)]
    [InlineData("npcFamilyHistory", new[] { "Yes", "No" }, new[] { 8, 100 }, new[] { 11, 107 }, 0.604)]
    [InlineData("kps", new[] { "70–80", "90–100" }, new[] { 25, 83 }, new[] { 28, 90 }, 0.918)]
    [InlineData("bmi", new[] { "<18.5", "18.5–25", ">25" }, new[] { 21, 73, 14 }, new[] { 20, 80, 18 }, 0.818)]
    [InlineData("diseaseStatus", new[] { "recurrent", "metastatic" }, new[] { 27, 81 }, new[] { 34, 84 }, 0.519)]
    [InlineData("treatmentLine", new[] { "2", "≥3" }, new[] { 70, 38 }, new[] { 68, 50 }, 0.268)]
    [InlineData("metastaticSiteCount", new[] { "0", "1–2", "≥3" }, new[] { 27, 13, 68 }, new[] { 34, 15, 69 }, 0.774)]
    [InlineData("ebvDna", new[] { "positive", "negative" }, new[] { 83, 25 }, new[] { 82, 36 }, 0.213)]
    [InlineData("liverMetastasis", new[] { "Yes", "No" }, new[] { 41, 67 }, new[] { 36, 82 }, 0.238)]
    [InlineData("lungMetastasis", new[] { "Yes", "No" }, new[] { 32, 76 }, new[] { 31, 87 }, 0.574)]
    [InlineData("boneMetastasis", new[] { "Yes", "No" }, new[] { 45, 63 }, new[] { 51, 67 }, 0.813)]
    [InlineData("otherMetastasis", new[] { "Yes", "No" }, new[] { 19, 89 }, new[] { 25, 93 }, 0.496)]
    public void Baseline_characteristics_are_Table_1(string variable, string[] groups, int[] icPlusC, int[] itcPlusIt, double p)
    {
        var counts = BaselineCounts(study, variable);
        for (var i = 0; i < groups.Length; i++)
        {
            Assert.True(icPlusC[i] == counts.GetValueOrDefault((IcPlusC, groups[i])), $"Table 1, {Jiang}: {variable} {groups[i]} in IC+C is {icPlusC[i]}, derived {counts.GetValueOrDefault((IcPlusC, groups[i]))}.");
            Assert.True(itcPlusIt[i] == counts.GetValueOrDefault((ItcPlusIt, groups[i])), $"Table 1, {Jiang}: {variable} {groups[i]} in ITC+IT is {itcPlusIt[i]}, derived {counts.GetValueOrDefault((ItcPlusIt, groups[i]))}.");
        }
        Assert.Equal(icPlusC.Sum() + itcPlusIt.Sum(), counts.Values.Sum());
        var derivedP = ChiSquareP(Table(PooledGroups, groups, (g, l) => counts.GetValueOrDefault((g, l))));
        Assert.True(Math.Round(derivedP, 3) == p, $"Table 1, {Jiang}: {variable} p is {p}, derived {derivedP:0.0000}.");
    }

    [Fact]
    public void Baseline_values_are_as_published_beyond_Table_1()
    {
        var ages = study.Outcomes.Select(o => o.Baseline.Number("age")!.Value).Order().ToList();
        Assert.True(Math.Abs(ages[ages.Count / 2] - 46) <= 2, $"Median age, {Jiang}: 46, derived {ages[ages.Count / 2]}.");
        var sexRatio = study.Outcomes.Count(o => o.Baseline.Text("sex") == "Male") / (double)study.Outcomes.Count(o => o.Baseline.Text("sex") == "Female");
        Assert.True(Math.Round(sexRatio, 1) == 3.4, $"Male:female, {Jiang}: 3.4:1, derived {sexRatio:0.00}.");
        Assert.All(study.Outcomes.Where(o => o.Baseline.Text("diseaseStatus") == "recurrent"), o => Assert.Equal(0, o.Baseline.Number("metastaticSiteCount")));
        Assert.All(study.Outcomes.Where(o => o.Baseline.Text("diseaseStatus") == "metastatic"),
            o => Assert.Contains(new[] { "liverMetastasis", "lungMetastasis", "boneMetastasis", "otherMetastasis" }, organ => o.Baseline.Flag(organ) == true));
        Assert.DoesNotContain(study.Outcomes, o => o.Baseline.Number("bmi") == 25.0);
    }

    [Fact]
    public void Best_overall_response_is_Table_2()
    {
        Assert.All(study.Outcomes, o => Assert.True(o.Analysable && o.BestOverallResponse != BestOverallResponse.NE, $"{o.PatientId} is not evaluable."));
        var table2 = new Dictionary<string, ResponseCounts> { [IcPlusC] = new(5, 27, 57, 19), [ItcPlusIt] = new(7, 44, 54, 13) };
        foreach (var (group, published) in table2)
            Assert.True(published == Responses(study, group), $"Table 2, {Jiang}: {group} CR/PR/SD/PD is {published}, derived {Responses(study, group)}.");

        int[,] Rate(Func<ResponseCounts, int> yes) => Table(PooledGroups, ["yes", "no"], (g, l) =>
            l == "yes" ? yes(Responses(study, g)) : Responses(study, g).Patients - yes(Responses(study, g)));
        Assert.True(Math.Round(ChiSquareP(Rate(r => r.Responders)), 3) == 0.034, $"Table 2, {Jiang}: ORR 29.63% vs 43.22%, p = 0.034.");
        Assert.True(Math.Round(ChiSquareP(Rate(r => r.DiseaseControlled)), 3) == 0.157, $"Table 2, {Jiang}: DCR 82.41% vs 88.98%, p = 0.157.");

        // Per-arm ORR: ITC 48.57%, IT 35.42%, C 25%, and so IC 17/48.
        foreach (var (arm, responders, patients) in new[] { ("ITC", 34, 70), ("IT", 17, 48), ("IC", 17, 48), ("C", 15, 60) })
            Assert.True((responders, patients) == (Responses(study, arm).Responders, Responses(study, arm).Patients),
                $"ORR, {Jiang}: {arm} is {responders}/{patients}, derived {Responses(study, arm).Responders}/{Responses(study, arm).Patients}.");
    }

    [Theory]
    [InlineData("Leukopenia", 64, 57, 24, 6)]
    [InlineData("Neutropenia", 59, 33, 14, 7)]
    [InlineData("Anemia", 87, 72, 13, 6)]
    [InlineData("Thrombocytopenia", 38, 26, 9, 6)]
    [InlineData("Creatinine increased", 24, 21, 0, 0)]
    [InlineData("Total bilirubin increased", 2, 18, 0, 2)]
    [InlineData("ALT increased", 24, 22, 1, 1)]
    [InlineData("AST increased", 23, 24, 2, 4)]
    [InlineData("ALP increased", 7, 20, 2, 0)]
    [InlineData("Rash", 12, 5, 0, 2)]
    [InlineData("Nausea", 49, 38, 0, 0)]
    [InlineData("Vomiting", 18, 13, 0, 0)]
    [InlineData("Hand-foot syndrome", 13, 15, 1, 0)]
    [InlineData("Capillary hyperplasia", 2, 8, 0, 1)]
    [InlineData("Myocarditis", 2, 1, 0, 1)]
    [InlineData("Pneumonia", 0, 2, 0, 1)]
    [InlineData("Hypothyroidism", 11, 27, 0, 0)]
    [InlineData("Musculoskeletal pain", 5, 8, 0, 1)]
    [InlineData("Nasopharyngeal necrosis", 4, 7, 0, 0)]
    [InlineData("Epistaxis", 0, 9, 0, 1)]
    [InlineData("Oral mucositis", 1, 9, 0, 1)]
    [InlineData("Headache", 2, 8, 0, 1)]
    public void Adverse_events_are_Table_3(string term, int anyGradeIcPlusC, int anyGradeItcPlusIt, int severeIcPlusC, int severeItcPlusIt)
    {
        foreach (var (group, anyGrade, severe) in new[] { (IcPlusC, anyGradeIcPlusC, severeIcPlusC), (ItcPlusIt, anyGradeItcPlusIt, severeItcPlusIt) })
        {
            Assert.True(anyGrade == TermCount(study, group, term, 1), $"Table 3, {Jiang}: {term} any grade in {group} is {anyGrade}, derived {TermCount(study, group, term, 1)}.");
            Assert.True(severe == TermCount(study, group, term, 3), $"Table 3, {Jiang}: {term} grade ≥ 3 in {group} is {severe}, derived {TermCount(study, group, term, 3)}.");
        }
    }

    [Fact]
    public void Adverse_event_totals_are_Table_3()
    {
        Assert.All(study.Outcomes.SelectMany(o => o.AdverseEvents), a => Assert.InRange(a.WorstGrade, 1, 4)); // no treatment-related deaths
        Assert.Equal(22, study.Outcomes.SelectMany(o => o.AdverseEvents).Select(a => a.Term).Distinct().Count());
        int Patients(string group, int minimumGrade) => study.In(group).Count(o => o.AdverseEvents.Any(a => a.WorstGrade >= minimumGrade));
        Assert.True((102, 107) == (Patients(IcPlusC, 1), Patients(ItcPlusIt, 1)), $"Table 3, {Jiang}: any adverse event 102 vs 107.");
        Assert.True((40, 25) == (Patients(IcPlusC, 3), Patients(ItcPlusIt, 3)), $"Table 3, {Jiang}: any grade ≥ 3 40 vs 25.");
        int[,] Totals(int minimumGrade) => Table(PooledGroups, ["yes", "no"], (g, l) =>
            l == "yes" ? Patients(g, minimumGrade) : study.In(g).Count - Patients(g, minimumGrade));
        Assert.True(Math.Round(ChiSquareP(Totals(1)), 3) == 0.284, $"Table 3, {Jiang}: any adverse event p = 0.284.");
        Assert.True(Math.Round(ChiSquareP(Totals(3)), 3) == 0.009, $"Table 3, {Jiang}: any grade ≥ 3 p = 0.009.");
    }

    /// <remarks>
    /// Chemotherapy as printed except ITC three agents (printed 17) and IC three agents (printed 9): the printed counts
    /// sum to 79 and 47, not 70 and 48, so three agents take the remainder.
    /// </remarks>
    [Theory]
    [InlineData("ITC", 70, 45, 17, 8, 52, 18)]
    [InlineData("IT", 48, 0, 0, 0, 43, 5)]
    [InlineData("IC", 48, 20, 18, 10, 0, 0)]
    [InlineData("C", 60, 3, 39, 18, 0, 0)]
    public void Regimens_are_as_published(string arm, int patients, int oneAgent, int twoAgents, int threeAgents, int antiAngiogenic, int egfrInhibitor)
    {
        var starts = TreatmentStarts(study, arm);
        Assert.True(patients == starts.Count, $"Patients, {Jiang}: {arm} has {patients}.");
        var chemotherapy = ChemotherapyCounts(starts);
        Assert.True(new ChemotherapyCounts(oneAgent, twoAgents, threeAgents) == chemotherapy, $"Chemotherapy agents, {Jiang}: {arm} 1/2/3 agents {oneAgent}/{twoAgents}/{threeAgents}, derived {chemotherapy}.");
        Assert.True(antiAngiogenic == starts.Count(s => s.Agents!.Any(a => a is "apatinib" or "anlotinib")), $"Targeted therapy, {Jiang}: {arm} anti-angiogenic {antiAngiogenic}.");
        Assert.True(egfrInhibitor == starts.Count(s => s.Agents!.Any(a => a is "nimotuzumab" or "cetuximab")), $"Targeted therapy, {Jiang}: {arm} EGFR inhibitor {egfrInhibitor}.");
        Assert.All(starts, s => Assert.Equal(arm != "C", s.Agents!.Any(a => a is "camrelizumab" or "toripalimab" or "sintilimab" or "tislelizumab")));
    }

    [Theory]
    [InlineData("ITC", 20.67)]
    [InlineData("IT", 13.63)]
    [InlineData("IC", 12.47)]
    [InlineData("C", 7.93)]
    public void Pfs_medians_are_within_15_percent_of_the_published(string arm, double publishedMonths)
    {
        var median = study.MedianMonths("pfs", arm);
        Assert.True(median is { } m && Math.Abs(m / publishedMonths - 1) <= 0.15, $"Median PFS, {Jiang}: {arm} is {publishedMonths} months, derived {median:0.00}.");
    }

    [Theory]
    [InlineData("pfs", "IC+C", "ITC+IT", 2.01, 1.411, 2.865)]
    [InlineData("pfs", "ITC", "IT", 0.465, 0.252, 0.855)]
    [InlineData("pfs", "ITC", "IC", 0.561, 0.323, 0.972)]
    [InlineData("pfs", "ITC", "C", 0.288, 0.178, 0.464)]
    [InlineData("pfs", "IT", "IC", 0.955, 0.515, 1.77)]
    [InlineData("pfs", "IT", "C", 0.583, 0.345, 0.985)]
    [InlineData("os", "ITC", "C", 0.336, 0.123, 0.915)]
    public void Hazard_ratios_lie_inside_the_published_confidence_intervals(string endpoint, string arm, string reference, double hr, double lower, double upper)
    {
        var term = study.HazardRatio(endpoint, arm, reference);
        Assert.True(term.HazardRatio is { } derived && derived >= lower && derived <= upper,
            $"{endpoint} {arm} vs {reference}, {Jiang}: HR {hr} ({lower}–{upper}), derived {term.HazardRatio:0.000}.");
    }

    [Fact]
    public void Pfs_of_the_pooled_groups_differs_significantly()
    {
        var pooled = study.HazardRatio("pfs", IcPlusC, ItcPlusIt);
        Assert.True(pooled.P < 0.05, $"PFS IC/C vs ITC/IT, {Jiang}: HR 2.01, p < 0.001; derived HR {pooled.HazardRatio:0.000}, p {pooled.P:0.0000}.");
    }

    /// <summary>The figures file the simulator draws from, and a report may print beside the registry's, says what the tests above say.</summary>
    [Fact]
    public void The_published_figures_file_agrees_with_the_derived_study()
    {
        foreach (var characteristic in MotivatingStudyPublished.Characteristics)
        {
            var counts = BaselineCounts(study, characteristic.Variable);
            Assert.All(characteristic.Levels, level => Assert.All(PooledGroups, group =>
                Assert.Equal(level.Patients.Of(group), counts.GetValueOrDefault((group, level.Group)))));
            var levels = characteristic.Levels.Select(l => l.Group).ToList();
            Assert.Equal(characteristic.P, Math.Round(ChiSquareP(Table(PooledGroups, levels, (g, l) => counts.GetValueOrDefault((g, l)))), 3));
        }
        foreach (var group in PooledGroups)
        {
            Assert.Equal(MotivatingStudyPublished.BestResponse[group], Responses(study, group));
            Assert.Equal(MotivatingStudyPublished.PooledPatients.Of(group), study.In(group).Count);
            Assert.All(MotivatingStudyPublished.AdverseEvents, term =>
                Assert.Equal((term.AnyGrade.Of(group), term.GradeThreeOrMore.Of(group)), (TermCount(study, group, term.Term, 1), TermCount(study, group, term.Term, 3))));
            Assert.Equal(MotivatingStudyPublished.AnyAdverseEvent.Of(group), study.In(group).Count(o => o.AdverseEvents.Count > 0));
            Assert.Equal(MotivatingStudyPublished.AnyGradeThreeOrMore.Of(group), study.In(group).Count(o => o.AdverseEvents.Any(a => a.WorstGrade >= 3)));
            var median = study.MedianMonths("pfs", group);
            Assert.True(median is { } m && Math.Abs(m / MotivatingStudyPublished.PooledMedianPfsMonths[group] - 1) <= 0.15,
                $"Median PFS, {Jiang}: {group} is {MotivatingStudyPublished.PooledMedianPfsMonths[group]} months, derived {median:0.00}.");
        }
        Assert.Equal((MotivatingStudyPublished.ObjectiveResponseP, MotivatingStudyPublished.DiseaseControlP, MotivatingStudyPublished.AnyAdverseEventP, MotivatingStudyPublished.AnyGradeThreeOrMoreP),
            (0.034, 0.157, 0.284, 0.009));
        foreach (var arm in MotivatingStudyPublished.Arms)
        {
            Assert.Equal(arm.Responses, Responses(study, arm.Code));
            Assert.Equal(arm.Chemotherapy, ChemotherapyCounts(TreatmentStarts(study, arm.Code)));
            Assert.InRange(study.MedianMonths("pfs", arm.Code)!.Value / arm.MedianPfsMonths, 0.85, 1.15);
        }
        Assert.All(MotivatingStudyPublished.HazardRatios, published =>
            Assert.InRange(study.HazardRatio(published.Endpoint, published.Arm, published.Reference).HazardRatio!.Value, published.Lower, published.Upper));
        Assert.InRange(study.MedianFollowUpMonths()!.Value, MotivatingStudyPublished.MedianFollowUpMonths - 1.5, MotivatingStudyPublished.MedianFollowUpMonths + 1.5);
    }

    [Fact]
    public void Median_follow_up_is_near_the_published()
    {
        var followUp = study.MedianFollowUpMonths();
        Assert.True(followUp is { } f && Math.Abs(f - 13.1) <= 1.5, $"Median follow-up, {Jiang}: 13.1 months, derived {followUp:0.0}.");
    }

    [Fact]
    public void Scale_two_doubles_every_count()
    {
        var doubled = new MotivatingStudyAnalysis(MotivatingStudy.Generate(scale: 2));
        Assert.Equal(2 * study.Study.Patients, doubled.Study.Patients);
        foreach (var variable in study.Protocol.GroupableVariables.Select(v => v.Key))
            Assert.Equal(BaselineCounts(study, variable).ToDictionary(p => p.Key, p => 2 * p.Value), BaselineCounts(doubled, variable));
        foreach (var group in PooledGroups)
        {
            var once = Responses(study, group);
            Assert.Equal(new ResponseCounts(2 * once.CR, 2 * once.PR, 2 * once.SD, 2 * once.PD), Responses(doubled, group));
            foreach (var term in study.Outcomes.SelectMany(o => o.AdverseEvents).Select(a => a.Term).Distinct())
                foreach (var minimumGrade in new[] { 1, 3 })
                    Assert.Equal(2 * TermCount(study, group, term, minimumGrade), TermCount(doubled, group, term, minimumGrade));
            foreach (var minimumGrade in new[] { 1, 3 })
                Assert.Equal(2 * study.In(group).Count(o => o.AdverseEvents.Any(a => a.WorstGrade >= minimumGrade)),
                    doubled.In(group).Count(o => o.AdverseEvents.Any(a => a.WorstGrade >= minimumGrade)));
        }
        foreach (var arm in new[] { "ITC", "IT", "IC", "C" })
        {
            var once = ChemotherapyCounts(TreatmentStarts(study, arm));
            Assert.Equal(new ChemotherapyCounts(2 * once.OneAgent, 2 * once.TwoAgents, 2 * once.ThreeAgents), ChemotherapyCounts(TreatmentStarts(doubled, arm)));
        }
        Assert.All(doubled.Timelines, t => Assert.Empty(PatientRules.Violations(t)));
    }

    [Fact]
    public void The_same_seed_gives_the_same_study()
    {
        static string Serialized(SimulatedStudy s) => JsonSerializer.Serialize(s.Entries.Select(e => new { e.RecordedAt, e.Patient, e.Site, Fact = (object)e.Fact }));
        Assert.Equal(Serialized(study.Study), Serialized(MotivatingStudy.Generate()));
        Assert.NotEqual(Serialized(study.Study), Serialized(MotivatingStudy.Generate(MotivatingStudy.DefaultSeed + 1)));
    }

    private static Dictionary<(string Group, string Label), int> BaselineCounts(MotivatingStudyAnalysis analysis, string variable)
    {
        var definition = analysis.Protocol.Variable(variable)!;
        return PooledGroups
            .SelectMany(group => analysis.In(group).Select(o => (group, DataDictionary.GroupOf(definition, o.Baseline.Get(variable))!)))
            .GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
    }

    private static ResponseCounts Responses(MotivatingStudyAnalysis analysis, string group)
    {
        var best = analysis.In(group).Select(o => o.BestOverallResponse).ToList();
        return new ResponseCounts(best.Count(b => b == BestOverallResponse.CR), best.Count(b => b == BestOverallResponse.PR),
            best.Count(b => b == BestOverallResponse.SD), best.Count(b => b == BestOverallResponse.PD));
    }

    private static int TermCount(MotivatingStudyAnalysis analysis, string group, string term, int minimumGrade) =>
        analysis.In(group).Count(o => o.AdverseEvents.Any(a => a.Term == term && a.WorstGrade >= minimumGrade));

    private static List<TreatmentStarted> TreatmentStarts(MotivatingStudyAnalysis analysis, string arm) =>
        analysis.Timelines.Where(t => t.Arm == arm).Select(t => t.Effective<TreatmentStarted>().Single()).ToList();

    private static ChemotherapyCounts ChemotherapyCounts(IEnumerable<TreatmentStarted> starts)
    {
        var agents = starts.Select(s => s.Agents!.Count(MotivatingStudy.ChemotherapyAgents.Contains)).ToList();
        return new ChemotherapyCounts(agents.Count(n => n == 1), agents.Count(n => n == 2), agents.Count(n => n == 3));
    }

    private static int[,] Table(IReadOnlyList<string> rows, IReadOnlyList<string> columns, Func<string, string, int> count)
    {
        var table = new int[rows.Count, columns.Count];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < columns.Count; j++)
                table[i, j] = count(rows[i], columns[j]);
        return table;
    }

    private static double ChiSquareP(int[,] table) => PearsonChiSquare.Test(table).Test!.P;
}
