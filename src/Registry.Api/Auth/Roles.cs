namespace Registry.Api.Auth;

/// <summary>The four roles a token may carry; each route names the roles it admits.</summary>
public static class Roles
{
    public const string Coordinator = "coordinator";
    public const string Investigator = "investigator";
    public const string Auditor = "auditor";
    public const string Admin = "admin";

    public static readonly string[] All = [Coordinator, Investigator, Auditor, Admin];
}

/// <summary>Claim names in the registry's tokens: plain JWT names, no WS-Federation mapping.</summary>
public static class RegistryClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Site = "site";
}
