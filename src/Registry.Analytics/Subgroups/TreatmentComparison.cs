namespace Registry.Analytics.Subgroups;

/// <summary>
/// Which arms form the experimental side and which the reference side of a hazard ratio; several arms on one
/// side are pooled. Subjects in arms named on neither side are left out.
/// </summary>
public sealed record TreatmentComparison(IReadOnlyCollection<string> Experimental, IReadOnlyCollection<string> Reference);
