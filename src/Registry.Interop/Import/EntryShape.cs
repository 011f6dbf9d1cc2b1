namespace Registry.Interop.Import;

/// <summary>One kind of entry (in the API's words, <c>diseaseProgressed</c>) and the columns that fill its fields.</summary>
public sealed record EntryShape(string Kind, IReadOnlyList<LayoutColumn> Columns);

/// <summary>A row of the subjects file: the enrolment's values and, in a randomized study, the randomization's (null when the row has none).</summary>
public sealed record SubjectRow(int Row, string? SubjectCode, Dictionary<string, string> Enrolment, Dictionary<string, string>? Randomization);

/// <summary>A row of the events file: whose entry, which kind, and its values keyed by field.</summary>
public sealed record EventRow(int Row, string SubjectCode, EntryShape Shape, Dictionary<string, string> Values);

/// <summary>
/// The CSV import layout (docs/interop.md, "Import"). The subjects file has a row per patient: subject code, site, arm,
/// enrolment date and one column per dictionary variable (by key); in a randomized study the randomization date and
/// strata beside the arm. The events file has a row per clinical entry: subject code, kind, date and the kind's own
/// columns, every other column empty.
/// </summary>
public static class ImportLayout
{
    public const string SubjectCode = "subjectCode";
    public const string Kind = "kind";
    public const string Date = "date";

    public static (List<SubjectRow> Rows, List<ImportProblem> Problems) ReadSubjects(string file, CsvTable table,
        EntryShape enrolment, EntryShape? randomization)
    {
        var problems = new List<ImportProblem>(table.Problems);
        var known = enrolment.Columns.Concat(randomization?.Columns ?? []).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        CheckHeader(file, table, known, [SubjectCode], problems);
        var rows = new List<SubjectRow>();
        foreach (var row in table.Rows)
        {
            var randomized = randomization is null ? null : LayoutColumn.Values(row, randomization.Columns);
            // The arm is the randomization's in a randomized study; a row with only an arm still asks for a randomization date.
            rows.Add(new SubjectRow(row.Row, row.Cell(SubjectCode), LayoutColumn.Values(row, enrolment.Columns),
                randomized is { Count: > 0 } ? randomized : null));
        }
        return (rows, problems);
    }

    public static (List<EventRow> Rows, List<ImportProblem> Problems) ReadEvents(string file, CsvTable table, IReadOnlyList<EntryShape> shapes)
    {
        var problems = new List<ImportProblem>(table.Problems);
        var known = shapes.SelectMany(s => s.Columns).Select(c => c.Name).Append(SubjectCode).Append(Kind).ToHashSet(StringComparer.Ordinal);
        CheckHeader(file, table, known, [SubjectCode, Kind, Date], problems);
        var kinds = string.Join(", ", shapes.Select(s => s.Kind));
        // Each kind's own columns once per file, not once per row: the events file has a row per entry.
        var byKind = new Dictionary<string, (EntryShape Shape, HashSet<string> Own)>(StringComparer.Ordinal);
        foreach (var shape in shapes)
            byKind.TryAdd(shape.Kind, (shape, shape.Columns.Select(c => c.Name).Append(SubjectCode).Append(Kind).ToHashSet(StringComparer.Ordinal)));
        // Each row is read on its own: spread over the cores in ranges, each range's rows and problems joined in the file's order.
        var size = Math.Max(1024, table.Rows.Count / (4 * Environment.ProcessorCount));
        var read = new (List<EventRow> Rows, List<ImportProblem> Problems)[(table.Rows.Count + size - 1) / size];
        Parallel.For(0, read.Length, r =>
        {
            var (from, to) = (r * size, Math.Min(table.Rows.Count, (r + 1) * size));
            var (rangeRows, rangeProblems) = read[r] = (new List<EventRow>(to - from), []);
            for (var i = from; i < to; i++)
            {
                var row = table.Rows[i];
                var subject = row.Cell(SubjectCode);
                if (subject is null) rangeProblems.Add(new ImportProblem(file, row.Row, SubjectCode, "The subject code is required: whose entry this is."));
                var kind = row.Cell(Kind);
                if (kind is null || !byKind.TryGetValue(kind, out var kindOf))
                {
                    rangeProblems.Add(new ImportProblem(file, row.Row, Kind, kind is null
                        ? $"The kind of entry is required: one of {kinds}."
                        : $"'{kind}' is not a kind of entry; the kinds are {kinds}."));
                    continue;
                }
                var (shape, own) = kindOf;
                foreach (var stray in row.Cells.Keys)
                    if (!own.Contains(stray) && known.Contains(stray))
                        rangeProblems.Add(new ImportProblem(file, row.Row, stray,
                            $"A {kind} entry has no {stray}; leave it empty (its columns: {string.Join(", ", shape.Columns.Select(c => c.Name))})."));
                if (subject is not null) rangeRows.Add(new EventRow(row.Row, subject, shape, LayoutColumn.Values(row, shape.Columns)));
            }
        });
        var rows = new List<EventRow>(table.Rows.Count);
        foreach (var (rangeRows, rangeProblems) in read)
        {
            rows.AddRange(rangeRows);
            problems.AddRange(rangeProblems);
        }
        return (rows, problems);
    }

    private static void CheckHeader(string file, CsvTable table, IReadOnlySet<string> known, IReadOnlyList<string> required, List<ImportProblem> problems)
    {
        if (table.Columns.Count == 0) return;
        foreach (var column in required.Where(c => !table.Columns.Contains(c)))
            problems.Add(new ImportProblem(file, 1, column, $"The header has no \"{column}\" column."));
        foreach (var column in table.Columns.Where(c => !known.Contains(c)))
            problems.Add(new ImportProblem(file, 1, column,
                $"\"{column}\" is not a column of this layout; its columns are {string.Join(", ", known.Order(StringComparer.Ordinal))}."));
    }
}
