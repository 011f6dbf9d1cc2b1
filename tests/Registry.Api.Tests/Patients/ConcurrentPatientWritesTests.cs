using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

/// <summary>Two coordinators writing for one patient, or enrolling one subject code, at the same moment: 201 or 409, never 500.</summary>
public sealed class ConcurrentPatientWritesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Two_coordinators_recording_for_one_patient_at_once_get_201_or_409_and_every_accepted_entry_is_kept()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        string[] coordinators = [app.Token("coordinator", "S1"), app.Tokens.Mint("second-coordinator", ["coordinator"], ["S1"], TimeSpan.FromHours(1))];
        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(async who =>
        {
            var statuses = new List<int>();
            for (var day = 1; day <= 20; day++)
            {
                var result = await app.Host.Scenario(s =>
                {
                    s.WithBearerToken(coordinators[who]);
                    s.Post.Json(new { lastKnownAliveOn = $"2020-02-{day:00}" }).ToUrl($"/api/patients/{patientId}/follow-ups");
                    s.IgnoreStatusCode();
                });
                statuses.Add(result.Context.Response.StatusCode);
            }
            return statuses;
        }));
        var all = results.SelectMany(s => s).ToList();

        Assert.All(all, status => Assert.Contains(status, new[] { 201, 409 }));
        var events = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, 1 + all.Count(s => s == 201)).Select(v => (long)v), events);
    }

    [Fact]
    public async Task One_subject_code_enrolled_twenty_times_at_once_is_enrolled_once()
    {
        var studyId = await app.RegisteredStudyAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { subjectCode = "NPC-0042", site = "S1", arm = "ITC", enrolledOn = "2020-01-05", baseline = Scenarios.Baseline() })
                .ToUrl($"/api/studies/{studyId}/patients");
            s.IgnoreStatusCode();
        })));

        Assert.Equal(1, results.Count(r => r.Context.Response.StatusCode == 201));
        foreach (var refused in results.Where(r => r.Context.Response.StatusCode != 201))
        {
            Assert.Equal(409, refused.Context.Response.StatusCode);
            Assert.Contains("Subject code 'NPC-0042' is already enrolled", (await refused.ProblemAsync()).GetProperty("detail").GetString());
        }
        var patients = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{studyId}/patients?subjectCode=NPC-0042");
        })).JsonAsync();
        Assert.Equal(1, patients.GetProperty("total").GetInt32());
    }
}
