using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using JasperFx.Events.Projections;
using Registry.Api.Accounts;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Projections.Legacy;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;
using Registry.Projections.Studies;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Weasel.Core;

namespace Registry.Api.Infrastructure;

/// <summary>Projection names as the daemon and the rebuild command know them.</summary>
public static class ProjectionNames
{
    public const string Study = "Study";
    public const string PatientChart = "PatientChart";
    public const string PatientOutcomeRows = PatientOutcomeRowsProjection.Name;

    /// <summary>In dependency order: outcome rows are derived from charts and studies.</summary>
    public static readonly string[] All = [Study, PatientChart, PatientOutcomeRows];
}

public static class EventStoreConfiguration
{
    public const string Schema = "registry";

    /// <summary>
    /// The store's shape. Event type names are pinned so the store stays readable when classes are renamed;
    /// enums are stored as strings so the raw events read as the clinic wrote them.
    /// </summary>
    /// <param name="clock">
    /// The application server's clock, which stamps every event's recorded-at time (never the client). Only the
    /// demo seed passes a simulated clock, so its history can span the study's calendar years.
    /// </param>
    /// <param name="asyncProjections">False for short-lived stores that only append (the demo loader): the app's daemon projects.</param>
    public static StoreOptions Build(string connectionString, TimeProvider? clock = null, bool asyncProjections = true)
    {
        var options = new StoreOptions();
        options.Connection(WithPreparedStatements(connectionString));
        OneRoundTripSave.ConnectWith(options, WithPreparedStatements(connectionString));
        options.DatabaseSchemaName = Schema;
        // jsonb reorders keys, so a polymorphic fact's "kind" is not always first when read back. Chart entries are read
        // by hand (a moment or cut reads every chart of a study) and written as the serializer writes them.
        JsonSerializerOptions? documents = null;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json =>
        {
            json.AllowOutOfOrderMetadataProperties = true;
            json.Converters.Add(new ChartEntryJsonConverter());
            documents = json;
        });
        // Maturity's pass parses a study's charts' entries itself, with the options this store's serializer holds.
        RecordedCharts.ReadWith(options.Serializer(), documents ?? throw new InvalidOperationException("The store's serializer was configured without System.Text.Json options."));
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.MetadataConfig.UserNameEnabled = true;
        // Each event's chained hash travels in its headers, written in the same insert (see Audit/AuditChain).
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        // A write reads the patient's chart with FetchForWriting; the inline projection then updates that same
        // instance instead of reading the chart again. Nothing mutates a fetched aggregate outside its projection.
        options.Events.UseIdentityMapForAggregates = true;
        // A chart committed on this node stays in memory, so the next entry for the patient is judged without reading it.
        options.Events.AggregateWriteCaching.Cache = new ChartsForWriting(ChartsForWriting.DefaultCapacity);
        options.Events.CacheAggregatesForWriting<PatientChart>();
        options.Events.TimeProvider = clock ?? TimeProvider.System;

        options.Events.MapEventType<StudyRegistered>("study_protocol_registered");
        options.Events.MapEventType<ProtocolAmended>("protocol_amended");
        // The first schema's study events read on as protocols; no stored event is rewritten.
        options.Events.Upcast<LegacyStudyRegistered, StudyRegistered>("study_registered", LegacyStudies.Upcast);
        options.Events.MapEventType<ArmAdded>("arm_added");
        options.Events.MapEventType<PatientEnrolled>("patient_enrolled");
        options.Events.MapEventType<PatientRandomized>("patient_randomized");
        options.Events.MapEventType<DiseaseRelapsed>("disease_relapsed");
        options.Events.MapEventType<TreatmentStarted>("treatment_started");
        options.Events.MapEventType<ImagingAssessed>("imaging_assessed");
        options.Events.MapEventType<AdverseEventRecorded>("adverse_event_recorded");
        options.Events.MapEventType<DiseaseProgressed>("disease_progressed");
        options.Events.MapEventType<PatientDied>("patient_died");
        options.Events.MapEventType<LastKnownAlive>("last_known_alive");
        options.Events.MapEventType<WithdrewFromFollowUp>("withdrew_from_follow_up");
        options.Events.MapEventType<EntryCorrected>("entry_corrected");
        options.Events.MapEventType<EntryVoided>("entry_voided");

        options.Events.MapEventType<UserAccountOpened>("user_account_opened");
        options.Events.MapEventType<PasswordChanged>("password_changed");
        options.Events.MapEventType<SignedIn>("signed_in");
        options.Events.MapEventType<PasswordRefused>("password_refused");
        options.Events.MapEventType<AccountLocked>("account_locked");
        options.Events.MapEventType<AccessChanged>("access_changed");
        options.Events.MapEventType<AccountDisabled>("account_disabled");
        options.Events.MapEventType<AccountEnabled>("account_enabled");
        options.Schema.For<UserNameClaim>().Identity(c => c.Id);
        options.Projections.Snapshot<UserAccount>(SnapshotLifecycle.Inline);
        options.Schema.For<UserAccount>().UniqueIndex(a => a.UserName);

        options.Schema.For<SubjectCodeClaim>().Identity(c => c.Id);
        options.Schema.For<StudyCodeClaim>().Identity(c => c.Id);
        options.Projections.Add<StudyProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<PatientChartProjection>(ProjectionLifecycle.Inline);
        // The study as a column of its own: a read of a study's charts filters on it without decompressing every chart.
        options.Schema.For<PatientChart>().Duplicate(c => c.StudyId);
        if (asyncProjections)
            options.Projections.Add(new PatientOutcomeRowsProjection(), ProjectionLifecycle.Async, ProjectionNames.PatientOutcomeRows);
        // The daemon looks for new events every 100 ms, quiet or busy (1 s and 250 ms by default), so an entry reaches the live views well within a second.
        options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(100);
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
        options.Schema.For<PatientOutcomeRow>().Index(r => r.StudyId);
        options.Schema.For<ProjectionFault>().Index(f => f.StudyId);
        options.Projections.Errors.SkipApplyErrors = false;
        options.Storage.ExtendedSchemaObjects.Add(StudiesInForce.VersionCheckFunction(Schema));
        options.Storage.ExtendedSchemaObjects.Add(ChartExtension.Function(Schema));
        StoreCompactEntries(options);
        return options;
    }

    /// <summary>
    /// Each chart's entries also in their compact form, a column Marten writes with the chart (<see cref="PatientChart.CompactEntries"/>),
    /// which the bulk writes and the chart extension write too. Read whole, never searched: declared on the mapping by a
    /// policy, so without the index <c>Schema.For().Duplicate</c> gives a duplicated field (a chart's bytes can exceed a btree
    /// entry). A database loaded before it gets the column empty; the warm-up fills it (<see cref="Maintenance.CompactEntriesFill"/>).
    /// </summary>
    private static void StoreCompactEntries(StoreOptions options) =>
        options.Policies.ForAllDocuments(mapping =>
        {
            if (mapping.DocumentType == typeof(PatientChart))
                mapping.DuplicateField(nameof(PatientChart.CompactEntries), CompactEntriesColumnType, notNull: false).DbType = NpgsqlTypes.NpgsqlDbType.Bytea;
        });

    /// <summary>The column of <see cref="PatientChart.CompactEntries"/> in the chart table.</summary>
    public const string CompactEntriesColumn = CompactChartEntries.Column;

    private const string CompactEntriesColumnType = "bytea";

    /// <summary>
    /// Statements run often (a write's append and chart upsert, the daemon's progress) are prepared once per pooled
    /// connection, and a returned connection keeps its plans instead of the DISCARD ALL that dropped them every time.
    /// A connection string that sets Max Auto Prepare itself is left as it is.
    /// </summary>
    public static string WithPreparedStatements(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare > 0) return connectionString;
        builder.MaxAutoPrepare = 64;
        builder.AutoPrepareMinUsages = 2;
        return builder.ConnectionString;
    }
}
