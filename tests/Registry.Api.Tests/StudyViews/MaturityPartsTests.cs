using Marten;
using Registry.Api.Tests.Patients;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// Maturity's pass reads a study's charts in parts side by side (<see cref="MaturityTimeline.CutPatients.ReadAsync"/>),
/// each into cuts' patients of its own, appended afterwards. Parts holding the charts one pass reads must give that
/// pass's points to the last digit (the comparisons add patients up in subject order), an empty part included; and the parts
/// <see cref="RecordedCharts"/> reads from the database hold every chart of the study once, entry for entry (corrections
/// and voids included) but for baseline values, which the pass skips; from each chart's compact entries, or from its JSON
/// where a chart was stored without them, with the same points either way.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class MaturityPartsTests(DemoStudyApp app)
{
    private static readonly ArmGroup Treated = new("ITC", ["ITC"]);
    private static readonly ArmGroup Control = new("C", ["C"]);
    private static readonly string[] Endpoints = ["pfs", "os"];

    private async Task<(Study Study, List<PatientChart> Charts, List<DateOnly> Cuts)> LoadAsync()
    {
        await using var session = app.Store.QuerySession();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var charts = (await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync()).ToList();
        var recorded = charts.SelectMany(c => c.Entries).Select(e => DateOnly.FromDateTime(e.RecordedAt.UtcDateTime)).ToList();
        return (study, charts, MaturityTimeline.Cuts(recorded.Min(), recorded.Max(), (1, 0)).ToList());
    }

    private static List<(DateOnly Cut, MaturityPoint? Point)> Points(MaturityTimeline.CutPatients patients, string endpoint, IReadOnlyList<DateOnly> cuts) =>
        [.. patients.Points(endpoint, Treated, Control, cuts, CancellationToken.None)];

    [Fact]
    public async Task Parts_read_side_by_side_give_the_points_of_one_pass_over_the_same_charts()
    {
        var (study, charts, cuts) = await LoadAsync();
        var one = new MaturityTimeline.CutPatients(study, Endpoints, cuts);
        foreach (var chart in charts) one.Add(chart);

        // Three parts, the middle one empty, the others each patient's in turn: appended, they hold the one pass's patients.
        var parts = new[] { charts.Where((_, i) => i % 3 == 0).ToList(), [], charts.Where((_, i) => i % 3 != 0).ToList() };
        var handed = 0;
        var read = await MaturityTimeline.CutPatients.ReadAsync((part, count, add, ct) =>
        {
            Assert.Equal(parts.Length, count);
            foreach (var chart in parts[part])
            {
                add(chart.Id, [.. chart.Entries.Select(e => e.ToRecorded())]);
                Interlocked.Increment(ref handed);
            }
            return Task.CompletedTask;
        }, parts.Length, study, Endpoints, cuts, CancellationToken.None);

        Assert.Equal(charts.Count, handed);
        foreach (var endpoint in Endpoints)
        {
            // The same patients at every cut (the bytes differ: the parts number the patients in another order, so their gaps are coded otherwise).
            foreach (var cut in cuts)
                Assert.Equal(one.At(endpoint, cut).OrderBy(p => p.PatientId), read.At(endpoint, cut).OrderBy(p => p.PatientId));
            var expected = Points(one, endpoint, cuts);
            Assert.Contains(expected, p => p.Point is { Events: > 0, Hr: not null });
            Assert.Equal(expected, Points(read, endpoint, cuts));
        }
    }

    [Fact]
    public async Task The_parts_read_from_the_database_hold_every_chart_of_the_study_once_with_its_entries()
    {
        var (_, charts, _) = await LoadAsync();
        var read = new List<(int Part, Guid Id, RecordedEvent[] Entries)>();
        await using var session = app.Store.QuerySession();
        for (var part = 0; part < 2; part++)
            await RecordedCharts.ReadAsync(session, app.StudyId, part, 2, (id, entries) => read.Add((part, id, entries)), CancellationToken.None);

        Assert.Equal(charts.Select(c => c.Id).Order(), read.Select(r => r.Id).Order());
        // Both parts hold patients: the study's patients are split, not all read by one connection.
        Assert.All(new[] { 0, 1 }, part => Assert.Contains(read, r => r.Part == part));
        var serializer = app.Store.Options.Serializer();
        string Json(RecordedEvent e) => $"{e.Version} {e.RecordedAt:O} {e.RecordedBy} {e.Data.GetType().Name} {serializer.ToJson(e.Data)}";
        // Baseline values are skipped, not parsed: the pass never reads them.
        static RecordedEvent WithoutBaseline(RecordedEvent e) => e with
        {
            Data = e.Data switch
            {
                PatientEnrolled enrolled => enrolled with { Baseline = BaselineValues.Empty },
                EntryCorrected { Replacement: PatientEnrolled enrolled } corrected => corrected with { Replacement = enrolled with { Baseline = BaselineValues.Empty } },
                var data => data,
            },
        };
        foreach (var (_, id, entries) in read)
            Assert.Equal(charts.Single(c => c.Id == id).Entries.Select(e => Json(WithoutBaseline(e.ToRecorded()))), entries.Select(Json));
        Assert.Contains(read.SelectMany(r => r.Entries), e => e.Data is EntryCorrected or EntryVoided);
    }

    [Fact]
    public async Task The_pass_gives_the_same_points_from_compact_entries_from_the_charts_json_and_from_a_mix_of_both()
    {
        var (study, charts, cuts) = await LoadAsync();
        async Task<MaturityTimeline.CutPatients> PassAsync()
        {
            await using var session = app.Store.QuerySession();
            return await MaturityTimeline.CutPatients.ReadAsync((part, parts, add, ct) => RecordedCharts.ReadAsync(session, app.StudyId, part, parts, add, ct),
                2, study, Endpoints, cuts, CancellationToken.None);
        }
        var compact = await PassAsync();
        var stored = new Dictionary<Guid, byte[]>();
        foreach (var chart in charts) stored[chart.Id] = (await StoredCompactEntries.ReadAsync(app.ConnectionString, chart.Id))!;
        Assert.DoesNotContain(stored.Values, bytes => bytes is null);
        try
        {
            // Every other chart as stored before its compact form was kept (a database loaded earlier), then every chart.
            await SetCompactAsync(charts.Where((_, i) => i % 2 == 0).ToDictionary(c => c.Id, _ => (byte[]?)null));
            var mixed = await PassAsync();
            await SetCompactAsync(charts.ToDictionary(c => c.Id, _ => (byte[]?)null));
            var json = await PassAsync();

            foreach (var endpoint in Endpoints)
            {
                var expected = Points(compact, endpoint, cuts);
                Assert.Contains(expected, p => p.Point is { Events: > 0, Hr: not null });
                Assert.Equal(expected, Points(mixed, endpoint, cuts));
                Assert.Equal(expected, Points(json, endpoint, cuts));
            }
        }
        finally
        {
            await SetCompactAsync(stored.ToDictionary(s => s.Key, s => (byte[]?)s.Value));
        }
    }

    [Fact]
    public async Task A_chart_is_read_from_its_compact_entries_where_stored_and_from_its_json_where_not()
    {
        var (_, charts, _) = await LoadAsync();
        var chart = charts.First(c => c.Entries.Count > 2);
        var stored = await StoredCompactEntries.ReadAsync(app.ConnectionString, chart.Id);
        async Task<int> EntriesReadAsync()
        {
            var count = -1;
            await using var session = app.Store.QuerySession();
            await RecordedCharts.ReadAsync(session, app.StudyId, 0, 1, (id, entries) => { if (id == chart.Id) count = entries.Length; }, CancellationToken.None);
            return count;
        }
        try
        {
            // Compact entries that differ from the JSON's (only the enrolment) show which of the two was read.
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [chart.Id] = CompactChartEntries.Encode(chart.Entries.Take(1).ToList()) });
            Assert.Equal(1, await EntriesReadAsync());
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [chart.Id] = null });
            Assert.Equal(chart.Entries.Count, await EntriesReadAsync());
        }
        finally
        {
            await SetCompactAsync(new Dictionary<Guid, byte[]?> { [chart.Id] = stored });
        }
    }

    private Task SetCompactAsync(IReadOnlyDictionary<Guid, byte[]?> compact) => Patients.StoredCompactEntries.SetAsync(app.ConnectionString, compact);
}
