using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Registry.Api.Infrastructure;

namespace Registry.Api.Auth;

/// <summary>
/// Signs and describes the registry's HS256 bearer tokens. The key comes from <c>Auth:SigningKey</c> (base64,
/// at least 32 bytes) or is generated once into the data directory with owner-only permissions; it is never logged.
/// </summary>
public sealed class TokenIssuer
{
    public const string Issuer = "trial-registry";
    public const string Audience = "trial-registry-api";

    public SymmetricSecurityKey Key { get; }

    public TokenIssuer(byte[] key) => Key = new SymmetricSecurityKey(key);

    public static TokenIssuer FromConfiguration(IConfiguration configuration)
    {
        if (configuration["Auth:SigningKey"] is { Length: > 0 } configured)
        {
            var bytes = Convert.FromBase64String(configured);
            if (bytes.Length < 32) throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64).");
            return new TokenIssuer(bytes);
        }

        var path = Path.Combine(DataDirectory.Resolve(configuration), "signing-key");
        if (!File.Exists(path))
        {
            var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(file)) writer.Write(fresh);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return new TokenIssuer(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }

    public string Mint(string user, IEnumerable<string> roles, IEnumerable<string> sites, TimeSpan lifetime)
    {
        var claims = new List<Claim> { new(RegistryClaims.Subject, user) };
        claims.AddRange(roles.Select(r => new Claim(RegistryClaims.Role, r)));
        claims.AddRange(sites.Select(s => new Claim(RegistryClaims.Site, s)));
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = RegistryClaims.Subject,
        RoleClaimType = RegistryClaims.Role,
    };
}
