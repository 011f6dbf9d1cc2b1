namespace Registry.Api.Accounts;

/// <summary>
/// A registry without users cannot be entered through its pages: on the first start it opens an <c>admin</c> account
/// with a one-time password, shown once on the console and replaced at the first sign-in.
/// </summary>
public static class FirstAdmin
{
    public const string UserName = "admin";

    /// <summary>The one-time password of the account just opened, or null when the registry already has users.</summary>
    public static async Task<string?> OpenIfNoUsersAsync(UserDirectory users, CancellationToken ct)
    {
        if (await users.AnyAsync(ct)) return null;
        var password = UserDirectory.NewOneTimePassword();
        var (id, _) = await users.OpenAsync(new OpenAccount(UserName, "Administrator", Auth.Roles.Admin, [], password), "registry", mustChangePassword: true, ct);
        // Another process may have opened it first; then that process showed the password.
        return id is null ? null : password;
    }
}
