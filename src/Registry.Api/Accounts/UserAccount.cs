namespace Registry.Api.Accounts;

/// <summary>A person who signs in to the registry, with the role and sites they act under. Opened by an admin.</summary>
public sealed record UserAccountOpened(Guid Id, string UserName, string DisplayName, string Role, IReadOnlyList<string> Sites, string PasswordHash, bool MustChangePassword);

/// <summary>A new password; <paramref name="MustChangePassword"/> when an admin set it for the user to replace at sign-in.</summary>
public sealed record PasswordChanged(string PasswordHash, bool MustChangePassword);

/// <summary>A user name is unique across the registry; this document's key enforces it inside the transaction.</summary>
public sealed record UserNameClaim(string Id, Guid AccountId);

/// <summary>The account as it stands, folded from its stream (an inline snapshot), read at every sign-in.</summary>
public sealed class UserAccount
{
    public Guid Id { get; set; }
    public string UserName { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public List<string> Sites { get; set; } = [];
    public string PasswordHash { get; set; } = "";
    public bool MustChangePassword { get; set; }

    public static UserAccount Create(UserAccountOpened e) => new()
    {
        Id = e.Id, UserName = e.UserName, DisplayName = e.DisplayName, Role = e.Role, Sites = [.. e.Sites],
        PasswordHash = e.PasswordHash, MustChangePassword = e.MustChangePassword,
    };

    public void Apply(PasswordChanged e)
    {
        PasswordHash = e.PasswordHash;
        MustChangePassword = e.MustChangePassword;
    }
}
