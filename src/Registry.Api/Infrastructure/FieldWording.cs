namespace Registry.Api.Infrastructure;

/// <summary>
/// The API names a field by its JSON key ("'site' must not be empty.", "age must be between…"); a form names it by
/// the label beside its input, an import file by its column. One rewording for both, so the rule's words stay the API's.
/// </summary>
public static class FieldWording
{
    /// <summary><paramref name="message"/> with its leading API name (any of <paramref name="apiNames"/>, quoted or not, or "Label (key)") said as <paramref name="name"/>.</summary>
    public static string As(string message, IEnumerable<string> apiNames, string name)
    {
        foreach (var apiName in apiNames.Distinct())
        {
            if (message.StartsWith($"{name} ({apiName}) ", StringComparison.Ordinal)) return name + message[(name.Length + apiName.Length + 3)..];
            if (message.StartsWith($"'{apiName}' ", StringComparison.Ordinal)) return name + message[(apiName.Length + 2)..];
            if (message.StartsWith($"{apiName} ", StringComparison.Ordinal)) return name + message[apiName.Length..];
        }
        return message;
    }

    /// <summary>The names an API error key may use for its field in a message: the key and its last segment (<c>baseline.age</c>, <c>age</c>).</summary>
    public static IEnumerable<string> NamesOf(string key) => [key, key[(key.LastIndexOf('.') + 1)..]];
}
