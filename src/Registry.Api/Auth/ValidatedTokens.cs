using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Registry.Api.Auth;

/// <summary>
/// Checks the registry's own bearer tokens as <see cref="JsonWebTokenHandler"/> does, and remembers a token it found
/// valid, by its whole text (signature included), until the token expires: a program sends the same token with every
/// request, and parsing it and checking its signature again each time was a twentieth of a write's CPU. Only the
/// outcome is kept, never a reason to refuse; the claims are still checked on every request
/// (<see cref="UsableTokens"/>), and past its expiry a token is checked afresh (the clock skew still applies then).
/// The key cannot change while the registry runs, so a token valid once stays so until it expires.
/// </summary>
public class ValidatedTokens(TimeProvider clock) : JsonWebTokenHandler
{
    /// <summary>More tokens than any registry's callers hold at once; past it the kept ones are let go of and found again.</summary>
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, Valid> _valid = new(StringComparer.Ordinal);

    private sealed record Valid(ClaimsIdentity Identity, SecurityToken Token, DateTime Expires);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_valid.TryGetValue(token, out var kept))
        {
            // A fresh identity for each request: whatever a request adds to its principal stays in that request.
            if (now < kept.Expires) return new TokenValidationResult { IsValid = true, ClaimsIdentity = kept.Identity.Clone(), SecurityToken = kept.Token };
            _valid.TryRemove(token, out _);
        }

        var result = await CheckAsync(token, validationParameters);
        if (result is { IsValid: true, ClaimsIdentity: { } identity, SecurityToken: { } checkedToken } && now < checkedToken.ValidTo)
        {
            if (_valid.Count >= Capacity) _valid.Clear();
            _valid[token] = new Valid(identity.Clone(), checkedToken, checkedToken.ValidTo);
        }
        return result;
    }

    /// <summary>The full check of a token not kept (or no longer).</summary>
    protected virtual Task<TokenValidationResult> CheckAsync(string token, TokenValidationParameters validationParameters) =>
        base.ValidateTokenAsync(token, validationParameters);
}
