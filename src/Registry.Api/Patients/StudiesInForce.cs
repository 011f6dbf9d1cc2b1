using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using JasperFx.Core.Exceptions;
using Marten;
using Npgsql;
using Registry.Domain.Studies;
using Weasel.Core;
using Weasel.Postgresql.Functions;
using Weasel.Storage;
using IStorageOperation = Weasel.Storage.IStorageOperation;
using PostgresqlObjectName = Weasel.Postgresql.PostgresqlObjectName;
using SchemaUtils = Weasel.Postgresql.SchemaUtils;

namespace Registry.Api.Patients;

/// <summary>
/// The studies writes are checked against, kept in memory per event store at their stream version. A patient write
/// judges its entries on the study kept here and has its save check, in the same round trip, that the study's stream
/// is still at that version (<see cref="StillAt"/>); an enrolment reads the version first. The study (its whole
/// protocol history) is loaded again only when it was amended since, here or on another node.
/// </summary>
public sealed class StudiesInForce
{
    private static readonly ConditionalWeakTable<IDocumentStore, StudiesInForce> ByStore = new();

    private readonly ConcurrentDictionary<Guid, (long Version, Study Study)> _studies = new();

    public static StudiesInForce For(IDocumentStore store) => ByStore.GetValue(store, _ => new StudiesInForce());

    /// <summary>The study at <paramref name="version"/>, when it is the one kept.</summary>
    public Study? At(Guid studyId, long version) =>
        _studies.TryGetValue(studyId, out var kept) && kept.Version == version ? kept.Study : null;

    /// <summary>The study as kept, with the version of its stream it was read at; null when none is kept.</summary>
    public (long Version, Study Study)? Kept(Guid studyId) => _studies.TryGetValue(studyId, out var kept) ? kept : null;

    /// <summary>Lets go of a kept study its stream has moved past, so the next write reads it again.</summary>
    public void Forget(Guid studyId, long version)
    {
        if (_studies.TryGetValue(studyId, out var kept) && kept.Version == version) _studies.TryRemove(KeyValuePair.Create(studyId, kept));
    }

    /// <summary>
    /// The study as it stands, from memory when its stream is still at <paramref name="knownVersion"/> (read by the
    /// caller in its own round trip), else read again with its version; null when no such study is registered.
    /// </summary>
    public async Task<(long Version, Study Study)?> CurrentAsync(IQuerySession session, Guid studyId, long? knownVersion, CancellationToken ct)
    {
        if (knownVersion is { } version && At(studyId, version) is { } kept) return (version, kept);
        var batch = session.CreateBatchQuery();
        // The version first: a study read after it is at least as new, so a kept study is never older than its key.
        var state = batch.Events.FetchStreamState(studyId);
        var loading = batch.Load<Study>(studyId);
        await batch.Execute(ct);
        if (await loading is not { } study || await state is not { } stream) return null;
        _studies[studyId] = (stream.Version, study);
        return (stream.Version, study);
    }

    /// <summary>
    /// A save's check that the study's stream is still at <paramref name="version"/>, the one its entries were judged
    /// under: otherwise the save fails with <see cref="StudyAmendedMeanwhile"/> and nothing is recorded. The database
    /// refuses the statement (<see cref="VersionCheckFunction"/>), so the check holds in a save that commits in the
    /// same round trip (<see cref="OneRoundTripSave"/>) as in one that commits after the results are read.
    /// </summary>
    public static IStorageOperation StillAt(IDocumentSession session, Guid studyId, long version) =>
        new StudyVersionCheck(session.DocumentStore.Options.Events.DatabaseSchemaName, studyId, version);

    /// <summary>
    /// The function <see cref="StillAt"/> calls, in the events' schema: it fails with <see cref="AmendedSqlState"/> when
    /// the study's stream is at another version.
    /// </summary>
    public static ISchemaObject VersionCheckFunction(string schema) =>
        new Function(new PostgresqlObjectName(schema, FunctionName, SchemaUtils.IdentifierUsage.General), $$"""
        create or replace function {{schema}}.{{FunctionName}}(study uuid, judged_at bigint) returns void language plpgsql as $body$
        begin
            if not exists (select 1 from {{schema}}.mt_streams where id = study and version = judged_at) then
                raise exception 'Study % is no longer at version %', study, judged_at using errcode = '{{AmendedSqlState}}';
            end if;
        end
        $body$;
        """);

    private const string FunctionName = "study_still_at";

    /// <summary>The SQLSTATE of a study that moved on, beside Marten's own MT001-MT003.</summary>
    public const string AmendedSqlState = "RG001";

    /// <summary>Equal for the same study and version, so a group of saves sends it once (<see cref="SaveGroups"/>).</summary>
    private sealed record StudyVersionCheck(string Schema, Guid StudyId, long Version) : IStorageOperation, IExceptionTransform
    {
        public Type DocumentType => typeof(Study);

        public OperationRole Role() => OperationRole.Other;

        public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
        {
            builder.Append($"select {Schema}.{FunctionName}(");
            builder.AppendParameter(StudyId);
            builder.Append(", ");
            builder.AppendParameter(Version);
            builder.Append(")");
        }

        public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

        public bool TryTransform(Exception original, out Exception transformed)
        {
            var refused = original as PostgresException ?? original.InnerException as PostgresException;
            transformed = refused is { SqlState: AmendedSqlState } && refused.Message.Contains(StudyId.ToString())
                ? new StudyAmendedMeanwhile(StudyId, Version)
                : original;
            return transformed != original;
        }
    }
}

/// <summary>The study's protocol was amended after the kept version an entry was judged under; nothing was recorded.</summary>
public sealed class StudyAmendedMeanwhile(Guid studyId, long judgedAt) : Exception($"Study {studyId} is no longer at version {judgedAt}.")
{
    public Guid StudyId { get; } = studyId;
    public long JudgedAt { get; } = judgedAt;
}
