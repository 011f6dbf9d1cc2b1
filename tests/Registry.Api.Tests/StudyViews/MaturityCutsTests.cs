using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Marten;
using Registry.Api.Auth;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// An entry recorded today after months without one grows maturity's recording span by many monthly cuts. A new cut
/// whose record is provably an earlier kept cut's takes that cut's point; every other is derived. Each answer is the
/// one a fresh <see cref="StudyScopes"/> computes from every chart, and the cuts derived are counted, so a cut taken
/// where its record differs fails the comparison, and one derived where it could be taken fails the count.
/// </summary>
public sealed class MaturityCutsTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly ArmGroup Treated = new("ITC", ["ITC"]);
    private static readonly ArmGroup Control = new("C", ["C"]);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The first of the month two years ago: a study recorded from then to a year ago leaves a gap of a year of monthly cuts before today.</summary>
    private static readonly DateOnly Start = new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1).AddMonths(-24);

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Noon (UTC) of a day, when the clinic records an entry.</summary>
    private static DateTimeOffset Noon(DateOnly date) => new(date.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

    private static ClaimsPrincipal Caller(string user, string role, string[] sites) => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, user), new Claim(RegistryClaims.Role, role), .. sites.Select(s => new Claim(RegistryClaims.Site, s))],
        "test", RegistryClaims.Subject, RegistryClaims.Role));

    private static readonly ClaimsPrincipal Coordinator = Caller("coordinator-S1", Roles.Coordinator, ["S1"]);
    private static readonly ClaimsPrincipal Admin = Caller("admin", Roles.Admin, []);

    /// <summary>Writes through the registry's own write paths into its database, each entry recorded at the instant the clock is set to.</summary>
    private sealed class Clinic : IDisposable
    {
        private readonly SimulatedClock _clock = new();
        private readonly DocumentStore _store;

        public Clinic(string connectionString) => _store = new DocumentStore(EventStoreConfiguration.Build(connectionString, _clock, asyncProjections: false));

        public async Task<Guid> RegisterAsync(DateTimeOffset at)
        {
            _clock.Set(at);
            var protocol = JsonSerializer.Deserialize<Protocol>(JsonSerializer.Serialize(Scenarios.Protocol()), Web)!;
            await using var session = _store.LightweightSession();
            return Assert.IsType<ProtocolOutcome.Recorded>(await RegisteringStudyEndpoint.RegisterAsync(protocol, session, Admin, default)).StudyId;
        }

        public async Task AmendAsync(Guid studyId, DateTimeOffset at)
        {
            _clock.Set(at);
            await using var session = _store.LightweightSession();
            Assert.IsType<ProtocolOutcome.Recorded>(await AmendingProtocolEndpoint.AmendAsync(studyId, _ => null, p => p with { Title = p.Title + " (amended)" },
                "title", null, session, Admin, default));
        }

        public async Task<Guid> EnrolAsync(Guid studyId, DateTimeOffset at, string arm, DateOnly enrolledOn)
        {
            _clock.Set(at);
            var request = JsonSerializer.Deserialize<EnrolPatient>(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["subjectCode"] = $"P-{Guid.NewGuid():N}"[..10], ["site"] = "S1", ["arm"] = arm, ["enrolledOn"] = Iso(enrolledOn), ["baseline"] = Scenarios.Baseline(),
            }), Web)!;
            await using var session = _store.LightweightSession();
            return Assert.IsType<WriteOutcome.Appended>(await EnrollingEndpoint.EnrolAsync(session, Coordinator, studyId, request, default)).PatientId;
        }

        public async Task RecordAsync(Guid patientId, DateTimeOffset at, EntryRequest entry)
        {
            _clock.Set(at);
            await using var session = _store.LightweightSession();
            Assert.IsType<WriteOutcome.Appended>(await PatientStream.RecordEntryAsync(session, Coordinator, patientId, entry, null, default));
        }

        public void Dispose() => _store.Dispose();
    }

    /// <summary>
    /// Two patients treated in the study's first month, one progressing in its third: recorded over the study's first
    /// year (the last entry on <paramref name="lastRecorded"/>), then nothing until today.
    /// </summary>
    private static async Task<(Guid StudyId, Guid Treated, Guid Control)> StudyRecordedUntilAsync(Clinic clinic, DateOnly lastRecorded)
    {
        var studyId = await clinic.RegisterAsync(Noon(Start));
        var treated = await clinic.EnrolAsync(studyId, Noon(Start.AddDays(4)), "ITC", Start.AddDays(4));
        var control = await clinic.EnrolAsync(studyId, Noon(Start.AddDays(4)), "C", Start.AddDays(4));
        foreach (var patient in new[] { treated, control })
            await clinic.RecordAsync(patient, Noon(Start.AddDays(9)), new StartTreatment(Iso(Start.AddDays(9)), null, null));
        await clinic.RecordAsync(treated, Noon(Start.AddMonths(2)), new RecordProgression(Iso(Start.AddMonths(2)), ProgressionBasis.Radiological));
        await clinic.RecordAsync(control, Noon(lastRecorded), new RecordFollowUp(Iso(lastRecorded)));
        return (studyId, treated, control);
    }

    private async Task<IReadOnlyList<MaturityPoint>> MaturityAsync(StudyScopes scopes, Guid studyId, string endpoint, ArmGroup? arm = null, ArmGroup? reference = null,
        (int Months, int Days)? step = null)
    {
        await app.HighWaterCaughtUpAsync();
        await using var session = app.Store.QuerySession();
        var study = (await session.LoadAsync<Study>(studyId))!;
        return (await scopes.MaturityAsync(session, study, endpoint, arm ?? Treated, reference ?? Control, step ?? (1, 0), default))!;
    }

    /// <summary>The question asked of <paramref name="scopes"/> equals a fresh cache's answer; returns how many times it read every chart for it.</summary>
    private async Task<long> ChartPassesAsync(StudyScopes scopes, Guid studyId, string endpoint, ArmGroup? arm = null, ArmGroup? reference = null,
        (int Months, int Days)? step = null)
    {
        var before = scopes.MaturityChartPasses;
        var points = await MaturityAsync(scopes, studyId, endpoint, arm, reference, step);
        var passes = scopes.MaturityChartPasses - before;
        var fresh = await MaturityAsync(new StudyScopes(), studyId, endpoint, arm, reference, step);
        Assert.Equal(JsonSerializer.Serialize(fresh), JsonSerializer.Serialize(points));
        return passes;
    }

    /// <summary>The answer after the writes, asked of <paramref name="scopes"/> (which kept the answer before them), against a fresh cache's; returns the cuts derived for it.</summary>
    private async Task<(long Derived, IReadOnlyList<MaturityPoint> Points)> AfterAsync(StudyScopes scopes, Guid studyId, string endpoint)
    {
        var before = scopes.MaturityCutsDerived;
        var points = await MaturityAsync(scopes, studyId, endpoint);
        var derived = scopes.MaturityCutsDerived - before;
        var fresh = await MaturityAsync(new StudyScopes(), studyId, endpoint);
        Assert.Equal(JsonSerializer.Serialize(fresh), JsonSerializer.Serialize(points));
        return (derived, points);
    }

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task A_cut_after_a_gap_takes_the_last_recorded_cuts_point_and_only_todays_cut_is_derived()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, _) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        var scopes = new StudyScopes();
        var before = await MaturityAsync(scopes, studyId, "pfs");
        Assert.Equal(lastRecorded, before[^1].DataCut);

        await app.RecordAsync(treated, "follow-ups", new { lastKnownAliveOn = Iso(Start.AddMonths(3)) });
        var (derived, after) = await AfterAsync(scopes, studyId, "pfs");

        // Every monthly cut of the gap is the last recorded cut's point under its own date; today's sees the new entry.
        Assert.Equal(1, derived);
        Assert.True(after.Count > before.Count + 10, $"{after.Count} cuts after, {before.Count} before");
        Assert.All(after.Where(p => p.DataCut > lastRecorded && p.DataCut < Today), p => Assert.Equal(before[^1] with { DataCut = p.DataCut }, p));
        Assert.Equal(Today, after[^1].DataCut);
    }

    [Fact]
    public async Task A_cut_after_a_protocol_amendment_recorded_in_the_gap_is_derived_under_it()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, _) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        var scopes = new StudyScopes();
        await MaturityAsync(scopes, studyId, "pfs");

        var amendedOn = lastRecorded.AddMonths(4);
        await clinic.AmendAsync(studyId, Noon(amendedOn));
        await app.RecordAsync(treated, "follow-ups", new { lastKnownAliveOn = Iso(Start.AddMonths(3)) });
        var (derived, after) = await AfterAsync(scopes, studyId, "pfs");

        // The cuts before the amendment are the last recorded cut's; from it on, another protocol is in force: each is derived.
        Assert.Equal(after.Count(p => p.DataCut >= amendedOn), derived);
    }

    [Fact]
    public async Task A_cut_is_not_taken_from_one_whose_record_holds_a_clinical_date_after_it()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, control) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        // Recorded late on the last day, dated the next (a clinic east of UTC): the last cut leaves the death out, a later one counts it.
        await clinic.RecordAsync(control, Noon(lastRecorded).AddHours(10), new RecordDeath(Iso(lastRecorded.AddDays(1)), "disease"));
        var scopes = new StudyScopes();
        var before = await MaturityAsync(scopes, studyId, "os");
        Assert.Equal(lastRecorded, before[^1].DataCut);
        Assert.Equal(0, before[^1].Events);

        await app.RecordAsync(treated, "follow-ups", new { lastKnownAliveOn = Iso(Start.AddMonths(3)) });
        var (derived, after) = await AfterAsync(scopes, studyId, "os");

        Assert.All(after.Where(p => p.DataCut > lastRecorded), p => Assert.Equal(1, p.Events));
        Assert.Equal(after.Count(p => p.DataCut > lastRecorded), derived);
    }

    [Fact]
    public async Task A_cut_after_an_entry_recorded_in_the_gap_sees_it()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, control) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        var scopes = new StudyScopes();
        var before = await MaturityAsync(scopes, studyId, "pfs");
        Assert.Equal(1, before[^1].Events);

        // Written after the answer was kept but recorded months back (as a bulk load's simulated calendar records), then an entry today.
        var backdated = lastRecorded.AddMonths(3);
        await clinic.RecordAsync(control, Noon(backdated), new RecordProgression(Iso(backdated), ProgressionBasis.Clinical));
        await app.RecordAsync(treated, "follow-ups", new { lastKnownAliveOn = Iso(Start.AddMonths(3)) });
        var (derived, after) = await AfterAsync(scopes, studyId, "pfs");

        // Before the backdated entry the cuts are the last recorded cut's; from it on, each sees the second progression.
        Assert.All(after.Where(p => p.DataCut > lastRecorded && p.DataCut < backdated), p => Assert.Equal(before[^1] with { DataCut = p.DataCut }, p));
        Assert.All(after.Where(p => p.DataCut >= backdated), p => Assert.Equal(2, p.Events));
        Assert.Equal(after.Count(p => p.DataCut >= backdated), derived);
    }

    [Fact]
    public async Task Another_endpoint_and_arm_pair_are_compared_from_the_first_questions_pass_over_the_charts()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var (studyId, _, control) = await StudyRecordedUntilAsync(clinic, Start.AddMonths(12).AddDays(14));
        await clinic.RecordAsync(control, Noon(Start.AddMonths(12).AddDays(14)), new RecordDeath(Iso(Start.AddMonths(12).AddDays(14)), "disease"));
        var scopes = new StudyScopes();

        Assert.Equal(1, await ChartPassesAsync(scopes, studyId, "pfs"));
        // The protocol's other time-to-event endpoint and the pair the other way round: read in the first pass, only compared.
        Assert.Equal(0, await ChartPassesAsync(scopes, studyId, "os"));
        Assert.Equal(0, await ChartPassesAsync(scopes, studyId, "pfs", Control, Treated));
        Assert.True(scopes.MaturityBytesKept > 0);
        // Every other time-to-event endpoint of the catalogue (the API accepts any) was read in the same pass: only compared.
        foreach (var endpoint in EndpointCatalogue.TimeToEventCodes.Except(["pfs", "os"]))
            Assert.Equal(0, await ChartPassesAsync(scopes, studyId, endpoint));
    }

    [Fact]
    public async Task Another_step_is_compared_from_the_first_questions_pass_over_the_charts()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var (studyId, treated, _) = await StudyRecordedUntilAsync(clinic, Start.AddMonths(12).AddDays(14));
        await clinic.RecordAsync(treated, Noon(Start.AddMonths(7).AddDays(3)), new RecordDeath(Iso(Start.AddMonths(7).AddDays(3)), "disease"));
        var scopes = new StudyScopes();

        Assert.Equal(1, await ChartPassesAsync(scopes, studyId, "os"));
        // The pass read every day of the span: cuts every two weeks, every week or every quarter are only compared.
        foreach (var step in new[] { (0, 14), (0, 7), (3, 0) })
            Assert.Equal(0, await ChartPassesAsync(scopes, studyId, "os", step: step));
        var fortnightly = await MaturityAsync(scopes, studyId, "os", step: (0, 14));
        Assert.All(fortnightly, p => Assert.Equal(p.DataCut >= Start.AddMonths(7).AddDays(3) ? 1 : 0, p.Events));
    }

    [Fact]
    public async Task An_entry_recorded_before_a_cuts_moment_after_the_pass_is_read_for_its_patients_alone()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, _) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        var scopes = new StudyScopes();
        Assert.Equal(1, await ChartPassesAsync(scopes, studyId, "pfs"));

        // Written after the pass but recorded months back (as an import carrying its recorded-at does): a death, and a
        // patient enrolled and treated then who dies later. The OS cuts from each on count it; only those two patients are read again.
        var backdated = Start.AddMonths(5);
        await clinic.RecordAsync(treated, Noon(backdated), new RecordDeath(Iso(backdated), "disease"));
        var late = await clinic.EnrolAsync(studyId, Noon(backdated.AddDays(3)), "C", backdated.AddDays(3));
        await clinic.RecordAsync(late, Noon(backdated.AddDays(5)), new StartTreatment(Iso(backdated.AddDays(5)), null, null));
        await clinic.RecordAsync(late, Noon(backdated.AddMonths(2)), new RecordDeath(Iso(backdated.AddMonths(2)), "disease"));
        var patches = scopes.MaturityPatches;
        Assert.Equal(0, await ChartPassesAsync(scopes, studyId, "os"));
        Assert.Equal(patches + 1, scopes.MaturityPatches);
        var os = await MaturityAsync(scopes, studyId, "os");
        Assert.All(os, p => Assert.Equal((p.DataCut >= backdated ? 1 : 0) + (p.DataCut >= backdated.AddMonths(2) ? 1 : 0), p.Events));
        Assert.Equal(0, await ChartPassesAsync(scopes, studyId, "pfs", step: (0, 14)));

        // Another entry recorded back then, for a patient read at the patch: patched again, from it alone.
        await clinic.RecordAsync(late, Noon(backdated.AddDays(20)), new RecordFollowUp(Iso(backdated.AddDays(20))));
        Assert.Equal(0, await ChartPassesAsync(scopes, studyId, "os"));
        Assert.Equal(patches + 2, scopes.MaturityPatches);
    }

    [Fact]
    public async Task An_entry_recorded_back_then_after_a_protocol_amendment_makes_the_next_question_read_the_charts_again()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, _) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        var scopes = new StudyScopes();
        Assert.Equal(1, await ChartPassesAsync(scopes, studyId, "pfs"));

        // The cuts' protocols were read under the revisions of the pass: another one since is read with every chart.
        await clinic.AmendAsync(studyId, Noon(Start.AddMonths(4)));
        var backdated = Start.AddMonths(5);
        await clinic.RecordAsync(treated, Noon(backdated), new RecordDeath(Iso(backdated), "disease"));
        Assert.Equal(1, await ChartPassesAsync(scopes, studyId, "os"));
    }

    [Fact]
    public async Task Maturity_reads_no_set_once_the_whole_records_set_is_dropped_and_its_span_follows_entries_today_and_back_then()
    {
        using var clinic = new Clinic(app.ConnectionString);
        var lastRecorded = Start.AddMonths(12).AddDays(14);
        var (studyId, treated, control) = await StudyRecordedUntilAsync(clinic, lastRecorded);
        var scopes = new StudyScopes();
        var before = await MaturityAsync(scopes, studyId, "pfs");
        Assert.Equal((Noon(Start.AddDays(4)), Noon(lastRecorded)), await SpanAsync(scopes, studyId));

        // Room for one set of two patients: the current set read now drops the whole records' set the span was taken from,
        // and is dropped in turn (its patients read again, not the same objects) if that set is read again.
        scopes.MaximumBytesKept = 2 * StudyScopes.BytesPerPatient;
        await using (var session = app.Store.QuerySession())
            await app.OutcomeRowAsync(control, (await session.LoadAsync<PatientChart>(control))!.Version);
        var kept = (await CurrentAsync(scopes, studyId)).Outcomes.Single(o => o.PatientId == control);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(await MaturityAsync(scopes, studyId, "pfs")));
        Assert.Same(kept, (await CurrentAsync(scopes, studyId)).Outcomes.Single(o => o.PatientId == control));

        // An entry today and an enrolment recorded back then, before every other entry: both ends move, still without a set read.
        await app.RecordAsync(treated, "follow-ups", new { lastKnownAliveOn = Iso(Start.AddMonths(3)) });
        await clinic.EnrolAsync(studyId, Noon(Start.AddDays(1)), "C", Start.AddDays(1));
        var span = await SpanAsync(scopes, studyId);
        Assert.Equal(Noon(Start.AddDays(1)), span.First);
        Assert.Equal(Today, DateOnly.FromDateTime(span.Last.UtcDateTime));
        Assert.Equal(await SpanAsync(new StudyScopes(), studyId), span);
        Assert.Same(kept, (await CurrentAsync(scopes, studyId)).Outcomes.Single(o => o.PatientId == control));
    }

    private async Task<StudyViewScope> CurrentAsync(StudyScopes scopes, Guid studyId)
    {
        await using var session = app.Store.QuerySession();
        return await scopes.CurrentAsync(session, (await session.LoadAsync<Study>(studyId))!, default);
    }

    private async Task<(DateTimeOffset First, DateTimeOffset Last)> SpanAsync(StudyScopes scopes, Guid studyId)
    {
        await app.HighWaterCaughtUpAsync();
        await using var session = app.Store.QuerySession();
        return (await scopes.RecordingSpanAsync(session, (await session.LoadAsync<Study>(studyId))!, default))!.Value;
    }
}
