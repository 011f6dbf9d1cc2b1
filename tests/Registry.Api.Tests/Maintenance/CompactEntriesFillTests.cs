using Marten;
using Registry.Api.Maintenance;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.Patients;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Maintenance;

/// <summary>
/// Charts an earlier version stored without compact entries, or in another format, get them at start
/// (<see cref="CompactEntriesFill"/>): each decoding to exactly the entries of its JSON, and only those charts written.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class CompactEntriesFillTests(DemoStudyApp app)
{
    [Fact]
    public async Task Charts_stored_without_compact_entries_or_in_another_format_get_them_and_the_others_are_left_alone()
    {
        List<Guid> ids;
        await using (var session = app.Store.QuerySession())
            ids = [.. await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).Select(c => c.Id).ToListAsync()];
        var stored = new Dictionary<Guid, byte[]?>();
        foreach (var id in ids) stored[id] = await StoredCompactEntries.ReadAsync(app.ConnectionString, id);
        var emptied = ids.Where((_, i) => i % 3 == 0).ToList();
        var otherFormat = ids.Where((_, i) => i % 3 == 1).Take(5).ToList();
        try
        {
            await StoredCompactEntries.SetAsync(app.ConnectionString, emptied.ToDictionary(id => id, _ => (byte[]?)null));
            // A layout this build does not read: its first byte names another format.
            await StoredCompactEntries.SetAsync(app.ConnectionString, otherFormat.ToDictionary(id => id, id => (byte[]?)[(byte)(CompactChartEntries.Format + 1), .. stored[id]![1..]]));
            var reported = new List<int>();

            Assert.Equal(emptied.Count + otherFormat.Count, await CompactEntriesFill.FillAsync(app.Store, reported.Add, CancellationToken.None));
            Assert.Equal(emptied.Count + otherFormat.Count, reported.Last());
            await StoredCompactEntries.AssertEveryChartHoldsItsEntriesAsync(app.ConnectionString, app.Store.Options.Serializer(), app.StudyId);
            foreach (var id in ids) Assert.Equal(stored[id], await StoredCompactEntries.ReadAsync(app.ConnectionString, id));
            Assert.Equal(0, await CompactEntriesFill.FillAsync(app.Store, null, CancellationToken.None));
        }
        finally
        {
            await StoredCompactEntries.SetAsync(app.ConnectionString, stored);
        }
    }
}
