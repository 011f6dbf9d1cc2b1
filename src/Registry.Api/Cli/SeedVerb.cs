using System.CommandLine;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Demo;

namespace Registry.Api.Cli;

/// <summary><c>seed --study CODE [--scale N] [--seed S] [--code C]</c>: loads one simulated demo study on demand.</summary>
public static class SeedVerb
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Description = $"Which demo study: {string.Join(", ", DemoStudies.All.Select(s => s.Code))}.", DefaultValueFactory = _ => DemoStudies.All[0].Code };
        var scale = new Option<int>("--scale") { Description = "Multiply the study's arm sizes by N.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int?>("--seed") { Description = "Random seed of the simulation (default: the study's own)." };
        var code = new Option<string?>("--code") { Description = "Study code to register it under (default the protocol's, or CODE-xN when scaled)." };
        var command = new Command("seed", "Load a simulated demo study through the registry's own validation, protocol checks and rules.") { study, scale, seed, code };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(scale);
            var demo = DemoStudies.Find(parse.GetValue(study)!);
            if (demo is null || n < 1)
            {
                Console.Error.WriteLine(demo is null ? $"--study must be one of {string.Join(", ", DemoStudies.All.Select(s => s.Code))}." : "--scale must be at least 1.");
                return 2;
            }
            // The simulation runs while the cluster starts and the schema is brought up to date.
            var simulating = Task.Run(() =>
            {
                var simulated = demo.Generate(parse.GetValue(seed), n);
                var studyCode = parse.GetValue(code) ?? (n == 1 ? simulated.Protocol.Code : $"{simulated.Protocol.Code}-x{n}");
                return simulated with { Protocol = simulated.Protocol with { Code = studyCode } };
            }, ct);
            await using var database = await RegistryDatabase.OpenAsync(CliConfiguration.Load(), Console.Error.WriteLine);
            try
            {
                await DemoStudySeeding.SeedAsync(database, simulating, Console.Out, ct);
                return 0;
            }
            catch (InvalidOperationException refused) when (refused.Message.Contains("already registered"))
            {
                Console.Error.WriteLine($"Study {(await simulating).Protocol.Code} is already loaded; pass --code to load another copy.");
                return 2;
            }
        });
        return command;
    }
}
