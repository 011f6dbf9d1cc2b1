using Registry.Domain.Protocols;

namespace Registry.Interop.Datasets;

/// <summary>A column's definition beside the function that reads its value from one record, so the two cannot drift apart.</summary>
internal sealed record Column<T>(DatasetColumn Definition, Func<T, object?> Value);

internal static class DatasetBuilder
{
    /// <summary>A dataset's columns and the records each patient gives, one row of values per record in column order.</summary>
    public static DatasetShape Shape<T>(string name, string label, string @class, string structure, IReadOnlyList<Column<T>> columns,
        Func<AnalysisPatient, IEnumerable<T>> records) =>
        new(name, label, @class, structure, columns.Select(c => c.Definition).ToList(),
            patient => records(patient).Select(r => columns.Select(c => c.Value(r)).ToArray()));

    public static Column<T> Text<T>(string name, string label, ColumnOrigin origin, Func<T, string?> value, int? key = null, IReadOnlyList<CodedValue>? values = null) =>
        new(new DatasetColumn(name, label, ColumnType.Text, origin, key, values), r => value(r));

    public static Column<T> Integer<T>(string name, string label, ColumnOrigin origin, Func<T, long?> value, int? key = null, IReadOnlyList<CodedValue>? values = null) =>
        new(new DatasetColumn(name, label, ColumnType.Integer, origin, key, values), r => value(r));

    public static Column<T> Float<T>(string name, string label, ColumnOrigin origin, Func<T, double?> value) =>
        new(new DatasetColumn(name, label, ColumnType.Float, origin), r => value(r));

    public static Column<T> Date<T>(string name, string label, ColumnOrigin origin, Func<T, DateOnly?> value, int? key = null) =>
        new(new DatasetColumn(name, label, ColumnType.Date, origin, key), r => value(r));

    public static ColumnOrigin Collected(string source) => new(OriginType.Collected, source);
    public static ColumnOrigin Derived(string source) => new(OriginType.Derived, source);
    public static ColumnOrigin Assigned(string source) => new(OriginType.Assigned, source);
    public static ColumnOrigin Predecessor(string source) => new(OriginType.Predecessor, source);

    public static readonly IReadOnlyList<CodedValue> YesNo = [new("Y", "Yes"), new("N", "No")];
    public static readonly IReadOnlyList<CodedValue> YesOnly = [new("Y", "Yes (empty: no)")];

    public static string YN(bool flag) => flag ? "Y" : "N";
    public static string? YOrNull(bool flag) => flag ? "Y" : null;

    /// <summary>
    /// The columns every dataset opens with, read from the patient each record is about: study, subject, site and arm.
    /// ADSL collects them; the other datasets copy them from ADSL (Predecessor).
    /// </summary>
    public static IEnumerable<Column<T>> Identifiers<T>(AnalysisSource source, Func<T, AnalysisPatient> patient, bool subjectLevel)
    {
        ColumnOrigin From(ColumnOrigin adsl, string name) => subjectLevel ? adsl : Predecessor($"ADSL.{name}");
        var arms = source.Study.Protocol.Arms.Select(a => new CodedValue(a.Code, a.Name)).ToList();
        yield return Text<T>("STUDYID", "Study Identifier", From(Assigned("The study's code in its protocol (code)."), "STUDYID"), _ => source.StudyCode,
            key: subjectLevel ? 1 : null);
        yield return Text<T>("USUBJID", "Unique Subject Identifier", From(Derived("STUDYID and SUBJID joined by '-'."), "USUBJID"),
            r => source.UniqueSubjectId(patient(r)), key: subjectLevel ? 2 : 1);
        yield return Text<T>("SUBJID", "Subject Identifier for the Study", From(Collected("Enrolment: subjectCode (pseudonymous)."), "SUBJID"),
            r => patient(r).SubjectCode);
        yield return Text<T>("SITEID", "Study Site Identifier", From(Collected("Enrolment: site, as last corrected."), "SITEID"), r => patient(r).Enrolment.Site);
        yield return Text<T>("ARMCD", "Planned Arm Code", From(Assigned(
                "The arm the registry analyses the patient in: the randomized arm (the earliest randomization up to the data cut), else the arm assigned at enrolment; empty before randomization."),
            "ARMCD"), r => patient(r).Outcome.Arm, values: arms);
        yield return Text<T>("ARM", "Description of Planned Arm", From(Derived("The protocol's name of the arm ARMCD."), "ARM"),
            r => source.ArmName(patient(r).Outcome.Arm));
    }

    /// <summary>
    /// The names a dictionary variable takes in the datasets: its key in capitals without punctuation
    /// (<c>age</c> → <c>AGE</c>, <c>metastaticSites.count</c> → <c>METASTATICSITESCOUNT</c>), and for a groupable
    /// variable the same with <c>GR1</c> for its group (<c>AGEGR1</c>). A name already taken gets <c>_2</c>, <c>_3</c>….
    /// </summary>
    public static IReadOnlyDictionary<string, (string Value, string? Group)> DictionaryNames(Protocol protocol, IEnumerable<string> taken)
    {
        var used = new HashSet<string>(taken, StringComparer.OrdinalIgnoreCase);
        string Claim(string name)
        {
            var chosen = name;
            for (var n = 2; !used.Add(chosen); n++) chosen = $"{name}_{n}";
            return chosen;
        }
        var names = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        foreach (var variable in protocol.Variables)
        {
            var stem = new string(variable.Key.Where(char.IsAsciiLetterOrDigit).ToArray()).ToUpperInvariant();
            if (stem.Length == 0 || char.IsAsciiDigit(stem[0])) stem = "V" + stem;
            var value = Claim(stem);
            names[variable.Key] = (value, variable.IsGroupable ? Claim(value + "GR1") : null);
        }
        return names;
    }
}
