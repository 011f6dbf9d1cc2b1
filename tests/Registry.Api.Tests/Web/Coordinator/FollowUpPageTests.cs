using System.Net;
using System.Text.Json;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>The patient's timeline, and a follow-up form for every clinical entry the API records.</summary>
public sealed class FollowUpPageTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<(Guid PatientId, BrowserSession Browser)> EnrolledAsync(object? protocol = null, string? arm = "ITC", object? baseline = null)
    {
        var studyId = await app.RegisteredStudyAsync(protocol ?? Scenarios.Protocol());
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05", arm: arm, baseline: baseline);
        return (patientId, await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1"));
    }

    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Data(JsonElement history, int index) => JsonSerializer.Serialize(history.GetProperty("events")[index].GetProperty("data"), Unescaped);

    [Fact]
    public async Task A_visit_is_recorded_through_the_forms_under_the_coordinators_name()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;

        var timeline = await browser.GetAsync($"/patients/{patientId}");
        Assert.Equal(["Record treatment start", "Record imaging", "Record adverse event", "Record progression", "Record relapse", "Record death",
            "Record last known alive", "Record withdrawal"], timeline.Document.QuerySelectorAll(".actions a").Select(a => a.TextContent).ToArray());

        var started = await browser.SubmitAsync($"/patients/{patientId}/record/treatment-start", "record", new()
        {
            ["Treatment start date"] = "2024-01-10", ["Agents"] = "camrelizumab\r\n apatinib \r\n\r\n", ["Line of treatment"] = "2",
        });
        Assert.Equal($"/patients/{patientId}", started.Url.AbsolutePath);
        Assert.Equal("Recorded: the patient's record is now at version 2.", started.Text("[role=status]"));
        var imaged = await browser.SubmitAsync($"/patients/{patientId}/record/imaging", "record", new()
        {
            ["Assessment date"] = "2024-03-01", ["Sum of target lesion diameters (mm)"] = "42.5", ["Non-target lesions"] = "NonCRNonPD",
            ["New lesions"] = "No", ["Overall response (RECIST 1.1)"] = "PR",
        });
        Assert.Equal("Recorded: the patient's record is now at version 3.", imaged.Text("[role=status]"));
        var adverse = await browser.SubmitAsync($"/patients/{patientId}/record/adverse-event", "record", new()
        {
            ["Adverse event term (CTCAE)"] = "Hypothyroidism", ["CTCAE grade"] = "2", ["Onset date"] = "2024-02-20",
            ["Serious adverse event"] = "No", ["Attribution to study treatment"] = "Probable",
        });

        var history = await app.HistoryAsync(patientId);
        Assert.Equal("""{"kind":"treatmentStarted","startedOn":"2024-01-10","agents":["camrelizumab","apatinib"],"line":2}""", Data(history, 1));
        Assert.Equal("""{"kind":"imagingAssessed","assessedOn":"2024-03-01","targetLesionSumMm":42.5,"nonTargetStatus":"NonCRNonPD","newLesions":false,"response":"PR"}""", Data(history, 2));
        Assert.Equal("""{"kind":"adverseEventRecorded","term":"Hypothyroidism","grade":2,"onsetOn":"2024-02-20","serious":false,"attribution":"Probable"}""", Data(history, 3));
        Assert.All(history.GetProperty("events").EnumerateArray().Skip(1), e => Assert.Equal(browser.UserName, e.GetProperty("recordedBy").GetString()));

        var rows = adverse.Document.QuerySelectorAll("table.timeline tbody tr").ToList();
        Assert.Equal(["1", "2", "3", "4"], rows.Select(r => r.Children[0].TextContent.Trim()).ToArray());
        Assert.Equal(["Enrolment", "Treatment start", "Imaging assessment", "Adverse event 'Hypothyroidism'"], rows.Select(r => r.Children[1].TextContent.Trim()).ToArray());
        Assert.Equal(["2024-01-05", "2024-01-10", "2024-03-01", "2024-02-20"], rows.Select(r => r.Children[2].TextContent.Trim()).ToArray());
        Assert.Equal("Assessment date: 2024-03-01; Sum of target lesion diameters (mm): 42.5; Non-target lesions: Non-CR/Non-PD — persisting; New lesions: No; Overall response (RECIST 1.1): PR — partial response",
            rows[2].Children[3].TextContent.Trim());
        Assert.EndsWith($"UTC by {browser.UserName}", rows[3].Children[4].TextContent.Trim());
        Assert.Equal("On treatment", adverse.Document.QuerySelectorAll(".patient-facts div").Single(d => d.QuerySelector("dt")!.TextContent == "Status").QuerySelector("dd")!.TextContent);
    }

    public static TheoryData<string, Dictionary<string, string>, string> EveryForm() => new()
    {
        { "progression", new() { ["Progression date"] = "2024-06-01", ["Basis of progression"] = "Clinical", ["Site of progression"] = "Distant" },
            """{"kind":"diseaseProgressed","progressedOn":"2024-06-01","basis":"Clinical","site":"Distant"}""" },
        { "progression", new() { ["Progression date"] = "2024-06-01", ["Basis of progression"] = "Radiological" },
            """{"kind":"diseaseProgressed","progressedOn":"2024-06-01","basis":"Radiological","site":null}""" },
        { "relapse", new() { ["Relapse date"] = "2024-06-02", ["Site of relapse"] = "Both locoregional and distant" },
            """{"kind":"relapsed","relapsedOn":"2024-06-02","type":"Both"}""" },
        { "death", new() { ["Date of death"] = "2024-07-01", ["Cause of death"] = "Pneumonia" }, """{"kind":"died","diedOn":"2024-07-01","cause":"Pneumonia"}""" },
        { "last-known-alive", new() { ["Date last known alive"] = "2024-05-01" }, """{"kind":"lastKnownAlive","lastKnownAliveOn":"2024-05-01"}""" },
        { "withdrawal", new() { ["Withdrawal date"] = "2024-05-02", ["Reason for withdrawal"] = "Moved abroad" },
            """{"kind":"withdrewFromFollowUp","withdrewOn":"2024-05-02","reason":"Moved abroad"}""" },
    };

    [Theory]
    [MemberData(nameof(EveryForm))]
    public async Task Each_form_records_its_entry_as_the_API_would(string form, Dictionary<string, string> typed, string recorded)
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;

        var page = await browser.SubmitAsync($"/patients/{patientId}/record/{form}", "record", typed);

        Assert.Equal($"/patients/{patientId}", page.Url.AbsolutePath);
        Assert.Equal(recorded, Data(await app.HistoryAsync(patientId), 1));
    }

    [Fact]
    public async Task A_fatal_adverse_event_records_the_death_with_it()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;

        var fatal = await browser.SubmitAsync($"/patients/{patientId}/record/adverse-event", "record", new()
        {
            ["Adverse event term (CTCAE)"] = "Myocarditis", ["CTCAE grade"] = "5 — death", ["Onset date"] = "2024-02-01", ["Serious adverse event"] = "Yes",
            ["Attribution to study treatment"] = "Probable", ["Date of death (grade 5 only)"] = "2024-02-03",
        });
        Assert.Equal($"/patients/{patientId}", fatal.Url.AbsolutePath);

        var history = await app.HistoryAsync(patientId);
        Assert.Equal(["patient_enrolled", "adverse_event_recorded", "patient_died"],
            history.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray());
        Assert.Equal("""{"kind":"died","diedOn":"2024-02-03","cause":"Myocarditis"}""", Data(history, 2));
    }

    [Fact]
    public async Task A_randomization_offers_the_arms_and_each_stratums_groups_and_says_where_the_baseline_puts_the_patient()
    {
        var (patientId, browser) = await EnrolledAsync(Scenarios.RandomizedProtocol(), arm: null, baseline: Scenarios.RandomizedBaseline());
        using var _ = browser;

        var form = await browser.GetAsync($"/patients/{patientId}/record/randomization");
        Assert.Equal("The baseline puts this patient in ≥ 4000.", form.Document.GetElementById("f-strata-ebvDna-hint")!.TextContent);
        var page = await browser.SubmitAsync(form, "record", new()
        {
            ["Randomization date"] = "2024-01-06", ["Arm"] = "PD1", ["Stratum: Overall stage (AJCC 8th)"] = "III", ["Stratum: Pre-treatment plasma EBV DNA"] = "≥ 4000",
        });

        Assert.Equal("""{"kind":"randomized","randomizedOn":"2024-01-06","arm":"PD1","strata":{"ebvDna":"≥ 4000","overallStage":"III"}}""",
            Data(await app.HistoryAsync(patientId), 1));
        // Randomized once: the timeline no longer offers it.
        Assert.DoesNotContain("Record randomization", page.Document.QuerySelectorAll(".actions a").Select(a => a.TextContent));
    }

    [Fact]
    public async Task A_RECIST_inconsistency_is_refused_beside_the_response_with_the_input_kept_and_nothing_recorded()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;
        var before = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync($"/patients/{patientId}/record/imaging", "record", new()
        {
            ["Assessment date"] = "2024-03-01", ["Sum of target lesion diameters (mm)"] = "30", ["Non-target lesions"] = "None",
            ["New lesions"] = "Yes", ["Overall response (RECIST 1.1)"] = "SD",
        });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal("Overall response (RECIST 1.1) must be PD when there are new lesions or non-target progression (RECIST 1.1).", page.ErrorBeside("Overall response (RECIST 1.1)"));
        Assert.Equal(("2024-03-01", "30", "true", "SD"),
            (page.Value("Assessment date"), page.Value("Sum of target lesion diameters (mm)"), page.Value("New lesions"), page.Value("Overall response (RECIST 1.1)")));
    }

    [Fact]
    public async Task A_clinical_rule_is_refused_with_the_APIs_words_and_nothing_recorded()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;
        var before = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync($"/patients/{patientId}/record/progression", "record", new()
        {
            ["Progression date"] = "2023-12-01", ["Basis of progression"] = "Radiological",
        });

        Assert.Equal(HttpStatusCode.Conflict, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal(["progression dated 2023-12-01 is before enrolment on 2024-01-05."], page.Summary());
        Assert.Equal("2023-12-01", page.Value("Progression date"));
    }

    [Fact]
    public async Task An_unknown_form_or_patient_is_not_found()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;

        var form = await browser.GetAsync($"/patients/{patientId}/record/haircut");
        Assert.Equal(HttpStatusCode.NotFound, form.Status);
        Assert.StartsWith("There is no form for 'haircut'; the forms are randomization, treatment-start, imaging,", form.Summary().Single());
        var unknown = Guid.NewGuid();
        var patient = await browser.GetAsync($"/patients/{unknown}");
        Assert.Equal(HttpStatusCode.NotFound, patient.Status);
        Assert.Equal([$"No patient {unknown} is enrolled."], patient.Summary());
        // A non-randomized study's patient is not randomized: the page says so and offers no form.
        var randomization = await browser.GetAsync($"/patients/{patientId}/record/randomization");
        Assert.Empty(randomization.Document.QuerySelectorAll("main form"));
        Assert.Contains("its patients are not randomized", randomization.Text("main .notice"));
    }
}
