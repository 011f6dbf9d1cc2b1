using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class AdminStudyTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_admin_registers_a_study_from_a_protocol_file_after_one_that_is_refused_with_its_errors_shown()
    {
        await using var tab = await registry.AdminTabAsync("admin-registers-study");
        var page = tab.Page;
        await tab.SubmitAsync(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Register a study" }), "register-form");
        await tab.ExpectHeadingAsync("Register a study");

        // A protocol counting time from a moment the registry does not know is refused, the error at its JSON path.
        var file = page.GetByLabel("Protocol file (JSON)", new() { Exact = true });
        await file.SetInputFilesAsync(Protocol("NPC-E2E-NEW", timeOrigin: "firstVisit"));
        var refused = await tab.SubmitAsync("Register study", "refused");
        Assert.Equal(400, refused.Status);
        var errors = page.GetByRole(AriaRole.Alert);
        await Expect(errors).ToContainTextAsync("Nothing was recorded: the protocol file is not valid.");
        await Expect(errors.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "timeOrigin", Exact = true }) })).ToHaveCountAsync(1);
        await Expect(file).ToHaveAttributeAsync("aria-invalid", "true");

        await file.SetInputFilesAsync(Protocol("NPC-E2E-NEW", timeOrigin: "treatmentStart"));
        await tab.SubmitAsync("Register study", "registered");
        await tab.ExpectHeadingAsync("Amend NPC-E2E-NEW");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Recorded: NPC-E2E-NEW's protocol is now at version 1.");

        await tab.GotoAsync("/", "studies");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Registered studies" }).GetByRole(AriaRole.Cell, new() { Name = "NPC-E2E-NEW", Exact = true })).ToBeVisibleAsync();
    }

    /// <summary>The motivating study's protocol under another code, as a file the admin uploads.</summary>
    private static FilePayload Protocol(string code, string timeOrigin)
    {
        var protocol = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("src", "Registry.Demo", "Protocols", "npc-rm-2l.json")))!;
        protocol["code"] = code;
        protocol["title"] = "A copy of NPC-RM-2L registered by the browser tests";
        protocol["timeOrigin"] = timeOrigin;
        return new FilePayload { Name = $"{code.ToLowerInvariant()}.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(protocol.ToJsonString()) };
    }
}
