using System.Xml;
using System.Xml.Linq;
using Registry.Interop.Import;

namespace Registry.Interop.Odm;

/// <summary>What one ODM transaction does to an entry: records it, corrects it (the items it changed), or voids it (a form-level Remove).</summary>
public enum OdmChange { Entry, Correction, Void }

/// <summary>
/// One FormData transaction of a subject, read from an ODM 1.3.2 ClinicalData: the entry's kind (the stored event
/// type its FormOID names), the file's key for the entry (FormRepeatKey), and the entry's items as they stand after this
/// transaction (item path → value; a correction's Update, Insert and Remove items applied to the entry's earlier items).
/// <see cref="Line"/> is where the FormData starts in the file.
/// </summary>
public sealed record OdmTransaction(int Line, string SubjectKey, string EventType, string RepeatKey, OdmChange Change,
    IReadOnlyDictionary<string, string> Items, IReadOnlyDictionary<string, int> ItemLines, string? Reason, string? RecordedAt);

/// <summary>
/// Reads the ClinicalData of an ODM 1.3.2 file in the shape the registry's export writes (docs/audit.md, docs/interop.md):
/// SubjectData by SubjectKey, FormData <c>F.&lt;event type&gt;</c> keyed by FormRepeatKey, ItemData <c>IT.&lt;event type&gt;.&lt;path&gt;</c>,
/// each transaction with its AuditRecord. Problems are placed at the file's line (as "row") and the attribute or OID.
/// </summary>
public static class OdmClinicalData
{
    private static readonly XNamespace Odm = OdmMetadata.Odm;

    public static (List<OdmTransaction> Transactions, List<ImportProblem> Problems) Read(string file, Stream content)
    {
        var problems = new List<ImportProblem>();
        var transactions = new List<OdmTransaction>();
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(content, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            problems.Add(new ImportProblem(file, e.LineNumber, null, $"The file is not well-formed XML: {e.Message}"));
            return (transactions, problems);
        }
        if (document.Root?.Name != Odm + "ODM")
        {
            problems.Add(new ImportProblem(file, null, null, $"The file is not CDISC ODM 1.3: its root element must be ODM in the namespace {Odm.NamespaceName}."));
            return (transactions, problems);
        }
        var clinical = document.Root.Elements(Odm + "ClinicalData").ToList();
        if (clinical.Count == 0) problems.Add(new ImportProblem(file, null, null, "The file has no ClinicalData to import."));

        foreach (var subject in clinical.SelectMany(c => c.Elements(Odm + "SubjectData")))
        {
            var key = (string?)subject.Attribute("SubjectKey");
            if (string.IsNullOrWhiteSpace(key))
            {
                problems.Add(new ImportProblem(file, Line(subject), "SubjectKey", "A SubjectData needs its SubjectKey: the subject code."));
                continue;
            }
            var entries = new Dictionary<string, (string Type, Dictionary<string, string> Items, Dictionary<string, int> Lines)>(StringComparer.Ordinal);
            foreach (var form in subject.Elements(Odm + "StudyEventData").Elements(Odm + "FormData"))
            {
                var line = Line(form);
                var oid = (string?)form.Attribute("FormOID") ?? "";
                var repeat = (string?)form.Attribute("FormRepeatKey") ?? "1";
                if (!oid.StartsWith("F.", StringComparison.Ordinal))
                {
                    problems.Add(new ImportProblem(file, line, "FormOID", $"'{oid}' is not a registry form (F.<event type>, e.g. F.disease_progressed)."));
                    continue;
                }
                var type = oid[2..];
                var audit = form.Element(Odm + "AuditRecord") ?? form.Descendants(Odm + "AuditRecord").FirstOrDefault();
                var reason = audit?.Element(Odm + "ReasonForChange")?.Value;
                var recordedAt = audit?.Element(Odm + "DateTimeStamp")?.Value;
                var known = entries.TryGetValue(repeat, out var entry);
                if ((string?)form.Attribute("TransactionType") == "Remove")
                {
                    transactions.Add(new OdmTransaction(line, key, type, repeat, OdmChange.Void, entry.Items ?? [], entry.Lines ?? [], reason, recordedAt));
                    continue;
                }
                var items = known ? new Dictionary<string, string>(entry.Items) : new Dictionary<string, string>(StringComparer.Ordinal);
                var lines = known ? new Dictionary<string, int>(entry.Lines) : new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var item in form.Elements(Odm + "ItemGroupData").Elements(Odm + "ItemData"))
                {
                    var itemOid = (string?)item.Attribute("ItemOID") ?? "";
                    var prefix = $"IT.{type}.";
                    if (!itemOid.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        problems.Add(new ImportProblem(file, Line(item), itemOid, $"An item of {oid} is named {prefix}<field>, not '{itemOid}'."));
                        continue;
                    }
                    var path = itemOid[prefix.Length..];
                    lines[path] = Line(item);
                    if ((string?)item.Attribute("TransactionType") == "Remove" || (string?)item.Attribute("IsNull") == "Yes") items.Remove(path);
                    else items[path] = (string?)item.Attribute("Value") ?? "";
                }
                entries[repeat] = (type, items, lines);
                transactions.Add(new OdmTransaction(line, key, type, repeat, known ? OdmChange.Correction : OdmChange.Entry, items, lines, reason, recordedAt));
            }
        }
        return (transactions, problems);
    }

    private static int Line(XElement element) => ((IXmlLineInfo)element).LineNumber;
}
