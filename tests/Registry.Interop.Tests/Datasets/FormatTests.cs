using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FsCheck.Xunit;
using Registry.Domain.Patients;
using Registry.Interop.Datasets;
using static Registry.Interop.Tests.Datasets.SmallStudy;

namespace Registry.Interop.Tests.Datasets;

/// <summary>The datasets written as CSV and as Dataset-JSON 1.1, and their data definition.</summary>
public sealed class FormatTests
{
    private static readonly AnalysisSource Source = SmallStudy.Source(null,
        Timeline(Enrolled("S-001", "A"), new TreatmentStarted(D("2021-01-01"), ["drug"], 2), Scan("2021-03-01", TimepointResponse.PR),
            new AdverseEventRecorded("=HYPERLINK(\"http://x\")", 2, D("2021-02-01"), false, Attribution.Possible), new PatientDied(D("2021-08-01"), null)),
        Timeline(Enrolled("S-002", "B", Baseline(cps: Registry.Domain.Protocols.BaselineValue.MissingAs("unknown"))), new TreatmentStarted(D("2021-01-01"), ["drug"], 2)));

    private static async Task<string> CsvAsync(AnalysisDataset dataset)
    {
        using var body = new MemoryStream();
        await DatasetCsv.WriteAsync(dataset, body, default);
        return Encoding.UTF8.GetString(body.ToArray());
    }

    private static async Task<JsonElement> JsonAsync(AnalysisDataset dataset)
    {
        using var body = new MemoryStream();
        await DatasetJson.WriteAsync(dataset, Source, new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), body, default);
        return JsonDocument.Parse(body.ToArray()).RootElement.Clone();
    }

    [Fact]
    public async Task CSV_has_a_header_of_the_variable_names_ISO_dates_empty_missing_values_and_no_formula()
    {
        var adtte = await CsvAsync(Adtte.Build(Source));
        var lines = adtte.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("STUDYID,USUBJID,SUBJID,SITEID,ARMCD,ARM,PARAMCD,PARAM,PARAMN,AVAL,STARTDT,ADT,CNSR,EVNTDESC,CNSDTDSC,SRCDOM,SRCVAR,SRCSEQ", lines[0]);
        Assert.Equal("SMALL-1,SMALL-1-S-001,S-001,S1,A,Arm A,OS,Overall survival (days),2,212,2021-01-01,2021-08-01,0,Death,,died,diedOn,5", lines[2]);

        var adae = await CsvAsync(Adae.Build(Source));
        Assert.Contains(",\"'=HYPERLINK(\"\"http://x\"\")\",", adae);

        var adsl = (await CsvAsync(Adsl.Build(Source))).Split("\r\n");
        var cps = adsl[0].Split(',').ToList().IndexOf("PDL1CPS");
        Assert.Equal(["12.5", ""], adsl[1..3].Select(l => l.Split(',')[cps]));
    }

    [Fact]
    public async Task Dataset_JSON_has_the_v1_1_attributes_and_its_columns_are_the_definitions()
    {
        var datasets = AnalysisDatasets.All.Select(d => d.Build(Source)).ToList();
        var definition = DataDefinition.Of(Source, datasets);
        using var body = new MemoryStream();
        await definition.WriteAsync(body, default);
        var define = JsonDocument.Parse(body.ToArray()).RootElement;
        Assert.Equal(["ADSL", "ADTTE", "ADRS", "ADAE"], define.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()));

        foreach (var dataset in datasets)
        {
            var json = await JsonAsync(dataset);
            Assert.Equal(
                ["datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID", "originator", "sourceSystem", "studyOID", "metaDataVersionOID", "itemGroupOID",
                    "records", "name", "label", "columns", "rows"],
                json.EnumerateObject().Select(p => p.Name));
            Assert.Equal(("2025-01-02T03:04:05Z", "1.1.0", $"IG.{dataset.Name}", dataset.Name, dataset.Rows.Count),
                (json.GetProperty("datasetJSONCreationDateTime").GetString(), json.GetProperty("datasetJSONVersion").GetString(),
                    json.GetProperty("itemGroupOID").GetString(), json.GetProperty("name").GetString(), json.GetProperty("records").GetInt32()));
            Assert.Equal(dataset.Rows.Count, json.GetProperty("rows").GetArrayLength());
            Assert.All(json.GetProperty("rows").EnumerateArray(), row => Assert.Equal(dataset.Columns.Count, row.GetArrayLength()));

            var defined = define.GetProperty("datasets").EnumerateArray().Single(d => d.GetProperty("name").GetString() == dataset.Name).GetProperty("columns");
            var attributes = new[] { "itemOID", "name", "label", "dataType", "targetDataType", "length", "displayFormat", "keySequence" };
            string Column(JsonElement c) => string.Join("|", attributes.Select(a => c.TryGetProperty(a, out var v) ? v.ToString() : ""));
            Assert.Equal(defined.EnumerateArray().Select(Column), json.GetProperty("columns").EnumerateArray().Select(Column));
            Assert.All(defined.EnumerateArray(), c => Assert.Contains(c.GetProperty("origin").GetProperty("type").GetString(),
                new[] { "Collected", "Derived", "Assigned", "Protocol", "Predecessor" }));
            Assert.All(defined.EnumerateArray(), c => Assert.NotEqual("", c.GetProperty("origin").GetProperty("source").GetString()));
        }
    }

    [Fact]
    public async Task Dataset_JSON_values_have_their_columns_types_and_null_for_missing()
    {
        var json = await JsonAsync(Adsl.Build(Source));
        var columns = json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        var second = json.GetProperty("rows")[1];
        Assert.Equal(JsonValueKind.Null, second[columns.IndexOf("PDL1CPS")].ValueKind);
        Assert.Equal(61, second[columns.IndexOf("AGE")].GetInt64());
        Assert.Equal("2021-01-01", second[columns.IndexOf("TRTSDT")].GetString());
        var trtsdt = json.GetProperty("columns")[columns.IndexOf("TRTSDT")];
        Assert.Equal(("date", "integer", "E8601DA."), (trtsdt.GetProperty("dataType").GetString(), trtsdt.GetProperty("targetDataType").GetString(), trtsdt.GetProperty("displayFormat").GetString()));
    }

    private static async Task<string> WrittenAsync(Func<Stream, Task> write)
    {
        using var body = new MemoryStream();
        await write(body);
        return Encoding.UTF8.GetString(body.ToArray());
    }

    /// <summary>An answer in the deflate coding, inflated as a client does; its stated length checked against what it sends.</summary>
    private static async Task<string> InflatedAsync(DeflatedAnswer answer)
    {
        using var sent = new MemoryStream();
        await answer.WriteAsync(sent, default);
        Assert.Equal(answer.Length, sent.Length);
        sent.Position = 0;
        await using var inflate = new ZLibStream(sent, CompressionMode.Decompress);
        return await new StreamReader(inflate, Encoding.UTF8).ReadToEndAsync();
    }

    [Property]
    public bool The_Adler_32_of_two_texts_joined_is_found_from_each_ones(byte[] first, byte[] second) =>
        DeflatedDataset.Combine(Adler32.HashToUInt32(first), Adler32.HashToUInt32(second), second.Length) == Adler32.HashToUInt32([.. first, .. second]);

    [Theory]
    [InlineData(65_520), InlineData(65_521), InlineData(65_522), InlineData(1_000_003)]
    public void The_Adler_32_of_two_texts_joined_holds_past_its_modulus(int secondLength)
    {
        var first = Enumerable.Range(0, 70_001).Select(i => (byte)(i * 7)).ToArray();
        var second = Enumerable.Range(0, secondLength).Select(i => (byte)(255 - i % 251)).ToArray();
        Assert.Equal(Adler32.HashToUInt32([.. first, .. second]), DeflatedDataset.Combine(Adler32.HashToUInt32(first), Adler32.HashToUInt32(second), second.Length));
    }

    [Theory]
    [InlineData(0), InlineData(1), InlineData(65_535), InlineData(65_536), InlineData(150_000)]
    public async Task Text_as_stored_blocks_inflates_to_itself_in_blocks_of_at_most_65_535_bytes(int length)
    {
        var text = Enumerable.Range(0, length).Select(i => (byte)(i % 253)).ToArray();
        var blocks = DeflatedDataset.StoredBlocks(text, final: true);
        Assert.Equal(length + 5 * Math.Max(1, (length + 65_534) / 65_535), blocks.Length);
        await using var inflate = new DeflateStream(new MemoryStream(blocks), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        await inflate.CopyToAsync(inflated);
        Assert.Equal(text, inflated.ToArray());
    }

    [Fact]
    public async Task A_dataset_written_once_and_kept_deflated_answers_what_the_writers_write_from_the_whole_dataset()
    {
        // Enough patients for the CSV writer and the rows' JSON writer to flush into the deflated buffer many times over.
        var source = SmallStudy.Source(null, Enumerable.Range(1, 600).Select(i => i % 3 == 0
            ? Timeline(Enrolled($"S-{i:0000}", "B"), new TreatmentStarted(D("2021-01-01"), ["drug"], 2))
            : Timeline(Enrolled($"S-{i:0000}", "A"), new TreatmentStarted(D("2021-01-01"), ["drug"], 2), Scan("2021-03-01", TimepointResponse.PR),
                new AdverseEventRecorded(i % 2 == 0 ? "=HYPERLINK(\"http://x\")" : $"Fatigue {i}", 2, D("2021-02-01"), false, Attribution.Possible),
                new PatientDied(D("2021-08-01").AddDays(i), null))).ToArray());
        var createdAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

        foreach (var (_, build, shapeOf) in AnalysisDatasets.All)
        {
            var dataset = build(source);
            var csv = await WrittenAsync(body => DatasetCsv.WriteAsync(dataset, body, default));
            var deflatedCsv = await DeflatedDataset.CsvAsync(shapeOf(source), source.InOrder.ToAsyncEnumerable(), default);
            Assert.Equal(csv, await WrittenAsync(body => deflatedCsv.WriteAsync(source, createdAt, body, default)));
            var json = await WrittenAsync(body => DatasetJson.WriteAsync(dataset, source, createdAt, body, default));
            var deflatedJson = await DeflatedDataset.JsonAsync(shapeOf(source), source.InOrder.ToAsyncEnumerable(), default);
            Assert.Equal(json, await WrittenAsync(body => deflatedJson.WriteAsync(source, createdAt, body, default)));
            // In HTTP's deflate coding, the same bytes: a zlib stream whose Adler-32 the inflater checks.
            Assert.Equal(csv, await InflatedAsync(deflatedCsv.Deflated(source, createdAt)));
            Assert.Equal(json, await InflatedAsync(deflatedJson.Deflated(source, createdAt)));
            Assert.True(deflatedCsv.Bytes < csv.Length / 4 && deflatedJson.Bytes < json.Length / 4,
                $"{dataset.Name}: {deflatedCsv.Bytes} of {csv.Length}, {deflatedJson.Bytes} of {json.Length} bytes kept");
        }
    }

    [Fact]
    public async Task A_dataset_of_many_blocks_is_held_in_none_longer_than_a_block_and_answers_the_same_bytes()
    {
        // A term no deflater shortens much per patient, so the kept bytes run to several blocks.
        var source = SmallStudy.Source(null, Enumerable.Range(1, 4000).Select(i =>
            Timeline(Enrolled($"S-{i:00000}", "A"), new TreatmentStarted(D("2021-01-01"), ["drug"], 2),
                new AdverseEventRecorded(Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i))), 1 + i % 5, D("2021-02-01"), i % 7 == 0, Attribution.Possible))).ToArray());
        var createdAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var dataset = Adae.Build(source);

        var csv = await WrittenAsync(body => DatasetCsv.WriteAsync(dataset, body, default));
        var deflatedCsv = await DeflatedDataset.CsvAsync(Adae.Shape(source), source.InOrder.ToAsyncEnumerable(), default);
        var json = await WrittenAsync(body => DatasetJson.WriteAsync(dataset, source, createdAt, body, default));
        var deflatedJson = await DeflatedDataset.JsonAsync(Adae.Shape(source), source.InOrder.ToAsyncEnumerable(), default);

        foreach (var deflated in new[] { deflatedCsv, deflatedJson })
        {
            Assert.True(deflated.Bytes > 2 * DeflatedDataset.BlockBytes, $"{deflated.Bytes} bytes kept");
            // One array of all of them (as a MemoryStream's) lies on the large object heap until a full collection.
            Assert.Equal(DeflatedDataset.BlockBytes, deflated.LongestHeldArray);
        }
        Assert.Equal(csv, await WrittenAsync(body => deflatedCsv.WriteAsync(source, createdAt, body, default)));
        Assert.Equal(json, await WrittenAsync(body => deflatedJson.WriteAsync(source, createdAt, body, default)));
        Assert.Equal(csv, await InflatedAsync(deflatedCsv.Deflated(source, createdAt)));
        Assert.Equal(json, await InflatedAsync(deflatedJson.Deflated(source, createdAt)));
    }

    [Fact]
    public async Task An_answer_sent_after_its_dataset_was_dropped_keeps_its_bytes_while_other_datasets_are_written()
    {
        var source = ManyBlocks(1);
        var csv = await WrittenAsync(body => DatasetCsv.WriteAsync(Adae.Build(source), body, default));
        // Only the answer holds the dataset's blocks now, as a request sending it after the kept answers dropped it.
        var answer = await AnswerOfDroppedDatasetAsync(source);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        for (var other = 2; other < 6; other++) await DeflatedDataset.CsvAsync(Adae.Shape(ManyBlocks(other)), ManyBlocks(other).InOrder.ToAsyncEnumerable(), default);

        // Were the blocks given back when the dataset was collected, the datasets written since would have written over them.
        Assert.Equal(csv, await InflatedAsync(answer));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<DeflatedAnswer> AnswerOfDroppedDatasetAsync(AnalysisSource source) =>
        (await DeflatedDataset.CsvAsync(Adae.Shape(source), source.InOrder.ToAsyncEnumerable(), default)).Deflated(source, DateTimeOffset.UnixEpoch);

    /// <summary>A study whose adverse-event terms no deflater shortens much, so its dataset runs to several blocks; <paramref name="seed"/> makes the terms differ.</summary>
    private static AnalysisSource ManyBlocks(int seed) => SmallStudy.Source(null, Enumerable.Range(1, 4000).Select(i =>
        Timeline(Enrolled($"S-{i:00000}", "A"), new TreatmentStarted(D("2021-01-01"), ["drug"], 2),
            new AdverseEventRecorded(Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i * 7919 + seed))), 1 + i % 5, D("2021-02-01"), i % 7 == 0, Attribution.Possible))).ToArray());
}
