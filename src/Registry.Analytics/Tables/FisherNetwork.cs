using System.Runtime.InteropServices;

namespace Registry.Analytics.Tables;

/// <summary>
/// Kernel of the r×c Fisher test: the network algorithm of Mehta and Patel (as in R's FEXACT). Tables are built
/// column by column; a node is the multiset of row totals still to fill, a path into it carries the probability of
/// the columns filled so far (each column multivariate-hypergeometric given the rows left) and Q = Σ log xᵢⱼ!.
/// A table is as extreme as the observed one when its Q is at least the observed Q (its probability is at most
/// the observed probability). Bounds on the remaining Q decide whole bundles of completions at once:
/// all qualify (add the path's probability), none qualify (drop it), or the node is expanded. With two columns
/// left the completions are enumerated against all pending paths at once.
/// </summary>
internal sealed class FisherNetwork
{
    // FEXACT's TOL, applied to log-probabilities.
    private const double Tolerance = 3.45254e-7;

    // Paths waiting at the nodes of one stage; 16 bytes each, so this bounds memory near 160 MB.
    private const long MaxPendingPaths = 10_000_000;

    private readonly double[] _logFactorial;
    private readonly int[] _columns;
    private readonly int _width;
    private readonly ulong _radix;
    private readonly double _threshold;
    private readonly int[] _root;
    private double _p;
    private long _pending;

    private FisherNetwork(int[,] table)
    {
        int rows = table.GetLength(0), columns = table.GetLength(1);
        var rowTotals = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, columns).Sum(j => table[i, j])).ToArray();
        var columnTotals = Enumerable.Range(0, columns).Select(j => Enumerable.Range(0, rows).Sum(i => table[i, j])).ToArray();
        // Nodes hold the shorter margin; stages walk the longer one, largest total first.
        var (state, stages) = rows <= columns ? (rowTotals, columnTotals) : (columnTotals, rowTotals);
        Array.Sort(state);
        _columns = stages.OrderByDescending(c => c).ToArray();
        _width = state.Length;
        _radix = (ulong)state[^1] + 1;
        if (_width * Math.Log2(_radix) >= 63)
            throw new InvalidOperationException(
                $"A {rows}×{columns} table with {rowTotals.Sum()} patients is too large for the exact test; use the chi-square test.");
        _logFactorial = FisherExact.LogFactorials(rowTotals.Sum());
        var observed = 0.0;
        foreach (var x in table) observed += _logFactorial[x];
        _threshold = observed - Tolerance;
        _root = state;
    }

    public static double PValue(int[,] table, CancellationToken cancellationToken)
    {
        var network = new FisherNetwork(table);
        return network.Run(cancellationToken);
    }

    private double Run(CancellationToken cancellationToken)
    {
        var root = NewNode(_root, 0);
        var stage = new Dictionary<ulong, Node> { [Pack(_root)] = root };
        Offer(root, 0, 1);
        for (var k = 0; k < _columns.Length - 1; k++)
        {
            var next = new Dictionary<ulong, Node>();
            foreach (var (key, node) in stage)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _pending -= node.Count;
                var paths = node.TakeMergedPaths();
                if (paths.Length == 0) continue;
                var rows = Unpack(key);
                if (_columns.Length - k == 2) FinishTwoColumns(rows, _columns[k], paths);
                else Expand(rows, k, paths, next);
            }
            stage = next;
        }
        return _p;
    }

    /// <summary>Fills column <paramref name="k"/> in every possible way and passes each pending path to the child node.</summary>
    private void Expand(int[] rows, int k, Path[] paths, Dictionary<ulong, Node> next)
    {
        var column = _columns[k];
        var logNormaliser = LogColumnNormaliser(rows, column);
        Span<int> x = stackalloc int[_width];
        Span<int> child = stackalloc int[_width];
        Span<int> capacityAfter = stackalloc int[_width];
        var compositions = new Compositions(rows, column, x, capacityAfter);
        while (compositions.MoveNext())
        {
            double q = 0, logWeight = logNormaliser;
            for (var i = 0; i < _width; i++)
            {
                q += _logFactorial[x[i]];
                logWeight -= _logFactorial[x[i]] + _logFactorial[rows[i] - x[i]];
                child[i] = rows[i] - x[i];
            }
            child.Sort();
            var key = Pack(child);
            ref var node = ref CollectionsMarshal.GetValueRefOrAddDefault(next, key, out var exists);
            if (!exists) node = NewNode(child.ToArray(), k + 1);
            // Paths are sorted by Q: walk down from the most extreme and stop at the first that cannot qualify.
            var weight = double.NaN;
            for (var i = paths.Length - 1; i >= 0 && paths[i].Q + q + node!.MaxQ >= _threshold; i--)
            {
                if (double.IsNaN(weight)) weight = Math.Exp(logWeight);
                Offer(node, paths[i].Q + q, paths[i].Probability * weight);
            }
        }
    }

    /// <summary>
    /// Two columns left: each way x of filling the first fixes the second. Paths are sorted by Q, so the paths a
    /// completion qualifies for form a suffix; a difference array gives every path its qualifying mass in one sweep.
    /// </summary>
    private void FinishTwoColumns(int[] rows, int column, Path[] paths)
    {
        var logNormaliser = LogColumnNormaliser(rows, column);
        var massFrom = new double[paths.Length + 1];
        Span<int> x = stackalloc int[_width];
        Span<int> capacityAfter = stackalloc int[_width];
        var compositions = new Compositions(rows, column, x, capacityAfter);
        while (compositions.MoveNext())
        {
            double q = 0, logWeight = logNormaliser;
            for (var i = 0; i < _width; i++)
            {
                var rest = rows[i] - x[i];
                q += _logFactorial[x[i]] + _logFactorial[rest];
                logWeight -= _logFactorial[x[i]] + _logFactorial[rest];
            }
            var first = FirstAtLeast(paths, _threshold - q);
            if (first < paths.Length) massFrom[first] += Math.Exp(logWeight);
        }
        var mass = 0.0;
        for (var i = 0; i < paths.Length; i++)
        {
            mass += massFrom[i];
            _p += paths[i].Probability * mass;
        }
    }

    /// <summary>Adds the path's probability, drops it, or queues it at the node, by the node's bounds.</summary>
    private void Offer(Node node, double q, double probability)
    {
        if (q + node.MinQ >= _threshold) _p += probability;
        else if (q + node.MaxQ >= _threshold)
        {
            if (++_pending > MaxPendingPaths)
                throw new InvalidOperationException(
                    "The exact test needs more memory than allowed for this table; use the chi-square test.");
            node.Add(q, probability);
        }
    }

    private Node NewNode(int[] rows, int stage)
    {
        var remaining = _columns.AsSpan(stage);
        return remaining.Length == 2
            ? new Node(ExactMinQ(rows, remaining[0]), ExactMaxQ(rows, remaining[0]))
            : new Node(Math.Max(SpreadEvenly(remaining, rows), SpreadEvenly(rows, remaining)),
                       Math.Min(Concentrate(remaining, rows), Concentrate(rows, remaining)));
    }

    /// <summary>log of the multivariate-hypergeometric normaliser: log C(Σrows, column) subtracted, Σ log rowsᵢ! added.</summary>
    private double LogColumnNormaliser(int[] rows, int column)
    {
        var total = rows.Sum();
        var log = -(_logFactorial[total] - _logFactorial[column] - _logFactorial[total - column]);
        foreach (var r in rows) log += _logFactorial[r];
        return log;
    }

    /// <summary>
    /// Lower bound on the remaining Q: keep only the constraints of <paramref name="lines"/>, each line's total spread
    /// as evenly as the capacities allow (Σ log x! is convex, so evenness minimises it).
    /// </summary>
    private double SpreadEvenly(ReadOnlySpan<int> lines, ReadOnlySpan<int> capacities)
    {
        Span<int> caps = stackalloc int[capacities.Length];
        capacities.CopyTo(caps);
        caps.Sort();
        var bound = 0.0;
        foreach (var total in lines)
        {
            int left = total, cells = caps.Length;
            for (var i = 0; i < caps.Length; i++, cells--)
            {
                var share = left / cells;
                if (caps[i] <= share)
                {
                    bound += _logFactorial[caps[i]];
                    left -= caps[i];
                    continue;
                }
                var extra = left % cells;
                bound += extra * _logFactorial[share + 1] + (cells - extra) * _logFactorial[share];
                break;
            }
        }
        return bound;
    }

    /// <summary>Upper bound on the remaining Q: each line's total piled into its largest capacities (convexity again).</summary>
    private double Concentrate(ReadOnlySpan<int> lines, ReadOnlySpan<int> capacities)
    {
        Span<int> caps = stackalloc int[capacities.Length];
        capacities.CopyTo(caps);
        caps.Sort();
        var bound = 0.0;
        foreach (var total in lines)
        {
            var left = total;
            for (var i = caps.Length - 1; i >= 0 && left > 0; i--)
            {
                var take = Math.Min(caps[i], left);
                bound += _logFactorial[take];
                left -= take;
            }
        }
        return bound;
    }

    /// <summary>Exact minimum of Σ log xᵢ! + log(rowsᵢ − xᵢ)! with Σx = column: greedy on the convex increments.</summary>
    private double ExactMinQ(int[] rows, int column)
    {
        Span<int> x = stackalloc int[rows.Length];
        var q = 0.0;
        foreach (var r in rows) q += _logFactorial[r];
        for (var unit = 0; unit < column; unit++)
        {
            int best = -1;
            var bestIncrement = double.MaxValue;
            for (var i = 0; i < rows.Length; i++)
            {
                if (x[i] == rows[i]) continue;
                var increment = Math.Log((x[i] + 1.0) / (rows[i] - x[i]));
                if (increment < bestIncrement) (best, bestIncrement) = (i, increment);
            }
            q += bestIncrement;
            x[best]++;
        }
        return q;
    }

    /// <summary>
    /// Exact maximum of the same convex sum: attained at a vertex, where every row but one is empty or full in
    /// this column; a full or empty row contributes log rowsᵢ! either way.
    /// </summary>
    private double ExactMaxQ(int[] rows, int column)
    {
        var all = 0.0;
        foreach (var r in rows) all += _logFactorial[r];
        var smallestLoss = double.MaxValue;
        for (var free = 0; free < rows.Length; free++)
            for (var full = 0; full < 1 << rows.Length; full++)
            {
                if ((full >> free & 1) != 0) continue;
                var xFree = column;
                for (var i = 0; i < rows.Length; i++)
                    if ((full >> i & 1) != 0) xFree -= rows[i];
                if (xFree < 0 || xFree > rows[free]) continue;
                var loss = _logFactorial[rows[free]] - _logFactorial[xFree] - _logFactorial[rows[free] - xFree];
                smallestLoss = Math.Min(smallestLoss, loss);
            }
        return all - smallestLoss;
    }

    private static int FirstAtLeast(Path[] paths, double q)
    {
        int lo = 0, hi = paths.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (paths[mid].Q >= q) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private ulong Pack(ReadOnlySpan<int> sorted)
    {
        ulong key = 0;
        for (var i = sorted.Length - 1; i >= 0; i--) key = key * _radix + (ulong)sorted[i];
        return key;
    }

    private int[] Unpack(ulong key)
    {
        var rows = new int[_width];
        for (var i = 0; i < _width; i++, key /= _radix) rows[i] = (int)(key % _radix);
        return rows;
    }

    private readonly record struct Path(double Q, double Probability);

    /// <summary>A node: bounds on the Q still to come and the paths waiting for expansion.</summary>
    private sealed class Node(double minQ, double maxQ)
    {
        private Path[] _paths = [];

        public double MinQ { get; } = minQ;

        public double MaxQ { get; } = maxQ;

        public int Count { get; private set; }

        public void Add(double q, double probability)
        {
            if (Count == _paths.Length) Array.Resize(ref _paths, Math.Max(4, 2 * Count));
            _paths[Count++] = new Path(q, probability);
        }

        /// <summary>Paths sorted by Q, those with equal Q (to rounding) pooled: they share every decision from here on.</summary>
        public Path[] TakeMergedPaths()
        {
            var paths = _paths.AsSpan(0, Count);
            paths.Sort((a, b) => a.Q.CompareTo(b.Q));
            var merged = new List<Path>(paths.Length);
            foreach (var path in paths)
            {
                if (merged.Count > 0 && path.Q - merged[^1].Q <= 1e-12 * Math.Max(1, Math.Abs(path.Q)))
                    merged[^1] = merged[^1] with { Probability = merged[^1].Probability + path.Probability };
                else merged.Add(path);
            }
            _paths = [];
            Count = 0;
            return merged.ToArray();
        }
    }

    /// <summary>Enumerates x with Σx = total and 0 ≤ xᵢ ≤ capacityᵢ, in lexicographic order.</summary>
    private ref struct Compositions
    {
        private readonly ReadOnlySpan<int> _capacity;
        private readonly Span<int> _x;
        private readonly Span<int> _capacityAfter;
        private readonly int _total;
        private bool _started;

        public Compositions(ReadOnlySpan<int> capacity, int total, Span<int> x, Span<int> capacityAfter)
        {
            _capacity = capacity;
            _total = total;
            _x = x;
            _capacityAfter = capacityAfter;
            var after = 0;
            for (var i = capacity.Length - 1; i >= 0; i--)
            {
                capacityAfter[i] = after;
                after += capacity[i];
            }
        }

        public bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                return FillFrom(0, _total);
            }
            // Raise the rightmost entry that can take one more from the entries after it, then refill those minimally.
            var after = _x[^1];
            for (var i = _x.Length - 2; i >= 0; i--)
            {
                if (_x[i] < _capacity[i] && after >= 1)
                {
                    _x[i]++;
                    return FillFrom(i + 1, after - 1);
                }
                after += _x[i];
            }
            return false;
        }

        private bool FillFrom(int start, int left)
        {
            for (var i = start; i < _x.Length - 1; i++)
            {
                _x[i] = Math.Max(0, left - _capacityAfter[i]);
                if (_x[i] > _capacity[i]) return false;
                left -= _x[i];
            }
            if (left > _capacity[^1]) return false;
            _x[^1] = left;
            return true;
        }
    }
}
