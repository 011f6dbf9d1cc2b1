using System.Runtime.CompilerServices;
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

    /// <summary>
    /// Saves of a store built with these options take their connections from a pool of their own, which does not reset
    /// a returned connection: Npgsql's reset is seven statements, sent ahead of the next save, more than the save's own.
    /// Nothing a save sends outlives it (no setting, lock, listener or temporary table), and a returned connection's
    /// transaction is rolled back whatever this setting says.
    /// </summary>
    public static void ConnectWith(StoreOptions options, string connectionString) =>
        WriteConnections.AddOrUpdate(options, new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString);

    private static readonly ConditionalWeakTable<StoreOptions, string> WriteConnections = new();

    /// <summary>
    /// A lightweight session of <paramref name="store"/>'s default database, on a pooled connection (its own pool, when
    /// <see cref="ConnectWith"/> named one), sending nothing yet.
    /// </summary>
    public static async Task<OneRoundTripSave> StartAsync(IDocumentStore store, CancellationToken ct)
    {
        var connection = Connection(store);
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

    /// <summary>
    /// A document read on a connection of the saves' pool, outside any transaction: a save's reads decide nothing its
    /// statements do not check again, and a read that opened a transaction would leave it to be rolled back.
    /// </summary>
    public static async Task<T?> LoadAsync<T>(IDocumentStore store, Guid id, CancellationToken ct) where T : notnull
    {
        await using var connection = Connection(store);
        await connection.OpenAsync(ct);
        await using var reading = store.QuerySession(Marten.Services.SessionOptions.ForConnection(connection));
        return await reading.LoadAsync<T>(id, ct);
    }

    private static NpgsqlConnection Connection(IDocumentStore store) =>
        store is DocumentStore { Options: var storeOptions } && WriteConnections.TryGetValue(storeOptions, out var connectionString)
            ? new NpgsqlConnection(connectionString)
            : store.Storage.Database.CreateConnection();

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
