using System.Globalization;
using System.Xml.Linq;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;

namespace Registry.Interop.Odm;

/// <summary>
/// A study as CDISC ODM 1.3.2 metadata: <c>Study</c> with its GlobalVariables, the units its dictionary uses, and one
/// MetaDataVersion — a study event holding a repeating form per kind of entry (OIDs named after the stored event types,
/// <c>F.disease_progressed</c>), an item group per form and an ItemDef per field: data type, length, unit, range
/// checks and code lists from the data dictionary (every variable of every protocol version), the arms, strata and the
/// registry's own choices (RECIST responses, CTCAE grades, …). Items the clinical data uses beyond these are defined as text.
/// </summary>
public static class OdmMetadata
{
    public static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";

    /// <summary>One field of a form: its item path, question, ODM data type, and what limits it.</summary>
    private sealed record Field(string Path, string Question, string DataType, int? Length = null, string? Unit = null,
        double? Min = null, double? Max = null, string? CodeList = null, bool Mandatory = true);

    private sealed record CodeList(string Oid, string Name, IReadOnlyList<string> Values, string DataType = "text");

    /// <param name="metaDataVersion">The OID the clinical data refers to.</param>
    /// <param name="studyEvent">The study event the clinical data's forms sit in.</param>
    /// <param name="used">The item paths the clinical data uses, by event type.</param>
    public static XElement Study(Study study, string metaDataVersion, string studyEvent, IReadOnlyDictionary<string, SortedSet<string>> used)
    {
        var protocol = study.Protocol;
        // Later versions' definitions win; a variable dropped by an amendment keeps the last definition it had.
        var variables = study.Revisions.SelectMany(r => r.Protocol.Variables ?? []).GroupBy(v => v.Key).Select(g => g.Last()).ToList();
        var codeLists = new Dictionary<string, CodeList>(StringComparer.Ordinal);
        string List(string oid, string name, IEnumerable<string> values, string dataType = "text")
        {
            codeLists.TryAdd(oid, new CodeList(oid, name, values.ToList(), dataType));
            return oid;
        }

        var arms = List("CL.arm", "Arm", study.Revisions.SelectMany(r => r.Protocol.Arms).Select(a => a.Code).Distinct());
        var failureSites = List("CL.failureSite", "Site of failure", Enum.GetNames<FailureSite>());
        var forms = new List<(string Type, string Name, List<Field> Fields)>
        {
            ("patient_enrolled", "Enrolment", [
                new("subjectCode", "Subject code", "text", 40), new("site", "Site", "text", 40),
                new("arm", "Arm", "text", 20, CodeList: arms, Mandatory: false), new("enrolledOn", "Enrolment date", "date"),
                .. variables.SelectMany(v => Variable(v, List)),
            ]),
            ("patient_randomized", "Randomization", [
                new("randomizedOn", "Randomization date", "date"), new("arm", "Arm", "text", 20, CodeList: arms),
                .. (protocol.StratificationFactors ?? []).Select(f => protocol.Variable(f) is { } v
                    ? new Field($"strata.{f}", $"Stratum: {v.Label}", "text", 100, CodeList: List($"CL.strata.{f}", $"Stratum: {v.Label}", DataDictionary.GroupLabels(v)))
                    : new Field($"strata.{f}", $"Stratum: {f}", "text", 100)),
            ]),
            ("treatment_started", "Treatment start", [
                new("startedOn", "Treatment start date", "date"), new("line", "Line of treatment", "integer", 2, Min: 0, Max: 20, Mandatory: false),
            ]),
            ("imaging_assessed", "Imaging assessment (RECIST 1.1)", [
                new("assessedOn", "Assessment date", "date"),
                new("targetLesionSumMm", "Sum of target lesion diameters", "float", Unit: "mm", Min: 0, Max: 2000, Mandatory: false),
                new("nonTargetStatus", "Non-target lesions", "text", 10, CodeList: List("CL.nonTargetStatus", "Non-target lesions", Enum.GetNames<NonTargetStatus>())),
                new("newLesions", "New lesions", "boolean"),
                new("response", "Overall response (RECIST 1.1)", "text", 2, CodeList: List("CL.response", "Overall response", Enum.GetNames<TimepointResponse>())),
            ]),
            ("adverse_event_recorded", "Adverse event (CTCAE)", [
                new("term", "Adverse event term (CTCAE)", "text", 200),
                new("grade", "CTCAE grade", "integer", 1, CodeList: List("CL.grade", "CTCAE grade", ["1", "2", "3", "4", "5"], "integer")),
                new("onsetOn", "Onset date", "date"), new("serious", "Serious adverse event", "boolean"),
                new("attribution", "Attribution to study treatment", "text", 10, CodeList: List("CL.attribution", "Attribution", Enum.GetNames<Attribution>())),
            ]),
            ("disease_progressed", "Progression", [
                new("progressedOn", "Progression date", "date"),
                new("basis", "Basis of progression", "text", 12, CodeList: List("CL.basis", "Basis of progression", Enum.GetNames<ProgressionBasis>())),
                new("site", "Site of progression", "text", 12, CodeList: failureSites, Mandatory: false),
            ]),
            ("disease_relapsed", "Relapse", [new("relapsedOn", "Relapse date", "date"), new("type", "Site of relapse", "text", 12, CodeList: failureSites)]),
            ("patient_died", "Death", [new("diedOn", "Date of death", "date"), new("cause", "Cause of death", "text", 500, Mandatory: false)]),
            ("last_known_alive", "Last known alive", [new("lastKnownAliveOn", "Date last known alive", "date")]),
            ("withdrew_from_follow_up", "Withdrawal from follow-up", [new("withdrewOn", "Withdrawal date", "date"), new("reason", "Reason for withdrawal", "text", 500)]),
        };
        // What the data holds beyond the catalogue (list items such as agents.1, fields of a first-schema dictionary) is text.
        foreach (var (type, paths) in used)
        {
            var form = forms.FirstOrDefault(f => f.Type == type);
            if (form.Fields is null) forms.Add(form = (type, type, []));
            foreach (var path in paths.Where(p => form.Fields.All(f => f.Path != p)))
                form.Fields.Add(new Field(path, path, "text", Mandatory: false));
        }

        var units = forms.SelectMany(f => f.Fields).Select(f => f.Unit).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        return new XElement(Odm + "Study", new XAttribute("OID", protocol.Code),
            new XElement(Odm + "GlobalVariables",
                new XElement(Odm + "StudyName", protocol.Code),
                new XElement(Odm + "StudyDescription", protocol.Title),
                new XElement(Odm + "ProtocolName", $"{protocol.Code} protocol version {study.ProtocolVersion}")),
            units.Count == 0 ? null : new XElement(Odm + "BasicDefinitions", units.Select(u =>
                new XElement(Odm + "MeasurementUnit", new XAttribute("OID", UnitOid(u)), new XAttribute("Name", u),
                    new XElement(Odm + "Symbol", Text(u))))),
            new XElement(Odm + "MetaDataVersion", new XAttribute("OID", metaDataVersion), new XAttribute("Name", $"{protocol.Code} protocol version {study.ProtocolVersion}"),
                new XElement(Odm + "Protocol", new XElement(Odm + "StudyEventRef", new XAttribute("StudyEventOID", studyEvent), new XAttribute("OrderNumber", 1), new XAttribute("Mandatory", "Yes"))),
                new XElement(Odm + "StudyEventDef", new XAttribute("OID", studyEvent), new XAttribute("Name", "Registry record"), new XAttribute("Repeating", "No"), new XAttribute("Type", "Common"),
                    forms.Select((f, i) => new XElement(Odm + "FormRef", new XAttribute("FormOID", $"F.{f.Type}"), new XAttribute("OrderNumber", i + 1),
                        new XAttribute("Mandatory", f.Type == "patient_enrolled" ? "Yes" : "No")))),
                forms.Select(f => new XElement(Odm + "FormDef", new XAttribute("OID", $"F.{f.Type}"), new XAttribute("Name", f.Name), new XAttribute("Repeating", "Yes"),
                    new XElement(Odm + "ItemGroupRef", new XAttribute("ItemGroupOID", $"IG.{f.Type}"), new XAttribute("Mandatory", "Yes")))),
                forms.Select(f => new XElement(Odm + "ItemGroupDef", new XAttribute("OID", $"IG.{f.Type}"), new XAttribute("Name", f.Name), new XAttribute("Repeating", "No"),
                    f.Fields.Select((field, i) => new XElement(Odm + "ItemRef", new XAttribute("ItemOID", $"IT.{f.Type}.{field.Path}"),
                        new XAttribute("OrderNumber", i + 1), new XAttribute("Mandatory", field.Mandatory ? "Yes" : "No"))))),
                forms.SelectMany(f => f.Fields.Select(field => ItemDef(f.Type, field))),
                codeLists.Values.Select(c => new XElement(Odm + "CodeList", new XAttribute("OID", c.Oid), new XAttribute("Name", c.Name), new XAttribute("DataType", c.DataType),
                    c.Values.Select(v => new XElement(Odm + "CodeListItem", new XAttribute("CodedValue", v), new XElement(Odm + "Decode", Text(v))))))));
    }

    /// <summary>A dictionary variable's item (<c>baseline.KEY</c>) and, where it may be recorded as missing, the item holding the missing code.</summary>
    private static IEnumerable<Field> Variable(Variable v, Func<string, string, IEnumerable<string>, string, string> list)
    {
        var (type, length) = v.Type switch
        {
            VariableTypes.Integer => ("integer", (int?)null),
            VariableTypes.Decimal => ("float", null),
            VariableTypes.Boolean => ("boolean", null),
            VariableTypes.Date => ("date", null),
            VariableTypes.Category => ("text", Math.Max(1, (v.Levels ?? []).Select(l => l.Length).DefaultIfEmpty(1).Max())),
            _ => ("text", 500),
        };
        var codes = v.Type == VariableTypes.Category ? list($"CL.baseline.{v.Key}", v.Label, v.Levels ?? [], "text") : null;
        yield return new Field($"baseline.{v.Key}", v.Label, type, length, v.Unit is { Length: > 0 } ? v.Unit : null, v.Min, v.Max, codes,
            v.Required);
        if (v.AllowedMissing.Count > 0)
            yield return new Field($"baseline.{v.Key}.missing", $"{v.Label}: why not recorded", "text", 8,
                CodeList: list("CL.missing", "Why a value is not recorded", MissingCodes.All, "text"), Mandatory: false);
    }

    private static XElement ItemDef(string form, Field f) => new(Odm + "ItemDef",
        new XAttribute("OID", $"IT.{form}.{f.Path}"), new XAttribute("Name", f.Path), new XAttribute("DataType", f.DataType),
        f.Length is { } length ? new XAttribute("Length", length) : null,
        new XElement(Odm + "Question", Text(f.Question)),
        f.Unit is { } unit ? new XElement(Odm + "MeasurementUnitRef", new XAttribute("MeasurementUnitOID", UnitOid(unit))) : null,
        f.Min is { } min ? Range("GE", min) : null,
        f.Max is { } max ? Range("LE", max) : null,
        f.CodeList is { } codeList ? new XElement(Odm + "CodeListRef", new XAttribute("CodeListOID", codeList)) : null);

    private static XElement Range(string comparator, double value) => new(Odm + "RangeCheck",
        new XAttribute("Comparator", comparator), new XAttribute("SoftHard", "Hard"),
        new XElement(Odm + "CheckValue", value.ToString(CultureInfo.InvariantCulture)),
        new XElement(Odm + "ErrorMessage", Text($"must be {(comparator == "GE" ? "at least" : "at most")} {value.ToString(CultureInfo.InvariantCulture)}")));

    private static XElement Text(string text) => new(Odm + "TranslatedText", new XAttribute(XNamespace.Xml + "lang", "en"), text);

    private static string UnitOid(string unit) => "MU." + new string(unit.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
}
