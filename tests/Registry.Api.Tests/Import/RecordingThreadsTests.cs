using Registry.Api.Import;

namespace Registry.Api.Tests.Import;

/// <summary>Alone: the thread pool's minimum is the process's, and imports in other test classes raise it too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadPoolCollection
{
    public const string Name = "thread pool";
}

[Collection(ThreadPoolCollection.Name)]
public sealed class RecordingThreadsTests
{
    [Fact]
    public void The_minimum_is_raised_while_any_import_records_and_set_back_when_the_last_ends()
    {
        ThreadPool.GetMinThreads(out var workers, out var ports);
        Assert.True(workers < RecordingThreads.Needed, $"the test needs a pool minimum below {RecordingThreads.Needed}; it is {workers}");

        var first = RecordingThreads.Raise();
        var second = RecordingThreads.Raise();
        Assert.Equal((RecordingThreads.Needed, ports), MinThreads());

        first.Dispose();
        first.Dispose();
        Assert.Equal((RecordingThreads.Needed, ports), MinThreads());

        second.Dispose();
        Assert.Equal((workers, ports), MinThreads());
    }

    private static (int Workers, int Ports) MinThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var ports);
        return (workers, ports);
    }
}
