using System.Security.Cryptography;
using Registry.Api.Web.Coordinator;
using Registry.Interop.Import;

namespace Registry.Api.Import;

/// <summary>A file given to an import: its name as problems and the recorded reason name it, and its bytes.</summary>
public sealed record ImportFile(string Name, byte[] Content)
{
    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Content));

    /// <summary>The reason every entry from this file is recorded with, sealed into the chain.</summary>
    public string Reason => $"imported from {Name} (sha256 {Sha256})";
}

/// <summary>
/// One entry of a write: the values of an entry form (by field key, as the form posts them) and the columns they came
/// from, so an error finds its column. A correction or void names the entry it amends by the file's own
/// <see cref="Key"/> for it (an ODM FormRepeatKey); a void has no form.
/// </summary>
public sealed record ImportEntry(EntryForm? Form, IReadOnlyList<LayoutColumn> Columns, Dictionary<string, string> Values, string? Key = null)
{
    public string? Corrects { get; init; }
    public string? Voids { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// One write an import file asks for, as a coordinator would send it: one patient, one or more entries decided together
/// (an adverse event with the death it brought), the file row it came from.
/// </summary>
public sealed record ImportWrite(string File, int Row, string SubjectCode, IReadOnlyList<ImportEntry> Entries);

/// <summary>How far an import has come: rows checked (or patients recorded), events, time.</summary>
public sealed record ImportProgress(string Phase, int Done, int Total, long Events, TimeSpan Elapsed)
{
    public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 1e-3);

    public TimeSpan? Left => Done == 0 ? null : TimeSpan.FromSeconds(Elapsed.TotalSeconds * (Total - Done) / Done);
}

/// <summary>What one file came to: its rows, the patients it enrols or adds to, the events it holds, whether they were recorded.</summary>
public sealed record ImportedFile(string File, string Sha256, int Rows, int NewPatients, int Patients, long Events, bool Recorded);

/// <summary>An import's outcome: every problem (none when it succeeded), each file's counts, and the recording speed.</summary>
public sealed record ImportOutcome(IReadOnlyList<ImportProblem> Problems, IReadOnlyList<ImportedFile> Files, bool DryRun, TimeSpan Elapsed,
    TimeSpan Recording)
{
    public bool Succeeded => Problems.Count == 0;
    public long Events => Files.Where(f => f.Recorded || DryRun).Sum(f => f.Events);
    public double EventsPerSecond => Recording > TimeSpan.Zero ? Files.Where(f => f.Recorded).Sum(f => f.Events) / Recording.TotalSeconds : 0;
}
