using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Registry.Api.Auth;

namespace Registry.Api.Tests.Access;

/// <summary>
/// A bearer token found valid is not checked again until it expires; a token that differs in any character (another
/// signature) is checked in full and refused, and a refused token is never kept.
/// </summary>
public sealed class ValidatedTokensTests
{
    [Fact]
    public async Task A_valid_token_is_checked_once_until_it_expires_then_checked_again()
    {
        var issuer = new TokenIssuer(RandomNumberGenerator.GetBytes(32));
        var clock = new SetClock(DateTimeOffset.UtcNow);
        var tokens = new CountingTokens(clock);
        var token = issuer.Mint("alice", ["coordinator"], ["S1"], TimeSpan.FromMinutes(10));

        var first = await tokens.ValidateTokenAsync(token, issuer.ValidationParameters());
        var second = await tokens.ValidateTokenAsync(token, issuer.ValidationParameters());
        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, tokens.Checks);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal(Claims(first), Claims(second));
        Assert.Equal(first.SecurityToken.ValidTo, second.SecurityToken.ValidTo);

        clock.Now = new DateTimeOffset(first.SecurityToken.ValidTo, TimeSpan.Zero);
        await tokens.ValidateTokenAsync(token, issuer.ValidationParameters());
        Assert.Equal(2, tokens.Checks);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused_though_one_with_the_same_claims_was_kept()
    {
        var issuer = new TokenIssuer(RandomNumberGenerator.GetBytes(32));
        var forger = new TokenIssuer(RandomNumberGenerator.GetBytes(32));
        var tokens = new CountingTokens(new SetClock(DateTimeOffset.UtcNow));
        Assert.True((await tokens.ValidateTokenAsync(issuer.Mint("alice", ["admin"], [], TimeSpan.FromMinutes(10)), issuer.ValidationParameters())).IsValid);

        var forged = forger.Mint("alice", ["admin"], [], TimeSpan.FromMinutes(10));
        Assert.False((await tokens.ValidateTokenAsync(forged, issuer.ValidationParameters())).IsValid);
        Assert.False((await tokens.ValidateTokenAsync(forged, issuer.ValidationParameters())).IsValid);
        Assert.Equal(3, tokens.Checks);
    }

    [Fact]
    public async Task A_token_altered_in_its_last_character_is_refused_after_the_original_was_kept()
    {
        var issuer = new TokenIssuer(RandomNumberGenerator.GetBytes(32));
        var tokens = new CountingTokens(new SetClock(DateTimeOffset.UtcNow));
        var token = issuer.Mint("alice", ["investigator"], [], TimeSpan.FromMinutes(10));
        Assert.True((await tokens.ValidateTokenAsync(token, issuer.ValidationParameters())).IsValid);

        var altered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        Assert.False((await tokens.ValidateTokenAsync(altered, issuer.ValidationParameters())).IsValid);
        Assert.Equal(2, tokens.Checks);
    }

    private static List<string> Claims(TokenValidationResult result) =>
        result.ClaimsIdentity.Claims.Select(c => $"{c.Type}={c.Value}").Order(StringComparer.Ordinal).ToList();

    private sealed class CountingTokens(TimeProvider clock) : ValidatedTokens(clock)
    {
        public int Checks { get; private set; }

        protected override Task<TokenValidationResult> CheckAsync(string token, TokenValidationParameters validationParameters)
        {
            Checks++;
            return base.CheckAsync(token, validationParameters);
        }
    }

    private sealed class SetClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
