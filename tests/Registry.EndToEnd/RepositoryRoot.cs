namespace Registry.EndToEnd;

/// <summary>The checkout the tests were built from: where the registry's sources and <c>artifacts/</c> are.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "TrialRegistry.sln"))) return directory.FullName;
        throw new InvalidOperationException($"No TrialRegistry.sln above {AppContext.BaseDirectory}.");
    }
}
