namespace Registry.Api.Cli;

/// <summary>The same configuration sources the web host reads (appsettings, environment), for the verbs.</summary>
public static class CliConfiguration
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();
}
