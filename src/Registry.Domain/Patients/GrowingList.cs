using System.Collections;

namespace Registry.Domain.Patients;

/// <summary>
/// An immutable list whose appends share one growing array: appending to the newest version of the list writes into
/// the array's next free slot, appending to an older version (or when the array is full) copies. Folding a stream one
/// entry at a time is then linear, not quadratic, and no version a reader holds ever changes.
/// </summary>
internal sealed class GrowingList<T> : IReadOnlyList<T>
{
    private sealed class Shared(T[] items, int used)
    {
        public readonly T[] Items = items;
        public int Used = used;
    }

    private readonly Shared _shared;
    private readonly int _count;

    private GrowingList(Shared shared, int count)
    {
        _shared = shared;
        _count = count;
    }

    /// <summary><paramref name="items"/> followed by <paramref name="item"/>.</summary>
    public static IReadOnlyList<T> Append(IReadOnlyList<T> items, T item)
    {
        if (items is GrowingList<T> list)
        {
            var shared = list._shared;
            // Only the first to append after this version takes the slot; every other append copies.
            if (list._count < shared.Items.Length && Interlocked.CompareExchange(ref shared.Used, list._count + 1, list._count) == list._count)
            {
                shared.Items[list._count] = item;
                return new GrowingList<T>(shared, list._count + 1);
            }
        }
        var copy = new T[Math.Max(8, items.Count * 2)];
        for (var i = 0; i < items.Count; i++) copy[i] = items[i];
        copy[items.Count] = item;
        return new GrowingList<T>(new Shared(copy, items.Count + 1), items.Count + 1);
    }

    public int Count => _count;

    public T this[int index] => (uint)index < (uint)_count ? _shared.Items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < _count; i++) yield return _shared.Items[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
