namespace Registry.Api.Infrastructure;

/// <summary>
/// Where the registry's event store lives: the server named by <c>ConnectionStrings:Registry</c>, or else the
/// embedded cluster under the data directory, started (or adopted) on first use and let go when the host disposes it.
/// </summary>
public sealed class RegistryDatabase : IAsyncDisposable
{
    public const string DatabaseName = "registry";

    private readonly EmbeddedPostgres? _embedded;

    public string ConnectionString { get; }
    /// <summary>The embedded cluster this process is attached to; null for a server named by a connection string.</summary>
    public EmbeddedPostgres? Embedded => _embedded;

    private RegistryDatabase(string connectionString, EmbeddedPostgres? embedded)
    {
        ConnectionString = connectionString;
        _embedded = embedded;
    }

    public static async Task<RegistryDatabase> OpenAsync(IConfiguration configuration, Action<string> log)
    {
        var configured = configuration.GetConnectionString("Registry");
        if (!string.IsNullOrWhiteSpace(configured)) return new RegistryDatabase(configured, null);

        var cluster = await EmbeddedPostgres.StartAsync(
            Path.Combine(DataDirectory.Resolve(configuration), "postgres"), durable: true, log);
        await cluster.EnsureDatabaseAsync(DatabaseName);
        return new RegistryDatabase(cluster.ConnectionString(DatabaseName), cluster);
    }

    public ValueTask DisposeAsync() => _embedded?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// A problem with where the registry runs (its data directory, its PostgreSQL) that the operator fixes, not a fault in
/// the registry: the server and the verbs print its message alone and exit with code 1.
/// </summary>
public class RegistrySetupException(string message) : Exception(message);

/// <summary>The registry's own files (embedded cluster, token-signing key): <c>Registry:DataDirectory</c>, default ./.data.</summary>
public static class DataDirectory
{
    public static string Resolve(IConfiguration configuration)
    {
        var path = Path.GetFullPath(configuration["Registry:DataDirectory"] is { Length: > 0 } configured ? configured : ".data");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistrySetupException(
                $"The data directory {path} cannot be used: {e.Message.TrimEnd('.')}. Set Registry:DataDirectory (environment: Registry__DataDirectory) " +
                "to a directory the registry may create and write.");
        }
        return path;
    }
}
