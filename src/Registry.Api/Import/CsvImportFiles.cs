using System.Text;
using Registry.Interop.Import;

namespace Registry.Api.Import;

/// <summary>A file of the CSV layout read into its cells, which needs no study: the import verb reads its files while its store starts.</summary>
public sealed record CsvImportFile(ImportFile File, CsvTable Table)
{
    public static CsvImportFile Read(ImportFile file)
    {
        using var text = new StreamReader(new MemoryStream(file.Content), new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        return new CsvImportFile(file, CsvTable.Read(file.Name, text));
    }
}

/// <summary>The subjects and events files of the CSV layout (docs/interop.md) read into the writes a coordinator would send.</summary>
public static class CsvImportFiles
{
    /// <summary>A row per patient: its enrolment, then (randomized studies) its randomization when the row has one.</summary>
    public static ImportPlanFile Subjects(CsvImportFile read, ImportShapes shapes)
    {
        var (file, table) = read;
        var (rows, problems) = ImportLayout.ReadSubjects(file.Name, table, shapes.Enrolment, shapes.Randomization);
        var writes = new List<ImportWrite>();
        foreach (var row in rows)
        {
            var code = row.SubjectCode ?? "";
            writes.Add(new ImportWrite(file.Name, row.Row, code, [new ImportEntry(shapes.EnrolmentForm, shapes.Enrolment.Columns, row.Enrolment)]));
            if (row.Randomization is { } randomization && row.SubjectCode is not null)
                writes.Add(new ImportWrite(file.Name, row.Row, code, [new ImportEntry(shapes.RandomizationForm, shapes.Randomization!.Columns, randomization)]));
        }
        return new ImportPlanFile(file, table.Rows.Count, writes, problems);
    }

    /// <summary>A row per clinical entry, each one write, in the file's order.</summary>
    public static ImportPlanFile Events(CsvImportFile read, ImportShapes shapes)
    {
        var (file, table) = read;
        var (rows, problems) = ImportLayout.ReadEvents(file.Name, table, shapes.Events.Select(e => e.Shape).ToList());
        var forms = shapes.Events.ToDictionary(e => e.Shape, e => e.Form);
        var writes = rows.Select(row => new ImportWrite(file.Name, row.Row, row.SubjectCode,
            [new ImportEntry(forms[row.Shape], row.Shape.Columns, row.Values)])).ToList();
        return new ImportPlanFile(file, table.Rows.Count, writes, problems);
    }
}
