using System.Security.Claims;
using JasperFx;
using Marten;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// An entry for a patient whose chart this node does not keep is judged on the stored chart alone, read on a connection
/// of the saves' pool, the stream's version is checked by the append itself, and the stored chart is extended by the
/// entry rather than written whole again.
/// </summary>
public sealed class StoredChartWritesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task An_entry_judged_on_the_stored_chart_reads_only_the_chart_and_saves_and_commits_in_one_batch()
    {
        var studyId = await app.RegisteredStudyAsync();
        var (first, second) = (await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId));
        var sent = new StatementsSent();
        using var node = NodeOf(sent);
        // The node's first entry reads the study, which it keeps for the next; the second patient's chart is not kept there.
        Assert.IsType<WriteOutcome.Appended>(await RecordAsync(node, first, new LastKnownAlive(new DateOnly(2020, 3, 1))));
        sent.Clear();

        Assert.Equal(new WriteOutcome.Appended(second, 2, 2), await RecordAsync(node, second, new LastKnownAlive(new DateOnly(2020, 3, 1))));

        Assert.Equal(2, sent.Sends.Count);
        var read = Assert.Single(sent.Sends[0]);
        Assert.Contains("mt_doc_patientchart", read);
        Assert.DoesNotContain("mt_streams", read);
        Assert.Equal("commit", sent.Sends[1][^1]);
        // The append is one statement of the registry's, not Marten's append function, which reads the stream's version again.
        Assert.DoesNotContain(sent.Sends[1], s => s.Contains("mt_quick_append_events"));
        Assert.Single(sent.Sends[1], s => s.Contains("insert into registry.mt_events"));
        await AssertIntactAsync(studyId);
    }

    [Fact]
    public async Task A_chart_extended_by_each_save_is_the_chart_the_projection_writes_whole()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        var sent = new StatementsSent();
        using var node = NodeOf(sent);
        Assert.IsType<WriteOutcome.Appended>(await RecordAsync(node, await app.EnrolledPatientAsync(studyId), new LastKnownAlive(new DateOnly(2020, 3, 1))));
        sent.Clear();
        var on = new DateOnly(2020, 2, 1);
        object[][] saves =
        [
            [new TreatmentStarted(on, ["cisplatin"], 2)],
            [new ImagingAssessed(on.AddDays(30), 41.5, NonTargetStatus.NonCRNonPD, false, TimepointResponse.SD)],
            [new AdverseEventRecorded("Nausea \"é\" <3>", 2, on.AddDays(35), false, Attribution.Possible)],
            [new EntryCorrected(4, new AdverseEventRecorded("Nausea", 3, on.AddDays(35), true, Attribution.Probable), "grade was 3")],
            [new LastKnownAlive(on.AddDays(60)), new DiseaseProgressed(on.AddDays(61), ProgressionBasis.Radiological, FailureSite.Distant)],
            [new EntryVoided(7, "entered twice")],
            [new PatientDied(on.AddDays(90), null)],
        ];

        foreach (var entries in saves)
            Assert.IsType<WriteOutcome.Appended>(await RecordAsync(node, patientId, entries));

        // Each save extended the stored chart; none wrote it whole.
        var statements = sent.Sends.SelectMany(s => s).ToList();
        Assert.DoesNotContain(statements, s => s.Contains("insert into registry.mt_doc_patientchart"));
        Assert.Equal(saves.Length, statements.Count(s => s.StartsWith("select registry.extend_patient_chart(")));
        await using var reading = app.Store.QuerySession();
        PatientChart? whole = null;
        foreach (var e in await reading.Events.FetchStreamAsync(patientId)) whole = new PatientChartProjection().Evolve(whole, patientId, e);
        Assert.Equal(9, whole!.Version);
        Assert.Equal((await AsJsonbAsync(app.Store.Options.Serializer().ToJson(whole)), 9), await StoredChartAndVersionAsync(patientId));
        // The compact entries were extended too, to the same entries.
        await StoredCompactEntries.AssertHoldsAsync(app.ConnectionString, patientId, whole.Entries);
        await AssertIntactAsync(studyId);
    }

    [Fact]
    public async Task A_stored_chart_behind_its_stream_is_not_trusted_the_entry_is_judged_on_the_stream()
    {
        var studyId = await app.RegisteredStudyAsync();
        var (other, patientId) = (await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId));
        using var node = NodeOf(new StatementsSent());
        Assert.IsType<WriteOutcome.Appended>(await RecordAsync(node, other, new LastKnownAlive(new DateOnly(2020, 3, 1))));
        var atEnrolment = await StoredChartAsync(patientId);
        using (var elsewhere = NodeOf(new StatementsSent()))
            Assert.Equal(new WriteOutcome.Appended(patientId, 2, 2), await RecordAsync(elsewhere, patientId, new PatientDied(new DateOnly(2020, 4, 1), "Disease")));
        // The stored chart set back to version 1, as if the death had been appended without it.
        await SetStoredChartAsync(patientId, atEnrolment);

        var refused = Assert.IsType<WriteOutcome.Refused>(await RecordAsync(node, patientId, new LastKnownAlive(new DateOnly(2020, 5, 1))));

        Assert.Equal(409, refused.Status);
        Assert.Contains(refused.Violations, v => v.Contains("after the patient's death on 2020-04-01"));
        await using var reading = app.Store.QuerySession();
        Assert.Equal(2, (await reading.Events.FetchStreamStateAsync(patientId))!.Version);
    }

    [Fact]
    public async Task A_stored_chart_moved_on_beside_its_stream_fails_the_save_and_the_entry_is_judged_on_the_stream()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        var sent = new StatementsSent();
        using var node = NodeOf(sent);
        // The node keeps the patient's chart at version 2 after its entry.
        Assert.Equal(new WriteOutcome.Appended(patientId, 2, 2), await RecordAsync(node, patientId, new LastKnownAlive(new DateOnly(2020, 3, 1))));
        // The stored chart moved on to version 3 behind the node's back; the stream is still at 2.
        await SetStoredChartVersionAsync(patientId, 3);
        sent.Clear();

        Assert.Equal(new WriteOutcome.Appended(patientId, 3, 3), await RecordAsync(node, patientId, new LastKnownAlive(new DateOnly(2020, 4, 1))));

        // The extension was refused, and with it the append sent beside it; judged again on the stream, the entry was
        // recorded once and the chart written whole.
        var statements = sent.Sends.SelectMany(s => s).ToList();
        Assert.Single(statements, s => s.Contains("extend_patient_chart"));
        Assert.Single(statements, s => s.Contains("insert into registry.mt_events"));
        await using var reading = app.Store.QuerySession();
        var events = await reading.Events.FetchStreamAsync(patientId);
        Assert.Equal(3, events.Count);
        PatientChart? whole = null;
        foreach (var e in events) whole = new PatientChartProjection().Evolve(whole, patientId, e);
        Assert.Equal((await AsJsonbAsync(app.Store.Options.Serializer().ToJson(whole!)), 3), await StoredChartAndVersionAsync(patientId));
        await StoredCompactEntries.AssertHoldsAsync(app.ConnectionString, patientId, whole!.Entries);
        await AssertIntactAsync(studyId);
    }

    [Fact]
    public async Task An_extension_of_a_stored_chart_not_at_its_version_fails_the_whole_save_and_nothing_is_recorded()
    {
        var studyId = await app.RegisteredStudyAsync();
        var (extended, moved) = (await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId));
        var (extendedBefore, movedBefore) = (await StoredChartAndVersionAsync(extended), await StoredChartAndVersionAsync(moved));
        var noEntries = """{"entries": []}"""u8.ToArray();
        var noCompactEntries = CompactChartEntries.Encode([]);

        await using (var save = await OneRoundTripSave.StartAsync(app.Store, CancellationToken.None))
        {
            // The first chart is at the version its extension names; the second is not.
            save.Session.QueueOperation(new ChartExtension(EventStoreConfiguration.Schema, extended, extendedBefore.Version, extendedBefore.Version + 1, noEntries, noCompactEntries));
            save.Session.QueueOperation(new ChartExtension(EventStoreConfiguration.Schema, moved, movedBefore.Version + 1, movedBefore.Version + 2, noEntries, noCompactEntries));
            var refused = await Assert.ThrowsAsync<ConcurrencyException>(() => save.Session.SaveChangesAsync());
            Assert.Equal(moved, refused.Id);
            Assert.True(WriteConflicts.IsConcurrentWrite(refused));
        }

        Assert.Equal(extendedBefore, await StoredChartAndVersionAsync(extended));
        Assert.Equal(movedBefore, await StoredChartAndVersionAsync(moved));
    }

    [Fact]
    public async Task Saves_waiting_while_another_is_committed_are_committed_together_each_answered_on_its_own()
    {
        var studyId = await app.RegisteredStudyAsync();
        var (first, second, third) = (await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId));
        var sent = new StatementsSent();
        using var node = NodeOf(sent);
        Assert.IsType<WriteOutcome.Appended>(await RecordAsync(node, await app.EnrolledPatientAsync(studyId), new LastKnownAlive(new DateOnly(2020, 3, 1))));
        var groups = SaveGroups.For(node);

        Task<WriteOutcome> firstWrite, secondWrite, thirdWrite;
        await using (await ChartHeldAsync(first))
        {
            // The first save waits for the first chart's row; the two after it wait for that save.
            firstWrite = RecordAsync(node, first, new LastKnownAlive(new DateOnly(2020, 3, 1)));
            await WhenAsync(() => groups.Committing);
            secondWrite = RecordAsync(node, second, new LastKnownAlive(new DateOnly(2020, 3, 2)));
            thirdWrite = RecordAsync(node, third, new LastKnownAlive(new DateOnly(2020, 3, 3)));
            await WhenAsync(() => groups.Waiting == 2);
            sent.Clear();
        }

        Assert.Equal(new WriteOutcome.Appended(first, 2, 2), await firstWrite);
        Assert.Equal(new WriteOutcome.Appended(second, 2, 2), await secondWrite);
        Assert.Equal(new WriteOutcome.Appended(third, 2, 2), await thirdWrite);
        var together = Assert.Single(sent.Sends, s => s.Count(c => c.Contains("insert into registry.mt_events")) == 2);
        Assert.Equal("commit", together[^1]);
        Assert.Single(together, c => c == "commit");
        // Both entries were judged on the same study at the same version: its check is sent once.
        Assert.Single(together, c => c.Contains("study_still_at"));
        await AssertIntactAsync(studyId);
    }

    [Fact]
    public async Task A_save_refused_in_a_group_does_not_cost_the_others_theirs()
    {
        var studyId = await app.RegisteredStudyAsync();
        var (first, behind, other) = (await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId), await app.EnrolledPatientAsync(studyId));
        using var node = NodeOf(new StatementsSent());
        Assert.IsType<WriteOutcome.Appended>(await RecordAsync(node, await app.EnrolledPatientAsync(studyId), new LastKnownAlive(new DateOnly(2020, 3, 1))));
        var atEnrolment = await StoredChartAsync(behind);
        using (var elsewhere = NodeOf(new StatementsSent()))
            Assert.IsType<WriteOutcome.Appended>(await RecordAsync(elsewhere, behind, new PatientDied(new DateOnly(2020, 4, 1), "Disease")));
        await SetStoredChartAsync(behind, atEnrolment);
        var groups = SaveGroups.For(node);

        Task<WriteOutcome> firstWrite, refusedWrite, otherWrite;
        await using (await ChartHeldAsync(first))
        {
            firstWrite = RecordAsync(node, first, new LastKnownAlive(new DateOnly(2020, 5, 1)));
            await WhenAsync(() => groups.Committing);
            // Judged on a chart behind its stream, so its append is refused in the group with the other.
            refusedWrite = RecordAsync(node, behind, new LastKnownAlive(new DateOnly(2020, 5, 1)));
            otherWrite = RecordAsync(node, other, new LastKnownAlive(new DateOnly(2020, 5, 1)));
            await WhenAsync(() => groups.Waiting == 2);
        }

        Assert.IsType<WriteOutcome.Appended>(await firstWrite);
        Assert.Equal(new WriteOutcome.Appended(other, 2, 2), await otherWrite);
        var refused = Assert.IsType<WriteOutcome.Refused>(await refusedWrite);
        Assert.Contains(refused.Violations, v => v.Contains("after the patient's death on 2020-04-01"));
        await using var reading = app.Store.QuerySession();
        Assert.Equal(2, (await reading.Events.FetchStreamStateAsync(behind))!.Version);
        await AssertIntactAsync(studyId);
    }

    [Fact]
    public async Task A_group_that_lost_its_connection_is_not_sent_again_and_each_of_its_saves_is_told()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var node = NodeOf(new StatementsSent());
        await using var session = node.LightweightSession();
        var studyAsIs = StudiesInForce.StillAt(session, studyId, 1);
        var groups = SaveGroups.For(node);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queued = new int[3];

        // The first save is held while the next two queue behind it; they go as one group, and one of them ends its connection,
        // so whether the group committed is not known.
        var first = groups.SaveAsync(studyAsIs, async _ =>
        {
            Interlocked.Increment(ref queued[0]);
            await held.Task;
        }, CancellationToken.None);
        await WhenAsync(() => groups.Committing);
        var second = groups.SaveAsync(studyAsIs, _ =>
        {
            Interlocked.Increment(ref queued[1]);
            return Task.CompletedTask;
        }, CancellationToken.None);
        var third = groups.SaveAsync(studyAsIs, saving =>
        {
            Interlocked.Increment(ref queued[2]);
            saving.QueueSqlCommand("select pg_terminate_backend(pg_backend_pid())");
            return Task.CompletedTask;
        }, CancellationToken.None);
        await WhenAsync(() => groups.Waiting == 2);
        held.SetResult();

        await first;
        var secondLost = await Assert.ThrowsAnyAsync<Exception>(() => second);
        Assert.Same(secondLost, await Assert.ThrowsAnyAsync<Exception>(() => third));
        Assert.False(WriteConflicts.IsConcurrentWrite(secondLost));
        // Each save was queued once: none was sent again alone.
        Assert.Equal([1, 1, 1], queued);
    }

    /// <summary>A patient's stored chart locked by another transaction until disposed: a save upserting it waits.</summary>
    private async Task<IAsyncDisposable> ChartHeldAsync(Guid patientId)
    {
        var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var hold = new NpgsqlCommand("select 1 from registry.mt_doc_patientchart where id = $1 for update", connection, transaction)
        {
            Parameters = { new() { Value = patientId } },
        };
        Assert.Equal(1, await hold.ExecuteScalarAsync());
        return connection;
    }

    private static async Task WhenAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited++)
        {
            if (waited == 3000) throw new TimeoutException("The saves never queued.");
            await Task.Delay(10);
        }
    }

    /// <summary>Another node on the same database: its own store, so its own kept charts and studies, logging what it sends.</summary>
    private DocumentStore NodeOf(StatementsSent sent)
    {
        var options = EventStoreConfiguration.Build(app.ConnectionString, asyncProjections: false);
        options.Logger(sent);
        return new DocumentStore(options);
    }

    private static async Task<WriteOutcome> RecordAsync(IDocumentStore node, Guid patientId, IPatientFact entry)
    {
        await using var session = node.LightweightSession();
        return await PatientStream.RecordAsync(session, Coordinator, patientId, null, _ => [entry], CancellationToken.None);
    }

    private static async Task<WriteOutcome> RecordAsync(IDocumentStore node, Guid patientId, object[] entries)
    {
        await using var session = node.LightweightSession();
        return await PatientStream.RecordAsync(session, Coordinator, patientId, null, _ => entries, CancellationToken.None);
    }

    private async Task<(string Data, long Version)> StoredChartAndVersionAsync(Guid patientId)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("select data::text, mt_version from registry.mt_doc_patientchart where id = $1", connection) { Parameters = { new() { Value = patientId } } };
        await using var row = await read.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        return (row.GetString(0), Convert.ToInt64(row.GetValue(1)));
    }

    /// <summary>JSON as PostgreSQL stores it in a jsonb column, read back as text.</summary>
    private async Task<string> AsJsonbAsync(string json)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("select $1::jsonb::text", connection) { Parameters = { new() { Value = json } } };
        return (string)(await read.ExecuteScalarAsync())!;
    }

    private async Task<string> StoredChartAsync(Guid patientId)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("select data::text from registry.mt_doc_patientchart where id = $1", connection) { Parameters = { new() { Value = patientId } } };
        return (string)(await read.ExecuteScalarAsync())!;
    }

    private async Task SetStoredChartAsync(Guid patientId, string json)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var write = new NpgsqlCommand("update registry.mt_doc_patientchart set data = $2::jsonb where id = $1", connection)
        {
            Parameters = { new() { Value = patientId }, new() { Value = json } },
        };
        Assert.Equal(1, await write.ExecuteNonQueryAsync());
    }

    private async Task SetStoredChartVersionAsync(Guid patientId, long version)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var write = new NpgsqlCommand("update registry.mt_doc_patientchart set mt_version = $2 where id = $1", connection)
        {
            Parameters = { new() { Value = patientId }, new() { Value = version } },
        };
        Assert.Equal(1, await write.ExecuteNonQueryAsync());
    }

    private async Task AssertIntactAsync(Guid studyId)
    {
        var verified = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={studyId}");
        })).JsonAsync();
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.GetRawText());
    }

    private static ClaimsPrincipal Coordinator => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, "stored-chart-coordinator"), new Claim(RegistryClaims.Role, Roles.Coordinator), new Claim(RegistryClaims.Site, "S1")], "test"));
}
