using System.Runtime.CompilerServices;
using System.Security.Claims;
using Registry.Api.Web.Coordinator;
using Registry.Domain.Protocols;
using Registry.Interop.Import;

namespace Registry.Api.Import;

/// <summary>
/// The import layout's columns for one study, taken from the coordinator's entry forms (<see cref="EntryForms"/>): a
/// column per form field, so a file fills exactly what the enrolment and follow-up forms fill, and each row is read
/// by the same reader (<see cref="FormReading"/>) into the same request the API route reads.
/// </summary>
public sealed class ImportShapes
{
    /// <summary>The field holding each kind's clinical date: the events file's <c>date</c> column.</summary>
    public static readonly IReadOnlyDictionary<string, string> DateFields = new Dictionary<string, string>
    {
        ["randomized"] = "randomizedOn", ["treatmentStarted"] = "startedOn", ["imagingAssessed"] = "assessedOn",
        ["adverseEventRecorded"] = "onsetOn", ["diseaseProgressed"] = "progressedOn", ["relapsed"] = "relapsedOn",
        ["died"] = "diedOn", ["lastKnownAlive"] = "lastKnownAliveOn", ["withdrewFromFollowUp"] = "withdrewOn",
    };

    private static readonly string[] EnrolmentColumns = ["subjectCode", "site", "arm", "enrolledOn", "randomizedOn"];

    public EntryForm EnrolmentForm { get; }
    public EntryShape Enrolment { get; }
    public EntryForm? RandomizationForm { get; }
    /// <summary>In a randomized study, the subjects file's randomization columns (date, arm, strata); null otherwise.</summary>
    public EntryShape? Randomization { get; }
    public IReadOnlyList<(EntryShape Shape, EntryForm Form)> Events { get; }

    public ImportShapes(Protocol protocol)
    {
        // The form's site choices are the signed-in user's; a file names its sites itself.
        EnrolmentForm = EntryForms.Enrolment(protocol, new ClaimsPrincipal(new ClaimsIdentity()));
        Enrolment = new EntryShape(EnrolmentForm.Kind, EnrolmentForm.Fields.Select(f => Column(f, SubjectsColumn(f))).ToList());
        if (protocol.IsRandomized)
        {
            RandomizationForm = EntryForms.FollowUp("randomization", protocol)!;
            Randomization = new EntryShape(RandomizationForm.Kind, RandomizationForm.Fields.Select(f => Column(f, f.Key)).ToList());
        }
        Events = EntryForms.FollowUpSlugs.Select(slug => EntryForms.FollowUp(slug, protocol)!)
            .Select(form => (new EntryShape(form.Kind, form.Fields.Select(f => Column(f, f.Key == DateFields[form.Kind] ? ImportLayout.Date : f.Key)).ToList()), form))
            .ToList();
    }

    public EntryForm FormOf(EntryShape shape) => Events.First(e => e.Shape == shape).Form;

    /// <summary>The stored event types (as ODM names its forms, <c>F.disease_progressed</c>) and the form that records each.</summary>
    public static readonly IReadOnlyDictionary<string, string> SlugsByEventType = new Dictionary<string, string>
    {
        ["patient_randomized"] = "randomization", ["treatment_started"] = "treatment-start", ["imaging_assessed"] = "imaging",
        ["adverse_event_recorded"] = "adverse-event", ["disease_progressed"] = "progression", ["disease_relapsed"] = "relapse",
        ["patient_died"] = "death", ["last_known_alive"] = "last-known-alive", ["withdrew_from_follow_up"] = "withdrawal",
    };

    /// <summary>The form an ODM form of <paramref name="eventType"/> fills; null for a type the registry does not record.</summary>
    public EntryForm? FormOfEventType(string eventType) =>
        eventType == "patient_enrolled" ? EnrolmentForm
        : SlugsByEventType.TryGetValue(eventType, out var slug) ? Events.First(e => e.Form.Slug == slug).Form
        : null;

    /// <summary>A variable's column is its key, or <c>baseline.KEY</c> where the key is also one of the fixed columns.</summary>
    public static string SubjectsColumn(FormField field) =>
        field.Path is ["baseline", var key] && !EnrolmentColumns.Contains(key) ? key : field.Key;

    private static LayoutColumn Column(FormField field, string name) =>
        new(name, field.Key, field.Input == InputKind.Lines, field.MissingCodes is not null);

    /// <summary>
    /// A row's values as the form's inputs would hold them: yes/no as the form posts it (<c>true</c>/<c>false</c>,
    /// whatever the case a spreadsheet wrote it in).
    /// </summary>
    public static Dictionary<string, string> AsPosted(Dictionary<string, string> values, EntryForm form)
    {
        foreach (var key in YesNoKeys.GetValue(form, f => [.. f.Fields.Where(field => field.Input == InputKind.YesNo).Select(field => field.Key)]))
            if (values.TryGetValue(key, out var v) && (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase)))
                values[key] = v.ToLowerInvariant();
        return values;
    }

    /// <summary>Each form's yes/no fields' keys, found once: an import asks for every row.</summary>
    private static readonly ConditionalWeakTable<EntryForm, string[]> YesNoKeys = [];
}
