namespace Registry.Api.Infrastructure;

/// <summary>
/// Who may start, adopt and stop an embedded cluster, by two advisory file locks beside it (flock(2), which .NET takes
/// for FileShare: shared for ReadWrite, exclusive for None). Every registry process attached to the cluster holds a
/// shared lock on <c>&lt;cluster&gt;.attached.lock</c> for its lifetime — the kernel drops it when the process dies,
/// however it dies. Starting, adopting, restarting and stopping are serialised by an exclusive lock on
/// <c>&lt;cluster&gt;.starting.lock</c>. A process stops the server only if it can take the attached lock exclusively:
/// the last one out stops it.
/// </summary>
public sealed class ClusterLocks(string clusterDirectory)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private string StartingPath => clusterDirectory + ".starting.lock";
    private string AttachedPath => clusterDirectory + ".attached.lock";

    /// <summary>The exclusive right to start, adopt, restart or stop the server; waits while another process holds it.</summary>
    public async Task<FileStream> StartingAsync(CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (TryLock(StartingPath, FileShare.None) is { } held) return held;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Another registry process has held {StartingPath} for {Patience.TotalMinutes:0} minutes while starting or stopping PostgreSQL.");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>This process's attachment, held until disposed. Taken under <see cref="StartingAsync"/>, so no stop is under way.</summary>
    public FileStream Attach() => TryLock(AttachedPath, FileShare.ReadWrite)
        ?? throw new InvalidOperationException($"Could not attach to the registry's PostgreSQL: {AttachedPath} is locked exclusively.");

    /// <summary>The attached lock taken exclusively, or null while any other process is still attached.</summary>
    public FileStream? LastOneOut() => TryLock(AttachedPath, FileShare.None);

    private static FileStream? TryLock(string path, FileShare share)
    {
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, share); }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException) { return null; }
    }
}
