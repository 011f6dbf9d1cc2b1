using System.Text.Json;
using Registry.Api.Infrastructure;
using Registry.Domain.Protocols;

namespace Registry.Api.Web.Admin;

/// <summary>
/// The protocol file an admin uploads, read as the API reads a protocol body (<see cref="RequestBodies.Check"/>: malformed
/// JSON, unknown fields, wrong types, each at its JSON path in the user's words). The upload is held to the 1 MB
/// request body limit before the page sees it.
/// </summary>
public static class ProtocolUpload
{
    /// <summary>The file input's name and id; errors about the file as a whole are kept under it.</summary>
    public const string Field = "protocolFile";

    public static async Task<(Protocol? Protocol, Dictionary<string, string[]> Errors)> ReadAsync(HttpContext http, JsonSerializerOptions options, CancellationToken ct)
    {
        if (http.Request.Form.Files.GetFile(Field) is not { Length: > 0 } file)
            return (null, new() { [Field] = ["Choose the protocol file (JSON) to upload."] });
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var errors = RequestBodies.Check(body, typeof(Protocol), options);
        // "body" is the file as a whole.
        if (errors.Count > 0) return (null, errors.ToDictionary(e => e.Key == "body" ? Field : e.Key, e => e.Value));
        return (JsonSerializer.Deserialize<Protocol>(body, options), []);
    }
}
