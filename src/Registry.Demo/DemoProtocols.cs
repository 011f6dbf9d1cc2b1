using System.Text.Json;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo;

/// <summary>The demo studies' protocols, kept as JSON beside the simulators (Protocols/*.json, embedded in this assembly).</summary>
public static class DemoProtocols
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the protocol embedded from Protocols/<paramref name="fileName"/>, e.g. "la-npc-efs.json".</summary>
    public static Protocol Load(string fileName)
    {
        var resource = $"Registry.Demo.Protocols.{fileName}";
        using var stream = typeof(DemoProtocols).Assembly.GetManifestResourceStream(resource)
            ?? throw new ArgumentException($"No demo protocol '{fileName}' is embedded (looked for resource {resource}).", nameof(fileName));
        return JsonSerializer.Deserialize<Protocol>(stream, Json)
            ?? throw new InvalidDataException($"The demo protocol '{fileName}' is empty.");
    }
}

/// <summary>
/// One simulated patient's chart as a coordinator enters it, shared by the demo simulators: facts in clinical order,
/// each recorded a few days after its date in office hours and never before the patient's previous entry; a
/// correction goes in the day the slip is found and names the slipped entry by its number (1 = enrolment).
/// </summary>
internal sealed class PatientChart(int patient, string site)
{
    private sealed record Draft(DateOnly On, object Entry);
    private sealed record Slip(IPatientFact Original, IPatientFact Replacement, string Reason);

    private readonly List<Draft> drafts = [];

    /// <summary>Enters a fact, from its clinical date unless it can only be entered later (a fatal adverse event after the death it caused).</summary>
    public T Add<T>(T fact, DateOnly? enteredFrom = null) where T : IPatientFact
    {
        drafts.Add(new Draft(enteredFrom ?? fact.ClinicalDate, fact));
        return fact;
    }

    public void Correct(IPatientFact original, IPatientFact replacement, DateOnly foundOn, string reason) =>
        drafts.Add(new Draft(foundOn, new Slip(original, replacement, reason)));

    public IReadOnlyList<SimulatedEntry> Record(Random random)
    {
        var entries = new List<SimulatedEntry>();
        var numbers = new Dictionary<object, long>(ReferenceEqualityComparer.Instance);
        var last = DateTimeOffset.MinValue;
        // A stable sort keeps same-day entries in the order they happened (enrolment before randomization).
        foreach (var draft in drafts.OrderBy(d => d.On))
        {
            numbers[draft.Entry] = numbers.Count + 1;
            var at = new DateTimeOffset(draft.On.AddDays(1 + random.Next(0, 10)).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero)
                .AddMinutes(random.Next(0, 8 * 60));
            last = at > last ? at : last.AddMinutes(1);
            entries.Add(new SimulatedEntry(last, patient, site, draft.Entry is Slip slip
                ? new SimulatedCorrection(numbers[slip.Original], slip.Replacement, slip.Reason)
                : draft.Entry));
        }
        return entries;
    }
}

internal static class BaselineEditing
{
    /// <summary>The baseline with one value replaced, as a coordinator's slip would enter it.</summary>
    public static BaselineValues With(this BaselineValues baseline, string key, BaselineValue value) =>
        new(baseline.Where(p => p.Key != key).Append(new(key, value)));
}

/// <summary>The draws the demo simulators make, in the words they are thought in.</summary>
internal static class RandomDraws
{
    public static bool Chance(this Random random, double probability) => random.NextDouble() < probability;

    /// <summary>An exponential time with the given median, in the median's unit.</summary>
    public static double Exponential(this Random random, double median) => -Math.Log(1 - random.NextDouble()) * median / Math.Log(2);

    public static double Normal(this Random random, double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>One of the choices, each with its probability (the last takes whatever is left).</summary>
    public static T Pick<T>(this Random random, params (T Choice, double Probability)[] choices)
    {
        var draw = random.NextDouble();
        foreach (var (choice, probability) in choices[..^1])
        {
            if (draw < probability) return choice;
            draw -= probability;
        }
        return choices[^1].Choice;
    }
}
