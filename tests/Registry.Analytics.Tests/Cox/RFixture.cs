using System.Text.Json;

namespace Registry.Analytics.Tests.Cox;

/// <summary>
/// A JSON fixture written by a committed script in R/ (input data plus R's results at full precision), and the
/// comparisons used against it. Every failure message names the fixture and the R call that produced the value.
/// </summary>
public sealed class RFixture
{
    private RFixture(string file, JsonElement root)
    {
        File = file;
        Root = root;
    }

    public string File { get; }
    public JsonElement Root { get; }
    public JsonElement Input => Root.GetProperty("input");
    public JsonElement Expected => Root.GetProperty("expected");
    public string Id => Root.GetProperty("id").GetString()!;

    /// <summary>Where the reference numbers came from, for assertion messages.</summary>
    public string Source => $"R/cox.R fixture '{Id}' ({Root.GetProperty("source").GetString()}): {Call}";

    private string Call => Root.GetProperty("call") is { ValueKind: JsonValueKind.Array } call
        ? string.Join("; ", call.EnumerateArray().Select(c => c.GetString()))
        : Root.GetProperty("call").GetString()!;

    public static RFixture Load(string folder, string id)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, id + ".json");
        using var stream = System.IO.File.OpenRead(path);
        return new RFixture(path, JsonDocument.Parse(stream).RootElement.Clone());
    }

    public static IEnumerable<object[]> Ids(string folder, Func<string, bool> include) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", folder), "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(id => include(id!))
            .Order(StringComparer.Ordinal)
            .Select(id => new object[] { id! });

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static bool[] Flags(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32() == 1).ToArray();

    public static string[]? OptionalStrings(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? Strings(element) : null;

    /// <summary>|actual − expected| ≤ relative·|expected| (plus an absolute floor for values that are ~0).</summary>
    public void Close(JsonElement expected, double? actual, double relative, string what, double absolute = 0)
    {
        Assert.True(expected.ValueKind == JsonValueKind.Number, $"{what}: R has no value ({Source})");
        Close(expected.GetDouble(), actual, relative, what, absolute);
    }

    public void Close(double expected, double? actual, double relative, string what, double absolute = 0)
    {
        Assert.True(actual.HasValue, $"{what}: expected {expected:R} from R but got null ({Source})");
        double error = Math.Abs(actual!.Value - expected);
        Assert.True(error <= relative * Math.Abs(expected) + absolute,
            $"{what}: R {expected:R}, ours {actual:R}, relative error {error / Math.Abs(expected):E2} > {relative:E0} ({Source})");
    }
}
