using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.Cli;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.Web;
using Registry.Api.Tests.Web.Accounts;

namespace Registry.Api.Tests.Cli;

/// <summary>The user verbs on the database of a running registry, as an operator uses them beside the server.</summary>
public sealed class UserVerbTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task User_add_prints_a_one_time_password_the_new_user_signs_in_with_and_must_replace()
    {
        var userName = NewName();
        var run = await CliRun.InvokeAsync(["user", "add", "--user", userName, "--role", Roles.Coordinator, "--site", "S1", "--site", "S2", "--name", "Ana Lim"], app.ConnectionString);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var password = run.Stdout.Trim();
        Assert.Matches("^[a-zA-Z2-9]{16}$", password);
        Assert.Contains($"Opened '{userName}' (coordinator, sites S1, S2).", run.Stderr);
        var account = (await app.Users().FindAsync(userName, default))!;
        Assert.Equal(("Ana Lim", true), (account.DisplayName, account.MustChangePassword));
        Assert.Equal(UserVerb.RecordedBy, Assert.Single(await app.AccountEventsAsync(account.Id)).UserName);
        Assert.StartsWith("cli:", UserVerb.RecordedBy);

        var (browser, landed) = await app.SignInAsync(userName, password);
        using var _ = browser;
        Assert.Equal("/account/password", landed.Url.AbsolutePath);
    }

    [Fact]
    public async Task User_add_with_password_stdin_takes_the_password_from_the_first_line_and_prints_none()
    {
        var userName = NewName();
        var run = await CliRun.InvokeAsync(["user", "add", "--user", userName, "--role", Roles.Investigator, "--password-stdin"], app.ConnectionString, "chosen by the operator\nsecond line\n");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("", run.Stdout);
        var account = await app.Users().SignInAsync(userName, "chosen by the operator", default);
        Assert.False(account!.MustChangePassword);
    }

    [Theory]
    [InlineData(new[] { "--user", "Bad Name", "--role", "auditor" }, "error: --user: A user name is 2–64 lower-case letters")]
    [InlineData(new[] { "--user", "nosite", "--role", "coordinator" }, "error: --site: A coordinator acts for at least one site.")]
    [InlineData(new[] { "--user", "badsite", "--role", "coordinator", "--site", "S 1" }, "error: --site: A site is a code")]
    public async Task User_add_refuses_what_the_admin_page_refuses_with_exit_code_2_and_records_nothing(string[] options, string error)
    {
        var mark = await app.EventStoreMarkAsync();
        var run = await CliRun.InvokeAsync(["user", "add", .. options], app.ConnectionString);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(error, run.Stderr);
        Assert.Equal("", run.Stdout);
        Assert.Equal(mark, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task A_short_password_on_stdin_and_a_taken_name_are_refused()
    {
        var existing = await app.OpenAccountAsync();
        var shortPassword = await CliRun.InvokeAsync(["user", "add", "--user", NewName(), "--role", Roles.Auditor, "--password-stdin"], app.ConnectionString, "short\n");
        Assert.Equal(2, shortPassword.ExitCode);
        Assert.Contains("error: password: A password has at least 12 characters.", shortPassword.Stderr);

        var taken = await CliRun.InvokeAsync(["user", "add", "--user", existing.UserName, "--role", Roles.Auditor], app.ConnectionString);
        Assert.Equal(2, taken.ExitCode);
        Assert.Contains($"error: --user: A user '{existing.UserName}' already exists.", taken.Stderr);
    }

    [Fact]
    public async Task User_list_shows_every_account_with_its_role_sites_and_status()
    {
        var coordinator = await app.OpenAccountAsync(Roles.Coordinator);
        var admin = await app.OpenAccountAsync(Roles.Admin, mustChangePassword: true);
        await app.Users().DisableAsync(coordinator.UserName, "test-admin", default);

        var run = await CliRun.InvokeAsync(["user", "list"], app.ConnectionString);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^USER\s+ROLE\s+SITES\s+STATUS\s+MUST CHANGE PASSWORD\s+NAME$", lines[0]);
        Assert.Matches($@"^{coordinator.UserName}\s+coordinator\s+S1\s+disabled\s+no\s+Test coordinator$", lines.Single(l => l.StartsWith(coordinator.UserName)));
        Assert.Matches($@"^{admin.UserName}\s+admin\s+-\s+active\s+yes\s+Test admin$", lines.Single(l => l.StartsWith(admin.UserName)));
    }

    [Fact]
    public async Task Reset_password_disable_and_enable_change_the_account_as_the_admin_page_does()
    {
        var account = await app.OpenAccountAsync(Roles.Investigator);
        var (session, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var _ = session;

        var disabled = await CliRun.InvokeAsync(["user", "disable", "--user", account.UserName], app.ConnectionString);
        Assert.Equal((0, $"Disabled '{account.UserName}' (investigator, disabled).\n"), (disabled.ExitCode, disabled.Stdout.ReplaceLineEndings("\n")));
        Assert.Equal("/signin", (await session.GetAsync("/")).Url.AbsolutePath);
        Assert.Null(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));

        var enabled = await CliRun.InvokeAsync(["user", "enable", "--user", account.UserName], app.ConnectionString);
        Assert.Equal(0, enabled.ExitCode);
        var reset = await CliRun.InvokeAsync(["user", "reset-password", "--user", account.UserName], app.ConnectionString);
        Assert.Equal(0, reset.ExitCode);
        var signedIn = await app.Users().SignInAsync(account.UserName, reset.Stdout.Trim(), default);
        Assert.True(signedIn!.MustChangePassword);
        Assert.All((await app.AccountEventsAsync(account.Id)).Where(e => e.Data is AccountDisabled or AccountEnabled or PasswordChanged),
            e => Assert.Equal(UserVerb.RecordedBy, e.UserName));
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("enable")]
    [InlineData("reset-password")]
    public async Task A_user_the_registry_does_not_have_is_exit_code_2(string verb)
    {
        var run = await CliRun.InvokeAsync(["user", verb, "--user", "nobody-here"], app.ConnectionString);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("error: there is no user 'nobody-here' (user list shows every account).", run.Stderr);
    }

    private static string NewName() => $"cli-{Guid.NewGuid():N}"[..16];
}
