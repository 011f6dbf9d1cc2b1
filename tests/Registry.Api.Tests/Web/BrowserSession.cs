using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Registry.Api.Accounts;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>
/// A browser without JavaScript, over the test server: it keeps cookies, reads pages as HTML, and submits a page's
/// form by its fields' labels, with the form's own hidden inputs (antiforgery token, form name) as a browser would.
/// </summary>
public sealed class BrowserSession : IDisposable
{
    private static readonly HtmlParser Parser = new();
    public HttpClient Client { get; }

    /// <summary>The signed-in user's name, which the registry records on every entry they make; null before signing in.</summary>
    public string? UserName { get; private set; }

    public BrowserSession(RegistryApp app, bool followRedirects = true)
    {
        HttpMessageHandler handler = new CookieContainerHandler { InnerHandler = app.Host.Server.CreateHandler() };
        if (followRedirects) handler = new RedirectHandler { InnerHandler = handler };
        // https: the session cookie is Secure, and a browser sends it only over https (or to localhost).
        Client = new HttpClient(handler) { BaseAddress = new Uri("https://localhost/") };
    }

    /// <summary>Opens an account through the directory (as an admin would) and signs in through the sign-in form.</summary>
    public static async Task<BrowserSession> SignedInAsync(RegistryApp app, string role, params string[] sites)
    {
        var userName = $"{role}-{Guid.NewGuid():N}"[..20];
        const string password = "correct horse battery";
        var directory = (UserDirectory)app.Host.Services.GetService(typeof(UserDirectory))!;
        var (id, errors) = await directory.OpenAsync(new OpenAccount(userName, $"Test {role}", role, sites, password), "test-admin", mustChangePassword: false, default);
        Assert.True(id is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        var session = new BrowserSession(app) { UserName = userName };
        var page = await session.SubmitAsync("/signin", "signin", new() { ["User name"] = userName, ["Password"] = password });
        Assert.True(page.Status == HttpStatusCode.OK && page.Url.AbsolutePath != "/signin", $"sign-in as {userName} ended at {page.Url} ({page.Status})");
        return session;
    }

    public async Task<Page> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return await Page.ReadAsync(response);
    }

    /// <summary>
    /// Opens <paramref name="path"/>, fills the form named <paramref name="formName"/> (fields found by their label's
    /// text, or by name) and submits it. Inputs not mentioned keep the values the page gave them.
    /// </summary>
    public async Task<Page> SubmitAsync(string path, string formName, Dictionary<string, string> fields)
    {
        var page = await GetAsync(path);
        return await SubmitAsync(page, formName, fields);
    }

    public async Task<Page> SubmitAsync(Page page, string formName, Dictionary<string, string> fields)
    {
        var form = page.Document.QuerySelectorAll<IHtmlFormElement>("form")
            .FirstOrDefault(f => f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value == formName)
            ?? throw new InvalidOperationException($"{page.Url} has no form named {formName}.");
        var values = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            var name = element.GetAttribute("name");
            if (string.IsNullOrEmpty(name)) continue;
            switch (element)
            {
                case IHtmlInputElement { Type: "checkbox" or "radio" } box:
                    if (box.IsChecked) values.Add(new(name, box.Value));
                    break;
                case IHtmlInputElement input:
                    values.Add(new(name, input.Value));
                    break;
                case IHtmlSelectElement select:
                    values.Add(new(name, select.Value ?? ""));
                    break;
                case IHtmlTextAreaElement area:
                    values.Add(new(name, area.Value));
                    break;
            }
        }
        foreach (var (field, value) in fields)
        {
            var name = NameOf(form, field);
            values.RemoveAll(v => v.Key == name);
            values.Add(new(name, Chosen(form, name, value)));
        }
        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? page.Url.PathAndQuery : form.GetAttribute("action")!;
        using var response = await Client.PostAsync(action, new FormUrlEncodedContent(values));
        return await Page.ReadAsync(response);
    }

    /// <summary>A select's option may be chosen by its visible text, as a person picks it; anything else is sent as given.</summary>
    private static string Chosen(IHtmlFormElement form, string name, string value)
    {
        if (form.Elements.OfType<IHtmlSelectElement>().FirstOrDefault(s => s.Name == name) is not { } select) return value;
        var options = select.Options.OfType<IHtmlOptionElement>().ToList();
        if (options.Any(o => o.Value == value)) return value;
        return options.FirstOrDefault(o => o.Text.Trim() == value)?.Value ?? value;
    }

    /// <summary>The form name of the input labelled <paramref name="field"/> (a label's text), or <paramref name="field"/> itself.</summary>
    private static string NameOf(IHtmlFormElement form, string field)
    {
        var label = form.QuerySelectorAll<IHtmlLabelElement>("label").FirstOrDefault(l => l.TextContent.Trim() == field);
        if (label?.Control?.GetAttribute("name") is { } name) return name;
        return form.Elements.Any(e => e.GetAttribute("name") == field) ? field : throw new InvalidOperationException($"The form has no field labelled or named '{field}'.");
    }

    public void Dispose() => Client.Dispose();

    public sealed record Page(HttpStatusCode Status, Uri Url, string Html, IHtmlDocument Document)
    {
        public static async Task<Page> ReadAsync(HttpResponseMessage response)
        {
            var html = await response.Content.ReadAsStringAsync();
            return new Page(response.StatusCode, response.RequestMessage!.RequestUri!, html, Parser.ParseDocument(html));
        }

        public string Text(string selector) => Document.QuerySelector(selector)?.TextContent.Trim() ?? "";
    }
}
