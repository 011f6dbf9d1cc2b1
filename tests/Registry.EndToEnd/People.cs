namespace Registry.EndToEnd;

/// <summary>Someone the admin opens an account for; <paramref name="Sites"/> as typed into the form.</summary>
public sealed record Person(string UserName, string DisplayName, string Role, string Sites)
{
    /// <summary>What they choose in place of the one-time password at their first sign-in.</summary>
    public string OwnPassword => $"{UserName} chose this long passphrase";
}

public static class People
{
    public static readonly Person Coordinator = new("cora.lim", "Cora Lim", "coordinator", "S1");
    public static readonly Person Investigator = new("ivan.osei", "Ivan Osei", "investigator", "");
    public static readonly Person Auditor = new("audrey.kern", "Audrey Kern", "auditor", "");
    public static readonly Person[] All = [Coordinator, Investigator, Auditor];
}
