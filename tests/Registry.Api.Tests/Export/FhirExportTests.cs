// The SDK's POCOs declare every element nullable; these tests read them where the mapping must have set them.
#nullable disable warnings

using System.Text.Json;
using Alba;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Registry.Api.Tests.Cli;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;
using Task = System.Threading.Tasks.Task;

namespace Registry.Api.Tests.Export;

/// <summary>A bundle as a FHIR client reads one: parsed by the SDK's strict deserializer, its references followed.</summary>
internal static class FhirBundles
{
    public static Bundle Parse(string json) =>
        new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Strict)).Deserialize<Bundle>(json);

    public static async Task<string> GetAsync(RegistryApp app, string url, string? token = null) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(token ?? app.Investigator);
        s.Get.Url(url);
        s.ContentTypeShouldBe("application/fhir+json");
    })).ReadAsTextAsync();

    public static IEnumerable<T> All<T>(this Bundle bundle) where T : Resource => bundle.Entry.Select(e => e.Resource).OfType<T>();

    /// <summary>Every reference that names no entry of the bundle.</summary>
    public static List<string> Unresolved(Bundle bundle)
    {
        var fullUrls = bundle.Entry.Select(e => e.FullUrl).ToHashSet();
        return bundle.All<Patient>().Select(p => p.ManagingOrganization.Reference)
            .Concat(bundle.All<ResearchSubject>().SelectMany(s => new[] { s.Study.Reference, s.Individual.Reference }))
            .Concat(bundle.All<Observation>().Select(o => o.Subject.Reference))
            .Concat(bundle.All<AdverseEvent>().SelectMany(a => a.Study.Select(s => s.Reference).Append(a.Subject.Reference)))
            .Where(r => !fullUrls.Contains(r))
            .ToList();
    }
}

/// <summary>GET /api/studies/{id}/fhir.json on the motivating demo study: everything it holds, and nothing the SDK refuses.</summary>
[Collection(DemoStudyCollection.Name)]
public sealed class DemoStudyFhirTests(DemoStudyApp app)
{
    [Fact]
    public async Task The_demo_studys_bundle_holds_every_patient_scan_progression_death_and_adverse_event()
    {
        var bundle = FhirBundles.Parse(await FhirBundles.GetAsync(app, $"/api/studies/{app.StudyId}/fhir.json"));
        var facts = app.Simulated.Entries.Select(e => e.Fact).ToList();

        Assert.Equal(Bundle.BundleType.Collection, bundle.Type);
        Assert.Equal(DemoStudyApp.Code, bundle.All<ResearchStudy>().Single().Identifier[0].Value);
        Assert.Equal(app.Simulated.Protocol.Arms.Select(a => a.Code), bundle.All<ResearchStudy>().Single().Arm.Select(a => a.Name));
        Assert.Equal(app.Simulated.Patients, bundle.All<Patient>().Count());
        Assert.Equal(app.Simulated.Patients, bundle.All<ResearchSubject>().Count());
        Assert.Equal(facts.OfType<AdverseEventRecorded>().Count(), bundle.All<AdverseEvent>().Count());
        Assert.Equal(facts.OfType<ImagingAssessed>().Count(), bundle.All<Observation>().Count(o => o.Code.Coding[0].Code == "recist-timepoint-response"));
        Assert.Equal(facts.OfType<DiseaseProgressed>().Count() + facts.OfType<DiseaseRelapsed>().Count(),
            bundle.All<Observation>().Count(o => o.Code.Coding[0].Code == "disease-status"));
        Assert.Equal(facts.OfType<PatientDied>().Count(), bundle.All<Patient>().Count(p => p.Deceased is FhirDateTime));
        var (died, withdrew) = (Patients<PatientDied>(), Patients<WithdrewFromFollowUp>());
        Assert.Equal(died.Except(withdrew).Count(), bundle.All<ResearchSubject>().Count(s => s.Status == ResearchSubject.ResearchSubjectStatus.OffStudy));
        Assert.Equal(withdrew.Count, bundle.All<ResearchSubject>().Count(s => s.Status == ResearchSubject.ResearchSubjectStatus.Withdrawn));
        Assert.All(bundle.All<ResearchSubject>(), s => Assert.Contains(s.AssignedArm, app.Simulated.Protocol.Arms.Select(a => a.Code)));
        Assert.Empty(FhirBundles.Unresolved(bundle));
        // The demo's corrected scans read as corrected and say so.
        Assert.Contains(bundle.All<Observation>(), o => o.Status == ObservationStatus.Amended);
    }

    private HashSet<int> Patients<T>() => app.Simulated.Entries.Where(e => e.Fact is T).Select(e => e.Patient).ToHashSet();
}

/// <summary>The route's moment, refusals and file, and the <c>fhir</c> verb writing what the route answers.</summary>
public sealed class FhirExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task As_of_a_moment_a_scan_reads_as_first_recorded_and_now_as_corrected()
    {
        var study = await app.RegisteredStudyAsync();
        var patient = await app.EnrolledPatientAsync(study, "2020-01-05", subjectCode: "FH-001");
        await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patient, "imaging-assessments", new { assessedOn = "2020-03-09", targetLesionSumMm = 40.0, nonTargetStatus = "None", newLesions = false, response = "PR" });
        var scanned = (await app.HistoryAsync(patient)).GetProperty("events")[2].GetProperty("recordedAt").GetDateTimeOffset();
        await app.RecordAsync(patient, "corrections", new
        {
            entryVersion = 3, reason = "Re-read", replacement = new { kind = "imagingAssessed", assessedOn = "2020-03-09", targetLesionSumMm = 52.0, nonTargetStatus = "None", newLesions = false, response = "SD" },
        });

        Observation Scan(Bundle bundle) => bundle.All<Observation>().Single();
        var now = FhirBundles.Parse(await FhirBundles.GetAsync(app, $"/api/studies/{study}/fhir.json"));
        var then = FhirBundles.Parse(await FhirBundles.GetAsync(app, $"/api/studies/{study}/fhir.json?asOf={Uri.EscapeDataString(scanned.ToString("O"))}", app.Auditor));

        Assert.Equal((ObservationStatus.Amended, "SD"), (Scan(now).Status, ((CodeableConcept)Scan(now).Value).Coding[0].Code));
        Assert.Equal((ObservationStatus.Final, "PR"), (Scan(then).Status, ((CodeableConcept)Scan(then).Value).Coding[0].Code));
        Assert.Equal(scanned, then.Timestamp);
        Assert.Equal("FH-001", now.All<Patient>().Single().Identifier[0].Value);
    }

    [Fact]
    public async Task A_bad_moment_is_a_400_naming_asOf_and_an_unknown_study_a_404()
    {
        var study = await app.RegisteredStudyAsync();
        var bad = await app.RefusedAsync(400, s => { s.WithBearerToken(app.Investigator); s.Get.Url($"/api/studies/{study}/fhir.json?asOf=yesterday"); });
        Assert.Equal(["asOf"], (await bad.ProblemAsync()).ErrorFields());
        await app.RefusedAsync(404, s => { s.WithBearerToken(app.Investigator); s.Get.Url($"/api/studies/{Guid.NewGuid()}/fhir.json"); });
    }

    [Fact]
    public async Task The_fhir_verb_writes_the_bundle_the_route_answers()
    {
        var code = $"FH-{Guid.NewGuid():N}"[..10];
        var study = await app.RegisteredStudyAsync(code);
        var patient = await app.EnrolledPatientAsync(study, "2020-01-05");
        await app.RecordAsync(patient, "adverse-events", new { term = "Fatigue", grade = 2, onsetOn = "2020-02-01", serious = false, attribution = "Possible" });
        var asOf = DateTimeOffset.UtcNow.ToString("O");
        var file = Path.Combine(Path.GetTempPath(), $"trial-registry-{code}-fhir.json");

        var result = await app.Host.Scenario(s => { s.WithBearerToken(app.Admin); s.Get.Url($"/api/studies/{study}/fhir.json?asOf={Uri.EscapeDataString(asOf)}"); });
        Assert.Contains($"{code}-fhir.json", result.Context.Response.Headers.ContentDisposition.ToString());
        var run = await CliRun.InvokeAsync(["fhir", "--study", code, "--out", file, "--as-of", asOf], app.ConnectionString);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("1 Patient, 1 ResearchSubject, 1 AdverseEvent", run.Stdout);
        Assert.Equal(await result.ReadAsTextAsync(), await File.ReadAllTextAsync(file));
        File.Delete(file);
    }

    [Fact]
    public async Task The_fhir_verb_refuses_an_unknown_study_with_code_2_and_writes_nothing()
    {
        var file = Path.Combine(Path.GetTempPath(), $"trial-registry-{Guid.NewGuid():N}-fhir.json");
        var run = await CliRun.InvokeAsync(["fhir", "--study", "NO-SUCH-STUDY", "--out", file], app.ConnectionString);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: no study with code 'NO-SUCH-STUDY' is registered.", run.Stderr);
        Assert.False(File.Exists(file));
    }
}
