using Registry.Api.Cli;

namespace Registry.Api.Tests.Cli;

public sealed class CommandLineTests
{
    private static readonly string[] Verbs = ["token", "user", "seed", "report", "verify", "rebuild", "analyze", "import", "datasets", "fhir", "codegen"];

    [Fact]
    public async Task Help_lists_every_verb_with_one_line_each()
    {
        var run = await CliRun.InvokeAsync(["--help"]);

        Assert.Equal(0, run.ExitCode);
        var commands = run.Stdout[run.Stdout.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        Assert.Equal(Verbs.Order(), commands.Select(l => l.Split(' ')[0]).Order());
        Assert.All(commands, line => Assert.Matches(@"^\S+( <[^>]+>)?\s{2,}\S.*\.$", line));
        Assert.Contains("--Registry:DemoStudy:LoadOnFirstRun=false", run.Stdout);
    }

    [Theory]
    [InlineData("user", "add", "list", "reset-password", "disable", "enable")]
    [InlineData("user add", "--user", "--role", "--site", "--name", "--password-stdin")]
    [InlineData("token", "--user", "--role", "--site", "--hours")]
    [InlineData("verify", "--study")]
    [InlineData("import", "--study", "--subjects", "--events", "--odm", "--dry-run")]
    [InlineData("datasets", "--study", "--out", "--as-of", "--data-cut")]
    [InlineData("fhir", "--study", "--out", "--as-of")]
    [InlineData("codegen", "write")]
    [InlineData("codegen write", "--project")]
    public async Task Each_verb_lists_its_options_or_verbs(string verb, params string[] listed)
    {
        var run = await CliRun.InvokeAsync([.. verb.Split(' '), "--help"]);
        Assert.Equal(0, run.ExitCode);
        Assert.All(listed, item => Assert.Matches($@"(?m)^\s+{item}\b", run.Stdout));
    }

    [Fact]
    public async Task A_data_directory_the_registry_cannot_create_is_one_line_naming_the_setting_with_exit_code_1()
    {
        // A file where the directory should be: what a mistyped Registry__DataDirectory often names.
        var file = Path.GetTempFileName();
        try
        {
            var run = await CliRun.InvokeAsync(["user", "list"], dataDirectory: file);

            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"The data directory {file} cannot be used", line);
            Assert.Contains("Registry__DataDirectory", line);
            Assert.Equal("", run.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--bogus")]
    [InlineData("token", "--user", "alice", "--role", "admin", "--colour", "red")]
    [InlineData("user", "add", "--user", "alice")]
    [InlineData("user", "promote", "--user", "alice")]
    [InlineData("--urls")]
    public async Task An_unknown_verb_or_option_or_a_missing_one_is_an_error_with_exit_code_2(params string[] args)
    {
        Assert.False(RegistryCli.Serves(args));
        var run = await CliRun.InvokeAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.NotEqual("", run.Stderr.Trim());
        Assert.DoesNotContain("eyJ", run.Stdout);
    }

    [Theory]
    [InlineData]
    [InlineData("--urls", "http://127.0.0.1:8080")]
    [InlineData("--urls=http://127.0.0.1:8080")]
    [InlineData("--environment", "Production", "--Registry:DemoStudy:LoadOnFirstRun=false")]
    [InlineData("--ConnectionStrings:Registry", "Host=db;Database=registry")]
    [InlineData("--contentRoot=/srv/registry", "--ConnectionStrings=", "--ConnectionStrings:Registry=Host=db")]
    public void Host_options_and_settings_alone_serve_the_registry(params string[] args) => Assert.True(RegistryCli.Serves(args));

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--bogus")]
    public async Task The_built_registry_refuses_an_unknown_verb_and_starts_no_server(string verb)
    {
        var run = await CliRun.ProcessAsync([verb], TimeSpan.FromSeconds(60));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"Unrecognized command or argument '{verb}'", run.Stderr);
        Assert.DoesNotContain("serving", run.Stdout + run.Stderr);
    }
}
