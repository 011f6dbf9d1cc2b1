using System.Globalization;
using FluentValidation;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Requests carry clinical dates as ISO strings so that an impossible date (2023-02-30) is reported as a field
/// error beside any others, rather than as an unreadable body.
/// </summary>
public static class ClinicalDates
{
    public static DateOnly Parse(string value) => DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? ParseOptional(string? value) => value is null ? null : Parse(value);

    /// <summary>A required date: a missing one is said to be missing, not also to be no calendar date.</summary>
    public static IRuleBuilderOptions<T, string?> ClinicalDate<T>(this IRuleBuilderInitial<T, string?> rule) => rule
        .Cascade(CascadeMode.Stop)
        .NotEmpty().WithMessage("{PropertyName} is required (YYYY-MM-DD).")
        .Must(BeACalendarDate).WithMessage("{PropertyName} '{PropertyValue}' is not a calendar date in the form YYYY-MM-DD.")
        .Must(NotBeInTheFuture).WithMessage("{PropertyName} '{PropertyValue}' is in the future.");

    public static IRuleBuilderOptions<T, string?> OptionalClinicalDate<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(v => v is null || BeACalendarDate(v)).WithMessage("{PropertyName} '{PropertyValue}' is not a calendar date in the form YYYY-MM-DD.")
        .Must(v => v is null || NotBeInTheFuture(v)).WithMessage("{PropertyName} '{PropertyValue}' is in the future.");

    private static bool BeACalendarDate(string? value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year >= 1900;

    // A day of slack for clinics east of UTC, whose today is already tomorrow on the server's clock.
    private static bool NotBeInTheFuture(string? value) =>
        !DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
        || date.DayNumber <= LatestTomorrow || date.DayNumber <= ReadTomorrow();

    // The last day known not to be in the future: today only moves on, so a date on or before it needs no clock (reading
    // the clock was a tenth of a bulk import's time).
    private static int LatestTomorrow;

    private static int ReadTomorrow()
    {
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1).DayNumber;
        Volatile.Write(ref LatestTomorrow, tomorrow);
        return tomorrow;
    }
}
