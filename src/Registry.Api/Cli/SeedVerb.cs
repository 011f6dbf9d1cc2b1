using System.CommandLine;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;

namespace Registry.Api.Cli;

/// <summary><c>seed [--scale N] [--seed S]</c>: loads the simulated demo study on demand (N times the published patients).</summary>
public static class SeedVerb
{
    public static Command Create()
    {
        var scale = new Option<int>("--scale") { Description = "Multiply the published arm sizes (70/48/48/60) by N.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Random seed of the simulation.", DefaultValueFactory = _ => StudySimulator.DefaultSeed };
        var code = new Option<string?>("--code") { Description = $"Study code (default {PublishedStudy.Code}, or {PublishedStudy.Code}-xN when scaled)." };
        var command = new Command("seed", "Load the simulated motivating study through the registry's own validation and handlers.") { scale, seed, code };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(scale);
            if (n < 1)
            {
                Console.Error.WriteLine("--scale must be at least 1.");
                return 2;
            }
            var studyCode = parse.GetValue(code) ?? (n == 1 ? PublishedStudy.Code : $"{PublishedStudy.Code}-x{n}");
            await using var database = await RegistryDatabase.OpenAsync(CliConfiguration.Load(), Console.Error.WriteLine);
            try
            {
                await DemoStudySeeding.SeedAsync(database, n, parse.GetValue(seed), studyCode, Console.Out, ct);
                return 0;
            }
            catch (InvalidOperationException refused) when (refused.Message.Contains("already registered"))
            {
                Console.Error.WriteLine($"Study {studyCode} is already loaded; pass --code to load another copy.");
                return 2;
            }
        });
        return command;
    }
}
