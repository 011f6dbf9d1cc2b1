using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Marten;
using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Audit;

/// <summary>
/// A study's patient data as a transactional CDISC ODM 1.3.2 file: each subject's entries as forms (one per entry,
/// keyed by its stream version), each item insert, update or removal with its AuditRecord — user, site, time,
/// reason for change, and the event's stream, version and hash as SourceID. A void removes the form.
/// </summary>
public static class OdmAuditTrail
{
    public const string Namespace = "http://www.cdisc.org/ns/odm/v1.3";
    public const string MetaDataVersion = "MDV.1";
    public const string StudyEvent = "SE.FOLLOW_UP";
    private const int FlushEvents = 200;

    // Identifiers already carried by SubjectData and ClinicalData, and the JSON type discriminator, are not items.
    private static readonly HashSet<string> NotItems = ["kind", "patientId", "studyId"];

    /// <param name="metadata">
    /// The file's <c>Study</c> element (global variables, metadata version <see cref="MetaDataVersion"/>), given the item
    /// paths the clinical data uses in each form (by event type), so every item written is defined; none when null.
    /// </param>
    public static async Task WriteAsync(IDocumentStore store, Study study, Stream body, CancellationToken ct,
        Func<IReadOnlyDictionary<string, SortedSet<string>>, XElement>? metadata = null)
    {
        // ODM puts Study (metadata) and AdminData (users, sites) before ClinicalData, so a first pass collects them.
        var users = new SortedSet<string>(StringComparer.Ordinal);
        var sites = new SortedSet<string>(StringComparer.Ordinal);
        var itemsByForm = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var forms = new Dictionary<(Guid, long), string>();
        var since = DateTimeOffset.MaxValue;
        await foreach (var e in AuditLog.ReadAsync(store, study.Id, ct))
        {
            if (e.RecordedBy is { } user) users.Add(user);
            if (Enrolment(e.Data) is { } enrolment) sites.Add(enrolment.Site);
            if (e.RecordedAt < since) since = e.RecordedAt;
            var (form, paths) = e.Data switch
            {
                IPatientFact => (e.Type, Items(e.PayloadJson).Keys),
                EntryCorrected c when forms.TryGetValue((e.StreamId, c.EntryVersion), out var original) => (original, Items(e.PayloadJson, "replacement").Keys),
                _ => (null, null),
            };
            if (form is null) continue;
            if (e.Data is IPatientFact) forms[(e.StreamId, e.Version)] = form;
            if (!itemsByForm.TryGetValue(form, out var set)) itemsByForm[form] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.UnionWith(paths!);
        }

        await using var xml = XmlWriter.Create(body, new XmlWriterSettings
        {
            Async = true, Indent = true, Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)
        });
        await xml.WriteStartDocumentAsync();
        await xml.WriteStartElementAsync(null, "ODM", Namespace);
        var created = DateTimeOffset.UtcNow;
        await Attributes(xml, ("FileType", "Transactional"), ("Granularity", "AllClinicalData"),
            ("FileOID", $"TrialRegistry.AuditTrail.{study.Code}.{created:yyyyMMdd'T'HHmmssfff'Z'}"),
            ("CreationDateTime", AuditChain.Timestamp(created)), ("ODMVersion", "1.3.2"), ("SourceSystem", "Trial Registry"),
            ("Description", $"Audit trail of {study.Code}: every recorded entry, correction and void, as recorded."));

        if (metadata is not null) await metadata(itemsByForm).WriteToAsync(xml, ct);

        await xml.WriteStartElementAsync(null, "AdminData", Namespace);
        await Attributes(xml, ("StudyOID", study.Code));
        foreach (var user in users)
        {
            await xml.WriteStartElementAsync(null, "User", Namespace);
            await Attributes(xml, ("OID", UserOid(user)));
            await xml.WriteElementStringAsync(null, "LoginName", Namespace, user);
            await xml.WriteEndElementAsync();
        }
        foreach (var site in sites)
        {
            await xml.WriteStartElementAsync(null, "Location", Namespace);
            await Attributes(xml, ("OID", LocationOid(site)), ("Name", site), ("LocationType", "Site"));
            await xml.WriteStartElementAsync(null, "MetaDataVersionRef", Namespace);
            await Attributes(xml, ("StudyOID", study.Code), ("MetaDataVersionOID", MetaDataVersion),
                ("EffectiveDate", since.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            await xml.WriteEndElementAsync();
            await xml.WriteEndElementAsync();
        }
        await xml.WriteEndElementAsync();

        await xml.WriteStartElementAsync(null, "ClinicalData", Namespace);
        await Attributes(xml, ("StudyOID", study.Code), ("MetaDataVersionOID", MetaDataVersion));
        Subject? subject = null;
        var written = 0;
        await foreach (var e in AuditLog.ReadAsync(store, study.Id, ct))
        {
            if (subject is not null && subject.StreamId != e.StreamId)
            {
                await EndSubjectAsync(xml);
                subject = null;
            }
            // A patient's subject opens at its enrolment; the study's own stream holds no subject data.
            if (subject is null)
            {
                if (e.Data is not PatientEnrolled enrolled) continue;
                subject = new Subject(e.StreamId, enrolled.Site);
                await xml.WriteStartElementAsync(null, "SubjectData", Namespace);
                await Attributes(xml, ("SubjectKey", enrolled.SubjectCode));
                await xml.WriteStartElementAsync(null, "SiteRef", Namespace);
                await Attributes(xml, ("LocationOID", LocationOid(enrolled.Site)));
                await xml.WriteEndElementAsync();
                await xml.WriteStartElementAsync(null, "StudyEventData", Namespace);
                await Attributes(xml, ("StudyEventOID", StudyEvent));
            }
            await WriteEntryAsync(xml, subject, e);
            if (++written % FlushEvents == 0) await xml.FlushAsync();
        }
        if (subject is not null) await EndSubjectAsync(xml);
        await xml.WriteEndElementAsync();
        await xml.WriteEndElementAsync();
        await xml.WriteEndDocumentAsync();
        await xml.FlushAsync();
    }

    /// <summary>One subject's forms so far (entry version → form and items), to diff corrections against.</summary>
    private sealed class Subject(Guid streamId, string site)
    {
        public Guid StreamId { get; } = streamId;
        public string Site { get; set; } = site;
        public Dictionary<long, (string Form, SortedDictionary<string, string> Items)> Entries { get; } = [];
    }

    private static async Task WriteEntryAsync(XmlWriter xml, Subject subject, StoredEvent e)
    {
        switch (e.Data)
        {
            case IPatientFact:
                var items = Items(e.PayloadJson);
                subject.Entries[e.Version] = (e.Type, items);
                await FormAsync(xml, subject, e, e.Type, e.Version, null,
                    items.Select(i => new ItemChange(i.Key, "Insert", i.Value)).ToList());
                break;
            case EntryCorrected correction when subject.Entries.TryGetValue(correction.EntryVersion, out var entry):
                var replaced = Items(e.PayloadJson, "replacement");
                var changes = replaced.Where(i => !entry.Items.TryGetValue(i.Key, out var old) || old != i.Value)
                    .Select(i => new ItemChange(i.Key, entry.Items.ContainsKey(i.Key) ? "Update" : "Insert", i.Value))
                    .Concat(entry.Items.Keys.Where(k => !replaced.ContainsKey(k)).Select(k => new ItemChange(k, "Remove", null)))
                    .OrderBy(c => c.Path, StringComparer.Ordinal)
                    .ToList();
                subject.Entries[correction.EntryVersion] = (entry.Form, replaced);
                await FormAsync(xml, subject, e, entry.Form, correction.EntryVersion, changes.Count == 0 ? "Update" : null, changes);
                if (correction.Replacement is PatientEnrolled enrolled) subject.Site = enrolled.Site;
                break;
            case EntryVoided voided when subject.Entries.TryGetValue(voided.EntryVersion, out var entry):
                await FormAsync(xml, subject, e, entry.Form, voided.EntryVersion, "Remove", []);
                break;
        }
    }

    private sealed record ItemChange(string Path, string TransactionType, string? Value);

    /// <summary>
    /// A form-level transaction (a void, or a correction that changed no item) carries the AuditRecord itself;
    /// otherwise each changed item carries its own.
    /// </summary>
    private static async Task FormAsync(XmlWriter xml, Subject subject, StoredEvent e, string form, long entryVersion,
        string? formTransaction, IReadOnlyList<ItemChange> changes)
    {
        await xml.WriteStartElementAsync(null, "FormData", Namespace);
        await Attributes(xml, ("FormOID", FormOid(form)), ("FormRepeatKey", entryVersion.ToString(CultureInfo.InvariantCulture)));
        if (formTransaction is not null)
        {
            await Attributes(xml, ("TransactionType", formTransaction));
            await AuditRecordAsync(xml, subject, e);
        }
        if (changes.Count > 0)
        {
            await xml.WriteStartElementAsync(null, "ItemGroupData", Namespace);
            await Attributes(xml, ("ItemGroupOID", ItemGroupOid(form)));
            foreach (var change in changes)
            {
                await xml.WriteStartElementAsync(null, "ItemData", Namespace);
                await Attributes(xml, ("ItemOID", ItemOid(form, change.Path)), ("TransactionType", change.TransactionType));
                if (change.Value is not null) await Attributes(xml, ("Value", change.Value));
                await AuditRecordAsync(xml, subject, e);
                await xml.WriteEndElementAsync();
            }
            await xml.WriteEndElementAsync();
        }
        await xml.WriteEndElementAsync();
    }

    private static async Task AuditRecordAsync(XmlWriter xml, Subject subject, StoredEvent e)
    {
        await xml.WriteStartElementAsync(null, "AuditRecord", Namespace);
        await xml.WriteStartElementAsync(null, "UserRef", Namespace);
        await Attributes(xml, ("UserOID", UserOid(e.RecordedBy ?? "")));
        await xml.WriteEndElementAsync();
        await xml.WriteStartElementAsync(null, "LocationRef", Namespace);
        await Attributes(xml, ("LocationOID", LocationOid(subject.Site)));
        await xml.WriteEndElementAsync();
        await xml.WriteElementStringAsync(null, "DateTimeStamp", Namespace, AuditChain.Timestamp(e.RecordedAt));
        // A correction or void says why in its own words; an imported entry, that it was imported.
        if (((e.Data is null ? null : AuditChain.ReasonOf(e.Data)) ?? e.Reason) is { } reason) await xml.WriteElementStringAsync(null, "ReasonForChange", Namespace, reason);
        await xml.WriteElementStringAsync(null, "SourceID", Namespace, $"{e.StreamId}/{e.Version} sha256:{e.Hash}");
        await xml.WriteEndElementAsync();
    }

    private static async Task EndSubjectAsync(XmlWriter xml)
    {
        await xml.WriteEndElementAsync();
        await xml.WriteEndElementAsync();
    }

    /// <summary>A fact's JSON (or its <paramref name="property"/>) flattened to item paths: nested keys joined by '.', list items numbered from 1; nulls are absent.</summary>
    private static SortedDictionary<string, string> Items(string payloadJson, string? property = null)
    {
        using var payload = JsonDocument.Parse(payloadJson);
        var items = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Add(string path, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in value.EnumerateObject().Where(p => path.Length > 0 || !NotItems.Contains(p.Name)))
                        Add(path.Length == 0 ? p.Name : $"{path}.{p.Name}", p.Value);
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in value.EnumerateArray()) Add($"{path}.{++i}", item);
                    break;
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.String:
                    items[path] = value.GetString()!;
                    break;
                default:
                    items[path] = value.GetRawText();
                    break;
            }
        }
        Add("", property is null ? payload.RootElement : payload.RootElement.GetProperty(property));
        return items;
    }

    private static PatientEnrolled? Enrolment(object? data) => data switch
    {
        PatientEnrolled e => e,
        EntryCorrected { Replacement: PatientEnrolled e } => e,
        _ => null
    };

    private static string UserOid(string user) => $"USR.{user}";
    private static string LocationOid(string site) => $"LOC.{site}";

    /// <summary>The OIDs the clinical data refers to, for the metadata that defines them.</summary>
    public static string FormOid(string eventType) => $"F.{eventType}";
    public static string ItemGroupOid(string eventType) => $"IG.{eventType}";
    public static string ItemOid(string eventType, string path) => $"IT.{eventType}.{path}";

    private static async Task Attributes(XmlWriter xml, params (string Name, string Value)[] attributes)
    {
        foreach (var (name, value) in attributes) await xml.WriteAttributeStringAsync(null, name, null, value);
    }
}
