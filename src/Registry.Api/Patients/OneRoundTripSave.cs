using Marten;
using Npgsql;

namespace Registry.Api.Patients;

/// <summary>
/// A session whose save reaches PostgreSQL in one round trip. Marten's own save sends its statements and then COMMIT
/// in a second round trip; here Npgsql sends the BEGIN it holds back for a new transaction ahead of the statements,
/// and a COMMIT queued after every other statement ends the same batch. A statement that fails (the append's version
/// check, the study's) makes PostgreSQL skip the rest of the batch, the COMMIT with it, and the transaction is rolled
/// back when this is disposed: nothing is recorded. So every check of such a save must fail in the database: a check
/// made on the client after the statements ran would come after the COMMIT.
/// </summary>
public sealed class OneRoundTripSave : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private OneRoundTripSave(NpgsqlConnection connection, NpgsqlTransaction transaction, IDocumentSession session) =>
        (_connection, _transaction, Session) = (connection, transaction, session);

    /// <summary>The session to queue the save in; <see cref="IDocumentSession.SaveChangesAsync"/> sends and commits it.</summary>
    public IDocumentSession Session { get; }

    /// <summary>A lightweight session of <paramref name="store"/>'s default database, on a pooled connection, sending nothing yet.</summary>
    public static async Task<OneRoundTripSave> StartAsync(IDocumentStore store, CancellationToken ct)
    {
        var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            // Npgsql sends BEGIN with the next statements rather than on its own.
            var transaction = await connection.BeginTransactionAsync(ct);
            // Marten leaves a transaction it was handed to its owner: it sends no COMMIT and no ROLLBACK of its own.
            var options = Marten.Services.SessionOptions.ForTransaction(transaction);
            options.Listeners.Add(CommitLast.Instance);
            return new OneRoundTripSave(connection, transaction, store.LightweightSession(options));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        // A committed batch left the transaction completed, so this sends nothing; a failed one is rolled back here.
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary>Queues COMMIT once Marten has queued everything else: after the events, the inline projections' updates and the operations queued by hand.</summary>
    private sealed class CommitLast : DocumentSessionListenerBase
    {
        public static readonly CommitLast Instance = new();

        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            session.QueueSqlCommand("commit");
            return Task.CompletedTask;
        }
    }
}
