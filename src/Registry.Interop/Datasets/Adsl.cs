using System.Globalization;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Interop.Datasets.DatasetBuilder;

namespace Registry.Interop.Datasets;

/// <summary>
/// ADSL, one record per subject: identifiers, arm, randomization strata, every variable of the study's data
/// dictionary beside the group its tables and subgroups put it in, key dates, the analysis population flags the views
/// use, and death.
/// </summary>
public static class Adsl
{
    public const string Name = "ADSL";

    /// <summary>The fixed columns; the data dictionary's variables and the strata take names that none of these is.</summary>
    public static readonly IReadOnlyList<string> Standard =
    [
        "STUDYID", "USUBJID", "SUBJID", "SITEID", "ARMCD", "ARM", "TRT01P", "ENRLDT", "RANDDT", "TRTSDT", "ORIGDT",
        "ITTFL", "SAFFL", "EFFFL", "EFFEXRSN", "RSPEVLFL", "DTHFL", "DTHDT", "DTHCAUS",
    ];

    public static AnalysisDataset Build(AnalysisSource source) => Shape(source).Build(source.InOrder);

    /// <summary>The columns and each patient's rows; reads the source's study, moment and cut, not its patients.</summary>
    public static DatasetShape Shape(AnalysisSource source)
    {
        var protocol = source.Study.Protocol;
        var cut = source.DataCut;
        var columns = new List<Column<AnalysisPatient>>(Identifiers<AnalysisPatient>(source, p => p, subjectLevel: true))
        {
            Text<AnalysisPatient>("TRT01P", "Planned Treatment for Period 01", Derived("ARM: the registry plans one treatment period, the arm's regimen."),
                p => source.ArmName(p.Outcome.Arm)),
        };
        columns.AddRange(Strata(source));
        columns.AddRange(Dictionary(protocol));
        columns.AddRange(
        [
            Date<AnalysisPatient>("ENRLDT", "Date of Enrollment", Collected("Enrolment: enrolledOn."), p => p.Enrolment.EnrolledOn),
            Date<AnalysisPatient>("RANDDT", "Date of Randomization", Collected("Randomization: randomizedOn, the earliest up to the data cut."),
                p => Earliest<PatientRandomized>(p, cut, r => r.RandomizedOn)),
            Date<AnalysisPatient>("TRTSDT", "Date of First Exposure to Treatment", Derived("The earliest treatment start (startedOn) up to the data cut."),
                p => Earliest<TreatmentStarted>(p, cut, t => t.StartedOn)),
            Date<AnalysisPatient>("ORIGDT", "Date of Time Origin", Derived(
                    $"The protocol's time origin ({protocol.TimeOrigin}) as the registry derives it; ADTTE's STARTDT for every endpoint but DOR. Empty when the patient has none."),
                p => p.Outcome.OriginOn),
            Text<AnalysisPatient>("ITTFL", "Intent-To-Treat Population Flag", Derived(
                    "Y when the patient has an arm (ARMCD): the patients every view groups by arm, and the denominators of Table 1 (baseline) and Table 3 (safety)."),
                p => YN(p.Outcome.Arm is not null), values: YesNo),
            Text<AnalysisPatient>("SAFFL", "Safety Population Flag", Derived("Y when ITTFL is Y and a treatment start is recorded up to the data cut."),
                p => YN(p.Outcome.Arm is not null && Earliest<TreatmentStarted>(p, cut, t => t.StartedOn) is not null), values: YesNo),
            Text<AnalysisPatient>("EFFFL", "Efficacy Population Flag", Derived(
                    "Y when the patient is analysable: an arm and a time origin (docs/outcomes.md, \"Who is analysed\"). The patients of the survival, comparison, subgroup and response views, and of ADTTE; N with the reason in EFFEXRSN."),
                p => YN(p.Outcome.Analysable), values: YesNo),
            Text<AnalysisPatient>("EFFEXRSN", "Reason Excluded from Efficacy Analyses", Derived("Why EFFFL is N, as the views report it under population.excluded."),
                p => p.Outcome.ExcludedBecause),
            Text<AnalysisPatient>("RSPEVLFL", "Response Evaluable Population Flag", Derived(
                    "Y when EFFFL is Y and at least one imaging timepoint is recorded on or after the time origin, up to the data cut. (ORR, cORR and DCR count every EFFFL patient: one without an evaluable timepoint is NE.)"),
                p => YN(p.Outcome.Analysable && p.Entries<ImagingAssessed>(cut).Any(i => i.Fact.AssessedOn >= p.Outcome.OriginOn)), values: YesNo),
            Text<AnalysisPatient>("DTHFL", "Subject Death Flag", Derived("Y when a death is recorded up to the data cut; empty otherwise."),
                p => YOrNull(Death(p, cut) is not null), values: YesOnly),
            Date<AnalysisPatient>("DTHDT", "Date of Death", Collected("Death: diedOn, the earliest up to the data cut."), p => Death(p, cut)?.DiedOn),
            Text<AnalysisPatient>("DTHCAUS", "Cause of Death", Collected("Death: cause, when recorded."), p => Death(p, cut)?.Cause),
        ]);
        return DatasetBuilder.Shape(Name, "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET", "One record per subject", columns, p => [p]);
    }

    /// <summary>STRATwR: each of the protocol's stratification factors, the stratum recorded at randomization.</summary>
    internal static IEnumerable<Column<T>> StrataColumns<T>(AnalysisSource source, Func<T, AnalysisPatient> patient, bool subjectLevel)
    {
        var protocol = source.Study.Protocol;
        return (protocol.StratificationFactors ?? []).Select((factor, i) =>
        {
            var name = $"STRAT{i + 1}R";
            var variable = protocol.Variable(factor);
            return Text<T>(name, $"Stratification Factor {i + 1} as Randomized: {variable?.Label ?? factor}",
                subjectLevel ? Collected($"Randomization: strata.{factor}, the earliest randomization up to the data cut.") : Predecessor($"ADSL.{name}"),
                r => patient(r).Entries<PatientRandomized>(source.DataCut).OrderBy(x => x.Fact.RandomizedOn).Select(x => x.Fact.Strata?.GetValueOrDefault(factor)).FirstOrDefault(),
                values: variable is null ? null : DataDictionary.GroupLabels(variable).Select(l => new CodedValue(l, l)).ToList());
        });
    }

    private static IEnumerable<Column<AnalysisPatient>> Strata(AnalysisSource source) => StrataColumns<AnalysisPatient>(source, p => p, subjectLevel: true);

    /// <summary>Every dictionary variable as recorded at enrolment (corrections applied), and the group of each groupable one.</summary>
    private static IEnumerable<Column<AnalysisPatient>> Dictionary(Protocol protocol)
    {
        var names = DictionaryColumnNames(protocol);
        foreach (var variable in protocol.Variables)
        {
            var (valueName, groupName) = names[variable.Key];
            var label = variable.Unit is { Length: > 0 } unit ? $"{variable.Label} ({unit})" : variable.Label;
            var origin = Collected($"Enrolment: baseline.{variable.Key} ({variable.Type}{Missing(variable)}), as last corrected.");
            BaselineValue? Value(AnalysisPatient p) => p.Outcome.Baseline.Get(variable.Key) is { IsMissing: false } v ? v : null;
            yield return variable.Type switch
            {
                VariableTypes.Integer => Integer<AnalysisPatient>(valueName, label, origin, p => Value(p)?.Number is { } n ? (long)n : null),
                VariableTypes.Decimal => Float<AnalysisPatient>(valueName, label, origin, p => Value(p)?.Number),
                VariableTypes.Boolean => Text<AnalysisPatient>(valueName, label, origin, p => Value(p)?.Flag is { } f ? YN(f) : null, values: YesNo),
                VariableTypes.Date => Date<AnalysisPatient>(valueName, label, origin, p => DateOnly.TryParseExact(Value(p)?.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null),
                VariableTypes.Category => Text<AnalysisPatient>(valueName, label, origin, p => Value(p)?.Text,
                    values: (variable.Levels ?? []).Select(l => new CodedValue(l, l)).ToList()),
                _ => Text<AnalysisPatient>(valueName, label, origin, p => Value(p)?.Text),
            };
            if (groupName is null) continue;
            yield return Text<AnalysisPatient>(groupName, $"{variable.Label} Group", Derived(
                    $"{valueName} in the protocol's groups for {variable.Key}, as Table 1, subgroups and stratified models group it: {Grouping(variable)}. A missing value is its code's label; a value never recorded reads Unknown."),
                p => DataDictionary.GroupOrUnknown(variable, p.Outcome.Baseline.Get(variable.Key)),
                values: GroupValues(variable));
        }
    }

    /// <summary>The names ADSL gives the dictionary's variables and their groups; the other datasets copy them under the same names.</summary>
    internal static IReadOnlyDictionary<string, (string Value, string? Group)> DictionaryColumnNames(Protocol protocol) =>
        DictionaryNames(protocol, [.. Standard, .. Enumerable.Range(1, (protocol.StratificationFactors ?? []).Count).Select(i => $"STRAT{i}R")]);

    /// <summary>The groups, then the missing codes the variable allows, then Unknown for a value never recorded (older records).</summary>
    private static IReadOnlyList<CodedValue> GroupValues(Variable variable)
    {
        var values = DataDictionary.GroupLabels(variable).Select(l => new CodedValue(l, l))
            .Concat(variable.AllowedMissing.Select(code => new CodedValue(MissingCodes.Label(code), $"Recorded as {code}"))).ToList();
        var unknown = MissingCodes.Label(MissingCodes.Unknown);
        if (values.All(v => v.Value != unknown)) values.Add(new CodedValue(unknown, "Never recorded"));
        return values;
    }

    private static string Missing(Variable variable) =>
        variable.AllowedMissing.Count == 0 ? "" : $"; may be recorded as {string.Join(" or ", variable.AllowedMissing)}, then empty here";

    private static string Grouping(Variable variable)
    {
        if (variable.Type == VariableTypes.Boolean) return "No, Yes";
        var labels = DataDictionary.GroupLabels(variable);
        if (variable.IsNumeric)
            return $"cut-points {string.Join(", ", variable.Grouping!.CutPoints!.Select(c => c.ToString("0.###", CultureInfo.InvariantCulture)))} " +
                   $"(each group from one cut-point up to the next): {string.Join(", ", labels)}";
        if (variable.Grouping?.Merge is { Count: > 0 } merge)
            return string.Join("; ", merge.Select(m => $"{m.Label} = {string.Join(", ", m.Levels)}")) + "; other levels as themselves";
        return "each level as itself";
    }

    private static DateOnly? Earliest<T>(AnalysisPatient patient, DateOnly? cut, Func<T, DateOnly> date) where T : IPatientFact =>
        patient.Entries<T>(cut).Select(e => (DateOnly?)date(e.Fact)).Min();

    private static PatientDied? Death(AnalysisPatient patient, DateOnly? cut) =>
        patient.Entries<PatientDied>(cut).Select(e => e.Fact).OrderBy(d => d.DiedOn).FirstOrDefault();
}
