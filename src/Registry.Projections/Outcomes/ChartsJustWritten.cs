using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Marten;
using Registry.Projections.Patients;

namespace Registry.Projections.Outcomes;

/// <summary>
/// Charts a write on this node has just committed, handed to the outcome projection so it derives their rows without
/// reading the charts back. Only a chart at least as new as the newest event the projection is given for the patient
/// is taken; any other patient (written on another node, imported, or beyond <see cref="Capacity"/>) is read as before.
/// </summary>
public sealed class ChartsJustWritten
{
    /// <summary>Charts kept at most, so a node whose projections run elsewhere keeps a bounded number.</summary>
    public const int Capacity = 10_000;

    private static readonly ConditionalWeakTable<IDocumentStore, ChartsJustWritten> ByStore = new();

    private readonly ConcurrentDictionary<Guid, PatientChart> _charts = new();

    public static ChartsJustWritten For(IDocumentStore store) => ByStore.GetValue(store, _ => new ChartsJustWritten());

    /// <summary>Keeps a committed chart; the caller never changes it afterwards.</summary>
    public void Add(PatientChart chart)
    {
        if (_charts.Count >= Capacity && !_charts.ContainsKey(chart.Id)) return;
        _charts.AddOrUpdate(chart.Id, chart, (_, kept) => kept.Version >= chart.Version ? kept : chart);
    }

    /// <summary>The patient's chart, let go of, when the one kept is at <paramref name="atLeast"/> or newer; null otherwise.</summary>
    public PatientChart? Take(Guid patientId, long atLeast) =>
        _charts.TryRemove(patientId, out var chart) && chart.Version >= atLeast ? chart : null;
}
