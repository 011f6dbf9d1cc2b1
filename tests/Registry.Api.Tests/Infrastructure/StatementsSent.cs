using Marten;
using Marten.Services;
using Npgsql;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>The statements each send to PostgreSQL carries, in order (a command alone, or a batch's commands): as a store's logger or one session's.</summary>
public sealed class StatementsSent : IMartenLogger, IMartenSessionLogger
{
    private readonly List<List<string>> _sends = [];

    public IReadOnlyList<IReadOnlyList<string>> Sends
    {
        get { lock (_sends) return [.. _sends]; }
    }

    public void Clear()
    {
        lock (_sends) _sends.Clear();
    }

    public IMartenSessionLogger StartSession(IQuerySession session) => this;
    public void SchemaChange(string sql) { }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
        lock (_sends) _sends.Add([command.CommandText]);
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
        lock (_sends) _sends.Add(batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText).ToList());
    }

    public void LogSuccess(NpgsqlCommand command) { }
    public void LogFailure(NpgsqlCommand command, Exception ex) { }
    public void LogSuccess(NpgsqlBatch batch) { }
    public void LogFailure(NpgsqlBatch batch, Exception ex) { }
    public void LogFailure(Exception ex, string message) { }
    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit) { }
}
