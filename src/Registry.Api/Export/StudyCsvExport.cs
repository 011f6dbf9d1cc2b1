using Registry.Api.Import;
using Registry.Api.Web.Coordinator;
using Registry.Audit;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Interop.Import;

namespace Registry.Api.Export;

/// <summary>
/// A study's records as they stand, in the import's CSV layout (docs/interop.md), so the files import back into a fresh
/// study and every view reads the same: the subjects file (enrolment as corrected; in a randomized study the
/// randomization beside it) and the events file (every other entry in force, in the order recorded). Values are what
/// the entry forms show for a recorded entry (<see cref="EntryForms.Values"/>); voided entries are left out.
/// </summary>
public static class StudyCsvExport
{
    public static async Task SubjectsAsync(Protocol protocol, IReadOnlyList<PatientTimeline> patients, Stream body, CancellationToken ct)
    {
        var shapes = Shapes(protocol);
        var columns = shapes.Enrolment.Columns.Concat(shapes.Randomization?.Columns.Where(c => c.Name != "arm" || !shapes.Enrolment.Columns.Any(e => e.Name == "arm")) ?? []).ToList();
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header([.. columns.Select(c => c.Name)]);
        foreach (var patient in patients)
        {
            var values = EntryForms.Values(patient.Enrolment);
            if (shapes.Randomization is not null && patient.Randomization is { } randomization)
                foreach (var (key, value) in EntryForms.Values(randomization)) values[key] = value;
            foreach (var column in columns) csv.Text(Cell(values, column));
            await csv.EndRowAsync(ct);
        }
    }

    public static async Task EventsAsync(Protocol protocol, IReadOnlyList<PatientTimeline> patients, Stream body, CancellationToken ct)
    {
        var shapes = Shapes(protocol);
        var columns = shapes.Events.SelectMany(e => e.Shape.Columns).Select(c => c.Name).Distinct().ToList();
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header([ImportLayout.SubjectCode, ImportLayout.Kind, .. columns]);
        foreach (var patient in patients)
        {
            foreach (var (fact, values) in Entries(patient, shapes.Randomization is not null))
            {
                var form = EntryForms.FollowUp(EntryForms.SlugOf(fact), protocol)!;
                var shape = shapes.Events.First(e => e.Form.Kind == form.Kind).Shape;
                csv.Text(patient.Enrolment.SubjectCode);
                csv.Text(form.Kind);
                foreach (var column in columns)
                    csv.Text(shape.Columns.FirstOrDefault(c => c.Name == column) is { } own ? Cell(values, own) : null);
                await csv.EndRowAsync(ct);
            }
            await csv.FlushAsync(ct);
        }
    }

    /// <summary>
    /// The entries in force after enrolment, in the order recorded, as the form shows them. A fatal adverse event
    /// recorded before the death it caused carries the death's date (one write, as the form sends it), and that death
    /// is not written again; the randomization of a randomized study is in the subjects file.
    /// </summary>
    private static IEnumerable<(IPatientFact Fact, Dictionary<string, string> Values)> Entries(PatientTimeline patient, bool randomizationInSubjects)
    {
        var death = patient.Effective<PatientDied>().FirstOrDefault();
        var deathWritten = false;
        foreach (var entry in patient.Entries.Skip(1).Where(e => !e.Voided))
        {
            var values = EntryForms.Values(entry.Current);
            switch (entry.Current)
            {
                case PatientRandomized when randomizationInSubjects:
                    continue;
                case PatientDied when deathWritten:
                    continue;
                case PatientDied:
                    deathWritten = true;
                    break;
                case AdverseEventRecorded { Grade: 5 } fatal when !deathWritten && death is not null && death.Cause == fatal.Term:
                    values["diedOn"] = death.DiedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                    deathWritten = true;
                    break;
            }
            yield return (entry.Current, values);
        }
    }

    private static string? Cell(Dictionary<string, string> values, LayoutColumn column)
    {
        if (values.TryGetValue(column.Field, out var value)) return column.IsList ? value.Replace('\n', LayoutColumn.ListSeparator) : value;
        return values.TryGetValue("missing:" + column.Field, out var code) ? LayoutColumn.MissingPrefix + code : null;
    }

    private static ImportShapes Shapes(Protocol protocol) => new(protocol);
}
