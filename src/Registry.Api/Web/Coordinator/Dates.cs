using System.Globalization;

namespace Registry.Api.Web.Coordinator;

/// <summary>Dates as the pages write them: clinical dates as YYYY-MM-DD, recorded moments in UTC to the minute.</summary>
public static class Dates
{
    public static string Day(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    public static string Moment(DateTimeOffset moment) => moment.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
}
