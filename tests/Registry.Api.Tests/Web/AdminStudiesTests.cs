using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>
/// The admin registers a study by uploading its protocol file and amends it with a reason, through the same
/// functions as POST /api/studies and the amendment route: the same errors at the same JSON paths, nothing recorded
/// when refused, the versions listed with who, when and why.
/// </summary>
public sealed class AdminStudiesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static byte[] Json(object protocol) => JsonSerializer.SerializeToUtf8Bytes(protocol);

    private static JsonObject ProtocolJson(string? code = null) => JsonNode.Parse(JsonSerializer.Serialize(Scenarios.Protocol(code)))!.AsObject();

    /// <summary>The API's answer to the same protocol as a body: its problem's errors by JSON path.</summary>
    private async Task<(int Status, JsonElement Problem)> ApiAsync(string url, byte[] body)
    {
        using var client = app.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", app.Admin);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync(url, content);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    /// <summary>The rows of the page's error table: JSON path → messages.</summary>
    private static Dictionary<string, string[]> ErrorRows(BrowserSession.Page page) =>
        page.Document.QuerySelectorAll("#protocol-error-list tbody tr")
            .GroupBy(r => r.QuerySelector("th")!.TextContent.Trim(), r => r.QuerySelector("td")!.TextContent.Trim())
            .ToDictionary(g => g.Key, g => g.ToArray());

    private static Dictionary<string, string[]> Errors(JsonElement problem) => problem.GetProperty("errors").EnumerateObject()
        .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());

    [Fact]
    public async Task A_protocol_file_registers_the_study_as_version_1_by_the_signed_in_admin()
    {
        var code = $"UP-{Guid.NewGuid():N}"[..12];
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var page = await browser.UploadAsync("/admin/studies/new", "register-study", Json(Scenarios.Protocol(code)), []);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Matches("^/studies/[0-9a-f-]{36}/amend$", page.Url.AbsolutePath);
        Assert.Equal($"Recorded: {code}'s protocol is now at version 1.", page.Text("#recorded"));
        var version = Assert.Single(page.Document.QuerySelectorAll("#versions tbody tr"));
        Assert.Equal("1", version.QuerySelector("th")!.TextContent.Trim());
        Assert.Equal("registered", version.QuerySelectorAll("td")[2].TextContent);

        var studyId = Guid.Parse(page.Url.AbsolutePath.Split('/')[2]);
        var protocol = await app.ProtocolAsync(studyId);
        Assert.Equal(code, protocol.GetProperty("protocol").GetProperty("code").GetString());
        // The recorded user is the signed-in admin, shown beside the version.
        Assert.Equal(protocol.GetProperty("recordedBy").GetString(), version.QuerySelectorAll("td")[1].TextContent);
        Assert.StartsWith("admin-", protocol.GetProperty("recordedBy").GetString());
    }

    public static TheoryData<string, string> BadProtocols() => new()
    {
        { "rules", """{"arms":[{"code":"C","name":"Chemotherapy"},{"code":"C","name":"Again"}],"primaryEndpoint":"efs"}""" },
        { "unknown field", """{"armz":[]}""" },
        { "wrong type", """{"landmarks":"six"}""" },
    };

    [Theory]
    [MemberData(nameof(BadProtocols))]
    public async Task A_bad_protocol_file_lists_the_APIs_errors_at_their_JSON_paths_and_records_nothing(string what, string change)
    {
        var protocol = ProtocolJson();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject()) protocol[key] = value?.DeepClone();
        var body = Encoding.UTF8.GetBytes(protocol.ToJsonString());
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var before = await app.EventStoreMarkAsync();

        var page = await browser.UploadAsync("/admin/studies/new", "register-study", body, []);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        var (status, problem) = await ApiAsync("/api/studies", body);
        Assert.Equal(400, status);
        Assert.Equal(before, await app.EventStoreMarkAsync());

        var expected = Errors(problem);
        Assert.True(expected.Count > 0, what);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), ErrorRows(page).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal("true", page.Document.GetElementById("protocolFile")!.GetAttribute("aria-invalid"));
        Assert.Contains("protocol-errors", page.Document.GetElementById("protocolFile")!.GetAttribute("aria-describedby")!.Split(' '));
        Assert.Equal("alert", page.Document.GetElementById("protocol-errors")!.GetAttribute("role"));
        Assert.StartsWith("Error: ", page.Document.Title);
    }

    [Theory]
    [InlineData("{\"code\": \"X\",", "The request body is not valid JSON")]
    [InlineData("", "Choose the protocol file (JSON) to upload.")]
    public async Task A_file_that_is_not_a_protocol_at_all_is_refused_beside_the_file_input(string content, string message)
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var before = await app.EventStoreMarkAsync();
        var page = await browser.UploadAsync("/admin/studies/new", "register-study", Encoding.UTF8.GetBytes(content), []);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.StartsWith(message, page.Text("#protocolFile-error"));
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task A_code_already_registered_is_a_conflict_and_a_file_over_1_MB_is_not_read()
    {
        var code = $"DU-{Guid.NewGuid():N}"[..12];
        await app.RegisteredStudyAsync(Scenarios.Protocol(code));
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var before = await app.EventStoreMarkAsync();
        var page = await browser.UploadAsync("/admin/studies/new", "register-study", Json(Scenarios.Protocol(code)), []);
        Assert.Equal(HttpStatusCode.Conflict, page.Status);
        Assert.Equal($"Nothing was recorded: A study with code '{code}' is already registered.", page.Text("#protocol-refusal"));

        var padded = ProtocolJson();
        padded["setting"] = new string('x', 1_100_000);
        var large = await browser.UploadAsync("/admin/studies/new", "register-study", Encoding.UTF8.GetBytes(padded.ToJsonString()), []);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.Status);
        // A page in words with the way back, not the API's JSON problem.
        Assert.Equal("The file is too large", large.Text("h1"));
        Assert.Contains("over 1 MB", large.Text("[role=alert]"));
        Assert.Equal("/admin/studies/new", large.Document.QuerySelector("main a")!.GetAttribute("href"));
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task An_amendment_uploaded_with_its_reason_is_the_next_version_beside_the_earlier_ones()
    {
        var code = $"AM-{Guid.NewGuid():N}"[..12];
        var studyId = await app.RegisteredStudyAsync(Scenarios.Protocol(code));
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);

        // The protocol as it stands downloads as a file to edit and upload again.
        var file = JsonNode.Parse(await browser.Client.GetStringAsync($"/api/studies/{studyId}/protocol.json"))!.AsObject();
        file["title"] = "Previously treated recurrent or metastatic NPC";
        var page = await browser.UploadAsync($"/studies/{studyId}/amend", "amend-protocol", Encoding.UTF8.GetBytes(file.ToJsonString()),
            new() { ["Reason for amendment"] = "Title spelt out" });
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal($"Recorded: {code}'s protocol is now at version 2.", page.Text("#recorded"));
        var versions = page.Document.QuerySelectorAll("#versions tbody tr").ToList();
        Assert.Equal(["2", "1"], versions.Select(v => v.QuerySelector("th")!.TextContent.Trim()));
        Assert.Equal("Title spelt out", versions[0].QuerySelectorAll("td")[2].TextContent);

        var protocol = await app.ProtocolAsync(studyId);
        Assert.Equal(2, protocol.GetProperty("version").GetInt32());
        Assert.Equal("Previously treated recurrent or metastatic NPC", protocol.GetProperty("protocol").GetProperty("title").GetString());
        Assert.Equal("Title spelt out", protocol.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_amendment_without_a_reason_or_one_the_rules_forbid_is_refused_as_the_amendment_route_refuses_it()
    {
        var original = Scenarios.Protocol();
        var studyId = await app.RegisteredStudyAsync(original);
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var before = await app.EventStoreMarkAsync();

        var unexplained = await browser.UploadAsync($"/studies/{studyId}/amend", "amend-protocol", Json(original), new() { ["Reason for amendment"] = " " });
        Assert.Equal(HttpStatusCode.BadRequest, unexplained.Status);
        var (_, problem) = await ApiAsync($"/api/studies/{studyId}/amendments", Json(new { protocol = original, reason = " ", expectedVersion = 1 }));
        Assert.Equal(Errors(problem)["reason"][0], unexplained.Text("#reason-error"));
        Assert.Equal("true", unexplained.Document.GetElementById("reason")!.GetAttribute("aria-invalid"));

        // An arm patients could have been recorded against may not be taken away.
        var withoutArm = new Dictionary<string, object?>(original) { ["arms"] = ((object[])original["arms"]!)[..1], ["analysis"] = null };
        var removed = await browser.UploadAsync($"/studies/{studyId}/amend", "amend-protocol", Json(withoutArm), new() { ["Reason for amendment"] = "Arm closed" });
        var (status, conflict) = await ApiAsync($"/api/studies/{studyId}/amendments", Json(new { protocol = withoutArm, reason = "Arm closed", expectedVersion = 1 }));
        Assert.Equal(409, status);
        Assert.Equal(HttpStatusCode.Conflict, removed.Status);
        Assert.Equal($"Nothing was recorded: {conflict.GetProperty("detail").GetString()}", removed.Text("#protocol-refusal"));

        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal(1, (await app.ProtocolAsync(studyId)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Only_an_admin_opens_the_study_pages()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var investigator = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        Assert.Equal("/denied", (await investigator.GetAsync("/admin/studies/new")).Url.AbsolutePath);
        Assert.Equal("/denied", (await investigator.GetAsync($"/studies/{studyId}/amend")).Url.AbsolutePath);
        using var admin = await BrowserSession.SignedInAsync(app, Roles.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/studies/{Guid.NewGuid()}/amend")).Status);
    }
}

public static class Uploads
{
    /// <summary>
    /// Opens <paramref name="path"/> and submits its multipart form <paramref name="formName"/> as a browser would:
    /// its hidden inputs, the file in its file input, and other fields by their label's text.
    /// </summary>
    public static async Task<BrowserSession.Page> UploadAsync(this BrowserSession browser, string path, string formName, byte[] file,
        Dictionary<string, string> fields)
    {
        var page = await browser.GetAsync(path);
        var form = page.Document.QuerySelectorAll<IHtmlFormElement>("form")
            .First(f => f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value == formName);
        Assert.Equal("multipart/form-data", form.GetAttribute("enctype"));
        using var content = new MultipartFormDataContent();
        foreach (var hidden in form.QuerySelectorAll<IHtmlInputElement>("input[type=hidden]")) content.Add(new StringContent(hidden.Value), hidden.Name!);
        var input = form.QuerySelector<IHtmlInputElement>("input[type=file]")!;
        var upload = new ByteArrayContent(file);
        upload.Headers.ContentType = new("application/json");
        content.Add(upload, input.Name!, "protocol.json");
        foreach (var (label, value) in fields)
        {
            var control = form.QuerySelectorAll<IHtmlLabelElement>("label").First(l => l.TextContent.Trim() == label).Control!;
            content.Add(new StringContent(value), control.GetAttribute("name")!);
        }
        using var response = await browser.Client.PostAsync(string.IsNullOrEmpty(form.GetAttribute("action")) ? path : form.GetAttribute("action"), content);
        return await BrowserSession.Page.ReadAsync(response);
    }
}
