using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using Registry.Api.Datasets;
using Registry.Api.Tests.Infrastructure;
using Registry.Interop.Datasets;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.Datasets;

/// <summary>
/// GET /api/studies/{id}/datasets/{adsl|adtte|adrs|adae}.{csv|json} and define.json: the contract (header row of
/// CDISC names, Dataset-JSON, readers only), the views' refusals, and a patient's times as of a moment and at a cut.
/// </summary>
public sealed class DatasetRoutesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<string> TextAsync(string url, string? token = null) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(token ?? app.Investigator);
        s.Get.Url(url);
    })).ReadAsTextAsync();

    private static Dictionary<string, string>[] Rows(string csv)
    {
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        return lines[1..].Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToArray();
    }

    /// <summary>A patient treated on 10 Jan 2020, scanned SD on 9 Mar, died on 8 Jul (version 4); the death then corrected to 7 Jun (version 5).</summary>
    private async Task<(Guid Study, DateTimeOffset BeforeCorrection)> StudyWithCorrectedDeathAsync()
    {
        var study = await app.RegisteredStudyAsync();
        var patient = await app.EnrolledPatientAsync(study, "2020-01-05", subjectCode: "DS-001");
        await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patient, "imaging-assessments", new { assessedOn = "2020-03-09", targetLesionSumMm = 40.0, nonTargetStatus = "None", newLesions = false, response = "SD" });
        await app.RecordAsync(patient, "deaths", new { diedOn = "2020-07-08" });
        var recorded = (await app.HistoryAsync(patient)).GetProperty("events")[3].GetProperty("recordedAt").GetDateTimeOffset();
        await app.RecordAsync(patient, "corrections", new { entryVersion = 4, reason = "Date misread", replacement = new { kind = "died", diedOn = "2020-06-07" } });
        return (study, recorded);
    }

    [Fact]
    public async Task Each_dataset_is_a_CSV_with_a_header_row_of_its_CDISC_variable_names()
    {
        var study = await app.RegisteredStudyAsync();
        var patient = await app.EnrolledPatientAsync(study, "2020-01-05");
        await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patient, "adverse-events", new { term = "Fatigue", grade = 2, onsetOn = "2020-02-01", serious = false, attribution = "Possible" });

        var adsl = await TextAsync($"/api/studies/{study}/datasets/adsl.csv");
        Assert.StartsWith("STUDYID,USUBJID,SUBJID,SITEID,ARMCD,ARM,TRT01P,AGE,AGEGR1,SEX,SEXGR1,KPS,KPSGR1,LIVERMETASTASIS,LIVERMETASTASISGR1,EBVDNA,EBVDNAGR1," +
                         "ENRLDT,RANDDT,TRTSDT,ORIGDT,ITTFL,SAFFL,EFFFL,EFFEXRSN,RSPEVLFL,DTHFL,DTHDT,DTHCAUS\r\n", adsl);
        Assert.StartsWith("STUDYID,USUBJID,SUBJID,SITEID,ARMCD,ARM,PARAMCD,PARAM,PARAMN,AVAL,STARTDT,ADT,CNSR,EVNTDESC,CNSDTDSC,SRCDOM,SRCVAR,SRCSEQ\r\n",
            await TextAsync($"/api/studies/{study}/datasets/adtte.csv"));
        Assert.StartsWith("STUDYID,USUBJID,SUBJID,SITEID,ARMCD,ARM,PARAMCD,PARAM,AVALC,ADT,ANL01FL,SRCDOM,SRCSEQ\r\n", await TextAsync($"/api/studies/{study}/datasets/adrs.csv"));
        Assert.StartsWith("STUDYID,USUBJID,SUBJID,SITEID,ARMCD,ARM,TRTSDT,AETERM,AEDECOD,AETOXGR,ATOXGRN,ASTDT,AESER,AEREL,TRTEMFL,AOCCIFL,AOCCPIFL,SRCSEQ\r\n",
            await TextAsync($"/api/studies/{study}/datasets/adae.csv"));
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{study}/datasets/ADAE.csv");
            s.ContentTypeShouldBe("text/csv; charset=utf-8");
        });
        Assert.Contains("-adae.csv", result.Context.Response.Headers.ContentDisposition.ToString());
        Assert.Equal(2, (await result.ReadAsTextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task ADTTE_as_of_a_moment_shows_the_entry_as_first_recorded_and_now_as_corrected()
    {
        var (study, beforeCorrection) = await StudyWithCorrectedDeathAsync();

        string Os(Dictionary<string, string>[] rows) => string.Join(" ", new[] { "AVAL", "ADT", "CNSR", "SRCDOM", "SRCSEQ" }.Select(k => rows.Single(r => r["PARAMCD"] == "OS")[k]));
        // 10 Jan → 8 Jul 2020 is 180 days; → 7 Jun, 149.
        Assert.Equal("149 2020-06-07 0 died 4", Os(Rows(await TextAsync($"/api/studies/{study}/datasets/adtte.csv"))));
        Assert.Equal("180 2020-07-08 0 died 4",
            Os(Rows(await TextAsync($"/api/studies/{study}/datasets/adtte.csv?asOf={Uri.EscapeDataString(beforeCorrection.ToString("O"))}"))));
    }

    [Fact]
    public async Task ADTTE_at_a_data_cut_censors_at_the_cut_a_patient_known_alive_after_it()
    {
        var (study, _) = await StudyWithCorrectedDeathAsync();

        var rows = Rows(await TextAsync($"/api/studies/{study}/datasets/adtte.csv?dataCut=2020-05-31"));
        // Alive after 31 May (died 7 Jun): OS censored at the cut, 10 Jan → 31 May = 142 days, code 4; PFS at the 9 Mar scan, 59 days, code 1.
        Assert.Equal(["PFS 59 2020-03-09 1 Last tumour assessment", "OS 142 2020-05-31 4 Data cut (known alive after it)"],
            rows.Select(r => $"{r["PARAMCD"]} {r["AVAL"]} {r["ADT"]} {r["CNSR"]} {r["CNSDTDSC"]}"));
        var adsl = Rows(await TextAsync($"/api/studies/{study}/datasets/adsl.csv?dataCut=2020-05-31")).Single();
        Assert.Equal(("", ""), (adsl["DTHFL"], adsl["DTHDT"]));
    }

    [Fact]
    public async Task Dataset_JSON_parses_and_its_columns_are_those_define_json_lists()
    {
        var (study, _) = await StudyWithCorrectedDeathAsync();
        var define = JsonDocument.Parse(await TextAsync($"/api/studies/{study}/datasets/define.json")).RootElement;

        foreach (var name in new[] { "adsl", "adtte", "adrs", "adae" })
        {
            var json = JsonDocument.Parse(await TextAsync($"/api/studies/{study}/datasets/{name}.json")).RootElement;
            Assert.Equal("1.1.0", json.GetProperty("datasetJSONVersion").GetString());
            Assert.Equal(name.ToUpperInvariant(), json.GetProperty("name").GetString());
            var defined = define.GetProperty("datasets").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name.ToUpperInvariant());
            Assert.Equal(defined.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("label").GetString(), c.GetProperty("dataType").GetString())),
                json.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("label").GetString(), c.GetProperty("dataType").GetString())));
            Assert.Equal(defined.GetProperty("records").GetInt32(), json.GetProperty("records").GetInt32());
            var header = (await TextAsync($"/api/studies/{study}/datasets/{name}.csv")).Split("\r\n")[0];
            Assert.Equal(header, string.Join(",", json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString())));
        }
    }

    [Theory]
    [InlineData("gzip, deflate, br, zstd", true)]
    [InlineData("deflate;q=0.5", true)]
    [InlineData("*", true)]
    [InlineData("deflate;q=0, *", false)]
    [InlineData("*;q=0", false)]
    [InlineData("gzip", false)]
    [InlineData(null, false)]
    public async Task A_client_that_accepts_deflate_is_sent_the_kept_bytes_with_their_length_which_inflate_to_the_file(string? acceptEncoding, bool deflated)
    {
        var (study, _) = await StudyWithCorrectedDeathAsync();
        static string Created(string json) => Regex.Replace(json, "\"datasetJSONCreationDateTime\":\"[^\"]+\"", "\"datasetJSONCreationDateTime\":\"…\"");
        foreach (var route in new[] { "adtte.csv", "adsl.json", "adae.json" })
        {
            var url = $"/api/studies/{study}/datasets/{route}";
            var file = Created(await TextAsync(url));
            var result = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Investigator);
                if (acceptEncoding is not null) s.WithRequestHeader("Accept-Encoding", acceptEncoding);
                s.Get.Url(url);
            });
            var response = result.Context.Response;
            Assert.Equal("Accept-Encoding", response.Headers.Vary);
            if (!deflated)
            {
                Assert.Equal(0, response.Headers.ContentEncoding.Count);
                Assert.Equal(file, Created(await result.ReadAsTextAsync()));
                continue;
            }
            Assert.Equal("deflate", response.Headers.ContentEncoding);
            using var sent = new MemoryStream();
            await response.Body.CopyToAsync(sent);
            Assert.Equal(response.ContentLength, sent.Length);
            sent.Position = 0;
            await using var inflate = new ZLibStream(sent, CompressionMode.Decompress);
            Assert.Equal(file, Created(await new StreamReader(inflate).ReadToEndAsync()));
        }
    }

    [Theory]
    [InlineData("adtte.csv?dataCut=31-05-2020", "dataCut")]
    [InlineData("adtte.json?dataCut=2020-02-30", "dataCut")]
    [InlineData("adsl.csv?asOf=yesterday", "asOf")]
    [InlineData("define.json?asOf=05%2F01%2F2024", "asOf")]
    [InlineData("adae.csv?endpoint=os", "endpoint")]
    public async Task A_bad_parameter_is_a_400_naming_it_and_nothing_is_built(string route, string parameter)
    {
        var study = await app.RegisteredStudyAsync();
        var result = await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{study}/datasets/{route}");
        });
        Assert.Equal([parameter], (await result.ProblemAsync()).ErrorFields());
    }

    [Theory]
    [InlineData("adsl.csv")]
    [InlineData("define.json")]
    public async Task An_unknown_study_is_a_404(string route) => await app.RefusedAsync(404, s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{Guid.NewGuid()}/datasets/{route}");
    });

    [Fact]
    public async Task An_unknown_dataset_is_a_404_naming_the_datasets()
    {
        var study = await app.RegisteredStudyAsync();
        var result = await app.RefusedAsync(404, s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{study}/datasets/adlb.csv");
        });
        Assert.Contains("adsl, adtte, adrs, adae", (await result.ProblemAsync()).GetRawText());
    }

    [Theory]
    [InlineData("adtte.csv")]
    [InlineData("adsl.json")]
    [InlineData("define.json")]
    public async Task A_coordinator_is_refused_with_403(string route)
    {
        var study = await app.RegisteredStudyAsync();
        await app.RefusedAsync(403, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Get.Url($"/api/studies/{study}/datasets/{route}");
        });
    }

    private async Task<DeflatedDataset> KeptAdtteAsync(Guid study, string? asOf = null)
    {
        await using var session = app.Store.QuerySession();
        var (_, adtte, refusal) = await AnalysisSources.DatasetAsync(session, study, AnalysisDatasets.FindShape("adtte")!, json: false, asOf, null, CancellationToken.None);
        Assert.Null(refusal);
        return adtte!;
    }

    [Fact]
    public async Task A_kept_dataset_answers_again_until_a_new_entry_which_the_next_answer_shows_at_once()
    {
        var (study, _) = await StudyWithCorrectedDeathAsync();
        var patient = await app.EnrolledPatientAsync(study, "2020-02-01", subjectCode: "DS-002");
        await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-02-03" });
        await app.HighWaterCaughtUpAsync();
        var kept = await KeptAdtteAsync(study);
        Assert.Same(kept, await KeptAdtteAsync(study));
        string Os(string csv) => string.Join(" ", Rows(csv).Where(r => r["PARAMCD"] == "OS").Select(r => $"{r["SUBJID"]}:{r["AVAL"]}:{r["CNSR"]}"));
        Assert.Equal("DS-001:149:0 DS-002:0:3", Os(await TextAsync($"/api/studies/{study}/datasets/adtte.csv")));
        async Task<int> AdslRecordsAsync() =>
            JsonDocument.Parse(await TextAsync($"/api/studies/{study}/datasets/define.json")).RootElement.GetProperty("datasets")[0].GetProperty("records").GetInt32();
        Assert.Equal(2, await AdslRecordsAsync());
        Assert.Equal(2, await AdslRecordsAsync());

        await app.RecordAsync(patient, "deaths", new { diedOn = "2020-03-04" });
        await app.EnrolledPatientAsync(study, "2020-02-10", subjectCode: "DS-003");
        // At once, before the daemon has passed the entries: written from the charts for this request.
        Assert.Equal("DS-001:149:0 DS-002:30:0", Os(await TextAsync($"/api/studies/{study}/datasets/adtte.csv")));
        Assert.Equal(3, await AdslRecordsAsync());
        await app.HighWaterCaughtUpAsync();
        var rewritten = await KeptAdtteAsync(study);
        Assert.NotSame(kept, rewritten);
        Assert.Equal("DS-001:149:0 DS-002:30:0", Os(await TextAsync($"/api/studies/{study}/datasets/adtte.csv")));
        Assert.Same(rewritten, await KeptAdtteAsync(study));
    }

    [Fact]
    public async Task A_kept_dataset_counts_in_the_views_budget_and_goes_least_recently_used_first()
    {
        var scopes = StudyScopes.Of(app.Store);
        var budget = scopes.MaximumBytesKept;
        var (study, _) = await StudyWithCorrectedDeathAsync();
        await app.HighWaterCaughtUpAsync();
        var files = await KeptAdtteAsync(study);
        try
        {
            // Room for the dataset and one set of the study's one patient: the next set pushes out the dataset, used before it.
            scopes.MaximumBytesKept = files.Bytes + StudyScopes.BytesPerPatient;
            Assert.Same(files, await KeptAdtteAsync(study));
            await using (var session = app.Store.QuerySession())
            {
                Assert.Null((await StudyViewLoader.LoadAsync(session, study, null, null, null, CancellationToken.None)).Refusal);
                Assert.Equal(files.Bytes, scopes.AnswerBytesKept);
                Assert.Null((await StudyViewLoader.LoadAsync(session, study, null, null, true, CancellationToken.None)).Refusal);
            }
            Assert.Equal(0, scopes.AnswerBytesKept);
            var again = await KeptAdtteAsync(study);
            Assert.NotSame(files, again);
            Assert.True(scopes.Kept.Patients * StudyScopes.BytesPerPatient + scopes.AnswerBytesKept <= scopes.MaximumBytesKept);

            // A dataset larger than the whole budget is written for the request and not kept.
            scopes.MaximumBytesKept = files.Bytes - 1;
            var unkept = await KeptAdtteAsync(study, "2030-01-01");
            Assert.NotSame(unkept, await KeptAdtteAsync(study, "2030-01-01"));
            Assert.Equal(again.Bytes, scopes.AnswerBytesKept);
        }
        finally
        {
            scopes.MaximumBytesKept = budget;
        }
    }

    [Fact]
    public void A_dataset_written_from_a_large_studys_charts_is_followed_by_a_full_collection()
    {
        // Left to the GC, what the read promoted stays resident until a later gen2 collection (the memory peak of the
        // whole view list at 100 000 patients: docs/performance.md, "Memory under the view list, twenty-second round").
        var collections = GC.CollectionCount(GC.MaxGeneration);
        StudyScopes.Of(app.Store).KeepAnswer(Guid.NewGuid(), "datasets/adae.csv", null, null, new StoreMark(1, null), new object(), 1,
            patientsRead: StudyScopes.PatientsCollectedAfter);
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > collections);
    }
}
