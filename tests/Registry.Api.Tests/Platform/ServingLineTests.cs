using Registry.Api.Infrastructure;

namespace Registry.Api.Tests.Platform;

/// <summary>The line naming where the registry serves is what operators read and the process tests wait for.</summary>
public sealed class ServingLineTests
{
    [Theory]
    [InlineData("http://127.0.0.1:43517")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://[::1]:8080")]
    public void The_address_a_serving_line_names_is_read_back(string address)
    {
        var line = RegistryHost.ServingLine(address);

        Assert.Equal($"Trial Registry is serving on {address} (API reference: {address}/scalar, health: {address}/health)", line);
        Assert.Equal(new Uri(address), RegistryHost.ServedAddress(line));
    }

    [Theory]
    [InlineData("info: Microsoft.Hosting.Lifetime[14]")]
    [InlineData("Now listening on: http://127.0.0.1:43517")]
    [InlineData("")]
    public void Any_other_line_names_no_address(string line) => Assert.Null(RegistryHost.ServedAddress(line));
}
