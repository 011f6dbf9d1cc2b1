using System.Security.Claims;
using Registry.Domain.Patients;

namespace Registry.Api.Web.Coordinator;

/// <summary>How the pages name and summarise what a stored event records.</summary>
public static class Timeline
{
    public static string Kind(object data, PatientRecord record) => data switch
    {
        IPatientFact fact => Capitalized(PatientRules.Describe(fact)),
        EntryCorrected c => $"Correction of version {c.EntryVersion} ({PatientRules.Describe(c.Replacement)})",
        EntryVoided v => $"Void of version {v.EntryVersion}" + (record.Timeline.EntryAt(v.EntryVersion) is { } e ? $" ({PatientRules.Describe(e.Original)})" : ""),
        _ => data.GetType().Name,
    };

    public static string Details(object data, PatientRecord record, ClaimsPrincipal user) => data switch
    {
        IPatientFact fact => Summary(record.Describe(fact, user)),
        EntryCorrected c => "Now reads: " + Summary(record.Describe(c.Replacement, user)),
        _ => "",
    };

    public static string Summary(IEnumerable<(string Label, string Value)> fields) => string.Join("; ", fields.Select(f => $"{f.Label}: {f.Value}"));

    public static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
