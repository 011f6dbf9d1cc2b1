using System.Text.Json;

namespace Registry.Analytics.Tests;

/// <summary>
/// Reads the JSON fixtures written by R/km_logrank_tables.R (R 4.2.2, survival 3.5-3). Numbers there carry
/// 15 significant digits, so a relative tolerance of 1e-12 is the tightest that is meaningful against them.
/// </summary>
internal static class RReference
{
    private static readonly Lazy<JsonElement> KmLogRankRoot = new(() => Load("km_logrank.json"));
    private static readonly Lazy<JsonElement> TablesRoot = new(() => Load("tables.json"));

    public static JsonElement KmLogRank => KmLogRankRoot.Value;

    public static JsonElement Tables => TablesRoot.Value;

    public static JsonElement Case(JsonElement root, string section, string name) =>
        root.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Doubles(this JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static double?[] NullableDoubles(this JsonElement e) =>
        e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Null ? (double?)null : x.GetDouble()).ToArray();

    public static double? NullableDouble(this JsonElement e, string property) =>
        e.GetProperty(property) is { ValueKind: not JsonValueKind.Null } v ? v.GetDouble() : null;

    public static int[] Ints(this JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    public static string[] Strings(this JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToArray();

    private static JsonElement Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    }
}

/// <summary>Numeric assertions that name the reference a number is compared with.</summary>
internal static class Near
{
    /// <summary>
    /// |actual − expected| ≤ relative·|expected|. An expected 0 must be matched exactly (R's zeros here are exact:
    /// S = 1 gives se 0, clipped limits give 0). An expected null (R's NA) must be null.
    /// </summary>
    /// <summary>Counts, degrees of freedom and other integers: equal, with the reference named.</summary>
    public static void Exactly(int expected, int actual, string reference) =>
        Assert.True(expected == actual, $"{reference}: expected {expected}, got {actual}");

    public static void Equal(double? expected, double? actual, double relative, string reference)
    {
        if (expected is null)
        {
            Assert.True(actual is null, $"{reference}: R gives NA/undefined, got {actual}");
            return;
        }
        Assert.True(actual is not null, $"{reference}: R gives {expected:R}, got null");
        var e = expected.Value;
        var a = actual!.Value;
        Assert.True(Math.Abs(a - e) <= relative * Math.Abs(e),
            $"{reference}: R gives {e:R}, got {a:R} (relative difference {Math.Abs(a - e) / Math.Abs(e):E2}, allowed {relative:E0})");
    }
}
