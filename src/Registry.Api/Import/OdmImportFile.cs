using Registry.Api.Web.Coordinator;
using Registry.Interop.Import;
using Registry.Interop.Odm;

namespace Registry.Api.Import;

/// <summary>
/// An ODM 1.3.2 file's ClinicalData read into the writes a coordinator would send: each new FormData an entry, a
/// FormData repeating an entry's FormRepeatKey a correction with its ReasonForChange (a form-level Remove, a void).
/// Consecutive entries of a subject with the same AuditRecord DateTimeStamp were one write (an adverse event with the
/// death it brought) and are decided together, as the API decides them.
/// </summary>
public static class OdmImportFile
{
    private const string MissingSuffix = ".missing";

    public static ImportPlanFile Read(ImportFile file, ImportShapes shapes)
    {
        using var content = new MemoryStream(file.Content);
        var (transactions, problems) = OdmClinicalData.Read(file.Name, content);
        var writes = new List<ImportWrite>();
        OdmTransaction? last = null;
        foreach (var t in transactions)
        {
            if (shapes.FormOfEventType(t.EventType) is not { } form)
            {
                problems.Add(new ImportProblem(file.Name, t.Line, "FormOID", $"F.{t.EventType} is not a kind of entry the registry records."));
                continue;
            }
            var columns = form.Fields.Select(f => new LayoutColumn($"IT.{t.EventType}.{f.Key}", f.Key, f.Input == InputKind.Lines, f.MissingCodes is not null)).ToList();
            var entry = t.Change switch
            {
                OdmChange.Void => new ImportEntry(null, columns, []) { Voids = t.RepeatKey, Reason = t.Reason },
                OdmChange.Correction => new ImportEntry(form, columns, Values(file.Name, t, form, problems)) { Corrects = t.RepeatKey, Reason = t.Reason },
                _ => new ImportEntry(form, columns, Values(file.Name, t, form, problems), t.RepeatKey),
            };
            var together = last is { Change: OdmChange.Entry } && t.Change == OdmChange.Entry && t.EventType != "patient_enrolled"
                && last.EventType != "patient_enrolled" && last.SubjectKey == t.SubjectKey && t.RecordedAt is not null && last.RecordedAt == t.RecordedAt;
            if (together) writes[^1] = writes[^1] with { Entries = [.. writes[^1].Entries, entry] };
            else writes.Add(new ImportWrite(file.Name, t.Line, t.SubjectKey, [entry]));
            last = t;
        }
        return new ImportPlanFile(file, transactions.Count, writes, problems);
    }

    /// <summary>The items as the form's inputs: a list's numbered items one per line, a missing code under its field's missing input.</summary>
    private static Dictionary<string, string> Values(string file, OdmTransaction t, EntryForm form, List<ImportProblem> problems)
    {
        var fields = form.Fields.ToDictionary(f => f.Key);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lists = new SortedDictionary<(string, int), string>();
        foreach (var (path, value) in t.Items)
        {
            var dot = path.LastIndexOf('.');
            var parent = dot > 0 ? path[..dot] : null;
            if (fields.ContainsKey(path)) values[path] = value;
            else if (path.EndsWith(MissingSuffix, StringComparison.Ordinal) && fields.TryGetValue(path[..^MissingSuffix.Length], out var withMissing)
                     && withMissing.MissingCodes is not null)
                values[withMissing.MissingName] = value;
            else if (parent is not null && fields.TryGetValue(parent, out var list) && list.Input == InputKind.Lines && int.TryParse(path[(dot + 1)..], out var index))
                lists[(parent, index)] = value;
            else
                problems.Add(new ImportProblem(file, t.ItemLines.GetValueOrDefault(path, t.Line), $"IT.{t.EventType}.{path}",
                    $"{path} is not a field of the {form.Kind} entry (its fields: {string.Join(", ", form.Fields.Select(f => f.Key))})."));
        }
        foreach (var group in lists.GroupBy(l => l.Key.Item1)) values[group.Key] = string.Join('\n', group.Select(g => g.Value));
        if (form.Kind == "enrolled" && t.Change == OdmChange.Entry) values.TryAdd("subjectCode", t.SubjectKey);
        return values;
    }
}
