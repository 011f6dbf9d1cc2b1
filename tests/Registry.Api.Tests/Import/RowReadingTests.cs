using System.Text.Json;
using Registry.Api.Import;
using Registry.Api.Infrastructure;
using Registry.Api.Web.Coordinator;
using Registry.Demo;

namespace Registry.Api.Tests.Import;

/// <summary>
/// An import row is read without the form's JSON tree only where the form's reading takes it as it is, to the request
/// the form's reading gives; a row it refuses, or might, is left to the form's reading, which names the refused fields.
/// </summary>
public sealed class RowReadingTests
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        RegistryHost.ConfigureJson(options);
        return options;
    }

    public static TheoryData<string> Protocols => [MotivatingStudy.ProtocolFile, LocoregionalTrial.ProtocolFile, SingleArmTrial.ProtocolFile];

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Every_form_reads_a_row_to_the_request_the_form_reading_gives_or_leaves_it_to_the_form_reading(string protocolFile)
    {
        var shapes = new ImportShapes(DemoProtocols.Load(protocolFile));
        var forms = new[] { shapes.EnrolmentForm }.Concat(shapes.Events.Select(e => e.Form)).Append(shapes.RandomizationForm).OfType<EntryForm>().ToList();
        var random = new Random(13);
        var (accepted, refused) = (0, 0);
        foreach (var form in forms)
            for (var row = 0; row < 300; row++)
            {
                var values = Row(form, random, good: row % 3 == 0);
                var formErrors = new Dictionary<string, string[]>();
                var (request, readErrors) = FormReading.Read(FormReading.Body(values, form.Fields, formErrors), form.Request, Json);
                var read = FormReading.ReadAccepted(values, form.Fields, form.Request, Json);
                if (read is null)
                {
                    refused++;
                    continue;
                }
                Assert.Empty(formErrors);
                Assert.Empty(readErrors);
                Assert.Equal(JsonSerializer.Serialize(request, form.Request, Json), JsonSerializer.Serialize(read, form.Request, Json));
                accepted++;
            }
        // Both were taken, each many times: read straight, and left to the form's reading.
        Assert.True(accepted > 100 && refused > 100, $"{accepted} read, {refused} refused");
    }

    [Fact]
    public void A_value_the_form_reading_refuses_or_rewrites_is_left_to_it()
    {
        var form = new ImportShapes(DemoProtocols.Load(MotivatingStudy.ProtocolFile)).EnrolmentForm;
        var age = form.Fields.First(f => f.Key == "baseline.age");
        Dictionary<string, string> Good() => form.Fields.Where(f => f.Input != InputKind.Lines).ToDictionary(f => f.Key, f => Value(f, good: true, new Random(1)));

        Assert.NotNull(FormReading.ReadAccepted(Good(), form.Fields, form.Request, Json));
        foreach (var (key, value) in new[] { ("baseline.age", "1e400"), ("subjectCode", "P-\u0001"), ("subjectCode", "P-\uD800") })
            Assert.Null(FormReading.ReadAccepted(new Dictionary<string, string>(Good()) { [key] = value }, form.Fields, form.Request, Json));
        if (age.MissingCodes is { } codes)
            Assert.Null(FormReading.ReadAccepted(new Dictionary<string, string>(Good()) { [age.MissingName] = codes[0] }, form.Fields, form.Request, Json));
    }

    private static Dictionary<string, string> Row(EntryForm form, Random random, bool good)
    {
        var values = new Dictionary<string, string>();
        foreach (var field in form.Fields)
        {
            if (random.Next(6) == 0) continue;
            if (field.MissingCodes is { Count: > 0 } codes && random.Next(5) == 0)
            {
                values[field.MissingName] = random.Next(4) == 0 ? "\u0007" : codes[random.Next(codes.Count)];
                if (random.Next(3) > 0) continue;
            }
            values[field.Key] = Value(field, good || random.Next(4) > 0, random);
        }
        return values;
    }

    private static readonly string[] Odd = ["", " ", "forty", "1e400", "-0", "01", " 45 ", "1e3", "2.5", "maybe", "TRUE", "a\u0001b", "x\uDC00", "Ré ;é", "\t", "null", "{}"];

    private static string Value(FormField field, bool good, Random random)
    {
        if (!good) return Odd[random.Next(Odd.Length)];
        if (field.Choices is { Count: > 0 } choices) return choices[random.Next(choices.Count)].Value;
        return field.Input switch
        {
            InputKind.WholeNumber => random.Next(1, 90).ToString(),
            InputKind.Number => (random.Next(100, 900) / 10.0).ToString(System.Globalization.CultureInfo.InvariantCulture),
            InputKind.YesNo => random.Next(2) == 0 ? "true" : "false",
            InputKind.Date => "2021-03-0" + random.Next(1, 9),
            InputKind.Lines => random.Next(2) == 0 ? "docetaxel\ncisplatin" : " \n ",
            _ => "S1",
        };
    }
}
