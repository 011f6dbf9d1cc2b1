namespace Registry.Api.Web.Account;

/// <summary>
/// A refused form's errors by field key (the validator's JSON path, which is also the input's id), and what each
/// input needs to point at its own: <c>aria-invalid</c> and <c>aria-describedby</c>.
/// </summary>
public sealed class FieldErrors(Dictionary<string, string[]> errors)
{
    public static readonly FieldErrors None = new([]);

    public bool Any => errors.Count > 0;
    public IEnumerable<KeyValuePair<string, string[]>> All => errors;

    public string[] Of(string key) => errors.Where(e => e.Key == key || e.Key.StartsWith(key + "[", StringComparison.Ordinal)).SelectMany(e => e.Value).ToArray();
    public string? Invalid(string key) => Of(key).Length > 0 ? "true" : null;
    public string? DescribedBy(string key) => Of(key).Length > 0 ? ErrorId(key) : null;

    public static string ErrorId(string key) => $"{key}-error";
}

/// <summary>Only a path on this registry: a crafted ReturnUrl must not send the user elsewhere.</summary>
public static class ReturnUrls
{
    public static string LocalOrHome(string? url) =>
        url is { } path && path.StartsWith('/') && !path.StartsWith("//") && !path.StartsWith("/\\") ? path : "/";
}
