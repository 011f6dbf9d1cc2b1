using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

/// <summary>
/// Each patient's group for variables of the dictionary, in one pass over the patients: kept outcomes share their key
/// sets and equal values (<see cref="SharedOutcomeParts"/>), so a key is searched once per key set and a group worked
/// out once per distinct value — 100 000 patients hold a few dozen values of a groupable variable. One pass for several
/// variables reads each patient's baseline once: at 100 000 patients a pass per variable waited on memory more than it computed.
/// </summary>
public static class VariableGroups
{
    /// <summary><see cref="DataDictionary.GroupOf"/> of each patient's value for each variable (null: in no group).</summary>
    public static string?[][] Of(IReadOnlyList<PatientOutcome> patients, IReadOnlyList<Variable> variables) => Each(patients, variables, DataDictionary.GroupOf);

    /// <summary><see cref="DataDictionary.GroupOrUnknown"/> of each patient: a missing value is its own group ("Unknown", "Not done").</summary>
    public static string[] OrUnknown(IReadOnlyList<PatientOutcome> patients, Variable variable) => OrUnknown(patients, [variable])[0];

    /// <summary><see cref="DataDictionary.GroupOrUnknown"/> of each patient for each variable, in the variables' order.</summary>
    public static string[][] OrUnknown(IReadOnlyList<PatientOutcome> patients, IReadOnlyList<Variable> variables) =>
        Each(patients, variables, DataDictionary.GroupOrUnknown)!;

    private static string?[][] Each(IReadOnlyList<PatientOutcome> patients, IReadOnlyList<Variable> variables, Func<Variable, BaselineValue?, string?> groupOf)
    {
        var groups = new string?[variables.Count][];
        var positions = new BaselineValues.KeyPosition[variables.Count];
        var known = new Dictionary<BaselineValue, string?>[variables.Count];
        var ofAbsent = new string?[variables.Count];
        for (var v = 0; v < variables.Count; v++)
        {
            groups[v] = new string?[patients.Count];
            known[v] = new Dictionary<BaselineValue, string?>(ReferenceEqualityComparer.Instance);
            ofAbsent[v] = groupOf(variables[v], null);
        }
        for (var i = 0; i < patients.Count; i++)
        {
            var baseline = patients[i].Baseline;
            for (var v = 0; v < variables.Count; v++)
            {
                if (baseline.Get(variables[v].Key, ref positions[v]) is not { } value) groups[v][i] = ofAbsent[v];
                else if (!known[v].TryGetValue(value, out groups[v][i])) known[v][value] = groups[v][i] = groupOf(variables[v], value);
            }
        }
        return groups;
    }
}
