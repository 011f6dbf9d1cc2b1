using Alba;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Tests.Infrastructure;
using static Registry.Api.Tests.Access.Caller;

namespace Registry.Api.Tests.Access;

/// <summary>Who calls a route: no token, or a token of one role (coordinators of the record's site or another).</summary>
public enum Caller { Anonymous, Admin, SiteCoordinator, OtherSiteCoordinator, Investigator, Auditor }

/// <summary>
/// One route's rule: the callers it admits (each gets <see cref="Success"/>; everyone else 403 with a token, 401
/// without) and how to call it against a fresh <see cref="AccessFixture"/>.
/// </summary>
public sealed record RouteRule(string Route, Caller[] Allowed, Func<AccessFixture, object>? Body = null, Func<AccessFixture, string>? Url = null)
{
    public string Method => Route[..Route.IndexOf(' ')];
    public string Template => Route[(Route.IndexOf(' ') + 1)..];
    public int Success => Method == "POST" ? 201 : 200;

    public string UrlFor(AccessFixture f) => Url?.Invoke(f) ?? Template
        .Replace("{studyId}", f.StudyId.ToString())
        .Replace("{patientId}", f.PatientId.ToString());
}

/// <summary>
/// A study (arms ITC, C) and a patient of site S1 with a treatment start (v2) and a progression (v3); and a
/// randomized study (arms PD1, PBO) with an S1 patient enrolled but not yet randomized.
/// </summary>
public sealed record AccessFixture(Guid StudyId, Guid PatientId, Dictionary<string, object?> Protocol, Guid RandomizedStudyId, Guid RandomizedPatientId)
{
    public static async Task<AccessFixture> CreateAsync(RegistryApp app)
    {
        var protocol = Scenarios.Protocol();
        var studyId = await app.RegisteredStudyAsync(protocol);
        var patientId = await app.EnrolledPatientAsync(studyId, enrolledOn: "2020-01-05", site: "S1");
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2020-06-01", basis = "Radiological" });
        var randomizedStudyId = await app.RegisteredStudyAsync(Scenarios.RandomizedProtocol());
        var randomizedPatientId = await app.EnrolledPatientAsync(randomizedStudyId, "2024-03-01", site: "S1", arm: null, baseline: Scenarios.RandomizedBaseline());
        return new AccessFixture(studyId, patientId, protocol, randomizedStudyId, randomizedPatientId);
    }

    /// <summary>Ids no study or patient has, for the same routes.</summary>
    public AccessFixture Unknown() => this with
    {
        StudyId = Guid.NewGuid(), PatientId = Guid.NewGuid(), RandomizedStudyId = Guid.NewGuid(), RandomizedPatientId = Guid.NewGuid(),
    };
}

public static class Callers
{
    /// <summary>The caller's bearer token; null for <see cref="Caller.Anonymous"/>.</summary>
    public static string? TokenFor(this RegistryApp app, Caller caller) => caller switch
    {
        Anonymous => null,
        Admin => app.Admin,
        SiteCoordinator => app.Token("coordinator", "S1"),
        OtherSiteCoordinator => app.Token("coordinator", "S2"),
        Investigator => app.Investigator,
        Auditor => app.Auditor,
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };
}

/// <summary>
/// The role × site × route matrix: every route the app maps must have exactly one row in <see cref="Table"/>, and
/// every row is exercised for every <see cref="Caller"/> — refusals must leave the event store unchanged, reads too.
/// To add a route, add one row: its "METHOD /template" as ASP.NET routing prints it, the callers it admits, and a
/// body (POST) or a Url (when the route needs a query string or a placeholder other than {studyId}/{patientId}).
/// </summary>
public sealed class AccessMatrixTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly Caller[] Everyone = [Anonymous, Admin, SiteCoordinator, OtherSiteCoordinator, Investigator, Auditor];
    private static readonly Caller[] AnyRole = [Admin, SiteCoordinator, OtherSiteCoordinator, Investigator, Auditor];
    private static readonly Caller[] SiteCoordinatorOnly = [SiteCoordinator];
    private static readonly Caller[] StudyReaders = [Admin, Investigator, Auditor];

    public static readonly RouteRule[] Table =
    [
        // Platform
        new("GET /health", Everyone),
        new("GET /health/ready", Everyone),
        new("GET /openapi/{documentName}.json", Everyone, Url: _ => "/openapi/v1.json"),
        new("GET /scalar/{documentName?}", Everyone, Url: _ => "/scalar/v1"),
        new("GET /scalar/scalar.js", Everyone),
        new("GET /scalar/scalar.aspnetcore.js", Everyone),
        new("GET /scalar/favicon.svg", Everyone),

        // Studies: admins register and amend protocols, every role reads them, anyone reads the protocol's schema
        new("POST /api/studies", [Admin], Body: _ => Scenarios.Protocol()),
        new("GET /api/studies", AnyRole),
        new("GET /api/studies/{studyId}", AnyRole),
        new("GET /api/studies/{studyId}/protocol", AnyRole),
        new("GET /api/studies/{studyId}/protocol.json", AnyRole),
        new("GET /api/protocol-schema", Everyone),
        new("POST /api/studies/{studyId}/arms", [Admin], Body: _ => new { code = "IT", name = "ICI + targeted", reason = "Arm opened by amendment" }),
        new("POST /api/studies/{studyId}/amendments", [Admin], Body: f => new
        {
            protocol = new Dictionary<string, object?>(f.Protocol) { ["title"] = "Previously treated recurrent or metastatic NPC" },
            reason = "Title spelt out",
        }),

        // Patient writes: coordinators of the patient's site only
        new("POST /api/studies/{studyId}/patients", SiteCoordinatorOnly, Body: _ => new
        {
            subjectCode = $"M-{Guid.NewGuid():N}"[..10], arm = "ITC", site = "S1", enrolledOn = "2020-01-05", baseline = Scenarios.Baseline(),
        }),
        new("POST /api/patients/{patientId}/treatment-starts", SiteCoordinatorOnly, Body: _ => new { startedOn = "2020-02-01" }),
        new("POST /api/patients/{patientId}/imaging-assessments", SiteCoordinatorOnly, Body: _ => new
        {
            assessedOn = "2020-03-01", targetLesionSumMm = 30.0, nonTargetStatus = "None", newLesions = false, response = "SD",
        }),
        new("POST /api/patients/{patientId}/adverse-events", SiteCoordinatorOnly, Body: _ => new
        {
            term = "Fatigue", grade = 1, onsetOn = "2020-03-01", serious = false, attribution = "Possible",
        }),
        new("POST /api/patients/{patientId}/randomizations", SiteCoordinatorOnly, Url: f => $"/api/patients/{f.RandomizedPatientId}/randomizations",
            Body: _ => new { randomizedOn = "2024-03-02", arm = "PD1", strata = new Dictionary<string, string> { ["overallStage"] = "III", ["ebvDna"] = "≥ 4000" } }),
        new("POST /api/patients/{patientId}/progressions", SiteCoordinatorOnly, Body: _ => new { progressedOn = "2020-07-01", basis = "Radiological" }),
        new("POST /api/patients/{patientId}/relapses", SiteCoordinatorOnly, Body: _ => new { relapsedOn = "2020-07-01", type = "distant" }),
        new("POST /api/patients/{patientId}/deaths", SiteCoordinatorOnly, Body: _ => new { diedOn = "2020-09-01" }),
        new("POST /api/patients/{patientId}/follow-ups", SiteCoordinatorOnly, Body: _ => new { lastKnownAliveOn = "2020-08-01" }),
        new("POST /api/patients/{patientId}/withdrawals", SiteCoordinatorOnly, Body: _ => new { withdrewOn = "2020-08-01", reason = "Moved abroad" }),
        new("POST /api/patients/{patientId}/corrections", SiteCoordinatorOnly, Body: _ => new
        {
            entryVersion = 3, reason = "Scan re-read", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-06-15", basis = "Radiological" },
        }),
        new("POST /api/patients/{patientId}/voids", SiteCoordinatorOnly, Body: _ => new { entryVersion = 3, reason = "Pseudo-progression" }),

        // Study views: investigators, auditors and admins read aggregated results across sites
        new("GET /api/studies/{studyId}/survival", StudyReaders),
        new("GET /api/studies/{studyId}/comparisons", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/comparisons?arm=ITC&reference=C"),
        new("GET /api/studies/{studyId}/subgroups", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/subgroups?arm=ITC&reference=C"),
        new("GET /api/studies/{studyId}/response", StudyReaders),
        new("GET /api/studies/{studyId}/safety", StudyReaders),
        new("GET /api/studies/{studyId}/baseline", StudyReaders),
        new("GET /api/studies/{studyId}/maturity", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/maturity?arm=ITC&reference=C&every=1y"),

        // Plots of the study views: the same readers
        new("GET /api/studies/{studyId}/plots/km.svg", StudyReaders),
        new("GET /api/studies/{studyId}/plots/km.png", StudyReaders),
        new("GET /api/studies/{studyId}/plots/forest.svg", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/plots/forest.svg?arm=ITC&reference=C"),
        new("GET /api/studies/{studyId}/plots/forest.png", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/plots/forest.png?arm=ITC&reference=C"),
        new("GET /api/studies/{studyId}/plots/maturity.svg", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/plots/maturity.svg?arm=ITC&reference=C&every=1y"),
        new("GET /api/studies/{studyId}/plots/maturity.png", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/plots/maturity.png?arm=ITC&reference=C&every=1y"),

        // The study views as CSV tables: the same readers
        new("GET /api/studies/{studyId}/survival.csv", StudyReaders),
        new("GET /api/studies/{studyId}/comparisons.csv", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/comparisons.csv?arm=ITC&reference=C"),
        new("GET /api/studies/{studyId}/subgroups.csv", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/subgroups.csv?arm=ITC&reference=C"),
        new("GET /api/studies/{studyId}/baseline.csv", StudyReaders),
        new("GET /api/studies/{studyId}/export/subjects.csv", StudyReaders),
        new("GET /api/studies/{studyId}/export/events.csv", StudyReaders),
        new("GET /api/studies/{studyId}/response.csv", StudyReaders),
        new("GET /api/studies/{studyId}/safety.csv", StudyReaders),
        new("GET /api/studies/{studyId}/maturity.csv", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/maturity.csv?arm=ITC&reference=C&every=1y"),

        // The analysis datasets and their definition: the same readers
        new("GET /api/studies/{studyId}/datasets/{dataset}.csv", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/datasets/adtte.csv"),
        new("GET /api/studies/{studyId}/datasets/{dataset}.json", StudyReaders, Url: f => $"/api/studies/{f.StudyId}/datasets/adsl.json"),
        new("GET /api/studies/{studyId}/datasets/define.json", StudyReaders),

        // The study as a FHIR R4 Bundle: the same readers
        new("GET /api/studies/{studyId}/fhir.json", StudyReaders),

        // Patient reads: a coordinator lists her own sites' patients (none, for another site's), an auditor every site's
        new("GET /api/patients/{patientId}/history", [SiteCoordinator, Auditor]),
        new("GET /api/studies/{studyId}/patients", [SiteCoordinator, OtherSiteCoordinator, Auditor]),

        // Audit
        new("GET /api/audit/verify", [Auditor]),
        new("GET /api/studies/{studyId}/audit-trail", [Auditor]),
        new("GET /api/studies/{studyId}/audit-trail.json", [Auditor]),
        new("GET /api/studies/{studyId}/audit-trail.csv", [Auditor]),
        new("GET /api/studies/{studyId}/audit-trail.odm.xml", [Auditor]),
    ];

    public static TheoryData<string> Routes() => new(Table.Select(r => r.Route));

    [Fact]
    public void Every_mapped_route_has_exactly_one_rule()
    {
        var mapped = app.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            // Pages, their static files and the sign-out form are the web application's, whose access its own tests prove.
            .Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is null && !IsStaticFile(e) && e.RoutePattern.RawText != "/signout")
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => $"{method} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .Distinct()
            .Order()
            .ToList();
        var ruled = Table.Select(r => r.Route).ToList();

        Assert.True(ruled.Count == ruled.Distinct().Count(), "A route has two rows in the access matrix.");
        Assert.True(mapped.Except(ruled).ToList() is [],
            $"Routes without a rule in {nameof(AccessMatrixTests)}.{nameof(Table)}: {string.Join(", ", mapped.Except(ruled))}");
        Assert.True(ruled.Except(mapped).ToList() is [],
            $"Rules for routes the app does not map: {string.Join(", ", ruled.Except(mapped))}");
    }

    private static bool IsStaticFile(RouteEndpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor") || endpoint.RoutePattern.RawText?.TrimStart('/') is "{**path:file}" or "_framework/opaque-redirect";

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Each_caller_is_admitted_or_refused_as_the_route_rule_says(string route)
    {
        var rule = Table.Single(r => r.Route == route);
        var fixture = await AccessFixture.CreateAsync(app);

        foreach (var caller in Everyone.Except(rule.Allowed))
            await app.RefusedAsync(caller == Anonymous ? 401 : 403, s => Call(s, rule, fixture, caller));

        foreach (var caller in rule.Allowed)
        {
            var before = await app.EventStoreMarkAsync();
            await app.Host.Scenario(s =>
            {
                Call(s, rule, fixture, caller);
                s.StatusCodeShouldBe(rule.Success);
            });
            var after = await app.EventStoreMarkAsync();
            if (rule.Method == "GET") Assert.Equal(before, after);
            else Assert.True(after.Count > before.Count, $"{caller} was admitted to {route} but nothing was recorded.");
        }
    }

    private void Call(Scenario s, RouteRule rule, AccessFixture fixture, Caller caller)
    {
        if (app.TokenFor(caller) is { } token) s.WithBearerToken(token);
        var url = rule.UrlFor(fixture);
        if (rule.Method == "POST") s.Post.Json(rule.Body?.Invoke(fixture) ?? new { }).ToUrl(url);
        else s.Get.Url(url);
    }
}
