using Marten;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// The sets derived from charts (a moment, a data cut, read-your-write) and the analysis datasets read a study's charts
/// as <see cref="RecordedChart"/>s (<see cref="RecordedCharts.OfStudyAsync"/>): each chart's id, version and every entry,
/// baseline values included, from its compact entries or from its JSON where it has none, exactly as Marten's document.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class RecordedChartTests(DemoStudyApp app)
{
    private async Task<List<PatientChart>> DocumentsAsync()
    {
        await using var session = app.Store.QuerySession();
        return [.. await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync()];
    }

    private async Task<List<RecordedChart>> RecordedAsync(Guid[]? only = null, Guid[]? except = null)
    {
        await using var session = app.Store.QuerySession();
        return await RecordedCharts.OfStudyAsync(session, app.StudyId, only, except, CancellationToken.None).ToListAsync();
    }

    /// <summary>A chart as text to compare: its id, version and each entry as the store's serializer writes it (baseline values included).</summary>
    private string Text(Guid id, long version, IEnumerable<ChartEntry> entries) =>
        $"{id} {version} {app.Store.Options.Serializer().ToJson(entries.ToList())}";

    /// <summary><see cref="Text(Guid, long, IEnumerable{ChartEntry})"/> of entries as the fold reads them, each data written with its own type's fields.</summary>
    private string Text(Guid id, long version, IEnumerable<ChartEvent> entries) =>
        $"{id} {version} {app.Store.Options.Serializer().ToJson(entries.Select(e => new { e.Version, e.RecordedAt, e.RecordedBy, Type = e.Data.GetType().Name, Data = (object)e.Data }).ToList())}";

    [Fact]
    public async Task Every_chart_of_the_study_is_read_once_as_its_document_holds_it_from_compact_entries_json_or_both()
    {
        var documents = await DocumentsAsync();
        var expected = documents.Select(c => Text(c.Id, c.Version, c.Entries)).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(documents, c => c.Entries.Any(e => e.Correction is not null) && c.Entries.Any(e => e.Fact is Registry.Domain.Patients.PatientEnrolled { Baseline.Count: > 0 }));
        Assert.Equal(expected, (await RecordedAsync()).Select(c => Text(c.Id, c.Version, c.Entries)).Order(StringComparer.Ordinal).ToList());

        var stored = new Dictionary<Guid, byte[]?>();
        foreach (var chart in documents) stored[chart.Id] = await Patients.StoredCompactEntries.ReadAsync(app.ConnectionString, chart.Id);
        try
        {
            // Every other chart as stored before its compact form was kept, then every chart.
            await SetCompactAsync(documents.Where((_, i) => i % 2 == 0).ToDictionary(c => c.Id, _ => (byte[]?)null));
            Assert.Equal(expected, (await RecordedAsync()).Select(c => Text(c.Id, c.Version, c.Entries)).Order(StringComparer.Ordinal).ToList());
            await SetCompactAsync(documents.ToDictionary(c => c.Id, _ => (byte[]?)null));
            Assert.Equal(expected, (await RecordedAsync()).Select(c => Text(c.Id, c.Version, c.Entries)).Order(StringComparer.Ordinal).ToList());
        }
        finally
        {
            await SetCompactAsync(stored);
        }
    }

    [Fact]
    public async Task Only_the_patients_named_are_read_or_all_but_those_named()
    {
        var ids = (await DocumentsAsync()).Select(c => c.Id).Order().ToList();
        var named = ids.Where((_, i) => i % 3 == 0).ToArray();

        Assert.Equal(named.Order(), (await RecordedAsync(only: named)).Select(c => c.Id).Order());
        Assert.Equal(ids.Except(named).Order(), (await RecordedAsync(except: named)).Select(c => c.Id).Order());
        Assert.Empty(await RecordedAsync(only: []));
        Assert.Equal(ids, (await RecordedAsync(except: [])).Select(c => c.Id).Order());
    }

    [Fact]
    public async Task Parts_read_side_by_side_are_every_chart_once()
    {
        var ids = (await DocumentsAsync()).Select(c => c.Id).Order().ToList();
        foreach (var parts in new[] { 2, 3 })
        {
            await using var session = app.Store.QuerySession();
            var all = await Task.WhenAll(Enumerable.Range(0, parts).Select(part =>
                RecordedCharts.AtAsync(session, app.StudyId, asOf: null, part, parts, CancellationToken.None).Select(c => c.Id).ToListAsync().AsTask()));

            Assert.All(all, part => Assert.NotEmpty(part));
            Assert.Equal(ids, all.SelectMany(part => part).Order());
        }
    }

    [Fact]
    public async Task Charts_read_once_for_several_threads_are_each_handed_to_one_of_them_once_as_read_alone()
    {
        var documents = await DocumentsAsync();
        var ids = documents.Select(c => c.Id).Order().ToList();
        var named = ids.Where((_, i) => i % 3 == 0).ToArray();
        var expected = documents.ToDictionary(c => c.Id, c => Text(c.Id, c.Version, c.Entries.Select(ChartEvent.Of)));
        foreach (var threads in new[] { 1, 2, 3 })
        {
            async Task<List<(int Thread, Guid Id)>> HandedAsync(Guid[]? only, Guid[]? except, Func<Guid, bool>? wanted)
            {
                await using var session = app.Store.QuerySession();
                var handed = new List<(int, Guid)>();
                await RecordedCharts.ReadOnThreadsAsync(session, app.StudyId, only, except, wanted, baselineKnown: null, asOf: null, threads, (thread, chart) =>
                {
                    // Compared while handed: the entries' list is the thread's, reused for its next chart.
                    Assert.Equal(expected[chart.Id], Text(chart.Id, chart.Version, chart.Events));
                    lock (handed) handed.Add((thread, chart.Id));
                }, CancellationToken.None);
                return handed;
            }

            var all = await HandedAsync(null, null, null);
            Assert.Equal(ids, all.Select(h => h.Id).Order());
            // Which thread derives which batch is the machine's choice (the reader takes those the others have no room for).
            Assert.All(all, h => Assert.InRange(h.Thread, 0, threads - 1));
            Assert.Equal(named.Order(), (await HandedAsync(named, null, null)).Select(h => h.Id).Order());
            Assert.Equal(ids.Except(named).Order(), (await HandedAsync(null, named, null)).Select(h => h.Id).Order());
            Assert.Equal(named.Order(), (await HandedAsync(null, null, named.Contains)).Select(h => h.Id).Order());
        }
    }

    [Fact]
    public async Task Charts_read_for_threads_at_a_moment_hold_the_entries_recorded_by_then_and_the_span_of_every_entry()
    {
        var documents = await DocumentsAsync();
        // A moment the demo's simulated calendar is in the middle of: most charts have entries on both sides of it.
        var moments = documents.SelectMany(c => c.Entries).Select(e => e.RecordedAt).Order().ToList();
        var asOf = moments[moments.Count / 2];
        Assert.Contains(documents, c => c.Entries.Any(e => e.RecordedAt <= asOf) && c.Entries.Any(e => e.RecordedAt > asOf));
        await using var session = app.Store.QuerySession();
        var handed = 0;
        await RecordedCharts.ReadOnThreadsAsync(session, app.StudyId, null, null, null, baselineKnown: null, asOf, 2, (_, chart) =>
        {
            var document = documents.Single(c => c.Id == chart.Id);
            Assert.Equal(Text(chart.Id, document.Version, document.Entries.Where(e => e.RecordedAt <= asOf).Select(ChartEvent.Of)), Text(chart.Id, chart.Version, chart.Events));
            Assert.Equal(document.Entries.Min(e => e.RecordedAt), chart.FirstRecorded);
            Assert.Equal(document.Entries.Max(e => e.RecordedAt), chart.LastRecorded);
            Interlocked.Increment(ref handed);
        }, CancellationToken.None);
        Assert.Equal(documents.Count, handed);
    }

    [Fact]
    public async Task A_chart_read_without_baseline_values_has_every_other_field_and_is_read_whole_when_its_enrolment_was_corrected()
    {
        var documents = await DocumentsAsync();
        var expected = documents.ToDictionary(c => c.Id, c => c.Entries);
        // One chart's enrolment corrected with other baseline values (in its compact entries only, which are what is read).
        var corrected = documents.First(c => c.Entries.Count > 2);
        var enrolment = corrected.Entries.First(e => e.Fact is PatientEnrolled);
        var replacement = (PatientEnrolled)enrolment.Fact! with { Baseline = new BaselineValues([new("age", BaselineValue.Of(99))]) };
        expected[corrected.Id] = [.. corrected.Entries, new ChartEntry(corrected.Version + 1, DateTimeOffset.UtcNow, "test",
            Correction: new EntryCorrected(enrolment.Version, replacement, "Age mistyped"))];
        var stored = await Patients.StoredCompactEntries.ReadAsync(app.ConnectionString, corrected.Id);
        try
        {
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [corrected.Id] = CompactChartEntries.Encode(expected[corrected.Id]) });
            await using var session = app.Store.QuerySession();
            var skipped = 0;
            await RecordedCharts.ReadOnThreadsAsync(session, app.StudyId, null, null, null, baselineKnown: (_, _) => true, asOf: null, 2, (_, chart) =>
            {
                Assert.Equal(chart.Id != corrected.Id, chart.WithoutBaseline);
                // Without them, each enrolment's values are empty and every other field is as stored.
                var entries = chart.WithoutBaseline
                    ? expected[chart.Id].Select(e => e.Fact is PatientEnrolled enrolled ? e with { Fact = enrolled with { Baseline = BaselineValues.Empty } } : e)
                    : expected[chart.Id];
                Assert.Equal(Text(chart.Id, 0, entries.Select(ChartEvent.Of)), Text(chart.Id, 0, chart.Events));
                if (chart.WithoutBaseline) Interlocked.Increment(ref skipped);
            }, CancellationToken.None);
            Assert.Equal(documents.Count - 1, skipped);
        }
        finally
        {
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [corrected.Id] = stored });
        }
    }

    [Fact]
    public async Task A_chart_with_compact_entries_is_read_from_them_not_from_its_json()
    {
        var chart = (await DocumentsAsync()).First(c => c.Entries.Count > 2);
        var stored = await Patients.StoredCompactEntries.ReadAsync(app.ConnectionString, chart.Id);
        try
        {
            // Compact entries that differ from the JSON's (only the enrolment) show which of the two was read.
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [chart.Id] = CompactChartEntries.Encode(chart.Entries.Take(1).ToList()) });
            Assert.Single((await RecordedAsync(only: [chart.Id])).Single().Entries);
        }
        finally
        {
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [chart.Id] = stored });
        }
        Assert.Equal(chart.Entries.Count, (await RecordedAsync(only: [chart.Id])).Single().Entries.Count);
    }

    private Task SetCompactAsync(IReadOnlyDictionary<Guid, byte[]?> compact) => Patients.StoredCompactEntries.SetAsync(app.ConnectionString, compact);
}
