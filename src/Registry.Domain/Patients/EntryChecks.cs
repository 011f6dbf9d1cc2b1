using Registry.Domain.Protocols;

namespace Registry.Domain.Patients;

/// <summary>
/// What the study's protocol says about one entry: field errors (400), and references the study does not have or
/// criteria not met (422). <see cref="UnmetCriteria"/> keys each unmet eligibility criterion by its field's path.
/// </summary>
public sealed record EntryCheck(Dictionary<string, List<string>> FieldErrors, IReadOnlyList<string> Unprocessable,
    IReadOnlyDictionary<string, string[]>? UnmetCriteria = null)
{
    public bool Passed => FieldErrors.Count == 0 && Unprocessable.Count == 0;
}

/// <summary>
/// The protocol's rules for one clinical entry: the data dictionary and eligibility for an enrolment, the design,
/// arms and stratification factors for a randomization. An entry and a correction replacing it pass the same checks.
/// </summary>
public static class EntryChecks
{
    /// <param name="prefix">Where the entry sits in the request: "" for an entry, "replacement." for a correction's replacement.</param>
    public static EntryCheck Check(IPatientFact fact, Protocol protocol, string prefix = "")
    {
        var fields = new Dictionary<string, List<string>>();
        var unprocessable = new List<string>();
        IReadOnlyDictionary<string, string[]>? criteria = null;
        void Field(string key, string message)
        {
            if (!fields.TryGetValue(prefix + key, out var list)) fields[prefix + key] = list = [];
            list.Add(message);
        }

        switch (fact)
        {
            case PatientEnrolled enrolled:
                foreach (var (key, messages) in DataDictionary.Errors(protocol, enrolled.Baseline ?? BaselineValues.Empty))
                    foreach (var m in messages) Field(key, m);
                if (protocol.IsRandomized && enrolled.Arm is not null)
                    Field("arm", $"Study {protocol.Code} is randomized: the arm is assigned by the randomization entry, not at enrolment.");
                else if (!protocol.IsRandomized && enrolled.Arm is null)
                    Field("arm", $"arm is required (study {protocol.Code} has {string.Join(", ", protocol.Arms.Select(a => a.Code))}).");
                else if (enrolled.Arm is { } arm && !protocol.HasArm(arm))
                    unprocessable.Add($"Study {protocol.Code} has no arm '{arm}' (it has {string.Join(", ", protocol.Arms.Select(a => a.Code))}).");
                if (fields.Count == 0)
                {
                    var unmet = DataDictionary.UnmetCriteria(protocol, enrolled.Baseline ?? BaselineValues.Empty);
                    unprocessable.AddRange(unmet.Select(c => c.Message));
                    criteria = unmet.GroupBy(c => $"{prefix}baseline.{c.Variable}").ToDictionary(g => g.Key, g => g.Select(c => c.Message).ToArray());
                }
                break;

            case PatientRandomized randomized:
                if (!protocol.IsRandomized)
                {
                    unprocessable.Add($"Study {protocol.Code} is {protocol.Design}: its patients are not randomized.");
                    break;
                }
                if (!protocol.HasArm(randomized.Arm))
                    unprocessable.Add($"Study {protocol.Code} has no arm '{randomized.Arm}' (it has {string.Join(", ", protocol.Arms.Select(a => a.Code))}).");
                var factors = protocol.StratificationFactors ?? [];
                var strata = randomized.Strata ?? new Dictionary<string, string>();
                foreach (var key in strata.Keys.Where(k => !factors.Contains(k)))
                    Field($"strata.{key}", $"'{key}' is not a stratification factor of study {protocol.Code} ({(factors.Count == 0 ? "it has none" : string.Join(", ", factors))}).");
                foreach (var key in factors)
                {
                    var variable = protocol.Variable(key);
                    if (!strata.TryGetValue(key, out var value))
                        Field($"strata.{key}", $"The stratification factor {key} is required at randomization.");
                    else if (variable is not null && !DataDictionary.GroupLabels(variable).Contains(value))
                        Field($"strata.{key}", $"strata.{key} must be one of {string.Join(", ", DataDictionary.GroupLabels(variable).Select(l => $"'{l}'"))}, not '{value}'.");
                }
                break;
        }
        return new EntryCheck(fields, unprocessable, criteria);
    }
}
