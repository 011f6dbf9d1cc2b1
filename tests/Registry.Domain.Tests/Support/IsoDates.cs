using System.Globalization;
using System.Runtime.CompilerServices;

namespace Registry.Domain.Tests.Support;

internal static class IsoDates
{
    /// <summary>
    /// Records print their dates with the current culture; the invariant one writes 04/13/2021. Counterexamples are
    /// read beside clinical dates written YYYY-MM-DD, so the test run prints dates that way (numbers stay invariant).
    /// </summary>
    [ModuleInitializer]
    internal static void PrintDatesAsIso()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.DateTimeFormat.ShortDatePattern = "yyyy-MM-dd";
        CultureInfo.DefaultThreadCurrentCulture = culture;
        CultureInfo.CurrentCulture = culture;
    }
}
