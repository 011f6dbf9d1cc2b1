using Marten;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.Patients;

namespace Registry.Api.Tests.StudyViews;

/// <summary>Every chart of every demo study, as the demo loader stores it, holds its entries in their compact form exactly.</summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class DemoChartsCompactTests(AllDemoStudiesApp app)
{
    [Fact]
    public async Task Every_chart_of_the_demo_studies_decodes_from_its_compact_form_to_its_entries()
    {
        foreach (var study in app.Studies.Values)
            Assert.Equal(study.Simulated.Patients, await StoredCompactEntries.AssertEveryChartHoldsItsEntriesAsync(app.ConnectionString, app.Store.Options.Serializer(), study.StudyId));
    }
}
