using Marten;
using Registry.Api.Tests.Infrastructure;
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
    public async Task Parts_read_side_by_side_are_every_chart_named_once()
    {
        var ids = (await DocumentsAsync()).Select(c => c.Id).Order().ToList();
        var named = ids.Where((_, i) => i % 3 == 0).ToArray();
        foreach (var parts in new[] { 2, 3 })
        {
            await using var session = app.Store.QuerySession();
            Task<List<Guid>[]> PartsAsync(Guid[]? only, Guid[]? except) => Task.WhenAll(Enumerable.Range(0, parts).Select(part =>
                RecordedCharts.OfStudyAsync(session, app.StudyId, only, except, part, parts, CancellationToken.None).Select(c => c.Id).ToListAsync().AsTask()));

            var all = await PartsAsync(null, null);
            Assert.All(all, part => Assert.NotEmpty(part));
            Assert.Equal(ids, all.SelectMany(part => part).Order());
            Assert.Equal(named.Order(), (await PartsAsync(named, null)).SelectMany(part => part).Order());
            Assert.Equal(ids.Except(named).Order(), (await PartsAsync(null, named)).SelectMany(part => part).Order());
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
