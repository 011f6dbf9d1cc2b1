namespace Registry.Domain.Studies;

/// <summary>What an arm gives the patient; the counts are what the paper's regimen definitions turn on.</summary>
public sealed record Regimen(
    string? ImmuneCheckpointInhibitor,
    string? AntiAngiogenicAgent,
    string? EgfrInhibitor,
    IReadOnlyList<string> ChemotherapyAgents)
{
    public static readonly Regimen Unspecified = new(null, null, null, []);
    public int ChemotherapyAgentCount => ChemotherapyAgents.Count;
}

public sealed record Arm(string Code, string Name, Regimen Regimen);

/// <summary>Per-study RECIST 1.1 conventions; the defaults suit a retrospective design.</summary>
public sealed record ResponseRules(int StableDiseaseMinimumDays = 42, bool RequireConfirmation = false, int ConfirmationMinimumDays = 28)
{
    public static readonly ResponseRules Default = new();
}

public sealed record StudyRegistered(
    Guid StudyId,
    string Code,
    string Title,
    string? Setting,
    string? PrimaryEndpoint,
    IReadOnlyList<Arm> Arms,
    ResponseRules? ResponseRules);

public sealed record ArmAdded(Guid StudyId, Arm Arm);
