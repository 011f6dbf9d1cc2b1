using System.Globalization;
using System.Security.Claims;
using Registry.Api.Auth;
using Registry.Api.Patients;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Api.Web.Coordinator;

/// <summary>
/// One kind of clinical entry as a form: its address under <c>/patients/{id}/record/</c>, the API's <c>kind</c>, the
/// button that records it, the request record the form fills (the same one the API route reads) and its fields, in order.
/// </summary>
public sealed record EntryForm(string Slug, string Kind, string Button, Type Request, IReadOnlyList<FormField> Fields);

/// <summary>
/// The coordinator's forms: one per clinical entry the API records, with labels in the clinic's words. The enrolment
/// form and the randomization form are generated from the study's protocol (data dictionary, arms, strata).
/// Labels are stable: end-to-end tests and docs/web.md name fields by them.
/// </summary>
public static class EntryForms
{
    /// <summary>The follow-up entries in the order the timeline offers them.</summary>
    public static readonly IReadOnlyList<string> FollowUpSlugs =
        ["randomization", "treatment-start", "imaging", "adverse-event", "progression", "relapse", "death", "last-known-alive", "withdrawal"];

    private static readonly Choice[] YesNo = [new("true", "Yes"), new("false", "No")];

    /// <summary>The follow-up form at <paramref name="slug"/>; null when there is none. <paramref name="baseline"/> gives the strata hints of a randomization.</summary>
    public static EntryForm? FollowUp(string slug, Protocol protocol, BaselineValues? baseline = null) => slug switch
    {
        "randomization" => new("randomization", "randomized", "Record randomization", typeof(RandomizePatient),
        [
            Date("randomizedOn", "Randomization date"),
            FormField.At("arm", "Arm", InputKind.Choice, choices: Arms(protocol)),
            .. (protocol.StratificationFactors ?? []).Select(factor => Stratum(protocol, factor, baseline)),
        ]),
        "treatment-start" => new("treatment-start", "treatmentStarted", "Record treatment start", typeof(StartTreatment),
        [
            Date("startedOn", "Treatment start date"),
            FormField.At("agents", "Agents", InputKind.Lines, "Optional. One agent per line, as given (e.g. camrelizumab)."),
            FormField.At("line", "Line of treatment", InputKind.WholeNumber, "Optional. A whole number from 0 (neoadjuvant) to 20."),
        ]),
        "imaging" => new("imaging", "imagingAssessed", "Record imaging", typeof(AssessImaging),
        [
            Date("assessedOn", "Assessment date"),
            FormField.At("targetLesionSumMm", "Sum of target lesion diameters (mm)", InputKind.Number,
                "Optional. 0–2000 mm; lymph nodes by short axis, nodes under 10 mm count as 0."),
            FormField.At("nonTargetStatus", "Non-target lesions", InputKind.Choice, choices:
            [
                new("None", "None — no non-target lesions"), new("CR", "CR — all gone"), new("NonCRNonPD", "Non-CR/Non-PD — persisting"),
                new("PD", "PD — unequivocal progression"), new("NE", "NE — not evaluable"),
            ]),
            FormField.At("newLesions", "New lesions", InputKind.YesNo, choices: YesNo),
            FormField.At("response", "Overall response (RECIST 1.1)", InputKind.Choice,
                "PD whenever there are new lesions or non-target progression; CR needs target sum 0 mm and non-target CR or none.",
                [
                    new("CR", "CR — complete response"), new("PR", "PR — partial response"), new("SD", "SD — stable disease"),
                    new("PD", "PD — progressive disease"), new("NE", "NE — not evaluable"),
                ]),
        ]),
        "adverse-event" => new("adverse-event", "adverseEventRecorded", "Record adverse event", typeof(RecordAdverseEvent),
        [
            .. AdverseEventFields,
            Date("diedOn", "Date of death (grade 5 only)", "Only with grade 5: records the death with the event."),
        ]),
        "progression" => new("progression", "diseaseProgressed", "Record progression", typeof(RecordProgression),
        [
            Date("progressedOn", "Progression date"),
            FormField.At("basis", "Basis of progression", InputKind.Choice, choices: [new("Radiological", "Radiological"), new("Clinical", "Clinical")]),
            FormField.At("site", "Site of progression", InputKind.Choice, "Optional; locoregional and distant progression count for DMFS and LRRFS.",
                FailureSites, "— not known —"),
        ]),
        "relapse" => new("relapse", "relapsed", "Record relapse", typeof(RecordRelapse),
        [
            Date("relapsedOn", "Relapse date"),
            FormField.At("type", "Site of relapse", InputKind.Choice, choices: FailureSites),
        ]),
        "death" => new("death", "died", "Record death", typeof(RecordDeath),
        [
            Date("diedOn", "Date of death"),
            FormField.At("cause", "Cause of death", InputKind.Text, "Optional, at most 500 characters."),
        ]),
        "last-known-alive" => new("last-known-alive", "lastKnownAlive", "Record last known alive", typeof(RecordFollowUp),
        [
            Date("lastKnownAliveOn", "Date last known alive"),
        ]),
        "withdrawal" => new("withdrawal", "withdrewFromFollowUp", "Record withdrawal", typeof(WithdrawFromFollowUp),
        [
            Date("withdrewOn", "Withdrawal date"),
            FormField.At("reason", "Reason for withdrawal", InputKind.LongText, "At most 500 characters."),
        ]),
        _ => null,
    };

    /// <summary>
    /// The form a correction of <paramref name="fact"/> fills: the same fields as recording it, except what a correction
    /// cannot change — the enrolment's subject code, and the death that a grade 5 adverse event may bring with it.
    /// </summary>
    public static EntryForm ForCorrection(IPatientFact fact, Protocol protocol, ClaimsPrincipal user, BaselineValues baseline) => fact switch
    {
        PatientEnrolled => Enrolment(protocol, user, correction: true),
        AdverseEventRecorded => FollowUp("adverse-event", protocol)! with { Fields = AdverseEventFields },
        _ => FollowUp(SlugOf(fact), protocol, baseline)!,
    };

    /// <summary>
    /// Enrolment: the subject code (not in a correction, which cannot change it), the caller's sites only, the arm when
    /// the design assigns it at enrolment, the date, and one field per variable of the data dictionary.
    /// </summary>
    public static EntryForm Enrolment(Protocol protocol, ClaimsPrincipal user, bool correction = false)
    {
        var sites = user.FindAll(RegistryClaims.Site).Select(c => c.Value).Order(StringComparer.Ordinal).Select(s => new Choice(s, s)).ToList();
        List<FormField> fields = [];
        if (!correction)
            fields.Add(FormField.At("subjectCode", "Subject code", InputKind.Text,
                "The patient's pseudonymous code: letters, digits, '.', '-', '_', no spaces — never a name."));
        fields.Add(FormField.At("site", "Site", InputKind.Choice, choices: sites));
        if (!protocol.IsRandomized) fields.Add(FormField.At("arm", "Arm", InputKind.Choice, choices: Arms(protocol)));
        fields.Add(Date("enrolledOn", "Enrolment date"));
        fields.AddRange(protocol.Variables.Select(Variable));
        return new EntryForm("enrolment", "enrolled", correction ? "Record correction" : "Enrol patient", typeof(EnrolPatient), fields);
    }

    /// <summary>The slug of the form that records a fact of this kind.</summary>
    public static string SlugOf(IPatientFact fact) => fact switch
    {
        PatientEnrolled => "enrolment",
        PatientRandomized => "randomization",
        TreatmentStarted => "treatment-start",
        ImagingAssessed => "imaging",
        AdverseEventRecorded => "adverse-event",
        DiseaseProgressed => "progression",
        DiseaseRelapsed => "relapse",
        PatientDied => "death",
        LastKnownAlive => "last-known-alive",
        WithdrewFromFollowUp => "withdrawal",
        _ => throw new ArgumentOutOfRangeException(nameof(fact), fact.GetType().Name),
    };

    /// <summary>What a form shows for a recorded fact, by field key: to prefill a correction and to show an entry as recorded.</summary>
    public static Dictionary<string, string> Values(IPatientFact fact)
    {
        var values = new Dictionary<string, string>();
        void Set(string key, object? value)
        {
            if (value is not null) values[key] = Text(value);
        }
        switch (fact)
        {
            case PatientEnrolled e:
                Set("subjectCode", e.SubjectCode);
                Set("site", e.Site);
                Set("arm", e.Arm);
                Set("enrolledOn", e.EnrolledOn);
                foreach (var (key, value) in e.Baseline)
                {
                    if (value.IsMissing) values[$"missing:baseline.{key}"] = value.Missing!;
                    else Set($"baseline.{key}", (object?)value.Number ?? (object?)value.Text ?? value.Flag);
                }
                break;
            case PatientRandomized r:
                Set("randomizedOn", r.RandomizedOn);
                Set("arm", r.Arm);
                foreach (var (factor, group) in r.Strata ?? new Dictionary<string, string>()) Set($"strata.{factor}", group);
                break;
            case TreatmentStarted t:
                Set("startedOn", t.StartedOn);
                if (t.Agents is { Count: > 0 } agents) Set("agents", string.Join('\n', agents));
                Set("line", t.Line);
                break;
            case ImagingAssessed i:
                Set("assessedOn", i.AssessedOn);
                Set("targetLesionSumMm", i.TargetLesionSumMm);
                Set("nonTargetStatus", i.NonTargetStatus);
                Set("newLesions", i.NewLesions);
                Set("response", i.Response);
                break;
            case AdverseEventRecorded a:
                Set("term", a.Term);
                Set("grade", a.Grade);
                Set("onsetOn", a.OnsetOn);
                Set("serious", a.Serious);
                Set("attribution", a.Attribution);
                break;
            case DiseaseProgressed p:
                Set("progressedOn", p.ProgressedOn);
                Set("basis", p.Basis);
                Set("site", p.Site);
                break;
            case DiseaseRelapsed r:
                Set("relapsedOn", r.RelapsedOn);
                Set("type", r.Type);
                break;
            case PatientDied d:
                Set("diedOn", d.DiedOn);
                Set("cause", d.Cause);
                break;
            case LastKnownAlive l:
                Set("lastKnownAliveOn", l.LastKnownAliveOn);
                break;
            case WithdrewFromFollowUp w:
                Set("withdrewOn", w.WithdrewOn);
                Set("reason", w.Reason);
                break;
        }
        return values;
    }

    /// <summary>A form's fields with their values in words (choices by their text, missing codes by name), skipping empty ones.</summary>
    public static IEnumerable<(string Label, string Value)> Describe(EntryForm form, IReadOnlyDictionary<string, string> values)
    {
        foreach (var field in form.Fields)
        {
            if (values.TryGetValue(field.Key, out var value) && value.Length > 0)
                yield return (field.Label, field.Input == InputKind.Lines ? value.Replace("\n", ", ") : field.Show(value));
            else if (values.TryGetValue(field.MissingName, out var code))
                yield return (field.Label, MissingCodes.Label(code));
        }
    }

    private static readonly FormField[] AdverseEventFields =
    [
        FormField.At("term", "Adverse event term (CTCAE)", InputKind.Text, "The CTCAE term, e.g. Hypothyroidism; at most 200 characters."),
        FormField.At("grade", "CTCAE grade", InputKind.WholeNumber, choices:
        [
            new("1", "1 — mild"), new("2", "2 — moderate"), new("3", "3 — severe"), new("4", "4 — life-threatening"), new("5", "5 — death"),
        ]),
        Date("onsetOn", "Onset date"),
        FormField.At("serious", "Serious adverse event", InputKind.YesNo, choices: YesNo),
        FormField.At("attribution", "Attribution to study treatment", InputKind.Choice, choices:
            [.. Enum.GetNames<Attribution>().Select(a => new Choice(a, a))]),
    ];

    private static readonly Choice[] FailureSites =
        [new("Locoregional", "Locoregional"), new("Distant", "Distant"), new("Both", "Both locoregional and distant")];

    private static FormField Date(string name, string label, string? hint = null) => FormField.At(name, label, InputKind.Date, hint);

    private static Choice[] Arms(Protocol protocol) => [.. protocol.Arms.Select(a => new Choice(a.Code, $"{a.Code} — {a.Name}"))];

    private static FormField Stratum(Protocol protocol, string factor, BaselineValues? baseline)
    {
        var variable = protocol.Variable(factor);
        var groups = variable is null ? [] : DataDictionary.GroupLabels(variable);
        var fromBaseline = variable is null ? null : DataDictionary.GroupOf(variable, baseline?.Get(factor));
        return new(["strata", factor], $"Stratum: {variable?.Label ?? factor}", InputKind.Choice,
            fromBaseline is null ? null : $"The baseline puts this patient in {fromBaseline}.",
            [.. groups.Select(g => new Choice(g, g))]);
    }

    private static FormField Variable(Variable v)
    {
        var (input, hint) = v.Type switch
        {
            VariableTypes.Integer => (InputKind.WholeNumber, $"A whole number{Range(v)}."),
            VariableTypes.Decimal => (InputKind.Number, $"A number{Range(v)}."),
            VariableTypes.Category => (InputKind.Choice, null),
            VariableTypes.Boolean => (InputKind.YesNo, null),
            VariableTypes.Date => (InputKind.Date, null),
            _ => (InputKind.Text, "At most 500 characters."),
        };
        var missing = v.AllowedMissing;
        if (missing.Count > 0)
            hint = $"{hint} Or, when there is no value, choose {string.Join(" or ", missing.Select(MissingCodes.Label))} below.".TrimStart();
        return new(["baseline", v.Key], v.Unit is { Length: > 0 } unit ? $"{v.Label} ({unit})" : v.Label, input, hint,
            v.Type == VariableTypes.Boolean ? YesNo : v.Levels?.Select(l => new Choice(l, l)).ToList(), missing.Count > 0 ? missing : null);
    }

    private static string Range(Variable v)
    {
        var unit = v.Unit is { Length: > 0 } u ? $" {u}" : "";
        return (v.Min, v.Max) switch
        {
            ({ } min, { } max) => $" from {Number(min)} to {Number(max)}{unit}",
            ({ } min, null) => $" of at least {Number(min)}{unit}",
            (null, { } max) => $" of at most {Number(max)}{unit}",
            _ => unit.Length > 0 ? $", in{unit}" : "",
        };
    }

    private static string Number(double d) => d.ToString(CultureInfo.InvariantCulture);

    private static string Text(object value) => value switch
    {
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double n => n.ToString(CultureInfo.InvariantCulture),
        int n => n.ToString(CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
