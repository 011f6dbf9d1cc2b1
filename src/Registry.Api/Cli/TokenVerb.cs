using System.CommandLine;
using Registry.Api.Auth;

namespace Registry.Api.Cli;

/// <summary><c>token --user alice --role coordinator --site S1</c>: mints a bearer token for local use.</summary>
public static class TokenVerb
{
    public static Command Create()
    {
        var user = new Option<string>("--user") { Description = "Who the token speaks for; recorded on every event.", Required = true };
        var roles = new Option<string[]>("--role")
        {
            Description = $"Role(s): {string.Join(", ", Roles.All)}. Repeat for several.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        roles.AcceptOnlyFromAmong(Roles.All);
        // The registry refuses a token that names no user (401), so none is minted.
        user.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>())) result.AddError("--user must name the user the token speaks for.");
        });
        var sites = new Option<string[]>("--site") { Description = "Site(s) a coordinator records for. Repeat for several.", AllowMultipleArgumentsPerToken = true };
        var hours = new Option<double>("--hours") { Description = "Lifetime in hours.", DefaultValueFactory = _ => 8 };

        var command = new Command("token", "Mint a bearer token signed with the registry's key (from Auth:SigningKey or the data directory).")
        {
            user, roles, sites, hours
        };
        command.SetAction(parse =>
        {
            var configuration = CliConfiguration.Load();
            var issuer = TokenIssuer.FromConfiguration(configuration);
            var token = issuer.Mint(parse.GetValue(user)!, parse.GetValue(roles)!, parse.GetValue(sites) ?? [],
                TimeSpan.FromHours(parse.GetValue(hours)));
            Console.WriteLine(token);
            return 0;
        });
        return command;
    }
}
