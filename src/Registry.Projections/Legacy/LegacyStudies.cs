using System.Text.Json;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;

namespace Registry.Projections.Legacy;

/// <summary>The first schema's regimen: named agents by role, before regimens were lists of components.</summary>
public sealed record LegacyRegimen(string? ImmuneCheckpointInhibitor, string? AntiAngiogenicAgent, string? EgfrInhibitor, IReadOnlyList<string>? ChemotherapyAgents);

public sealed record LegacyArm(string Code, string Name, LegacyRegimen? Regimen);

public sealed record LegacyResponseRules(int StableDiseaseMinimumDays = 42, bool RequireConfirmation = false, int ConfirmationMinimumDays = 28);

/// <summary>A study as the first schema registered it (event type <c>study_registered</c>), before protocols.</summary>
public sealed record LegacyStudyRegistered(Guid StudyId, string Code, string Title, string? Setting, string? PrimaryEndpoint,
    IReadOnlyList<LegacyArm>? Arms, LegacyResponseRules? ResponseRules);

/// <summary>An arm added under the first schema (event type <c>arm_added</c>); still read, never written.</summary>
public sealed record ArmAdded(Guid StudyId, LegacyArm Arm);

/// <summary>
/// Reads the first schema's study events as protocols, so stores written before protocols keep reading without any
/// event being rewritten. The first schema's fixed baseline fields are its data dictionary (legacy-v1-dictionary.json).
/// </summary>
public static class LegacyStudies
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static readonly IReadOnlyList<Variable> Dictionary = LoadDictionary();

    public static StudyRegistered Upcast(LegacyStudyRegistered old) => new(old.StudyId, new Protocol(
        old.Code, old.Title, StudyDesigns.NonRandomized, TimeOrigins.TreatmentStart,
        (old.Arms ?? []).Select(Arm).ToList(), Dictionary, ["pfs", "os", "orr", "dcr"],
        Setting: old.Setting,
        PrimaryEndpoint: old.PrimaryEndpoint?.ToLowerInvariant() is { } p && EndpointCatalogue.Find(p) is not null ? p : null,
        Response: old.ResponseRules is { } r ? new ResponseCriteria("RECIST 1.1", r.RequireConfirmation, r.ConfirmationMinimumDays, r.StableDiseaseMinimumDays) : null));

    public static Protocol WithArm(Protocol protocol, LegacyArm arm) => protocol with { Arms = [.. protocol.Arms, Arm(arm)] };

    private static ProtocolArm Arm(LegacyArm arm)
    {
        var regimen = new List<RegimenComponent>();
        if (arm.Regimen?.ImmuneCheckpointInhibitor is { } ici) regimen.Add(new("immune-checkpoint-inhibitor", ici));
        if (arm.Regimen?.AntiAngiogenicAgent is { } aa) regimen.Add(new("anti-angiogenic", aa));
        if (arm.Regimen?.EgfrInhibitor is { } egfr) regimen.Add(new("egfr-inhibitor", egfr));
        if (arm.Regimen?.ChemotherapyAgents is { Count: > 0 } chemo) regimen.Add(new("chemotherapy", string.Join(" + ", chemo), chemo.Count));
        return new ProtocolArm(arm.Code, arm.Name, regimen);
    }

    private static IReadOnlyList<Variable> LoadDictionary()
    {
        using var stream = typeof(LegacyStudies).Assembly.GetManifestResourceStream("Registry.Projections.Legacy.legacy-v1-dictionary.json")!;
        return JsonSerializer.Deserialize<List<Variable>>(stream, Json)!;
    }
}
