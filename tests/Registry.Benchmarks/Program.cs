using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Registry.Benchmarks;
using Registry.Benchmarks.Scale;

// `write-csv DIR`: the simulated trials as CSV for R, with the registry's estimates beside them so the
// comparison can show both sides analysed the same patients. Anything else: BenchmarkDotNet's arguments.
if (args is ["write-csv", var directory])
{
    Directory.CreateDirectory(directory);
    foreach (var patients in SurvivalBenchmarks.Sizes)
    {
        var trial = SimulatedTrial.Generate(patients);
        trial.WriteCsv(Path.Combine(directory, $"trial-{patients}.csv"));
        WriteEstimates(trial, Path.Combine(directory, $"registry-{patients}.csv"));
    }
    return 0;
}

// `scale [--patients N] [--quick] ...`: issue 13's figures beside their baselines on one cluster (see scale.sh).
if (args is ["scale", .. var scaleArgs])
{
    try
    {
        var repository = Directory.GetCurrentDirectory();
        while (!File.Exists(Path.Combine(repository, "TrialRegistry.sln")))
            repository = Path.GetDirectoryName(repository) ?? throw new BenchmarkSetupException("Run from inside the repository (TrialRegistry.sln not found above the working directory).");
        RegistryBinary.StopChildrenOnSignal();
        return await new ScaleRun(ScaleOptions.Parse(scaleArgs, repository)).RunAsync();
    }
    catch (BenchmarkSetupException problem)
    {
        Console.Error.WriteLine($"error: {problem.Message}");
        return 2;
    }
}

// `scale-markdown FILE.json`: a saved scale report as Markdown again (for docs/performance.md).
if (args is ["scale-markdown", var saved])
{
    Console.Write(ScaleReport.FromJson(File.ReadAllText(saved)).ToMarkdown());
    return 0;
}

// In process: no generated project to restore and build, so the benchmark runs offline; the numbers the
// comparison needs come from the JSON report.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(7))
    .AddExporter(JsonExporter.Full);

// `derive [BenchmarkDotNet's arguments]`: a patient of a set at a new moment, step by step, and a 100 000-patient set kept, beside decoding alone.
if (args is ["derive", .. var deriveArgs])
{
    BenchmarkRunner.Run([typeof(PatientDerivationBenchmarks), typeof(MomentSetBenchmarks)], config, deriveArgs);
    return 0;
}
BenchmarkRunner.Run<SurvivalBenchmarks>(config, args);
return 0;

static void WriteEstimates(SimulatedTrial trial, string path)
{
    var logRank = TrialAnalysis.LogRankAcrossArms(trial);
    var cox = TrialAnalysis.CoxArmAgeKarnofsky(trial);
    var rows = cox.Terms.Select(t => (Quantity: t.Name, Value: t.Coefficient ?? double.NaN)).Prepend((Quantity: "logrank", Value: logRank.Test!.ChiSquare));
    File.WriteAllLines(path, ["quantity,value", .. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Quantity},{r.Value:R}"))]);
}
