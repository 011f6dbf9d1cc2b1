using FluentValidation;
using FluentValidation.Validators;

namespace Registry.Api.Infrastructure;

/// <summary>
/// FluentValidation's <c>IsInEnum</c> (same name, message and error code) for the request enums, which are never flags:
/// its own looks up the type's attributes on every call, a tenth of a bulk import's time.
/// </summary>
public static class DefinedEnumValues
{
    public static IRuleBuilderOptions<T, TEnum?> IsDefined<T, TEnum>(this IRuleBuilder<T, TEnum?> rule) where TEnum : struct, Enum =>
        rule.SetValidator(new DefinedValue<T, TEnum>());

    private sealed class DefinedValue<T, TEnum> : PropertyValidator<T, TEnum?> where TEnum : struct, Enum
    {
        public override string Name => "EnumValidator";

        public override bool IsValid(ValidationContext<T> context, TEnum? value) => value is not { } v || Enum.IsDefined(v);

        protected override string GetDefaultMessageTemplate(string errorCode) => Localized(errorCode, Name);
    }
}
