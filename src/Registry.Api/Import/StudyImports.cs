using Registry.Domain.Studies;

namespace Registry.Api.Import;

/// <summary>The files an import is given, read into writes: the CSV layout's subjects and events files, or an ODM file.</summary>
public static class StudyImports
{
    public static IReadOnlyList<ImportPlanFile> Plan(Study study, ImportFile? subjects, ImportFile? events, ImportFile? odm) =>
        Plan(study, subjects is null ? null : CsvImportFile.Read(subjects), events is null ? null : CsvImportFile.Read(events), odm);

    /// <summary>The plan of CSV files already read into cells (<see cref="CsvImportFile.Read"/>).</summary>
    public static IReadOnlyList<ImportPlanFile> Plan(Study study, CsvImportFile? subjects, CsvImportFile? events, ImportFile? odm)
    {
        var shapes = new ImportShapes(study.Protocol);
        var files = new List<ImportPlanFile>();
        if (subjects is not null) files.Add(CsvImportFiles.Subjects(subjects, shapes));
        if (events is not null) files.Add(CsvImportFiles.Events(events, shapes));
        if (odm is not null) files.Add(OdmImportFile.Read(odm, shapes));
        return files;
    }
}
