using System.Buffers;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Npgsql;
using Registry.Api.Infrastructure;

namespace Registry.Api.Maintenance;

/// <summary>
/// Reads a range of streams straight from <c>mt_events</c> in stream and version order, each row turned into the same
/// <see cref="IEvent"/> Marten's own reader gives (its event mapping, its serializer, its metadata), row by row and
/// synchronously: Marten's query reads each event through an async stream, which costs several times the scan.
/// A type name with no direct mapping (an upcast name) is left to Marten to read, so its upcaster still applies.
/// </summary>
public sealed class StoredEventScan
{
    private const string Columns = "seq_id, id, type, stream_id, version, data, timestamp, tenant_id, headers, user_name";

    private readonly IDocumentStore _store;
    private readonly ISerializer _serializer;
    private readonly Dictionary<string, (Type Type, Func<object, IEvent> Wrap)> _mappings;

    public StoredEventScan(IDocumentStore store)
    {
        _store = store;
        _serializer = store.Options.Serializer();
        _mappings = store.Options.Events.AllKnownEventTypes().OfType<EventMapping>()
            .ToDictionary(m => m.EventTypeName, m => (m.DocumentType, Wrapping(m)));
    }

    /// <summary>
    /// Wraps event data as Marten's mapping does (an <see cref="Event{T}"/> named by the mapping) but without the
    /// constructor's random id, which the stored id replaces at once: a random Guid is a system call, once per event.
    /// </summary>
    private static Func<object, IEvent> Wrapping(EventMapping mapping)
    {
        var type = typeof(Event<>).MakeGenericType(mapping.DocumentType);
        var data = Expression.Parameter(typeof(object), "data");
        var e = Expression.Variable(type, "e");
        var body = Expression.Block(type, [e],
            Expression.Assign(e, Expression.Convert(Expression.Call(typeof(RuntimeHelpers), nameof(RuntimeHelpers.GetUninitializedObject), null, Expression.Constant(type)), type)),
            Expression.Assign(Expression.Property(e, nameof(Event<object>.Data)), Expression.Convert(data, mapping.DocumentType)),
            Expression.Assign(Expression.Property(e, nameof(IEvent.EventTypeName)), Expression.Constant(mapping.EventTypeName)),
            Expression.Assign(Expression.Property(e, nameof(IEvent.DotNetTypeName)), Expression.Constant(mapping.DotNetTypeName)),
            Expression.Assign(Expression.Property(e, nameof(IEvent.TenantId)), Expression.Constant(StorageConstants.DefaultTenantId)),
            e);
        return Expression.Lambda<Func<object, IEvent>>(body, data).Compile();
    }

    /// <summary>
    /// The events up to <paramref name="highWater"/> of the streams with ids in [<paramref name="from"/>, <paramref name="to"/>)
    /// (null: unbounded), of the given types (<paramref name="ofTypes"/>) or all but them, ordered by stream and version,
    /// as PostgreSQL orders uuids.
    /// </summary>
    public async IAsyncEnumerable<IEvent> ReadAsync(long highWater, Guid? from, Guid? to, IReadOnlyCollection<string> types, bool ofTypes,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = ScanConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select {Columns} from {EventStoreConfiguration.Schema}.mt_events " +
            $"where seq_id <= $1 and is_archived = false and {(ofTypes ? "type = any($2)" : "type <> all($2)")} " +
            "and ($3::uuid is null or stream_id >= $3) and ($4::uuid is null or stream_id < $4) order by stream_id, version", connection)
        {
            // No timeout: it would arm a timer on every read of the socket, and a scan of a large store is long.
            CommandTimeout = 0,
            Parameters =
            {
                new() { Value = highWater },
                new() { Value = types.ToArray() },
                new() { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
                new() { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        await using var upcasting = _store.QuerySession();
        var values = new Dictionary<string, JsonElement>();
        // Rows are read synchronously: the network waits are few (PostgreSQL sends 8 KB at a time), the per-row awaits many.
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            var sequence = reader.GetInt64(0);
            var id = reader.GetFieldValue<Guid>(1);
            if (!_mappings.TryGetValue(reader.GetString(2), out var mapping))
            {
                yield return await upcasting.Events.LoadAsync(id, ct)
                    ?? throw new InvalidOperationException($"Event {sequence} could not be read back through the event store.");
                continue;
            }
            var stream = reader.GetFieldValue<Guid>(3);
            var version = reader.GetInt64(4);
            var e = mapping.Wrap(_serializer.FromJson(mapping.Type, reader, 5));
            e.Sequence = sequence;
            e.Id = id;
            e.StreamId = stream;
            e.Version = version;
            e.Timestamp = reader.GetFieldValue<DateTimeOffset>(6);
            if (!reader.IsDBNull(7)) e.TenantId = reader.GetString(7);
            if (!reader.IsDBNull(8)) e.Headers = Headers(reader, 8, values);
            if (!reader.IsDBNull(9)) e.UserName = reader.GetString(9);
            yield return e;
        }
    }

    /// <summary>
    /// The store's connection (its credentials too) with a read buffer of 1 MB: with the default 8 KB the scan reads the
    /// socket, and arms and disarms the read's cancellation, every few dozen events.
    /// </summary>
    private NpgsqlConnection ScanConnection()
    {
        using var connection = _store.Storage.Database.CreateConnection();
        return connection.CloneWith(new NpgsqlConnectionStringBuilder(connection.ConnectionString) { ReadBufferSize = 1 << 20 }.ConnectionString);
    }

    /// <summary>
    /// An event's headers with each text value as a string, each other value as the <see cref="JsonElement"/>
    /// Marten's serializer gives, one per distinct value (<paramref name="values"/>): what a header is read for
    /// (<c>GetHeader(..)?.ToString()</c>) reads the same, without a JSON document per value on every event.
    /// </summary>
    private static Dictionary<string, object> Headers(NpgsqlDataReader reader, int column, Dictionary<string, JsonElement> values)
    {
        var text = reader.GetString(column);
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = length <= 1024 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> buffer = rented ?? stackalloc byte[1024];
        try
        {
            var json = new Utf8JsonReader(buffer[..Encoding.UTF8.GetBytes(text, buffer)]);
            var headers = new Dictionary<string, object>();
            json.Read();
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                var name = json.GetString()!;
                json.Read();
                if (json.TokenType == JsonTokenType.String) headers[name] = json.GetString()!;
                else if (json.TokenType is JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null)
                {
                    var raw = Encoding.UTF8.GetString(json.ValueSpan);
                    if (!values.TryGetValue(raw, out var value)) values[raw] = value = JsonElement.ParseValue(ref json);
                    headers[name] = value;
                }
                else headers[name] = JsonElement.ParseValue(ref json);
            }
            return headers;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
