using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Alba;
using FsCheck;
using FsCheck.Fluent;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>
/// The same values typed into a page and sent to the API are refused alike: the same status, and the same message
/// under the same field (a page input is named by the JSON path the API's errors use). Where the API's reader stops
/// at the first value of the wrong JSON type, the page reads on and names every such field, the API's among them.
/// </summary>
public sealed class PageAndApiAgreeTests(RegistryApp app, ITestOutputHelper output) : IClassFixture<RegistryApp>
{
    /// <summary>A value as typed and as a client sends it: <see cref="Json"/> is JSON text, or null when the field is left out.</summary>
    public sealed record Value(string Typed, string? Json)
    {
        public static Value Text(string text) => new(text, text.Length == 0 ? null : JsonSerializer.Serialize(text));
        public static Value Raw(string typed, string json) => new(typed, json);
        public static readonly Value Empty = new("", null);
        public override string ToString() => Typed.Length == 0 ? "(empty)" : Typed;
    }

    /// <summary>One field of a form: its label and where its value goes in the API's body.</summary>
    public sealed record Field(string Label, string Path);

    private sealed record ApiAnswer(int Status, Dictionary<string, string> Errors, string[] Violations, bool StoppedAtFirstType);

    private static string Send(IEnumerable<(Field Field, Value Value)> values)
    {
        var body = new JsonObject();
        foreach (var (field, value) in values.Where(v => v.Value.Json is not null))
        {
            var parts = field.Path.Split('.', 2);
            if (parts.Length == 1) body[field.Path] = JsonNode.Parse(value.Json!);
            else
            {
                if (body[parts[0]] is not JsonObject parent) body[parts[0]] = parent = new JsonObject();
                parent[parts[1]] = JsonNode.Parse(value.Json!);
            }
        }
        return body.ToJsonString();
    }

    private async Task<ApiAnswer> ApiAsync(string url, string body, string site = "S1")
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Token(Roles.Coordinator, site));
            s.Post.Text(body).ToUrl(url).ContentType("application/json");
            s.IgnoreStatusCode();
        });
        var status = result.Context.Response.StatusCode;
        if (status == 201) return new(201, [], [], false);
        var problem = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        var errors = problem.TryGetProperty("errors", out var e)
            // A list item's error (agents[1]) is shown beside the list's input.
            ? e.EnumerateObject().GroupBy(p => Regex.Replace(p.Name, @"\[\d+\]$", ""))
                .ToDictionary(g => g.Key, g => string.Join(" ", g.SelectMany(p => p.Value.EnumerateArray().Select(m => m.GetString()))))
            : [];
        var violations = problem.TryGetProperty("violations", out var v) ? v.EnumerateArray().Select(m => m.GetString()!).ToArray() : [];
        return new(status, errors, violations, problem.TryGetProperty("detail", out _) && status == 400);
    }

    private static void Agree(ApiAnswer api, BrowserSession.Page page, string what)
    {
        var pageStatus = page.Status == HttpStatusCode.OK && page.Url.AbsolutePath.StartsWith("/patients/") ? 201 : (int)page.Status;
        Assert.True(api.Status == pageStatus, $"{what}: the API answered {api.Status} ({string.Join("; ", api.Errors.Select(e => $"{e.Key}: {e.Value}").Concat(api.Violations))}), the page {pageStatus} ({string.Join("; ", page.Summary())}).");
        if (api.Status == 400)
        {
            var shown = page.ErrorsByName();
            // The same words, except that the page names the field by its label where the API names it by its JSON key.
            var expected = api.Errors.ToDictionary(e => e.Key, e => InLabelWords(e.Value, e.Key, page.LabelOf(e.Key)));
            if (api.StoppedAtFirstType)
                foreach (var (key, message) in expected) Assert.True(shown.GetValueOrDefault(key) == message, $"{what}: the API says {key}: {message}; the page says {shown.GetValueOrDefault(key) ?? "nothing"}.");
            else Assert.Equal(expected.OrderBy(e => e.Key), shown.OrderBy(e => e.Key));
        }
        else if (api.Status != 201) Assert.Equal(api.Violations.Order(), page.Summary().Order());
    }

    private static string InLabelWords(string message, string key, string label)
    {
        // A message may hold several (joined by a space), each starting with the key.
        foreach (var name in new[] { key, key[(key.LastIndexOf('.') + 1)..] }.Distinct())
            message = Regex.Replace(message, $@"(^|(?<=\. ))('?{Regex.Escape(name)}'?|{Regex.Escape(label)} \({Regex.Escape(name)}\)) ", _ => label + " ");
        return message;
    }

    // ---- Follow-up forms: one field at a time made wrong, on a patient enrolled 2024-01-05 ----

    private static readonly Field AssessedOn = new("Assessment date", "assessedOn"), TargetSum = new("Sum of target lesion diameters (mm)", "targetLesionSumMm"),
        NonTarget = new("Non-target lesions", "nonTargetStatus"), NewLesions = new("New lesions", "newLesions"), Response = new("Overall response (RECIST 1.1)", "response");
    private static readonly Field Term = new("Adverse event term (CTCAE)", "term"), Grade = new("CTCAE grade", "grade"), Onset = new("Onset date", "onsetOn"),
        Serious = new("Serious adverse event", "serious"), Attribution = new("Attribution to study treatment", "attribution"), DiedOn = new("Date of death (grade 5 only)", "diedOn");
    private static readonly Field StartedOn = new("Treatment start date", "startedOn"), Agents = new("Agents", "agents"), Line = new("Line of treatment", "line");
    private static readonly Field ProgressedOn = new("Progression date", "progressedOn"), Basis = new("Basis of progression", "basis"), Site = new("Site of progression", "site");
    private static readonly Field RelapsedOn = new("Relapse date", "relapsedOn"), RelapseType = new("Site of relapse", "type");
    private static readonly Field WithdrewOn = new("Withdrawal date", "withdrewOn"), WithdrawalReason = new("Reason for withdrawal", "reason");

    private static readonly Dictionary<string, (string Route, (Field, Value)[] Valid)> Forms = new()
    {
        ["imaging"] = ("imaging-assessments", [(AssessedOn, Value.Text("2024-03-01")), (TargetSum, Value.Raw("30", "30")), (NonTarget, Value.Text("None")),
            (NewLesions, Value.Raw("false", "false")), (Response, Value.Text("SD"))]),
        ["adverse-event"] = ("adverse-events", [(Term, Value.Text("Rash")), (Grade, Value.Raw("2", "2")), (Onset, Value.Text("2024-02-01")),
            (Serious, Value.Raw("false", "false")), (Attribution, Value.Text("Possible")), (DiedOn, Value.Empty)]),
        ["treatment-start"] = ("treatment-starts", [(StartedOn, Value.Text("2024-01-10")), (Agents, Value.Empty), (Line, Value.Raw("2", "2"))]),
        ["progression"] = ("progressions", [(ProgressedOn, Value.Text("2024-06-01")), (Basis, Value.Text("Radiological")), (Site, Value.Empty)]),
        ["relapse"] = ("relapses", [(RelapsedOn, Value.Text("2024-06-01")), (RelapseType, Value.Text("Distant"))]),
        ["withdrawal"] = ("withdrawals", [(WithdrewOn, Value.Text("2024-06-01")), (WithdrawalReason, Value.Text("Moved abroad"))]),
    };

    public static TheoryData<string, string, string, string?> WrongFollowUpValues() => new()
    {
        { "imaging", "Sum of target lesion diameters (mm)", "abc", "\"abc\"" },
        { "imaging", "Sum of target lesion diameters (mm)", "-5", "-5" },
        { "imaging", "Sum of target lesion diameters (mm)", "1e400", "1e400" },
        { "imaging", "Overall response (RECIST 1.1)", "", null },
        { "imaging", "Overall response (RECIST 1.1)", "XX", "\"XX\"" },
        { "imaging", "New lesions", "maybe", "\"maybe\"" },
        { "imaging", "New lesions", "true", "true" },
        { "imaging", "Assessment date", "2024-02-30", "\"2024-02-30\"" },
        { "imaging", "Assessment date", "", null },
        { "imaging", "Assessment date", "2999-01-01", "\"2999-01-01\"" },
        { "imaging", "Assessment date", "2023-12-31", "\"2023-12-31\"" },
        { "adverse-event", "CTCAE grade", "abc", "\"abc\"" },
        { "adverse-event", "CTCAE grade", "2.5", "2.5" },
        { "adverse-event", "CTCAE grade", "7", "7" },
        { "adverse-event", "CTCAE grade", "99999999999", "99999999999" },
        { "adverse-event", "CTCAE grade", "5", "5" },
        { "adverse-event", "Date of death (grade 5 only)", "2024-02-03", "\"2024-02-03\"" },
        { "adverse-event", "Attribution to study treatment", "Maybe", "\"Maybe\"" },
        { "adverse-event", "Serious adverse event", "", null },
        { "adverse-event", "Adverse event term (CTCAE)", "Rash\u0001", "\"Rash\\u0001\"" },
        { "adverse-event", "Adverse event term (CTCAE)", "   ", "\"   \"" },
        { "treatment-start", "Line of treatment", "21", "21" },
        { "treatment-start", "Line of treatment", "x", "\"x\"" },
        { "treatment-start", "Agents", "camrelizumab\n" + new string('a', 101), $"[\"camrelizumab\",\"{new string('a', 101)}\"]" },
        { "progression", "Basis of progression", "Sideways", "\"Sideways\"" },
        { "progression", "Site of progression", "Nowhere", "\"Nowhere\"" },
        { "relapse", "Site of relapse", "", null },
        { "withdrawal", "Reason for withdrawal", "", null },
        { "withdrawal", "Withdrawal date", "2024-01-04", "\"2024-01-04\"" },
    };

    [Theory]
    [MemberData(nameof(WrongFollowUpValues))]
    public async Task A_follow_up_value_the_API_refuses_is_refused_by_the_page_in_the_same_words(string form, string label, string typed, string? json)
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05");
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var (route, valid) = Forms[form];
        var values = valid.Select(v => v.Item1.Label == label ? (v.Item1, new Value(typed, json)) : v).ToList();
        var before = await app.EventStoreMarkAsync();

        var api = await ApiAsync($"/api/patients/{patientId}/{route}", Send(values));
        var page = await browser.SubmitAsync($"/patients/{patientId}/record/{form}", "record", values.ToDictionary(v => v.Item1.Label, v => v.Item2.Typed));

        Assert.NotEqual(201, api.Status);
        Agree(api, page, $"{form} with {label} = {typed}");
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }

    [Theory]
    [InlineData("Arm", "XX")]
    [InlineData("Stratum: Overall stage (AJCC 8th)", "")]
    [InlineData("Stratum: Pre-treatment plasma EBV DNA", ">= 4000")]
    [InlineData("Randomization date", "2024-01-04")]
    public async Task A_randomization_the_protocol_refuses_is_refused_by_the_page_in_the_same_words(string label, string typed)
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.RandomizedProtocol());
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05", arm: null, baseline: Scenarios.RandomizedBaseline());
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var values = new Dictionary<string, string>
        {
            ["Randomization date"] = "2024-01-06", ["Arm"] = "PD1", ["Stratum: Overall stage (AJCC 8th)"] = "III", ["Stratum: Pre-treatment plasma EBV DNA"] = "≥ 4000",
        };
        values[label] = typed;
        var strata = new JsonObject();
        if (values["Stratum: Overall stage (AJCC 8th)"] is { Length: > 0 } stage) strata["overallStage"] = stage;
        strata["ebvDna"] = values["Stratum: Pre-treatment plasma EBV DNA"];
        var body = new JsonObject { ["randomizedOn"] = values["Randomization date"], ["arm"] = values["Arm"], ["strata"] = strata };

        var api = await ApiAsync($"/api/patients/{patientId}/randomizations", body.ToJsonString());
        var page = await browser.SubmitAsync($"/patients/{patientId}/record/randomization", "record", values);

        Assert.NotEqual(201, api.Status);
        Agree(api, page, $"randomization with {label} = {typed}");
    }

    // ---- Enrolment: any mix of right and wrong values, on the generated form and on the API ----

    private static readonly Field SubjectCode = new("Subject code", "subjectCode"), SiteField = new("Site", "site"), Arm = new("Arm", "arm"),
        EnrolledOn = new("Enrolment date", "enrolledOn"), Age = new("Age (years)", "baseline.age"), Sex = new("Sex", "baseline.sex"),
        Kps = new("Karnofsky score", "baseline.kps"), Liver = new("Liver metastasis", "baseline.liverMetastasis"), Ebv = new("EBV DNA", "baseline.ebvDna");

    /// <summary>An enrolment as typed: each field's value drawn from right ones and wrong ones; the EBV DNA is a level or a missing code.</summary>
    public sealed record Enrolment(bool GoodCode, Value Site, Value Arm, Value EnrolledOn, Value Age, Value Sex, Value Kps, Value Liver, string Ebv)
    {
        public override string ToString() =>
            $"code {(GoodCode ? "ok" : "John Smith")}, site {Site}, arm {Arm}, enrolled {EnrolledOn}, age {Age}, sex {Sex}, kps {Kps}, liver {Liver}, ebv {Ebv}";
    }

    /// <summary>A field's right values (an ineligible age is a right value: the dictionary takes it) and wrong ones, and how often a wrong one is typed.</summary>
    private sealed record Pool<T>(T[] Right, T[] Wrong, int WrongPercent = 15)
    {
        public T Pick(int draw) => draw % 100 < WrongPercent ? Wrong[draw / 100 % Wrong.Length] : Right[draw / 100 % Right.Length];
    }

    private static readonly Pool<bool> Codes = new([true], [false]);
    private static readonly Pool<Value> Sites = new([Value.Text("S1")], [Value.Text("S2"), Value.Text("S2"), Value.Empty], WrongPercent: 30);
    private static readonly Pool<Value> Arms = new([Value.Text("ITC"), Value.Text("C")], [Value.Empty, Value.Text("XX")]);
    private static readonly Pool<Value> Dates = new([Value.Text("2024-03-01")], [Value.Text("2021-02-30"), Value.Empty, Value.Text("2999-01-01"), Value.Text("1899-12-31")]);
    private static readonly Pool<Value> Ages = new([Value.Raw("54", "54"), Value.Raw("61", "61"), Value.Raw("17", "17")],
        [Value.Raw("130", "130"), Value.Raw("54.5", "54.5"), Value.Raw("abc", "\"abc\""), Value.Empty, Value.Raw("-1", "-1")]);
    private static readonly Pool<Value> Sexes = new([Value.Text("Male"), Value.Text("Female")], [Value.Empty, Value.Text("male")]);
    private static readonly Pool<Value> Scores = new([Value.Raw("80", "80"), Value.Raw("90", "90"), Value.Raw("60", "60")], [Value.Raw("101", "101"), Value.Raw("x", "\"x\""), Value.Empty]);
    private static readonly Pool<Value> Flags = new([Value.Raw("true", "true"), Value.Raw("false", "false")], [Value.Empty, Value.Raw("maybe", "\"maybe\"")]);
    private static readonly Pool<string> EbvDna = new(["positive", "negative", "missing:unknown", "missing:notDone"], ["", "pos", "missing:bogus"]);

    private static Arbitrary<Enrolment> Enrolments() => Gen.ArrayOf(Gen.Choose(0, 99_999), 9)
        .Select(i => new Enrolment(Codes.Pick(i[0]), Sites.Pick(i[1]), Arms.Pick(i[2]), Dates.Pick(i[3]), Ages.Pick(i[4]), Sexes.Pick(i[5]), Scores.Pick(i[6]),
            Flags.Pick(i[7]), EbvDna.Pick(i[8])))
        .ToArbitrary();

    [Fact]
    public async Task Any_enrolment_is_accepted_or_refused_alike_by_the_generated_form_and_the_API()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var form = await browser.GetAsync($"/studies/{studyId}/patients/new");
        var run = 0;
        var outcomes = new Dictionary<int, int>();

        var property = Prop.ForAll(Enrolments(), e =>
        {
            run++;
            var ebvValue = e.Ebv.StartsWith("missing:") ? Value.Empty : Value.Text(e.Ebv);
            var ebvJson = e.Ebv.StartsWith("missing:") ? JsonSerializer.Serialize(new { missing = e.Ebv["missing:".Length..] }) : ebvValue.Json;
            (Field, Value)[] values(string code) =>
            [
                (SubjectCode, Value.Text(e.GoodCode ? code : "John Smith")), (SiteField, e.Site), (Arm, e.Arm), (EnrolledOn, e.EnrolledOn),
                (Age, e.Age), (Sex, e.Sex), (Kps, e.Kps), (Liver, e.Liver), (Ebv, new Value(ebvValue.Typed, ebvJson)),
            ];
            var api = ApiAsync($"/api/studies/{studyId}/patients", Send(values($"API-{run}"))).GetAwaiter().GetResult();
            var typed = values($"PAGE-{run}").ToDictionary(v => v.Item1.Label, v => v.Item2.Typed);
            typed["EBV DNA — not recorded"] = e.Ebv.StartsWith("missing:") ? e.Ebv["missing:".Length..] : "";
            var page = browser.SubmitAsync(form, "enrol", typed).GetAwaiter().GetResult();
            outcomes[api.Status] = outcomes.GetValueOrDefault(api.Status) + 1;
            Agree(api, page, e.ToString());
        });
        // Off the test's synchronization context: FsCheck runs each case synchronously.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), property));

        output.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} ×{o.Value}")));
        // The mix reaches every answer: recorded, field errors, ineligible, another site.
        Assert.All(new[] { 201, 400, 422, 403 }, status => Assert.True(outcomes.ContainsKey(status), $"No case answered {status}: {string.Join(", ", outcomes)}"));
    }
}
