using FluentValidation;
using Registry.Api.Infrastructure;

namespace Registry.Api.Accounts;

/// <summary>A signed-in user replaces their password: the current one proves it is them, the new one is typed twice.</summary>
public sealed record ChangePassword(string? CurrentPassword, string? NewPassword, string? ConfirmPassword)
{
    public sealed class Validator : AbstractValidator<ChangePassword>
    {
        public Validator()
        {
            RuleFor(c => c.CurrentPassword).NotEmpty().WithMessage("Enter your current password.");
            RuleFor(c => c.NewPassword).Password()
                .NotEqual(c => c.CurrentPassword).WithMessage("The new password must differ from the current one.");
            RuleFor(c => c.ConfirmPassword).Equal(c => c.NewPassword).WithMessage("The two new passwords are not the same.");
        }
    }
}

public sealed partial class UserDirectory
{
    /// <summary>
    /// Records the new password by the user; a wrong current password is refused and counts towards the lockout like
    /// one at the sign-in form (a stolen session must not become a way to guess the password).
    /// </summary>
    /// <returns>The account with its new password, or the errors by field (nothing changed).</returns>
    public async Task<(UserAccount? Account, Dictionary<string, string[]> Errors)> ChangePasswordAsync(string userName, ChangePassword request, CancellationToken ct)
    {
        var errors = RequestValidation.Errors(new ChangePassword.Validator().Validate(request));
        if (errors.Count > 0) return (null, errors);
        var hash = Hasher.HashPassword(new UserAccount(), request.NewPassword!);
        var (account, refused) = await ChangeAsync(userName,
            account => CheckPassword(account, request.CurrentPassword!, new PasswordChanged(hash, MustChangePassword: false), account.UserName, "currentPassword"), ct);
        return refused.Count > 0 || account is null ? (null, refused.Count > 0 ? refused : new() { [""] = ["The account no longer exists."] }) : (account, []);
    }
}
