using System.CommandLine;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;
using Registry.Api.Analyze;

namespace Registry.Api.Cli;

/// <summary>
/// <c>analyze --csv FILE --time COL --event COL --group COL [...]</c>: survival statistics of any CSV as one JSON
/// object on stdout, so the registry can be checked against R. Unusable data: one line on stderr, exit code 2.
/// </summary>
public static class AnalyzeVerb
{
    public const int UnusableInput = 2;

    private static readonly Dictionary<string, CoxTies> TiesMethods = new() { ["efron"] = CoxTies.Efron, ["breslow"] = CoxTies.Breslow };

    private static readonly Dictionary<string, SurvivalIntervalType> IntervalTypes = new()
    {
        ["log"] = SurvivalIntervalType.Log, ["log-log"] = SurvivalIntervalType.LogLog, ["plain"] = SurvivalIntervalType.Plain,
    };

    public static Command Create()
    {
        var csv = new Option<string>("--csv") { Description = "CSV file with a header row, one patient per row.", Required = true };
        var time = new Option<string>("--time") { Description = "Column of follow-up time (a number ≥ 0, any unit).", Required = true };
        var status = new Option<string>("--event") { Description = "Column of the event flag: 1 = event, 0 = censored.", Required = true };
        var group = new Option<string>("--group") { Description = "Column of the group compared (e.g. the arm).", Required = true };
        var reference = new Option<string?>("--reference") { Description = "Group level the hazard ratios are against (default: the first sorted level)." };
        var strata = new Option<string?>("--strata") { Description = "Column of a stratification factor: adds stratifiedLogRank and stratifiedCox." };
        var covariates = new Option<string?>("--covariates") { Description = "Numeric columns, comma-separated: adds multivariableCox (group + covariates)." };
        var ties = new Option<string>("--ties") { Description = "Tied event times in Cox: efron (R) or breslow (SAS).", DefaultValueFactory = _ => "efron" };
        ties.AcceptOnlyFromAmong([.. TiesMethods.Keys]);
        var confType = new Option<string>("--conf-type") { Description = "Scale of the Kaplan–Meier limits: log (R), log-log (SAS) or plain.", DefaultValueFactory = _ => "log" };
        confType.AcceptOnlyFromAmong([.. IntervalTypes.Keys]);

        var command = new Command("analyze", "Kaplan–Meier, log-rank and Cox results of a CSV as one JSON object, to check against R.")
        {
            csv, time, status, group, reference, strata, covariates, ties, confType,
        };
        command.SetAction(parse =>
        {
            var plan = new AnalysisPlan(
                parse.GetValue(time)!, parse.GetValue(status)!, parse.GetValue(group)!, parse.GetValue(reference), parse.GetValue(strata),
                (parse.GetValue(covariates) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                TiesMethods[parse.GetValue(ties)!], IntervalTypes[parse.GetValue(confType)!]);
            return Run(FromCallersDirectory(parse.GetValue(csv)!), plan, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    /// <summary>
    /// <c>dotnet run</c> starts this (Web SDK) project in its own folder, so a relative path typed at the repository
    /// root is looked up first where the shell was (PWD), then in the current directory.
    /// </summary>
    private static string FromCallersDirectory(string path)
    {
        var shell = Environment.GetEnvironmentVariable("PWD");
        if (Path.IsPathRooted(path) || string.IsNullOrEmpty(shell)) return path;
        var typed = Path.Combine(shell, path);
        return File.Exists(typed) ? typed : path;
    }

    private static int Run(string csvPath, AnalysisPlan plan, TextWriter output, TextWriter error)
    {
        try
        {
            var table = FollowUpCsv.Read(csvPath, plan);
            var report = SurvivalAnalysis.Run(table, plan, warning => error.WriteLine($"warning: {warning}"));
            output.WriteLine(report.ToJson());
            return 0;
        }
        catch (AnalysisInputException unusable)
        {
            error.WriteLine($"error: {unusable.Message}");
            return UnusableInput;
        }
        catch (ArgumentException refused)
        {
            // The analytics front doors refuse what they cannot fit (e.g. a covariate listed twice) with ArgumentException.
            error.WriteLine($"error: {refused.Message}");
            return UnusableInput;
        }
    }
}
