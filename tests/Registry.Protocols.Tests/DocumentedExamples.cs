using System.Text;

namespace Registry.Protocols.Tests;

/// <summary>
/// The example protocols of docs/protocol.md: each ```json block that follows a line <c>&lt;!-- example: NAME --&gt;</c>,
/// read from the repository at test time so the documentation cannot drift from what the registry accepts.
/// </summary>
public static class DocumentedExamples
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Examples = new(() => Parse(File.ReadAllLines(ProtocolDoc)));

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ProtocolDoc => Path.Combine(RepositoryRoot, "docs", "protocol.md");

    public static IReadOnlyDictionary<string, string> All => Examples.Value;

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    /// <summary>Walks up from the test assembly to the directory that holds TrialRegistry.sln.</summary>
    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TrialRegistry.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No TrialRegistry.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Example name → JSON text. The marker names the next ```json fence; text between marker and fence is allowed.</summary>
    public static IReadOnlyDictionary<string, string> Parse(IReadOnlyList<string> lines)
    {
        const string open = "<!-- example:";
        var examples = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith(open, StringComparison.Ordinal) || !line.EndsWith("-->", StringComparison.Ordinal)) continue;
            var name = line[open.Length..^3].Trim();
            var fence = i + 1;
            while (fence < lines.Count && !lines[fence].TrimStart().StartsWith("```", StringComparison.Ordinal)) fence++;
            if (fence == lines.Count || lines[fence].Trim() != "```json")
                throw new InvalidOperationException($"docs/protocol.md line {i + 1}: example '{name}' is not followed by a ```json block.");
            var json = new StringBuilder();
            var end = fence + 1;
            for (; end < lines.Count && lines[end].Trim() != "```"; end++) json.AppendLine(lines[end]);
            if (end == lines.Count) throw new InvalidOperationException($"docs/protocol.md: the ```json block of example '{name}' is not closed.");
            if (!examples.TryAdd(name, json.ToString()))
                throw new InvalidOperationException($"docs/protocol.md: example '{name}' is defined twice.");
            i = end;
        }
        return examples;
    }
}
