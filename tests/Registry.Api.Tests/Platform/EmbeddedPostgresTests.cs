using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Platform;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public void Without_server_binaries_the_error_is_one_line_saying_what_to_install()
    {
        var missing = Assert.Throws<PostgresNotInstalledException>(() => EmbeddedPostgres.FindBinaries(searchPath: "", debianRoot: "/nonexistent"));
        Assert.DoesNotContain('\n', missing.Message);
        Assert.Contains("apt-get install -y postgresql", missing.Message);
        Assert.Contains("ConnectionStrings__Registry", missing.Message);
    }

    [Fact]
    public void The_newest_Debian_server_is_found_when_PATH_has_none()
    {
        var bin = EmbeddedPostgres.FindBinaries(searchPath: "");
        Assert.True(File.Exists(Path.Combine(bin, "initdb")), bin);
    }

    [Fact]
    public async Task The_cluster_compresses_large_values_with_lz4_when_its_server_was_built_with_it()
    {
        // Debian's PostgreSQL 15, which CI installs, is built with lz4.
        var builtWithLz4 = EmbeddedPostgres.ServerBuiltWithLz4(EmbeddedPostgres.FindBinaries());
        Assert.True(builtWithLz4 || !File.Exists("/usr/lib/postgresql/15/bin/pg_config"));
        await using var connection = new NpgsqlConnection(await TestCluster.NewDatabaseAsync());
        await connection.OpenAsync();
        await using var show = new NpgsqlCommand("show default_toast_compression", connection);
        Assert.Equal(builtWithLz4 ? "lz4" : "pglz", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_cluster_s_server_keeps_the_memory_its_backends_free()
    {
        await using var connection = new NpgsqlConnection(await TestCluster.NewDatabaseAsync());
        await connection.OpenAsync();
        await using var backend = new NpgsqlCommand("select pg_backend_pid()", connection);
        var pid = (int)(await backend.ExecuteScalarAsync())!;

        // The postmaster's environment, the one pg_ctl was started with (a backend writes its title over its own copy).
        var postmaster = (await File.ReadAllLinesAsync($"/proc/{pid}/status")).Single(l => l.StartsWith("PPid:"))["PPid:".Length..].Trim();
        var environment = (await File.ReadAllTextAsync($"/proc/{postmaster}/environ")).Split('\0');
        foreach (var (name, kept) in EmbeddedPostgres.KeptMemory)
            Assert.Contains($"{name}={Environment.GetEnvironmentVariable(name) ?? kept}", environment);
    }

    [Fact]
    public void The_store_prepares_statements_it_runs_twice_unless_the_connection_string_says_otherwise()
    {
        var prepared = new NpgsqlConnectionStringBuilder(EventStoreConfiguration.WithPreparedStatements("Host=db;Database=registry"));
        Assert.Equal((64, 2), (prepared.MaxAutoPrepare, prepared.AutoPrepareMinUsages));
        var configured = new NpgsqlConnectionStringBuilder(EventStoreConfiguration.WithPreparedStatements("Host=db;Database=registry;Max Auto Prepare=5"));
        Assert.Equal((5, 5), (configured.MaxAutoPrepare, configured.AutoPrepareMinUsages));
    }
}
