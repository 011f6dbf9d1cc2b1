using System.CommandLine;
using Marten;
using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;

namespace Registry.Api.Cli;

/// <summary>
/// <c>user add|list|reset-password|disable|enable</c>: the admin page's account work from the server's shell, on the
/// same database as the server (its embedded cluster or <c>ConnectionStrings:Registry</c>), each change recorded on
/// the account's stream as done by <c>cli:&lt;operating-system user&gt;</c>.
/// </summary>
public static class UserVerb
{
    public static Command Create(Func<IConfiguration> configuration, TextReader input)
    {
        var command = new Command("user", "Manage user accounts: add, list, reset-password, disable, enable.")
        {
            Add(configuration, input), List(configuration), ResetPassword(configuration), Disable(configuration, enable: false), Disable(configuration, enable: true),
        };
        return command;
    }

    /// <summary>Who a change from the command line is recorded as; a registry user name never holds a ':'.</summary>
    public static string RecordedBy => $"cli:{Environment.UserName}";

    private static Command Add(Func<IConfiguration> configuration, TextReader input)
    {
        var user = UserOption("The new user name: 2–64 lower-case letters, digits, '.', '_' or '-'.");
        var role = new Option<string>("--role") { Description = $"Their role: {string.Join(", ", Roles.All)}.", Required = true };
        role.AcceptOnlyFromAmong(Roles.All);
        var sites = new Option<string[]>("--site") { Description = "A site they act for (a coordinator needs one). Repeat for several.", AllowMultipleArgumentsPerToken = true };
        var name = new Option<string?>("--name") { Description = "Their name as the pages show it (default: the user name)." };
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read their password from the first line of standard input instead of printing a one-time password." };
        var command = new Command("add", "Open an account; prints a one-time password the user replaces at their first sign-in.") { user, role, sites, name, fromStdin };
        command.SetAction(async (parse, ct) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var chosen = parse.GetValue(fromStdin);
            var password = chosen ? (await input.ReadLineAsync(ct) ?? "") : UserDirectory.NewOneTimePassword();
            var request = new OpenAccount(parse.GetValue(user), parse.GetValue(name), parse.GetValue(role), parse.GetValue(sites) ?? [], password);
            // Refused before the database is opened: a typo costs no cluster start.
            if (RequestValidation.Errors(new OpenAccount.Validator().Validate(request)) is { Count: > 0 } invalid) return Refuse(error, invalid);
            return await WithDirectoryAsync(configuration(), error, async users =>
            {
                var (id, errors) = await users.OpenAsync(request, RecordedBy, mustChangePassword: !chosen, ct);
                if (id is null) return Refuse(error, errors);
                var account = (await users.LoadAsync(id.Value, ct))!;
                if (!chosen) await output.WriteLineAsync(password);
                await error.WriteLineAsync($"Opened {Describe(account)}." + (chosen ? "" : " The password above is shown only now; they choose their own at their first sign-in."));
                return 0;
            });
        });
        return command;
    }

    private static Command List(Func<IConfiguration> configuration)
    {
        var command = new Command("list", "List every account: user name, role, sites, status, whether the password must be changed, name.");
        command.SetAction((parse, ct) => WithDirectoryAsync(configuration(), parse.InvocationConfiguration.Error, async users =>
        {
            var now = users.Now;
            string[][] rows =
            [
                ["USER", "ROLE", "SITES", "STATUS", "MUST CHANGE PASSWORD", "NAME"],
                .. (await users.ListAsync(ct)).Select(a => new[]
                {
                    a.UserName, a.Role, a.Sites.Count > 0 ? string.Join(",", a.Sites) : "-",
                    a.Disabled ? "disabled" : a.IsLockedAt(now) ? $"locked until {a.LockedUntil!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "active",
                    a.MustChangePassword ? "yes" : "no", a.DisplayName,
                }),
            ];
            var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
                await parse.InvocationConfiguration.Output.WriteLineAsync(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
            return 0;
        }));
        return command;
    }

    private static Command ResetPassword(Func<IConfiguration> configuration)
    {
        var user = UserOption("Whose password to reset.");
        var command = new Command("reset-password", "Give an account a new one-time password (printed); ends its sessions and any lockout.") { user };
        command.SetAction((parse, ct) => WithDirectoryAsync(configuration(), parse.InvocationConfiguration.Error, async users =>
        {
            var (account, password) = await users.ResetPasswordAsync(parse.GetValue(user)!, RecordedBy, ct);
            if (account is null) return NoSuchUser(parse.InvocationConfiguration.Error, parse.GetValue(user)!);
            await parse.InvocationConfiguration.Output.WriteLineAsync(password);
            await parse.InvocationConfiguration.Error.WriteLineAsync($"Reset the password of {Describe(account)}. The password above is shown only now; they choose their own at their next sign-in.");
            return 0;
        }));
        return command;
    }

    private static Command Disable(Func<IConfiguration> configuration, bool enable)
    {
        var user = UserOption(enable ? "Whose account to enable." : "Whose account to disable.");
        var command = new Command(enable ? "enable" : "disable",
            enable ? "Reopen a disabled account." : "Close an account: it cannot sign in, and its open sessions end at their next request.") { user };
        command.SetAction((parse, ct) => WithDirectoryAsync(configuration(), parse.InvocationConfiguration.Error, async users =>
        {
            var userName = parse.GetValue(user)!;
            var (account, errors) = enable ? await users.EnableAsync(userName, RecordedBy, ct) : await users.DisableAsync(userName, RecordedBy, ct);
            if (account is null) return NoSuchUser(parse.InvocationConfiguration.Error, userName);
            if (errors.Count > 0) return Refuse(parse.InvocationConfiguration.Error, errors);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{(enable ? "Enabled" : "Disabled")} {Describe(account)}.");
            return 0;
        }));
        return command;
    }

    private static Option<string> UserOption(string description) => new("--user") { Description = description, Required = true };

    private static async Task<int> WithDirectoryAsync(IConfiguration configuration, TextWriter error, Func<UserDirectory, Task<int>> run)
    {
        await using var database = await RegistryDatabase.OpenAsync(configuration, message => error.WriteLine(message));
        using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false));
        return await run(new UserDirectory(store, LockoutPolicy.From(configuration), TimeProvider.System));
    }

    private static string Describe(UserAccount a) =>
        $"'{a.UserName}' ({a.Role}{(a.Sites.Count > 0 ? $", sites {string.Join(", ", a.Sites)}" : "")}{(a.Disabled ? ", disabled" : "")})";

    private static int Refuse(TextWriter error, Dictionary<string, string[]> errors)
    {
        foreach (var (field, messages) in errors)
            foreach (var message in messages)
                error.WriteLine($"error: {(field.Length > 0 ? $"{OptionOf(field)}: " : "")}{message}");
        return 2;
    }

    private static int NoSuchUser(TextWriter error, string userName)
    {
        error.WriteLine($"error: there is no user '{userName}' (user list shows every account).");
        return 2;
    }

    // Errors are keyed as the form's fields; the command line names its options.
    private static string OptionOf(string field) => field.Split('[')[0] switch
    {
        "userName" => "--user",
        "displayName" => "--name",
        "sites" => "--site",
        "password" => "password",
        var other => $"--{other}",
    };
}
