using System.Text.Json;
using System.Text.Json.Serialization;
using Json.Schema;
using Registry.Domain.Protocols;

namespace Registry.Protocols.Tests;

/// <summary>The embedded protocol schema, built once, and the two ways a protocol is judged: by the schema, and as the API reads it.</summary>
public static class Schema
{
    private static readonly Lazy<JsonSchema> Built = new(() =>
        JsonSchema.FromText(ProtocolSchema.Json, new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    public static JsonSchema Protocol => Built.Value;

    public static JsonElement Document { get; } = JsonDocument.Parse(ProtocolSchema.Json).RootElement.Clone();

    /// <summary>The API's reading (as RegistryHost.ConfigureJson sets it): web defaults, numbers only as numbers, unknown properties refused.</summary>
    public static readonly JsonSerializerOptions Api = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The schema's errors for a JSON text, each as "instance location: message"; empty when it validates.</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Errors(document.RootElement);
    }

    public static IReadOnlyList<string> Errors(JsonElement instance)
    {
        var results = Protocol.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (results.IsValid) return [];
        var errors = new List<string>();
        // Only failing nodes under failing nodes: a passing anyOf or if/then keeps its failed alternatives to itself.
        void Collect(EvaluationResults node)
        {
            var at = node.InstanceLocation.ToString() is { Length: > 0 } location ? location : "/";
            foreach (var error in node.Errors ?? new Dictionary<string, string>())
                errors.Add($"{at} ({node.EvaluationPath}): {error.Value}");
            foreach (var child in node.Details ?? [])
                if (!child.IsValid) Collect(child);
        }
        Collect(results);
        return errors.Count > 0 ? errors : ["/ (invalid, no details)"];
    }

    public static Protocol Read(string json) =>
        JsonSerializer.Deserialize<Protocol>(json, Api) ?? throw new InvalidOperationException("The protocol read as null.");

    public static string Describe(Dictionary<string, List<string>> errors) =>
        string.Join("\n", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}
