using System.Runtime.CompilerServices;

namespace Registry.Analytics.Cox;

/// <summary>
/// The data laid out for the Cox kernel: rows ordered by stratum, then time descending, and within a tied time
/// the censored rows before the events, so every risk set is a running sum and each tie group two contiguous ranges.
/// The design is column-major (n × p), centred and scaled as R's coxfit6 does for stability; coefficients are
/// returned on the original scale by multiplying with <see cref="Scale"/>.
/// </summary>
internal sealed class CoxRiskSets
{
    public required int Rows { get; init; }
    public required int Columns { get; init; }
    public required int Events { get; init; }

    /// <summary>Centred and scaled design in layout order, column-major: row r of column j is X[j * Rows + r] (columns past <see cref="Columns"/> are another model's).</summary>
    public required double[] X { get; init; }

    /// <summary>Multiplier applied to each column; coefficient on the original scale = internal × Scale.</summary>
    public required double[] Scale { get; init; }

    /// <summary>Sum over event rows of the (centred, scaled) design; constant across iterations.</summary>
    public required double[] EventSum { get; init; }

    /// <summary>Tie group g spans rows [GroupStart[g], GroupStart[g+1]); its events start at EventStart[g].</summary>
    public required int[] GroupStart { get; init; }

    public required int[] EventStart { get; init; }

    /// <summary>Stratum s spans tie groups [StratumGroupStart[s], StratumGroupStart[s+1]).</summary>
    public required int[] StratumGroupStart { get; init; }

    public int Strata => StratumGroupStart.Length - 1;

    /// <summary>
    /// The model of this design's first <paramref name="columns"/> columns, sharing its layout: each column is centred and
    /// scaled on its own, so the nested model's design is exactly what laying out those columns alone gives.
    /// </summary>
    public CoxRiskSets FirstColumns(int columns) => new()
    {
        Rows = Rows,
        Columns = columns,
        Events = Events,
        X = X,
        Scale = Scale[..columns],
        EventSum = EventSum[..columns],
        GroupStart = GroupStart,
        EventStart = EventStart,
        StratumGroupStart = StratumGroupStart,
    };

    /// <summary>
    /// Sorts once (a radix sort, linear in n) and builds the layout. Inputs are trusted: equal lengths, finite values,
    /// stratum codes in [0, strataCount). <paramref name="timeOrder"/>, when given, is <see cref="CoxRowLayout.TimeOrder"/> of
    /// <paramref name="time"/>, known already (the rows of a subset keep the order of the sorted whole), and the sort is skipped.
    /// </summary>
    public static CoxRiskSets Build(
        double[][] columns, double[] time, bool[] hadEvent, int[]? stratum, int strataCount, double timeTolerance, int[]? timeOrder = null) =>
        Build(columns, CoxRowLayout.Of(time, hadEvent, stratum, strataCount, timeTolerance, timeOrder));

    /// <summary>The design laid out in a row order worked out already: models of the same subjects share one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CoxRiskSets Build(double[][] columns, CoxRowLayout layout)
    {
        int n = layout.Order.Length, p = columns.Length;
        int[] order = layout.Order, groupStart = layout.GroupStart, eventStart = layout.EventStart;
        // Column-major, so the kernel can read four consecutive rows of a column as one vector.
        var x = GC.AllocateUninitializedArray<double>(n * p);
        var scale = new double[p];
        for (int j = 0; j < p; j++)
        {
            double[] column = columns[j];
            bool codedMinusOneZeroOne = true;
            double sum = 0;
            foreach (double v in column)
            {
                sum += v;
                if (v != 0 && v != 1 && v != -1) codedMinusOneZeroOne = false;
            }
            // R (coxph's nocenter = c(-1, 0, 1)) leaves indicator-like columns alone and centres/scales the rest.
            double mean = codedMinusOneZeroOne ? 0 : sum / n;
            double absoluteDeviation = 0;
            if (!codedMinusOneZeroOne)
                foreach (double v in column) absoluteDeviation += Math.Abs(v - mean);
            double s = codedMinusOneZeroOne || absoluteDeviation == 0 ? 1 : n / absoluteDeviation;
            scale[j] = s;
            var target = x.AsSpan(j * n, n);
            for (int row = 0; row < n; row++) target[row] = (column[order[row]] - mean) * s;
        }

        var eventSum = new double[p];
        for (int j = 0; j < p; j++)
            for (int g = 0; g + 1 < groupStart.Length; g++)
                for (int row = eventStart[g]; row < groupStart[g + 1]; row++) eventSum[j] += x[j * n + row];

        return new CoxRiskSets
        {
            Rows = n,
            Columns = p,
            Events = layout.Events,
            X = x,
            Scale = scale,
            EventSum = eventSum,
            GroupStart = groupStart,
            EventStart = eventStart,
            StratumGroupStart = layout.StratumGroupStart,
        };
    }
}

/// <summary>
/// The rows' order for the Cox kernel and its tie groups and strata (see <see cref="CoxRiskSets"/>): everything of
/// the layout but the design, so models of the same subjects with other columns lay them out without sorting again.
/// </summary>
internal sealed class CoxRowLayout
{
    /// <summary>Row r of the layout is given row Order[r].</summary>
    public required int[] Order { get; init; }

    public required int Events { get; init; }
    public required int[] GroupStart { get; init; }
    public required int[] EventStart { get; init; }
    public required int[] StratumGroupStart { get; init; }

    /// <summary>Inputs are trusted as for <see cref="CoxRiskSets.Build(double[][], double[], bool[], int[], int, double, int[])"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CoxRowLayout Of(double[] time, bool[] hadEvent, int[]? stratum, int strataCount, double timeTolerance, int[]? timeOrder = null)
    {
        int n = time.Length;
        int[] byTime;
        double[] sortedTime;
        if (timeOrder is null) byTime = AscendingOrder(time, out sortedTime);
        else
        {
            byTime = timeOrder;
            sortedTime = new double[n];
            for (int k = 0; k < n; k++) sortedTime[k] = time[timeOrder[k]];
        }
        MergeNearTies(sortedTime, timeTolerance);
        var sortedEvent = new bool[n];
        for (int k = 0; k < n; k++) sortedEvent[k] = hadEvent[byTime[k]];

        // Positions in time order, walked from the latest time, censored before events within each tie.
        int[] position = new int[n];
        int w = 0;
        for (int end = n; end > 0;)
        {
            int start = end - 1;
            while (start > 0 && sortedTime[start - 1] == sortedTime[end - 1]) start--;
            for (int k = start; k < end; k++) if (!sortedEvent[k]) position[w++] = k;
            for (int k = start; k < end; k++) if (sortedEvent[k]) position[w++] = k;
            end = start;
        }
        int[]? sortedStratum = null;
        if (stratum is not null && strataCount > 1)
        {
            // A stable counting sort by stratum keeps that order inside each stratum.
            sortedStratum = new int[n];
            for (int k = 0; k < n; k++) sortedStratum[k] = stratum[byTime[k]];
            int[] next = new int[strataCount + 1];
            foreach (int k in position) next[sortedStratum[k] + 1]++;
            for (int s = 0; s < strataCount; s++) next[s + 1] += next[s];
            var byStratum = new int[n];
            foreach (int k in position) byStratum[next[sortedStratum[k]]++] = k;
            position = byStratum;
        }

        var groupStart = new List<int>();
        var eventStart = new List<int>();
        var stratumGroupStart = new List<int>();
        var order = new int[n];
        int events = 0;
        for (int row = 0; row < n; row++)
        {
            int k = position[row], previous = row == 0 ? -1 : position[row - 1];
            order[row] = byTime[k];
            bool newStratum = row == 0 || (sortedStratum is not null && sortedStratum[k] != sortedStratum[previous]);
            if (newStratum) stratumGroupStart.Add(groupStart.Count);
            if (newStratum || sortedTime[k] != sortedTime[previous])
            {
                groupStart.Add(row);
                eventStart.Add(-1);
            }
            if (sortedEvent[k])
            {
                events++;
                if (eventStart[^1] < 0) eventStart[^1] = row;
            }
        }
        groupStart.Add(n);
        stratumGroupStart.Add(groupStart.Count - 1);
        for (int g = 0; g < eventStart.Count; g++)
            if (eventStart[g] < 0) eventStart[g] = groupStart[g + 1];

        return new CoxRowLayout
        {
            Order = order,
            Events = events,
            GroupStart = groupStart.ToArray(),
            EventStart = eventStart.ToArray(),
            StratumGroupStart = stratumGroupStart.ToArray(),
        };
    }

    /// <summary>The indices that sort the times ascending, ties in index order: what <see cref="Of"/> sorts by.</summary>
    public static int[] TimeOrder(double[] time) => AscendingOrder(time, out _);

    /// <summary>
    /// Indices that sort the times ascending (stable), and the sorted times: an LSD radix sort on the order-preserving
    /// bit pattern of the doubles, skipping 16-bit digits all keys share (most of them for integer days).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] AscendingOrder(double[] time, out double[] sortedTime)
    {
        int n = time.Length;
        var keys = new ulong[n];
        var index = new int[n];
        for (int i = 0; i < n; i++)
        {
            long bits = BitConverter.DoubleToInt64Bits(time[i]);
            keys[i] = bits < 0 ? ~(ulong)bits : (ulong)bits | 0x8000_0000_0000_0000UL;
            index[i] = i;
        }
        var keysOut = new ulong[n];
        var indexOut = new int[n];
        var count = new int[1 << 16];
        for (int shift = 0; shift < 64 && n > 1; shift += 16)
        {
            Array.Clear(count);
            foreach (ulong key in keys) count[(int)(key >> shift) & 0xFFFF]++;
            if (count[(int)(keys[0] >> shift) & 0xFFFF] == n) continue;
            for (int d = 0, sum = 0; d < count.Length; d++) (count[d], sum) = (sum, sum + count[d]);
            for (int i = 0; i < n; i++)
            {
                int slot = count[(int)(keys[i] >> shift) & 0xFFFF]++;
                keysOut[slot] = keys[i];
                indexOut[slot] = index[i];
            }
            (keys, keysOut) = (keysOut, keys);
            (index, indexOut) = (indexOut, index);
        }
        sortedTime = new double[n];
        for (int k = 0; k < n; k++)
        {
            ulong key = keys[k];
            sortedTime[k] = BitConverter.Int64BitsToDouble((long)((key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key));
        }
        return index;
    }

    /// <summary>
    /// R's aeqSurv on ascending times: consecutive distinct values closer than the tolerance (absolutely, or
    /// relative to the mean |distinct value|) collapse onto the first value of their run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeNearTies(double[] sortedTime, double tolerance)
    {
        if (tolerance <= 0 || sortedTime.Length < 2) return;
        double sumAbs = 0;
        int distinct = 0;
        for (int k = 0; k < sortedTime.Length; k++)
        {
            if (k > 0 && sortedTime[k] == sortedTime[k - 1]) continue;
            sumAbs += Math.Abs(sortedTime[k]);
            distinct++;
        }
        double meanAbs = sumAbs / distinct;

        double previousRaw = sortedTime[0], cut = sortedTime[0];
        for (int k = 1; k < sortedTime.Length; k++)
        {
            double raw = sortedTime[k];
            if (raw != previousRaw)
            {
                double gap = raw - previousRaw;
                bool tied = gap <= tolerance || gap / meanAbs <= tolerance;
                if (!tied) cut = raw;
                previousRaw = raw;
            }
            sortedTime[k] = cut;
        }
    }
}
