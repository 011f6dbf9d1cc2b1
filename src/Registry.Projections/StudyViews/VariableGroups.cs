using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

/// <summary>
/// Each patient's group for one variable, in one pass: kept outcomes share their key sets and equal values
/// (<see cref="SharedOutcomeParts"/>), so the key is searched once per key set and the group worked out once per
/// distinct value — 100 000 patients hold a few dozen values of a groupable variable.
/// </summary>
public static class VariableGroups
{
    /// <summary><see cref="DataDictionary.GroupOf"/> of each patient's value (null: in no group).</summary>
    public static string?[] Of(IReadOnlyList<PatientOutcome> patients, Variable variable) => Each(patients, variable, DataDictionary.GroupOf);

    /// <summary><see cref="HazardComparison.Group"/> of each patient: a value never recorded reads as Unknown.</summary>
    public static string[] OrUnknown(IReadOnlyList<PatientOutcome> patients, Variable variable) => Each(patients, variable, DataDictionary.GroupOrUnknown)!;

    private static string?[] Each(IReadOnlyList<PatientOutcome> patients, Variable variable, Func<Variable, BaselineValue?, string?> groupOf)
    {
        var groups = new string?[patients.Count];
        var position = default(BaselineValues.KeyPosition);
        var known = new Dictionary<BaselineValue, string?>(ReferenceEqualityComparer.Instance);
        var ofAbsent = groupOf(variable, null);
        for (var i = 0; i < groups.Length; i++)
        {
            if (patients[i].Baseline.Get(variable.Key, ref position) is not { } value) groups[i] = ofAbsent;
            else if (!known.TryGetValue(value, out groups[i])) known[value] = groups[i] = groupOf(variable, value);
        }
        return groups;
    }
}
