namespace Registry.Api.Import;

/// <summary>
/// The thread pool's minimum, raised while an import records one file as it judges the next and set back when the
/// last such import ends: the setting is process-wide, and a server should not keep an import's threads for its lifetime.
/// </summary>
public static class RecordingThreads
{
    private static readonly Lock Gate = new();
    private static int holders;
    private static int workersBefore, portsBefore;

    /// <summary>The minimum while recording: two threads a core, and two more.</summary>
    public static int Needed => 2 * Environment.ProcessorCount + 2;

    public static IDisposable Raise()
    {
        lock (Gate)
        {
            if (holders++ == 0)
            {
                ThreadPool.GetMinThreads(out workersBefore, out portsBefore);
                ThreadPool.SetMinThreads(Math.Max(workersBefore, Needed), portsBefore);
            }
        }
        return new Hold();
    }

    private sealed class Hold : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 1) return;
            lock (Gate)
                if (--holders == 0) ThreadPool.SetMinThreads(workersBefore, portsBefore);
        }
    }
}
