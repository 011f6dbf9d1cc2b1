using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Limits;

/// <summary>
/// Every list in a view's query is bounded and names each value once; a parameter the route does not take, or one
/// given twice, is refused rather than ignored; the maturity view makes at most 120 cuts for any step. Each refusal
/// is a 400 naming the parameter, and leaves the event store as it was.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class QueryLimitsTests(DemoStudyApp app)
{
    private async Task<JsonElement> RefusedAsync(string query, string parameter, string expected)
    {
        var before = await app.EventStoreMarkAsync();
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{app.StudyId}/{query}");
            s.StatusCodeShouldBe(400);
        });
        var problem = await result.JsonAsync();
        var message = problem.GetProperty("errors").GetProperty(parameter)[0].GetString()!;
        Assert.Contains(expected, message);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        return problem;
    }

    [Theory]
    [InlineData("survival?arms=ITC,IT,ITC", "arms", "ITC is listed twice.")]
    [InlineData("baseline?arms=IC,IC", "arms", "IC is listed twice.")]
    [InlineData("response?arms=ITC%2BITC", "arms", "ITC is listed twice in ITC+ITC.")]
    [InlineData("survival?landmarks=6,12,6", "landmarks", "6 is listed twice.")]
    [InlineData("survival?landmarks=6,6.0", "landmarks", "6.0 is listed twice.")]
    [InlineData("comparisons?endpoint=pfs&arm=ITC&reference=C&adjust=age,age", "adjust", "age is listed twice.")]
    [InlineData("comparisons?endpoint=pfs&arm=ITC&reference=C&adjust=age,kps,age", "adjust", "age is listed twice.")]
    public async Task A_value_listed_twice_is_refused_naming_it(string query, string parameter, string message) =>
        await RefusedAsync(query, parameter, message);

    [Fact]
    public async Task Two_thousand_repeated_arms_are_refused_by_count_before_any_curve_is_drawn()
    {
        var arms = string.Join(",", Enumerable.Repeat("ITC", 2000));
        await RefusedAsync($"survival?arms={arms}", "arms", "arms lists at most 20 values, not 2000.");
        await RefusedAsync($"plots/km.svg?arms={arms}", "arms", "arms lists at most 20 values, not 2000.");
        var landmarks = string.Join(",", Enumerable.Range(1, 21));
        await RefusedAsync($"survival?landmarks={landmarks}", "landmarks", "landmarks lists at most 20 values, not 21.");
        var adjust = string.Join(",", Enumerable.Range(1, 11).Select(i => $"v{i}"));
        await RefusedAsync($"comparisons?arm=ITC&reference=C&adjust={adjust}", "adjust", "adjust lists at most 10 values, not 11.");
    }

    [Theory]
    [InlineData("survival?arms=ITC,XYZ", "arms", "it has ITC, IT, IC, C")]
    [InlineData("comparisons?arm=ITC&reference=C&adjust=weight", "adjust", "use any of")]
    [InlineData("comparisons?arm=ITC&reference=C&strata=weight", "strata", "use one of")]
    [InlineData("survival?endpoint=pcr", "endpoint", "time-to-event endpoints are pfs, os")]
    [InlineData("survival?unit=weeks", "unit", "'months' or 'days'")]
    [InlineData("maturity?every=1d", "every", "2w, 1m, 3m or 1y")]
    [InlineData("maturity?every=0m", "every", "2w, 1m, 3m or 1y")]
    public async Task An_unknown_value_is_refused_listing_the_allowed_ones(string query, string parameter, string message) =>
        await RefusedAsync(query, parameter, message);

    [Theory]
    [InlineData("survival?endpiont=os", "endpiont", "it takes arms, asOf, consistent, dataCut, endpoint, landmarks, unit")]
    [InlineData("plots/km.png?endpiont=os", "endpiont", "it takes arms, asOf, ci, consistent, dataCut, endpoint, landmarks, unit")]
    [InlineData("comparisons?arm=ITC&refrence=C", "refrence", "it takes adjust, arm, asOf, consistent, dataCut, endpoint, reference, strata")]
    [InlineData("maturity?step=1m", "step", "it takes arm, endpoint, every, reference")]
    [InlineData("survival?endpoint=os&endpoint=pfs", "endpoint", "endpoint is given 2 times; give it once")]
    [InlineData("survival?arms=ITC&arms=C", "arms", "arms is given 2 times; give it once (a list is comma-separated)")]
    public async Task A_parameter_the_route_does_not_take_or_given_twice_is_refused(string query, string parameter, string message) =>
        await RefusedAsync(query, parameter, message);

    [Fact]
    public async Task Query_names_are_matched_as_ASP_NET_binds_them_ignoring_case()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{app.StudyId}/survival?Endpoint=os");
            s.StatusCodeShouldBeOk();
        });
        Assert.Equal("os", (await result.JsonAsync()).GetProperty("endpoint").GetString());
    }

    [Fact]
    public async Task Maturity_makes_at_most_120_cuts_whatever_the_step()
    {
        // Whether weekly cuts fit depends on the span recorded so far (other tests of this collection record today);
        // either way the answer holds at most 120 cuts or is refused before any is computed.
        foreach (var every in new[] { "1w", "2w", "1m", "3m", "1y", "99y" })
        {
            var result = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Investigator);
                s.Get.Url($"/api/studies/{app.StudyId}/maturity?endpoint=pfs&every={every}");
                if (every.EndsWith('w')) s.IgnoreStatusCode();
                else s.StatusCodeShouldBeOk();
            });
            var body = await result.JsonAsync();
            if (result.Context.Response.StatusCode != 200)
            {
                Assert.Equal(400, result.Context.Response.StatusCode);
                Assert.Contains("more than 120 data cuts", body.GetProperty("errors").GetProperty("every")[0].GetString());
                Console.WriteLine($"every={every}: refused");
                continue;
            }
            var cuts = body.GetProperty("cuts").GetArrayLength();
            Console.WriteLine($"every={every}: {cuts} cuts");
            Assert.InRange(cuts, 1, 120);
        }
    }

    [Fact]
    public async Task The_patient_list_answers_at_most_500_patients_a_page()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{app.StudyId}/patients?take=501");
            s.StatusCodeShouldBe(400);
        });
        Assert.Contains("1–500", (await result.JsonAsync()).GetProperty("errors").GetProperty("take")[0].GetString());
        var page = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{app.StudyId}/patients");
        })).JsonAsync();
        Assert.Equal(100, page.GetProperty("patients").GetArrayLength());
        Assert.True(page.GetProperty("total").GetInt32() > 100);
    }
}
