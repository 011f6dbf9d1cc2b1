using AngleSharp.Dom;
using AngleSharp.Html.Dom;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>Reads a form page as a screen reader would: an input by its label, its error by aria-describedby, the summary by role.</summary>
public static class FormPage
{
    public static IElement Input(this BrowserSession.Page page, string label)
    {
        var labels = page.Document.QuerySelectorAll<IHtmlLabelElement>("label").Where(l => l.TextContent.Trim() == label).ToList();
        Assert.True(labels.Count == 1, $"{page.Url} has {labels.Count} labels '{label}'.");
        return labels[0].Control ?? throw new InvalidOperationException($"The label '{label}' is for no input.");
    }

    /// <summary>The input's value as the page gives it back (a select's chosen option's value).</summary>
    public static string Value(this BrowserSession.Page page, string label) => page.Input(label) switch
    {
        IHtmlSelectElement select => select.Value ?? "",
        IHtmlTextAreaElement area => area.Value,
        IHtmlInputElement input => input.Value,
        var other => throw new InvalidOperationException($"'{label}' is a {other.LocalName}."),
    };

    /// <summary>The error shown beside the input labelled <paramref name="label"/>, found as assistive technology finds it; null when none.</summary>
    public static string? ErrorBeside(this BrowserSession.Page page, string label)
    {
        var input = page.Input(label);
        var errors = (input.GetAttribute("aria-describedby") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => page.Document.GetElementById(id)).Where(e => e is not null && e.ClassList.Contains("field-error")).ToList();
        if (errors.Count == 0)
        {
            Assert.Null(input.GetAttribute("aria-invalid"));
            return null;
        }
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        return errors.Single()!.TextContent.Replace("Error: ", "").Trim();
    }

    /// <summary>Every message of the error summary (role=alert), in order.</summary>
    public static string[] Summary(this BrowserSession.Page page) =>
        page.Document.QuerySelector("[role=alert]")?.QuerySelectorAll("li").Select(li => li.TextContent.Trim()).ToArray() ?? [];

    /// <summary>The field errors a page shows, by the JSON path its inputs are named with — to set beside an API problem's <c>errors</c>.</summary>
    public static Dictionary<string, string> ErrorsByName(this BrowserSession.Page page) => page.Document.QuerySelectorAll(".field-error")
        .ToDictionary(
            e => page.Document.QuerySelector($"[aria-describedby~='{e.Id}']")!.GetAttribute("name")!,
            e => e.TextContent.Replace("Error: ", "").Trim());

    /// <summary>The visible label of the input named <paramref name="name"/>.</summary>
    public static string LabelOf(this BrowserSession.Page page, string name)
    {
        var input = page.Document.QuerySelector($"[name='{name}']") ?? throw new InvalidOperationException($"{page.Url} has no input named '{name}'.");
        return page.Document.QuerySelector($"label[for='{input.Id}']")!.TextContent.Trim();
    }
}
