using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentValidation.Results;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;

namespace Registry.Api.Web.Coordinator;

/// <summary>
/// A submitted form read as the API reads a request: its fields become the JSON body the route would have been sent,
/// which the route's own reader (<see cref="RequestBodies.Check"/>) turns into the same request record, refusing what it
/// refuses with the same words. Nothing here judges a value; the request's validator and the write path do.
/// </summary>
public static partial class FormReading
{
    public const string BothGiven = "Give a value or choose why it is not recorded, not both.";

    /// <summary>The values the form posted for <paramref name="fields"/>, by input name (a missing-code choice under its own name).</summary>
    public static Dictionary<string, string> Values(IFormCollection form, IEnumerable<FormField> fields)
    {
        var values = new Dictionary<string, string>();
        foreach (var field in fields)
        {
            if (form.TryGetValue(field.Key, out var value)) values[field.Key] = value.ToString();
            if (field.MissingCodes is not null && form.TryGetValue(field.MissingName, out var code) && code.ToString().Length > 0)
                values[field.MissingName] = code.ToString();
        }
        return values;
    }

    /// <summary>
    /// The JSON body the fields' values make. An empty input is left out, as a client that has no value leaves a field out;
    /// a number typed is a JSON number, and text that is not one stays text, for the reader to refuse as the API does.
    /// A value given beside a missing code is a form error under the field (JSON cannot say both).
    /// </summary>
    public static JsonObject Body(IReadOnlyDictionary<string, string> values, IEnumerable<FormField> fields, Dictionary<string, string[]> formErrors)
    {
        var body = new JsonObject();
        foreach (var field in fields)
        {
            var node = Node(field, values.GetValueOrDefault(field.Key) ?? "");
            if (field.MissingCodes is not null && values.TryGetValue(field.MissingName, out var code) && code.Length > 0)
            {
                if (node is not null) formErrors[field.Key] = [BothGiven];
                node = new JsonObject { ["missing"] = code };
            }
            if (node is null) continue;
            var parent = body;
            foreach (var segment in field.Path.SkipLast(1))
            {
                if (parent[segment] is not JsonObject child) parent[segment] = child = new JsonObject();
                parent = child;
            }
            parent[field.Path[^1]] = node;
        }
        return body;
    }

    private static JsonNode? Node(FormField field, string text)
    {
        switch (field.Input)
        {
            case InputKind.Lines:
                var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
                return lines.Length == 0 ? null : new JsonArray([.. lines.Select(l => (JsonNode)l)]);
            case InputKind.WholeNumber or InputKind.Number:
                var typed = text.Trim();
                if (typed.Length == 0) return null;
                return JsonNumber().IsMatch(typed) ? JsonNode.Parse(typed) : typed;
            case InputKind.YesNo:
                return text switch { "" => null, "true" => true, "false" => false, _ => text };
            default:
                return text.Length == 0 ? null : text;
        }
    }

    /// <summary>
    /// The request the fields' values make, read from the bytes of the body <see cref="Body"/> builds for them without
    /// building its tree, when nothing in the values is what <see cref="Body"/> or the route's reader refuses (a value
    /// beside a missing code, text <see cref="RequestBodies.IsAcceptedText"/> refuses, a number too large, a value the
    /// request cannot hold); null otherwise, for <see cref="Body"/> and <see cref="Read"/> to name every refused field.
    /// An import reads every row so: a tree per row was most of its reading time.
    /// </summary>
    public static object? ReadAccepted(IReadOnlyDictionary<string, string> values, IReadOnlyList<FormField> fields, Type type, JsonSerializerOptions options)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        var shape = BodyShape.Of(fields);
        if (!shape.NamesDistinct) return null;
        var texts = t_texts is { } kept && kept.Length >= fields.Count ? kept : t_texts = new string?[fields.Count];
        var present = false;
        for (var i = 0; i < fields.Count; i++)
        {
            if (!Accepted(fields[i], shape.Keys[i], shape.MissingNames[i], values, out texts[i])) return null;
            present |= texts[i] is not null;
        }
        writer.WriteStartObject();
        if (present) WriteMembers(writer, shape.Members, fields, shape.MissingNames, values, texts);
        writer.WriteEndObject();
        writer.Flush();
        try
        {
            return JsonSerializer.Deserialize(buffer.WrittenSpan, type, options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;
    /// <summary>Each field's text as read, kept per thread: only the first <c>fields.Count</c> are set and read.</summary>
    [ThreadStatic] private static string?[]? t_texts;

    /// <summary>The field's input as <see cref="Node"/> reads it (null: left out), when <see cref="Body"/> and the reader would take it as it is.</summary>
    private static bool Accepted(FormField field, string key, string? missingName, IReadOnlyDictionary<string, string> values, out string? text)
    {
        text = values.GetValueOrDefault(key) ?? "";
        if (field.Input is InputKind.WholeNumber or InputKind.Number) text = text.Trim();
        var given = field.Input == InputKind.Lines ? text.AsSpan().Trim().Length > 0 : text.Length > 0;
        var code = missingName is not null && values.TryGetValue(missingName, out var c) && c.Length > 0 ? c : null;
        if (code is not null)
        {
            text = null;
            return !given && RequestBodies.IsAcceptedText(code);
        }
        if (!given)
        {
            text = null;
            return true;
        }
        return field.Input switch
        {
            // A number the reader would take as infinity it refuses.
            InputKind.WholeNumber or InputKind.Number when JsonNumber().IsMatch(text) =>
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number),
            _ => RequestBodies.IsAcceptedText(text),
        };
    }

    private static void WriteMembers(Utf8JsonWriter writer, List<BodyShape.Member> members, IReadOnlyList<FormField> fields, string?[] missingNames,
        IReadOnlyDictionary<string, string> values, string?[] texts)
    {
        foreach (var member in members)
        {
            if (member.Field is { } i)
            {
                if (texts[i] is { } text) WriteValue(writer, member.Name, fields[i], text);
                else if (missingNames[i] is { } missingName && values.TryGetValue(missingName, out var code) && code.Length > 0)
                {
                    writer.WriteStartObject(member.Name);
                    writer.WriteString("missing", code);
                    writer.WriteEndObject();
                }
                continue;
            }
            if (!AnyGiven(member.Fields, missingNames, values, texts)) continue;
            writer.WriteStartObject(member.Name);
            WriteMembers(writer, member.Children, fields, missingNames, values, texts);
            writer.WriteEndObject();
        }
    }

    /// <summary>Whether any of these fields has a value or a missing code, so their object is written.</summary>
    private static bool AnyGiven(List<int> fields, string?[] missingNames, IReadOnlyDictionary<string, string> values, string?[] texts)
    {
        foreach (var f in fields)
            if (texts[f] is not null || missingNames[f] is { } missingName && values.GetValueOrDefault(missingName) is { Length: > 0 }) return true;
        return false;
    }

    /// <summary>The value <see cref="Node"/> makes of the text, written.</summary>
    private static void WriteValue(Utf8JsonWriter writer, string name, FormField field, string text)
    {
        switch (field.Input)
        {
            case InputKind.Lines:
                writer.WriteStartArray(name);
                foreach (var line in text.Split('\n'))
                    if (line.Trim() is { Length: > 0 } item) writer.WriteStringValue(item);
                writer.WriteEndArray();
                break;
            case InputKind.WholeNumber or InputKind.Number when JsonNumber().IsMatch(text):
                writer.WritePropertyName(name);
                writer.WriteRawValue(text, skipInputValidation: true);
                break;
            case InputKind.YesNo when text is "true" or "false":
                writer.WriteBoolean(name, text == "true");
                break;
            default:
                writer.WriteString(name, text);
                break;
        }
    }

    /// <summary>The body's objects as the fields' paths nest them, members in the order of their first field, built once per form's field list.</summary>
    private sealed class BodyShape
    {
        public sealed record Member(string Name, int? Field, List<int> Fields, List<Member> Children);

        public List<Member> Members { get; } = [];

        /// <summary>Each field's <see cref="FormField.Key"/>, made once: the key is joined from the path at every call.</summary>
        public string[] Keys { get; private init; } = [];

        /// <summary>Each field's <see cref="FormField.MissingName"/>, null for a field without missing codes.</summary>
        public string?[] MissingNames { get; private init; } = [];

        /// <summary>False when two members of one object differ only in case, which the reader refuses as a name sent twice.</summary>
        public bool NamesDistinct { get; private set; } = true;

        private static readonly ConditionalWeakTable<IReadOnlyList<FormField>, BodyShape> Shapes = [];

        public static BodyShape Of(IReadOnlyList<FormField> fields) => Shapes.GetValue(fields, f =>
        {
            var shape = new BodyShape
            {
                Keys = [.. f.Select(field => field.Key)],
                MissingNames = [.. f.Select(field => field.MissingCodes is null ? null : field.MissingName)],
            };
            for (var i = 0; i < f.Count; i++)
            {
                var members = shape.Members;
                var path = f[i].Path;
                for (var depth = 0; depth < path.Count - 1; depth++)
                {
                    var parent = members.FirstOrDefault(m => m.Field is null && m.Name == path[depth]);
                    if (parent is null) members.Add(parent = new Member(path[depth], null, [], []));
                    parent.Fields.Add(i);
                    members = parent.Children;
                }
                members.Add(new Member(path[^1], i, [i], []));
            }
            shape.NamesDistinct = Distinct(shape.Members);
            return shape;

            static bool Distinct(List<Member> members) =>
                members.Select(m => m.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == members.Count && members.All(m => Distinct(m.Children));
        });
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    /// <summary>
    /// Reads <paramref name="body"/> as a <paramref name="type"/> with the route's reader. Where it refuses a value (a
    /// word where a number goes) the field is set aside and the rest read again, so every such field is named at once.
    /// </summary>
    public static (object? Request, Dictionary<string, string[]> Errors) Read(JsonObject body, Type type, JsonSerializerOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        // Each pass sets one field aside; a body has fewer fields than this.
        for (var pass = 0; pass < 100; pass++)
        {
            // The request the check has read is the one returned: the body is read once, as the route reads it.
            var refused = RequestBodies.Check(JsonSerializer.SerializeToUtf8Bytes(body), type, options, out var read);
            if (refused.Count == 0) return (read, errors);
            foreach (var (key, messages) in refused) errors[key] = messages;
            if (!refused.Keys.All(key => Remove(body, key))) break;
        }
        return (null, errors);
    }

    private static bool Remove(JsonObject body, string key)
    {
        var parts = key.Split('.');
        var parent = body;
        foreach (var part in parts.SkipLast(1))
        {
            if (parent[part] is not JsonObject child) return false;
            parent = child;
        }
        return parent.Remove(parts[^1]);
    }

    /// <summary>
    /// What the form's submission comes to: the write's own outcome, or — when the form or the reader refused a value —
    /// those errors with the request's other field errors beside them, and nothing written.
    /// </summary>
    /// <param name="type">The request record the route reads (a <typeparamref name="T"/>); <typeparamref name="T"/> itself when null.</param>
    public static async Task<WriteOutcome> SubmitAsync<T>(JsonObject body, Dictionary<string, string[]> formErrors, JsonSerializerOptions options,
        Func<T, ValidationResult> validate, Func<T, Task<WriteOutcome>> write, Type? type = null) where T : class
    {
        var (request, readErrors) = Read(body, type ?? typeof(T), options);
        if (formErrors.Count == 0 && readErrors.Count == 0) return await write((T)request!);
        var errors = new Dictionary<string, string[]>(formErrors);
        foreach (var (key, messages) in readErrors) errors.TryAdd(key, messages);
        if (request is T read)
            foreach (var (key, messages) in RequestValidation.Errors(validate(read))) errors.TryAdd(key, messages);
        return new WriteOutcome.Invalid(errors);
    }
}
