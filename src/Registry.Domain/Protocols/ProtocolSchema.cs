namespace Registry.Domain.Protocols;

/// <summary>
/// The JSON Schema (draft 2020-12) of a <see cref="Protocol"/> as it is POSTed to register or amend a study and as
/// <c>GET /api/protocol-schema</c> serves it. The schema is the embedded resource
/// <c>Protocols/protocol.schema.json</c>; docs/protocol.md explains every field. The schema checks the shape of a
/// protocol (names, types, catalogue values, per-field limits); <see cref="ProtocolRules"/> remains the authority on
/// every rule, including those across fields the schema cannot express.
/// </summary>
public static class ProtocolSchema
{
    public const string ResourceName = "Registry.Domain.Protocols.protocol.schema.json";

    private static readonly Lazy<string> Text = new(Load);

    /// <summary>The schema's JSON text, read once from the assembly.</summary>
    public static string Json => Text.Value;

    private static string Load()
    {
        using var stream = typeof(ProtocolSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(ProtocolSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
