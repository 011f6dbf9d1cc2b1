using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

/// <summary>What a coordinator does on the pages, step by step, each step found by its label or its name.</summary>
public sealed class CoordinatorDesk(BrowserTab tab)
{
    public IPage Page => tab.Page;

    /// <summary>From the study list to the study's patients at the coordinator's sites.</summary>
    public async Task OpenPatientsAsync(string studyCode)
    {
        await tab.GotoAsync("/", "studies");
        var study = Page.GetByRole(AriaRole.Row).Filter(new() { Has = Page.GetByRole(AriaRole.Cell, new() { Name = studyCode, Exact = true }) });
        await tab.SubmitAsync(study.GetByRole(AriaRole.Link, new() { Name = "Patients", Exact = true }), "patients");
        await tab.ExpectHeadingAsync($"{studyCode} patients");
    }

    /// <summary>Opens the enrolment form from the patient list and fills it (the values by label); nothing is submitted.</summary>
    public async Task FillEnrolmentAsync(IReadOnlyDictionary<string, string> values)
    {
        await tab.SubmitAsync(Page.GetByRole(AriaRole.Link, new() { Name = "Enrol a patient", Exact = true }), "enrol-form");
        await FillAsync(values);
    }

    /// <summary>Enrols through the generated form; lands on the new patient's page.</summary>
    public async Task EnrolAsync(string studyCode, IReadOnlyDictionary<string, string> values)
    {
        await OpenPatientsAsync(studyCode);
        await FillEnrolmentAsync(values);
        await SubmitAsync("Enrol patient", "enrolled");
        await tab.ExpectHeadingAsync($"Patient {values["Subject code"]}");
    }

    /// <summary>From the patient's page: opens the form named <paramref name="form"/>, fills it and records it.</summary>
    public async Task RecordAsync(string form, IReadOnlyDictionary<string, string> values)
    {
        var step = form.ToLowerInvariant().Replace(' ', '-');
        await tab.SubmitAsync(Page.GetByRole(AriaRole.Link, new() { Name = form, Exact = true }), $"{step}-form");
        await FillAsync(values);
        await SubmitAsync(form, $"{step}-recorded");
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Recorded");
    }

    /// <summary>Each value typed or picked (a select's option by its value or its text) into the input labelled so.</summary>
    public async Task FillAsync(IReadOnlyDictionary<string, string> values)
    {
        foreach (var (label, value) in values)
        {
            var input = Page.GetByLabel(label, new() { Exact = true });
            if (await input.EvaluateAsync<string>("e => e.tagName") == "SELECT") await input.SelectOptionAsync(value);
            else await input.FillAsync(value);
        }
    }

    public async Task<IResponse> SubmitAsync(string button, string step)
    {
        var response = await tab.SubmitAsync(button, step);
        Assert.True(response.Status < 400 || button is "Enrol patient" or "Record correction" && response.Status == 400, $"{button} answered {response.Status}.");
        return response;
    }

    /// <summary>The timeline's row of the entry whose heading cell starts with <paramref name="entry"/>, e.g. "Imaging".</summary>
    public ILocator TimelineRow(string entry) =>
        Page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^Every entry of patient ") }).GetByRole(AriaRole.Row)
            .Filter(new() { Has = Page.GetByRole(AriaRole.Rowheader, new() { NameRegex = new Regex($"^{Regex.Escape(entry)}") }) });

    /// <summary>The values an enrolment form takes for a patient of NPC-RM-2L at site S1.</summary>
    public static Dictionary<string, string> NpcRm2lPatient(string subjectCode, string arm, string enrolledOn) => new()
    {
        ["Subject code"] = subjectCode,
        ["Site"] = "S1",
        ["Arm"] = arm,
        ["Enrolment date"] = enrolledOn,
        ["Age (years)"] = "54",
        ["Sex"] = "Male",
        ["Family history of nasopharyngeal carcinoma"] = "No",
        ["Karnofsky performance status"] = "90",
        ["Body mass index (kg/m²)"] = "22.5",
        ["Disease status"] = "metastatic",
        ["Line of the study treatment"] = "2",
        ["Number of metastatic sites"] = "2",
        ["Plasma EBV DNA"] = "positive",
        ["Liver metastasis"] = "Yes",
        ["Lung metastasis"] = "No",
        ["Bone metastasis"] = "No",
        ["Metastasis at another site"] = "No",
        ["PD-L1 combined positive score — not recorded"] = "notDone",
    };
}
