using System.Net;
using Registry.Api.Accounts;
using Registry.Api.Tests.Infrastructure;
using Registry.Audit;

namespace Registry.Api.Tests.Web.Accounts;

public sealed class LockoutTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Wrong = "not the password at all";

    [Fact]
    public async Task Five_wrong_passwords_in_a_row_lock_the_account_for_fifteen_minutes_recorded_on_its_stream_by_anonymous()
    {
        var account = await app.OpenAccountAsync();
        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < 5; i++) Assert.Null(await app.Users().SignInAsync(account.UserName, Wrong, default));

        var events = await app.AccountEventsAsync(account.Id);
        Assert.Equal([typeof(UserAccountOpened), typeof(PasswordRefused), typeof(PasswordRefused), typeof(PasswordRefused), typeof(PasswordRefused), typeof(PasswordRefused), typeof(AccountLocked)],
            events.Select(e => e.Data.GetType()));
        Assert.Equal([1, 2, 3, 4, 5], events.Select(e => e.Data).OfType<PasswordRefused>().Select(r => r.FailuresInARow));
        Assert.All(events.Skip(1), e => Assert.Equal(UserDirectory.Anonymous, e.UserName));
        var until = ((AccountLocked)events[^1].Data).Until;
        Assert.InRange(until, before.AddMinutes(15), DateTimeOffset.UtcNow.AddMinutes(15));
        Assert.Equal(until, (await app.Users().LoadAsync(account.Id, default))!.LockedUntil);

        // Locked, the right password is refused too, and nothing more is recorded while it is.
        Assert.Null(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));
        Assert.Equal(7, (await app.AccountEventsAsync(account.Id)).Count);
        Assert.True((await ChainVerification.VerifyAsync(app.Store, null, default)).Intact);
    }

    [Fact]
    public async Task A_locked_account_is_refused_with_exactly_the_answer_an_unknown_user_name_gets()
    {
        var account = await app.OpenAccountAsync();
        for (var i = 0; i < 5; i++) await app.Users().SignInAsync(account.UserName, Wrong, default);

        var (lockedBrowser, locked) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        var (unknownBrowser, unknown) = await app.SignInAsync("nobody-at-all", AccountFixtures.Password);
        using (lockedBrowser) using (unknownBrowser)
        {
            Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
            Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
            Assert.Equal("/signin", locked.Url.AbsolutePath);
            Assert.Equal(unknown.Text("[role=alert]"), locked.Text("[role=alert]"));
            Assert.Equal("The user name or password is not right. After 5 wrong passwords in a row an account is locked for 15 minutes.", locked.Text("[role=alert]"));
        }
    }

    [Fact]
    public async Task A_right_password_resets_the_count_so_only_five_failures_in_a_row_lock()
    {
        var account = await app.OpenAccountAsync();
        for (var i = 0; i < 4; i++) await app.Users().SignInAsync(account.UserName, Wrong, default);
        Assert.NotNull(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));
        for (var i = 0; i < 4; i++) await app.Users().SignInAsync(account.UserName, Wrong, default);

        var now = await app.Users().LoadAsync(account.Id, default);
        Assert.Equal(4, now!.FailedSignIns);
        Assert.Null(now.LockedUntil);
        var signedIn = (await app.AccountEventsAsync(account.Id)).Single(e => e.Data is SignedIn);
        Assert.Equal(account.UserName, signedIn.UserName);
        Assert.NotNull(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));
    }

    [Fact]
    public async Task The_lockout_ends_when_its_time_is_up_and_its_length_and_count_are_configurable()
    {
        var account = await app.OpenAccountAsync();
        var clock = new AccountFixtures.ManualClock(DateTimeOffset.UtcNow);
        var users = new UserDirectory(app.Store, new LockoutPolicy(MaxFailedSignIns: 3, Lockout: TimeSpan.FromMinutes(30)), clock);
        for (var i = 0; i < 3; i++) await users.SignInAsync(account.UserName, Wrong, default);
        Assert.Equal(clock.Now.AddMinutes(30), (await users.LoadAsync(account.Id, default))!.LockedUntil);

        clock.Now = clock.Now.AddMinutes(29);
        Assert.Null(await users.SignInAsync(account.UserName, AccountFixtures.Password, default));
        clock.Now = clock.Now.AddMinutes(1);
        Assert.NotNull(await users.SignInAsync(account.UserName, AccountFixtures.Password, default));
        Assert.Null((await users.LoadAsync(account.Id, default))!.LockedUntil);
        Assert.Equal("The user name or password is not right. After 3 wrong passwords in a row an account is locked for 30 minutes.", users.RefusalMessage);
    }

    [Fact]
    public async Task Wrong_passwords_sent_at_the_same_moment_are_each_counted()
    {
        var account = await app.OpenAccountAsync();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.Users().SignInAsync(account.UserName, Wrong, default)));
        Assert.Equal(4, (await app.Users().LoadAsync(account.Id, default))!.FailedSignIns);
    }
}
