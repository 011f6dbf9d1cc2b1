using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Studies;

/// <summary>
/// Admins amending one study at the same moment, and registering one study code at the same moment: every request
/// is answered 201 or 409, never 500, and the protocol's versions and hash chain stay whole.
/// </summary>
public sealed class ConcurrentStudyWritesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    public static TheoryData<string> UnknownStudies => [Guid.Empty.ToString(), "0f8fad5b-d9cb-469f-a165-70867728950e"];

    [Theory]
    [MemberData(nameof(UnknownStudies))]
    public async Task An_arm_or_amendment_for_a_study_that_is_not_registered_is_not_found(string studyId)
    {
        foreach (var (route, body) in new (string, object)[]
                 {
                     ("arms", new { code = "IT", name = "ICI + targeted", reason = "New regimen in use" }),
                     ("amendments", new { protocol = Scenarios.Protocol(), reason = "Amendment 2" }),
                 })
        {
            var problem = await (await app.RefusedAsync(404, s =>
            {
                s.WithBearerToken(app.Admin);
                s.Post.Json(body).ToUrl($"/api/studies/{studyId}/{route}");
            })).ProblemAsync();
            Assert.Equal($"No study {studyId} is registered.", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Eight_admins_adding_arms_at_once_get_201_or_409_and_the_protocol_versions_stay_contiguous()
    {
        var studyId = await app.RegisteredStudyAsync();
        var statuses = await InParallelAsync(8, 10, (admin, attempt) => s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = $"A{admin}-{attempt}", name = "Added arm", reason = "New regimen in use" }).ToUrl($"/api/studies/{studyId}/arms");
        });

        Assert.All(statuses, status => Assert.Contains(status, new[] { 201, 409 }));
        var added = statuses.Count(s => s == 201);
        Console.WriteLine($"8 admins × 10 arms: {added} added, {statuses.Count(s => s == 409)} refused as concurrent");
        var protocol = await app.ProtocolAsync(studyId);
        Assert.Equal(1 + added, protocol.GetProperty("version").GetInt32());
        Assert.Equal(Enumerable.Range(1, 1 + added), protocol.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(2 + added, protocol.GetProperty("protocol").GetProperty("arms").GetArrayLength());
        await AssertChainsIntactAsync(studyId);
    }

    [Fact]
    public async Task Admins_adding_the_same_arm_at_once_add_it_once_and_the_others_are_told_it_exists()
    {
        var studyId = await app.RegisteredStudyAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted", reason = "New regimen in use" }).ToUrl($"/api/studies/{studyId}/arms");
            s.IgnoreStatusCode();
        })));

        Assert.Equal(1, results.Count(r => r.Context.Response.StatusCode == 201));
        Assert.All(results.Where(r => r.Context.Response.StatusCode != 201), r => Assert.Equal(409, r.Context.Response.StatusCode));
        Assert.Equal(2, (await app.ProtocolAsync(studyId)).GetProperty("version").GetInt32());
        await AssertChainsIntactAsync(studyId);
    }

    [Fact]
    public async Task Amendments_sent_at_once_get_201_or_409_and_the_versions_stay_contiguous()
    {
        var protocol = Scenarios.Protocol();
        var studyId = await app.RegisteredStudyAsync(protocol);
        var statuses = await InParallelAsync(8, 5, (admin, attempt) => s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { protocol = new Dictionary<string, object?>(protocol) { ["title"] = $"Title {admin}-{attempt}" }, reason = "Retitled" })
                .ToUrl($"/api/studies/{studyId}/amendments");
        });

        Assert.All(statuses, status => Assert.Contains(status, new[] { 201, 409 }));
        var amended = statuses.Count(s => s == 201);
        Assert.True(amended > 0);
        Assert.Equal(Enumerable.Range(1, 1 + amended),
            (await app.ProtocolAsync(studyId)).GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        await AssertChainsIntactAsync(studyId);
    }

    [Fact]
    public async Task One_study_code_registered_forty_times_at_once_is_registered_once()
    {
        var code = $"RACE-{Guid.NewGuid():N}"[..13];
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(Scenarios.Protocol(code)).ToUrl("/api/studies");
            s.IgnoreStatusCode();
        })));

        Assert.Equal(1, results.Count(r => r.Context.Response.StatusCode == 201));
        foreach (var refused in results.Where(r => r.Context.Response.StatusCode != 201))
        {
            Assert.Equal(409, refused.Context.Response.StatusCode);
            Assert.Equal($"A study with code '{code}' is already registered.", (await refused.ProblemAsync()).GetProperty("detail").GetString());
        }
        // The losers' rolled-back appends leave only Marten's tombstones (sequence fillers, no stream of the registry's).
        var studies = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url("/api/studies");
        })).JsonAsync();
        Assert.Single(studies.EnumerateArray(), study => study.GetProperty("code").GetString() == code);
    }

    /// <summary><paramref name="callers"/> tasks, each sending <paramref name="requests"/> requests one after another; every status.</summary>
    private async Task<List<int>> InParallelAsync(int callers, int requests, Func<int, int, Action<Scenario>> request)
    {
        var perCaller = await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var statuses = new List<int>();
            for (var attempt = 0; attempt < requests; attempt++)
            {
                var configure = request(caller, attempt);
                var result = await app.Host.Scenario(s =>
                {
                    configure(s);
                    s.IgnoreStatusCode();
                });
                statuses.Add(result.Context.Response.StatusCode);
            }
            return statuses;
        }));
        return perCaller.SelectMany(s => s).ToList();
    }

    private async Task AssertChainsIntactAsync(Guid studyId)
    {
        var report = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={studyId}");
        })).JsonAsync();
        Assert.Equal(JsonValueKind.Array, report.GetProperty("breaks").ValueKind);
        Assert.Equal(0, report.GetProperty("breaks").GetArrayLength());
        Assert.True(report.GetProperty("intact").GetBoolean());
    }
}
