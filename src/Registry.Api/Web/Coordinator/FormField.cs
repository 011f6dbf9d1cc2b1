namespace Registry.Api.Web.Coordinator;

/// <summary>
/// How an input's text reads as the JSON value the API would be sent, and how it is entered: a field with choices is a
/// select whatever its kind (a CTCAE grade is a whole number picked from five).
/// </summary>
public enum InputKind { Text, LongText, Date, WholeNumber, Number, Choice, YesNo, Lines }

public sealed record Choice(string Value, string Text);

/// <summary>
/// One input of an entry form. <see cref="Path"/> is where its value goes in the request (<c>["baseline",
/// "metastaticSites.liver"]</c>); its <see cref="Key"/>, the segments joined by '.', is both the input's name and the
/// JSON path the API's errors use, so an error finds its field. <see cref="MissingCodes"/> are the data dictionary's
/// codes (unknown, not done) offered instead of a value.
/// </summary>
public sealed record FormField(IReadOnlyList<string> Path, string Label, InputKind Input, string? Hint = null, IReadOnlyList<Choice>? Choices = null,
    IReadOnlyList<string>? MissingCodes = null, string Placeholder = "— choose —")
{
    public string Key => string.Join('.', Path);

    /// <summary>Variable keys hold letters, digits, '_' and '.', so turning '.' into '-' keeps ids distinct.</summary>
    public string Id => "f-" + Key.Replace('.', '-');

    /// <summary>The select offering a missing code; ':' cannot occur in a key, so the name cannot collide with a field's.</summary>
    public string MissingName => "missing:" + Key;

    public string MissingId => Id + "-missing";

    public string MissingLabel => $"{Label} — not recorded";

    /// <summary>The text shown for a stored value: a choice's words, else the value itself.</summary>
    public string Show(string value) => Choices?.FirstOrDefault(c => c.Value == value)?.Text ?? value;

    public static FormField At(string name, string label, InputKind input, string? hint = null, IReadOnlyList<Choice>? choices = null, string placeholder = "— choose —") =>
        new([name], label, input, hint, choices, null, placeholder);
}
