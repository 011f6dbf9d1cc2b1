using System.Net;
using Alba;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

public sealed class SignInTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_page_sends_a_visitor_who_has_not_signed_in_to_the_sign_in_form_and_back()
    {
        using var browser = new BrowserSession(app, followRedirects: false);
        using var response = await browser.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin", response.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=%2F", response.Headers.Location.Query);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_without_saying_which_part_was_wrong()
    {
        using var browser = new BrowserSession(app);
        var page = await browser.SubmitAsync("/signin", "signin", new() { ["User name"] = "nobody", ["Password"] = "not the password at all" });
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.StartsWith("The user name or password is not right.", page.Text("[role=alert]"));
    }

    [Fact]
    public async Task A_signed_in_coordinator_sees_the_study_list_with_their_name_role_and_sites()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1", "S2");
        var page = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Studies", page.Text("h1"));
        Assert.Contains("(coordinator, sites S1, S2)", page.Text(".who"));
    }

    [Fact]
    public async Task The_session_cookie_reads_the_API_but_never_writes_through_it()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Admin);
        using var read = await browser.Client.GetAsync("/api/studies");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // A cross-site form could post as the signed-in user; writes take a bearer token only.
        using var write = await browser.Client.PostAsync("/api/studies", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        // The bearer path is unchanged.
        await app.Host.Scenario(s => { s.WithBearerToken(app.Admin); s.Get.Url("/api/studies"); s.StatusCodeShouldBe(200); });
    }
}
