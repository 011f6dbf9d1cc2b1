using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Access;

/// <summary>
/// Every route that takes <c>asOf</c> reads it the same way: an ISO-8601 moment with any offset names one instant,
/// answered as that instant in UTC; anything else is a 400 naming <c>asOf</c> and the form it takes.
/// </summary>
public sealed class AsOfTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly string[] Routes =
    [
        "/api/patients/{patient}/history",
        "/api/studies/{study}/protocol",
        "/api/studies/{study}/survival?endpoint=pfs&",
        "/api/studies/{study}/comparisons?endpoint=pfs&arm=ITC&reference=C&",
        "/api/studies/{study}/subgroups?endpoint=pfs&arm=ITC&reference=C&",
        "/api/studies/{study}/baseline",
        "/api/studies/{study}/response",
        "/api/studies/{study}/safety",
    ];

    // A figure's element ids differ from drawing to drawing, so it joins only the refusals.
    private static readonly string[] RoutesAndFigures = [.. Routes, "/api/studies/{study}/plots/km.svg?endpoint=pfs&"];

    [Theory]
    [InlineData("2030-05-01T12:00:00%2B02:00", "2030-05-01T10:00:00Z")]
    [InlineData("2030-05-01T05:00:00-05:00", "2030-05-01T10:00:00Z")]
    [InlineData("2030-05-01T15:30:00.5%2B05:30", "2030-05-01T10:00:00.5Z")]
    // A '+' typed into a URL arrives as a space; before an offset it can only have been the sign.
    [InlineData("2030-05-01T12:00:00+02:00", "2030-05-01T10:00:00Z")]
    public async Task A_moment_with_an_offset_is_answered_as_the_same_instant_in_UTC(string withOffset, string utc)
    {
        var (study, patient) = await StudyWithPatientAsync();
        foreach (var route in Routes)
        {
            var offset = await GetAsync(route, study, patient, withOffset, 200);
            var inUtc = await GetAsync(route, study, patient, Uri.EscapeDataString(utc), 200);
            Assert.Equal(inUtc, offset);
        }
        var history = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patient}/history?asOf={withOffset}");
        })).JsonAsync();
        Assert.Equal(DateTimeOffset.Parse(utc), history.GetProperty("asOf").GetDateTimeOffset());
        Assert.Equal(TimeSpan.Zero, history.GetProperty("asOf").GetDateTimeOffset().Offset);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("05%2F01%2F2030")]
    [InlineData("2030-13-01")]
    [InlineData("2030-05-01T25:00:00Z")]
    [InlineData("9999-12-31T23:59:59-10:00")]
    [InlineData("2030-05-01T12:00:00%2B2")]
    public async Task A_value_that_is_not_an_ISO_8601_moment_is_a_400_naming_asOf_and_its_form(string asOf)
    {
        var (study, patient) = await StudyWithPatientAsync();
        foreach (var route in RoutesAndFigures)
        {
            var problem = await (await app.RefusedAsync(400, s =>
            {
                s.WithBearerToken(route.Contains("history") ? app.Auditor : app.Investigator);
                s.Get.Url(Url(route, study, patient, asOf));
            })).ProblemAsync();
            Assert.Equal(["asOf"], problem.ErrorFields());
            Assert.Contains("ISO-8601", problem.GetProperty("errors").GetProperty("asOf")[0].GetString());
        }
    }

    [Fact]
    public async Task The_audit_exports_from_and_to_are_read_the_same_way()
    {
        var (study, _) = await StudyWithPatientAsync();
        Assert.Equal(await AuditTrailAsync(study, "from=2020-05-01T10:00:00Z&to=2099-01-01", 200),
            await AuditTrailAsync(study, "from=2020-05-01T12:00:00%2B02:00&to=2099-01-01T00:00:00+00:00", 200));

        var problem = JsonDocument.Parse(await AuditTrailAsync(study, "from=05%2F01%2F2020", 400)).RootElement;
        Assert.Equal(["from"], problem.ErrorFields());
        Assert.Contains("ISO-8601", problem.GetProperty("errors").GetProperty("from")[0].GetString());
    }

    private async Task<string> AuditTrailAsync(Guid study, string query, int status)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{study}/audit-trail?{query}");
            s.StatusCodeShouldBe(status);
        });
        return await result.ReadAsTextAsync();
    }

    private async Task<(Guid Study, Guid Patient)> StudyWithPatientAsync()
    {
        var study = await app.RegisteredStudyAsync();
        return (study, await app.EnrolledPatientAsync(study));
    }

    private async Task<string> GetAsync(string route, Guid study, Guid patient, string asOf, int status)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(route.Contains("history") ? app.Auditor : app.Investigator);
            s.Get.Url(Url(route, study, patient, asOf));
            s.StatusCodeShouldBe(status);
        });
        return await result.ReadAsTextAsync();
    }

    private static string Url(string route, Guid study, Guid patient, string asOf)
    {
        var path = route.Replace("{study}", study.ToString()).Replace("{patient}", patient.ToString());
        return path.EndsWith('&') ? $"{path}asOf={asOf}" : $"{path}?asOf={asOf}";
    }
}
