using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>The enrolment form is generated from the study's data dictionary and refuses exactly what the API refuses.</summary>
public sealed class EnrolmentPageTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>An eligible patient of <see cref="Scenarios.Protocol"/> as a coordinator types it; EBV DNA not known.</summary>
    private static Dictionary<string, string> Typed(string subjectCode) => new()
    {
        ["Subject code"] = subjectCode,
        ["Arm"] = "ITC",
        ["Enrolment date"] = "2024-03-01",
        ["Age (years)"] = "54",
        ["Sex"] = "Female",
        ["Karnofsky score"] = "80",
        ["Liver metastasis"] = "Yes",
        ["EBV DNA — not recorded"] = "Unknown",
    };

    private static Dictionary<string, string> With(Dictionary<string, string> typed, params (string Label, string Value)[] changes)
    {
        foreach (var (label, value) in changes) typed[label] = value;
        return typed;
    }

    [Fact]
    public async Task The_form_has_a_labelled_input_for_every_variable_of_the_dictionary_and_only_the_coordinators_sites()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1", "S3");

        var page = await browser.GetAsync($"/studies/{studyId}/patients/new");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        foreach (var label in new[] { "Subject code", "Site", "Arm", "Enrolment date", "Age (years)", "Sex", "Karnofsky score", "Liver metastasis", "EBV DNA", "EBV DNA — not recorded" })
            Assert.NotNull(page.Input(label));
        Assert.Equal(["", "S1", "S3"], Options(page, "Site"));
        Assert.Equal(["", "ITC", "C"], Options(page, "Arm"));
        Assert.Equal(["", "Male", "Female"], Options(page, "Sex"));
        Assert.Equal(["", "true", "false"], Options(page, "Liver metastasis"));
        Assert.Equal(["", "unknown", "notDone"], Options(page, "EBV DNA — not recorded"));
        // A required variable offers no missing code; the range is said beside the field.
        Assert.Equal("A whole number from 0 to 120 years.", page.Document.GetElementById("f-baseline-age-hint")!.TextContent);
        Assert.Contains("Age 18–80 years", page.Text("aside"));
        Assert.Contains("Karnofsky score ≥ 70", page.Text("aside"));
        Assert.Equal("Enrol patient", page.Text("main form button[type=submit]"));
    }

    [Fact]
    public async Task A_coordinator_enrols_through_the_form_and_the_patient_is_recorded_under_her_name()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");

        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol", Typed("NPC-101"));

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Patient NPC-101", page.Text("h1"));
        Assert.Equal("Recorded: the patient's record is now at version 1.", page.Text("[role=status]"));
        var history = await app.HistoryAsync(Guid.Parse(page.Url.AbsolutePath.Split('/')[^1]));
        var enrolled = history.GetProperty("events")[0];
        Assert.Equal(browser.UserName, enrolled.GetProperty("recordedBy").GetString());
        var data = enrolled.GetProperty("data");
        Assert.Equal(("NPC-101", "S1", "ITC", "2024-03-01"), (data.GetProperty("subjectCode").GetString(), data.GetProperty("site").GetString(),
            data.GetProperty("arm").GetString(), data.GetProperty("enrolledOn").GetString()));
        Assert.Equal("""{"age":54,"ebvDna":{"missing":"unknown"},"kps":80,"liverMetastasis":true,"sex":"Female"}""",
            JsonSerializer.Serialize(data.GetProperty("baseline")));
    }

    [Fact]
    public async Task A_refused_field_is_shown_beside_its_input_with_everything_typed_kept_and_nothing_recorded()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var before = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol", With(Typed("NPC-102"), ("Age (years)", "130")));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal("Age (years) must be between 0 and 120 years; 130 is outside.", page.ErrorBeside("Age (years)"));
        Assert.Equal(["Age (years) must be between 0 and 120 years; 130 is outside."], page.Summary());
        Assert.Equal("#f-baseline-age", page.Document.QuerySelector("[role=alert] a")!.GetAttribute("href"));
        Assert.StartsWith("Error: ", page.Document.Title);
        foreach (var label in new[] { "Subject code", "Sex", "Karnofsky score", "Enrolment date" }) Assert.Null(page.ErrorBeside(label));
        Assert.Equal(("130", "NPC-102", "Female", "true", "unknown"),
            (page.Value("Age (years)"), page.Value("Subject code"), page.Value("Sex"), page.Value("Liver metastasis"), page.Value("EBV DNA — not recorded")));

        // Corrected and sent again from the refused page, it is recorded.
        var enrolled = await browser.SubmitAsync(page, "enrol", new() { ["Age (years)"] = "61" });
        Assert.Equal("Patient NPC-102", enrolled.Text("h1"));
    }

    [Fact]
    public async Task Every_field_the_dictionary_refuses_is_shown_at_once_each_beside_its_own_input()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");

        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol",
            With(Typed("NPC-106"), ("Sex", ""), ("Karnofsky score", "eighty"), ("Age (years)", "54.5")));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("Sex is required.", page.ErrorBeside("Sex"));
        Assert.Equal("Karnofsky score must be a number.", page.ErrorBeside("Karnofsky score"));
        Assert.Equal("Age (years) must be a whole number.", page.ErrorBeside("Age (years)"));
        Assert.Null(page.ErrorBeside("Liver metastasis"));
        Assert.Equal(3, page.Summary().Length);
    }

    [Fact]
    public async Task The_request_is_checked_before_the_dictionary_as_the_API_checks_it()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");

        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol",
            With(Typed("John Smith"), ("Enrolment date", "2021-02-30"), ("Sex", ""), ("EBV DNA", "positive")));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("pseudonymous code", page.ErrorBeside("Subject code"));
        Assert.Equal("Enrolment date '2021-02-30' is not a calendar date in the form YYYY-MM-DD.", page.ErrorBeside("Enrolment date"));
        // A value beside a missing code is the form's own question: JSON cannot say both.
        Assert.Equal("Give a value or choose why it is not recorded, not both.", page.ErrorBeside("EBV DNA"));
        // The dictionary is read once the request itself is whole, as the API reads it.
        Assert.Null(page.ErrorBeside("Sex"));
    }

    [Fact]
    public async Task An_ineligible_patient_is_refused_with_the_criterion_beside_its_field()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var before = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol", With(Typed("NPC-103"), ("Age (years)", "17")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal("Not eligible: Age 18–80 years (recorded 17).", page.ErrorBeside("Age (years)"));
        Assert.Equal(["Not eligible: Age 18–80 years (recorded 17)."], page.Summary());
    }

    [Fact]
    public async Task A_subject_code_already_enrolled_is_refused_beside_it()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.EnrolledPatientAsync(studyId, subjectCode: "NPC-104");
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");

        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol", Typed("NPC-104"));

        Assert.Equal(HttpStatusCode.Conflict, page.Status);
        Assert.StartsWith("Subject code 'NPC-104' is already enrolled in study", page.ErrorBeside("Subject code"));
    }

    [Fact]
    public async Task A_site_outside_the_coordinators_is_refused_and_nothing_is_recorded()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var before = await app.EventStoreMarkAsync();

        // Not one of the choices: a crafted post, as a browser never sends it.
        var page = await browser.SubmitAsync($"/studies/{studyId}/patients/new", "enrol", With(Typed("NPC-105"), ("Site", "S2")));

        Assert.Equal(HttpStatusCode.Forbidden, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal(["Your token does not cover site 'S2'."], page.Summary());
    }

    [Fact]
    public async Task An_enrolment_sent_for_a_study_that_is_not_registered_is_answered_on_the_page()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var token = (await browser.GetAsync("/")).Document.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var unknown = Guid.NewGuid();

        using var response = await browser.Client.PostAsync($"/studies/{unknown}/patients/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "enrol", ["__RequestVerificationToken"] = token, ["subjectCode"] = "NPC-107", ["site"] = "S1",
        }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains($"No study {unknown} is registered.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_randomized_study_enrols_without_an_arm_and_each_variable_offers_only_the_missing_codes_it_allows()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.RandomizedProtocol());
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");

        var form = await browser.GetAsync($"/studies/{studyId}/patients/new");
        Assert.DoesNotContain(form.Document.QuerySelectorAll("label"), l => l.TextContent.Trim() == "Arm");
        Assert.Equal(["", "unknown"], Options(form, "WHO histological type — not recorded"));
        Assert.Contains("Pre-treatment plasma EBV DNA (copies/mL)", form.Document.QuerySelectorAll("label").Select(l => l.TextContent.Trim()));

        var page = await browser.SubmitAsync(form, "enrol", new()
        {
            ["Subject code"] = "LA-001", ["Enrolment date"] = "2024-03-01", ["Age (years)"] = "47", ["Sex"] = "male", ["ECOG performance status"] = "0",
            ["Overall stage (AJCC 8th)"] = "III", ["Pre-treatment plasma EBV DNA (copies/mL)"] = "5200", ["WHO histological type — not recorded"] = "Unknown",
        });
        Assert.Equal("Patient LA-001", page.Text("h1"));
        Assert.Equal("not yet assigned", page.Document.QuerySelectorAll(".patient-facts div").Single(d => d.QuerySelector("dt")!.TextContent == "Arm").QuerySelector("dd")!.TextContent);
    }

    private static string[] Options(BrowserSession.Page page, string label) =>
        ((IHtmlSelectElement)page.Input(label)).Options.Select(o => o.Value).ToArray();
}
