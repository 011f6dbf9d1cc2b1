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

    /// <summary>
    /// The fields a correction changed, as they were first recorded: a reader sees what moved without comparing two
    /// whole summaries. A field the first record lacked reads "not recorded".
    /// </summary>
    public static string FirstRecordedChanges(IEnumerable<(string Label, string Value)> original, IEnumerable<(string Label, string Value)> current)
    {
        var was = original.ToList();
        var now = current.ToList();
        var labels = was.Select(f => f.Label).Concat(now.Select(f => f.Label)).Distinct();
        string? ValueIn(List<(string Label, string Value)> fields, string label) => fields.Where(f => f.Label == label).Select(f => f.Value).FirstOrDefault();
        var changed = labels.Where(l => ValueIn(was, l) != ValueIn(now, l)).Select(l => (l, ValueIn(was, l) ?? "not recorded"));
        return Summary(changed);
    }

    public static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
