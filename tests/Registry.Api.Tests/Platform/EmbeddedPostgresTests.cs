using Registry.Api.Infrastructure;

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
}
