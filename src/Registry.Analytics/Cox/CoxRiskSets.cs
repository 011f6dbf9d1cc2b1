namespace Registry.Analytics.Cox;

/// <summary>
/// The data laid out for the Cox kernel: rows ordered by stratum, then time descending, and within a tied time
/// the censored rows before the events, so every risk set is a running sum and each tie group two contiguous ranges.
/// The design is row-major (n × p), centred and scaled as R's coxfit6 does for stability; coefficients are
/// returned on the original scale by multiplying with <see cref="Scale"/>.
/// </summary>
internal sealed class CoxRiskSets
{
    public required int Rows { get; init; }
    public required int Columns { get; init; }
    public required int Events { get; init; }

    /// <summary>Row-major centred and scaled design in layout order.</summary>
    public required double[] X { get; init; }

    /// <summary>Multiplier applied to each column; coefficient on the original scale = internal × Scale.</summary>
    public required double[] Scale { get; init; }

    /// <summary>Value subtracted from each column before scaling (0 for columns coded −1/0/1, as R).</summary>
    public required double[] Centre { get; init; }

    /// <summary>Sum over event rows of the (centred, scaled) design; constant across iterations.</summary>
    public required double[] EventSum { get; init; }

    /// <summary>Tie group g spans rows [GroupStart[g], GroupStart[g+1]); its events start at EventStart[g].</summary>
    public required int[] GroupStart { get; init; }

    public required int[] EventStart { get; init; }

    /// <summary>Stratum s spans tie groups [StratumGroupStart[s], StratumGroupStart[s+1]).</summary>
    public required int[] StratumGroupStart { get; init; }

    public int Strata => StratumGroupStart.Length - 1;

    /// <summary>
    /// Sorts once (O(n log n)) and builds the layout. Inputs are trusted: equal lengths, finite values,
    /// stratum codes in [0, strataCount).
    /// </summary>
    public static CoxRiskSets Build(
        double[][] columns, double[] time, bool[] hadEvent, int[]? stratum, int strataCount, double timeTolerance)
    {
        int n = time.Length, p = columns.Length;
        int[] byTime = new int[n];
        for (int i = 0; i < n; i++) byTime[i] = i;
        double[] sortedTime = (double[])time.Clone();
        Array.Sort(sortedTime, byTime);
        MergeNearTies(sortedTime, timeTolerance);

        // Walk tie runs from the latest time, censored rows first, then distribute by stratum keeping that order.
        int[] descending = new int[n];
        int w = 0;
        for (int end = n; end > 0;)
        {
            int start = end - 1;
            while (start > 0 && sortedTime[start - 1] == sortedTime[end - 1]) start--;
            for (int k = start; k < end; k++) if (!hadEvent[byTime[k]]) descending[w++] = byTime[k];
            for (int k = start; k < end; k++) if (hadEvent[byTime[k]]) descending[w++] = byTime[k];
            end = start;
        }
        double[] fixedTime = new double[n];
        for (int k = 0; k < n; k++) fixedTime[byTime[k]] = sortedTime[k];

        int[] order = descending;
        if (stratum is not null && strataCount > 1)
        {
            int[] next = new int[strataCount + 1];
            foreach (int i in descending) next[stratum[i] + 1]++;
            for (int s = 0; s < strataCount; s++) next[s + 1] += next[s];
            order = new int[n];
            foreach (int i in descending) order[next[stratum[i]]++] = i;
        }

        var groupStart = new List<int>();
        var eventStart = new List<int>();
        var stratumGroupStart = new List<int>();
        int events = 0;
        for (int k = 0; k < n; k++)
        {
            int i = order[k];
            bool newStratum = k == 0 || (stratum is not null && stratum[i] != stratum[order[k - 1]]);
            if (newStratum) stratumGroupStart.Add(groupStart.Count);
            if (newStratum || fixedTime[i] != fixedTime[order[k - 1]])
            {
                groupStart.Add(k);
                eventStart.Add(-1);
            }
            if (hadEvent[i])
            {
                events++;
                if (eventStart[^1] < 0) eventStart[^1] = k;
            }
        }
        groupStart.Add(n);
        stratumGroupStart.Add(groupStart.Count - 1);
        for (int g = 0; g < eventStart.Count; g++)
            if (eventStart[g] < 0) eventStart[g] = groupStart[g + 1];

        var x = new double[n * p];
        var centre = new double[p];
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
            centre[j] = mean;
            scale[j] = s;
            for (int k = 0; k < n; k++) x[k * p + j] = (column[order[k]] - mean) * s;
        }

        var eventSum = new double[p];
        for (int k = 0; k < n; k++)
            if (hadEvent[order[k]])
                for (int j = 0; j < p; j++) eventSum[j] += x[k * p + j];

        return new CoxRiskSets
        {
            Rows = n,
            Columns = p,
            Events = events,
            X = x,
            Scale = scale,
            Centre = centre,
            EventSum = eventSum,
            GroupStart = groupStart.ToArray(),
            EventStart = eventStart.ToArray(),
            StratumGroupStart = stratumGroupStart.ToArray(),
        };
    }

    /// <summary>
    /// R's aeqSurv on ascending times: consecutive distinct values closer than the tolerance (absolutely, or
    /// relative to the mean |distinct value|) collapse onto the first value of their run.
    /// </summary>
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
