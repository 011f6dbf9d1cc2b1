using Registry.Api.Infrastructure;
using Registry.Api.Patients;

namespace Registry.Api.Web.Coordinator;

/// <summary>One message of a refused form; <see cref="FieldId"/> is the input it concerns, when there is one, for the summary's link.</summary>
public sealed record FormError(string Message, string? FieldId);

/// <summary>
/// A refused submission as a form shows it: each field's messages beside the field, every message in the summary, and
/// the status the page answers with (the API's: 400 field errors, 403, 404, 409, 422).
/// </summary>
public sealed record FormErrors(int Status, IReadOnlyDictionary<string, string[]> ByField, IReadOnlyList<FormError> Summary)
{
    public const string Stale = "Someone else recorded an entry for this patient since you opened this form, so nothing was recorded. " +
        "What they recorded is shown below, with your entry as you typed it: check it, then submit it again.";

    public static readonly FormErrors None = new(StatusCodes.Status200OK, new Dictionary<string, string[]>(), []);

    public bool Any => Summary.Count > 0;

    public string[] For(FormField field) => ByField.GetValueOrDefault(field.Key) ?? [];

    /// <summary>
    /// Places the outcome's messages on <paramref name="fields"/>. <paramref name="fieldKey"/> turns an API error key into
    /// a field key (a correction's <c>replacement.grade</c> into <c>grade</c>); a key that names a list item
    /// (<c>agents[1]</c>) or a part (<c>strata.x</c> of a form without it) belongs to the field it starts with.
    /// </summary>
    public static FormErrors From(WriteOutcome outcome, IReadOnlyList<FormField> fields, Func<string, string>? fieldKey = null)
    {
        var (status, keyed, unkeyed) = outcome switch
        {
            WriteOutcome.Invalid invalid => (StatusCodes.Status400BadRequest, invalid.Errors, (IReadOnlyList<string>)[]),
            WriteOutcome.Refused refused => (refused.Status, refused.Fields,
                refused.Violations.Where(v => !refused.Fields.Values.Any(m => m.Contains(v))).ToList()),
            WriteOutcome.Stale => (StatusCodes.Status409Conflict, new Dictionary<string, string[]>(), [Stale]),
            _ => (StatusCodes.Status200OK, new Dictionary<string, string[]>(), []),
        };
        var byField = new Dictionary<string, string[]>();
        var placed = new List<(int Order, FormError Error)>();
        foreach (var (key, messages) in keyed)
        {
            var translated = fieldKey?.Invoke(key) ?? key;
            var field = fields.FirstOrDefault(f => f.Key == translated)
                ?? fields.FirstOrDefault(f => translated.StartsWith(f.Key + "[", StringComparison.Ordinal) || translated.StartsWith(f.Key + ".", StringComparison.Ordinal));
            var worded = field is null ? messages : messages.Select(m => FieldWording.As(m, [.. FieldWording.NamesOf(key), translated], field.Label)).ToArray();
            if (field is not null) byField[field.Key] = [.. byField.GetValueOrDefault(field.Key) ?? [], .. worded];
            var order = field is null ? fields.Count : fields.ToList().IndexOf(field);
            placed.AddRange(worded.Select(m => (order, new FormError(m, field?.Id))));
        }
        // In the order of the form, so the summary reads top to bottom as the fields do.
        IEnumerable<FormError> summary = [.. placed.OrderBy(p => p.Order).Select(p => p.Error), .. unkeyed.Select(m => new FormError(m, null))];
        return new FormErrors(status, byField, summary.ToList());
    }

    /// <summary>A refusal that concerns no field: the page could not be used as it was sent.</summary>
    public static FormErrors Page(int status, string message) => new(status, new Dictionary<string, string[]>(), [new FormError(message, null)]);
}
