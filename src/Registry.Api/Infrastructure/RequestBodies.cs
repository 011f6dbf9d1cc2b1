using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Reads every JSON request body before its endpoint does and refuses one that cannot be read with the same 400 field
/// problem as any other invalid request, keyed by the JSON path and worded for the user. Wolverine's own reader answers
/// such a body with .NET type names and logs it as a server error with a stack trace, and offers no hook; once a body
/// has passed here it reads it again without fail. A refused body is a client's mistake: logged at Information, names only.
/// </summary>
public static partial class RequestBodies
{
    /// <summary>Protocols nest a handful of levels; anything deeper is not a registry document.</summary>
    public const int MaxDepth = 32;

    public static void UseRequestBodyChecks(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not { RequestType: { } type } || HttpMethods.IsGet(context.Request.Method))
        {
            await next(context);
            return;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own refusal (a body over the limit, cut off, too slow) keeps its status; it is not a server fault.
            Log(context, $"the body could not be read ({e.Message})");
            await Results.Problem(statusCode: e.StatusCode, title: "The request body could not be read; nothing was recorded.", detail: e.Message).ExecuteAsync(context);
            return;
        }

        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var errors = Check(body, type, options);
        if (errors.Count > 0)
        {
            Log(context, string.Join(", ", errors.Keys));
            await RequestValidation.UnreadableBody(errors).ExecuteAsync(context);
            return;
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);
    });

    /// <summary>What is wrong with <paramref name="body"/> as a <paramref name="type"/>, by JSON path; empty when it reads.</summary>
    public static Dictionary<string, string[]> Check(ReadOnlyMemory<byte> body, Type type, JsonSerializerOptions options) => Check(body, type, options, out _);

    /// <summary><see cref="Check(ReadOnlyMemory{byte}, Type, JsonSerializerOptions)"/>, keeping the <paramref name="read"/> request when it reads.</summary>
    public static Dictionary<string, string[]> Check(ReadOnlyMemory<byte> body, Type type, JsonSerializerOptions options, out object? read)
    {
        read = null;
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
            return Body("The request body is empty: send the entry as a JSON object.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            var where = $"line {(e.LineNumber ?? 0) + 1}, character {(e.BytePositionInLine ?? 0) + 1}";
            return Body(e.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                ? $"The request body nests objects or lists more than {MaxDepth} levels deep."
                : $"The request body is not valid JSON: it is cut off or malformed at {where}.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return Body($"The request body must be a JSON object {{…}} with the entry's fields, not {Kind(document.RootElement.ValueKind)}.");

            var errors = new Dictionary<string, List<string>>();
            CheckValues(document.RootElement, "", errors);
            if (errors.Count > 0) return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

            try
            {
                read = JsonSerializer.Deserialize(document.RootElement, type, options);
                return [];
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                var (key, message) = Explain(e, document.RootElement, options.GetTypeInfo(type));
                return new() { [key] = [message] };
            }
        }
    }

    private static Dictionary<string, string[]> Body(string message) => new() { ["body"] = [message] };

    /// <summary>
    /// Refuses what no clinical text contains and the event store cannot hold: control characters (NUL above all;
    /// tab, line feed and carriage return are allowed), lone surrogates, a name sent twice in one object, an infinite number.
    /// </summary>
    private static void CheckValues(JsonElement element, string path, Dictionary<string, List<string>> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryGetText(property, out var name))
                    {
                        Add(errors, Join(path, "?"), $"A field name in {Describe(path)} is not valid text.");
                        continue;
                    }
                    var child = Join(path, Printable(name));
                    if (name.Any(IsRefused))
                        Add(errors, child, $"The field name {Describe(child)} must not contain control characters.");
                    else if (!names.Add(name))
                        Add(errors, child, $"{Describe(child)} is sent twice; send each field once.");
                    CheckValues(property.Value, child, errors);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray()) CheckValues(item, $"{path}[{index++}]", errors);
                break;
            case JsonValueKind.Number:
                // 1e400 reads as infinity, which no field means and the event store's JSON cannot hold.
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                    Add(errors, Key(path), $"{Describe(path)} is too large a number.");
                break;
            case JsonValueKind.String:
                if (!TryGetText(element, out var text))
                    Add(errors, Key(path), $"{Describe(path)} is not valid text: it has an unpaired surrogate (\\uD800–\\uDFFF).");
                else if (text.Any(IsRefused))
                    Add(errors, Key(path), $"{Describe(path)} must not contain control characters (such as \\u0000); tab and line breaks are allowed.");
                break;
        }
    }

    /// <summary>Whether <paramref name="text"/> as a string value passes <see cref="CheckValues"/>: no refused control character, no lone surrogate.</summary>
    public static bool IsAcceptedText(string text)
    {
        foreach (var c in text)
            if (IsRefused(c)) return false;
        return !HasLoneSurrogate(text);
    }

    private static bool IsRefused(char c) => c < '\u0080' && char.IsControl(c) && c is not ('\t' or '\n' or '\r');

    private static bool TryGetText(JsonElement element, out string text)
    {
        try { text = element.GetString()!; }
        catch (InvalidOperationException) { text = ""; return false; }
        // GetString replaces an escaped lone surrogate with U+FFFD only when the raw text is UTF-8; an escape is kept.
        return !HasLoneSurrogate(text);
    }

    private static bool TryGetText(JsonProperty property, out string name)
    {
        try { name = property.Name; }
        catch (InvalidOperationException) { name = ""; return false; }
        return !HasLoneSurrogate(name);
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    private static void Add(Dictionary<string, List<string>> errors, string key, string message)
    {
        if (!errors.TryGetValue(key, out var list)) errors[key] = list = [];
        list.Add(message);
    }

    // ---- A value that does not fit its field: say what the field takes, at the path the client sent ----

    [GeneratedRegex("^The JSON property '(?<name>.*)' could not be mapped", RegexOptions.Singleline)]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("type discriminator id '(?<id>.*)'", RegexOptions.Singleline)]
    private static partial Regex UnknownDiscriminator();

    // .NET type names, exception names and the serializer's own phrasing never reach the client.
    [GeneratedRegex(@"\b(System|Registry|Microsoft)\.|Exception|could not be converted|\.NET|`\d", RegexOptions.Singleline)]
    private static partial Regex Internal();

    private static (string Key, string Message) Explain(Exception exception, JsonElement root, JsonTypeInfo request)
    {
        var segments = Segments((exception as JsonException)?.Path ?? "$");

        if (UnmappedProperty().Match(exception.Message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups["name"].Value;
            // The path names the object, or already the property, depending on where the reader stopped.
            if (segments.LastOrDefault() == name) segments.RemoveAt(segments.Count - 1);
            // An entry without its kind has no fields at all: the kind is what is missing, not the field.
            if (Resolve(request, root, segments).Field?.PolymorphismOptions is not { } entry)
                return (KeyOf([.. segments, name]), $"'{Printable(name)}' is not a field of {(segments.Count > 0 ? Describe(KeyOf(segments)) : "this request")}; send only the fields the route lists.");
            return KindRequired(entry, segments, exception);
        }

        var (target, element) = Resolve(request, root, segments);
        if (target?.PolymorphismOptions is { } polymorphism) return KindRequired(polymorphism, segments, exception);

        var path = KeyOf(segments);
        if (target is null) return (Key(path), $"{Describe(path)} cannot be read here.");
        if (exception is JsonException && exception.InnerException is null && !Internal().IsMatch(exception.Message))
            return (Key(path), exception.Message); // a converter's own message, written for the user
        return (Key(path), $"{Describe(path)} {Expected(path, target, element)}.");
    }

    private static (string Key, string Message) KindRequired(JsonPolymorphismOptions polymorphism, List<string> segments, Exception exception)
    {
        var kinds = string.Join(", ", polymorphism.DerivedTypes.Select(d => d.TypeDiscriminator));
        var discriminator = polymorphism.TypeDiscriminatorPropertyName;
        var sent = UnknownDiscriminator().Match(exception.Message) is { Success: true } id ? $" '{Printable(id.Groups["id"].Value)}' is not a kind of entry:" : " is required:";
        return (KeyOf([.. segments, discriminator]), $"{discriminator}{sent} one of {kinds}.");
    }

    /// <summary>What a field of <paramref name="field"/>'s type takes, given what was sent (<paramref name="sent"/>, when found).</summary>
    private static string Expected(string path, JsonTypeInfo field, JsonElement? sent)
    {
        var type = Nullable.GetUnderlyingType(field.Type) ?? field.Type;
        if (type.IsEnum) return $"must be one of {string.Join(", ", EnumNames(type))}";
        if (type == typeof(bool)) return "must be true or false";
        // Clinical dates travel as text and are named for the day they record (enrolledOn, diedOn).
        if (type == typeof(string)) return path.EndsWith("On", StringComparison.Ordinal) ? "must be a date written as text, \"yyyy-MM-dd\"" : "must be text (a JSON string)";
        if (type == typeof(DateOnly)) return "must be a date (yyyy-MM-dd)";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "must be a date and time (ISO 8601, e.g. 2024-05-01T12:00:00Z)";
        if (type == typeof(Guid)) return "must be an id (a UUID)";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte))
        {
            (decimal Min, decimal Max) range = type == typeof(int) ? (int.MinValue, int.MaxValue)
                : type == typeof(long) ? (long.MinValue, long.MaxValue)
                : type == typeof(short) ? (short.MinValue, short.MaxValue) : (byte.MinValue, byte.MaxValue);
            return sent is { ValueKind: JsonValueKind.Number } n && n.TryGetDecimal(out var value) && value == decimal.Truncate(value)
                ? $"must be a whole number from {range.Min} to {range.Max}"
                : "must be a whole number";
        }
        if (type == typeof(decimal) || type == typeof(double) || type == typeof(float))
            return sent is { ValueKind: JsonValueKind.Number } ? "must be a number of ordinary size" : "must be a number";
        return field.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "must be a list [...]",
            JsonTypeInfoKind.Dictionary => "must be an object {...} of names and values",
            JsonTypeInfoKind.Object => "must be an object {...}",
            _ => "cannot be read here",
        };
    }

    private static IEnumerable<string> EnumNames(Type type) => type.GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);

    /// <summary>The contract of the field at <paramref name="segments"/> and the JSON sent there (following each object's <c>kind</c>).</summary>
    private static (JsonTypeInfo? Field, JsonElement? Sent) Resolve(JsonTypeInfo request, JsonElement root, List<string> segments)
    {
        JsonTypeInfo? info = request;
        JsonElement? element = root;
        foreach (var segment in segments)
        {
            if (info is null) return (null, null);
            info = Concrete(info, element);
            var isIndex = segment.StartsWith('[');
            element = element switch
            {
                { ValueKind: JsonValueKind.Array } a when isIndex && int.TryParse(segment[1..^1], out var i) && i < a.GetArrayLength() => a[i],
                { ValueKind: JsonValueKind.Object } o when !isIndex && o.TryGetProperty(segment, out var v) => v,
                _ => null,
            };
            info = info.Kind switch
            {
                JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when info.ElementType is { } e => info.Options.GetTypeInfo(e),
                JsonTypeInfoKind.Object when !isIndex && info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment,
                    info.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)) is { } p => info.Options.GetTypeInfo(p.PropertyType),
                _ => null,
            };
        }
        return (info is null ? null : Concrete(info, element), element);
    }

    /// <summary>A polymorphic contract narrowed to the derived type the JSON's discriminator names; itself otherwise.</summary>
    private static JsonTypeInfo Concrete(JsonTypeInfo info, JsonElement? element)
    {
        if (info.PolymorphismOptions is not { } polymorphism
            || element is not { ValueKind: JsonValueKind.Object } o
            || !o.TryGetProperty(polymorphism.TypeDiscriminatorPropertyName, out var kind) || kind.ValueKind != JsonValueKind.String) return info;
        return polymorphism.DerivedTypes.Where(d => Equals(d.TypeDiscriminator, kind.GetString())).Select(d => d.DerivedType).FirstOrDefault() is { } derived
            ? info.Options.GetTypeInfo(derived)
            : info;
    }

    /// <summary>"$.arms[0].code" or "$['a b']" as its parts: "arms", "[0]", "code".</summary>
    private static List<string> Segments(string path)
    {
        var segments = new List<string>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) end = path.Length;
                segments.Add(path[(i + 2)..end]);
                i = Math.Min(end + 2, path.Length);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0) end = path.Length - 1;
                segments.Add(path[i..(end + 1)]);
                i = end + 1;
            }
            else i++;
        }
        return segments;
    }

    private static string KeyOf(IEnumerable<string> segments) =>
        segments.Aggregate("", (key, s) => s.StartsWith('[') ? key + s : Join(key, Printable(s)));

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Key(string path) => path.Length == 0 ? "body" : path;

    private static string Describe(string path) => path.Length == 0 ? "the request body" : path;

    /// <summary>A client's name with its control characters shown as escapes, so an error never carries them back.</summary>
    private static string Printable(string name) =>
        string.Concat(name.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "true or false",
    };

    private static void Log(HttpContext context, string what) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Registry.RequestBodies")
            .LogInformation("Refused the body of {Method} {Path}: {What}", context.Request.Method, context.Request.Path, what);
}
