namespace Registry.Api.Web.Investigator;

/// <summary>
/// The reasons a table leaves numbers unestimated, lettered once each and listed under the table: a cell reads
/// "not estimable" with a note mark instead of repeating the same sentence in every row. The table's component calls
/// <see cref="Mark"/> while it renders its rows, so the list below it is complete when it renders.
/// </summary>
public sealed class TableNotes
{
    private readonly List<string> _reasons = [];

    /// <summary>The letter of <paramref name="why"/>'s note (a new one on first use); null when there is no reason.</summary>
    public string? Mark(string? why)
    {
        if (why is null) return null;
        var index = _reasons.IndexOf(why);
        if (index < 0)
        {
            _reasons.Add(why);
            index = _reasons.Count - 1;
        }
        return Letter(index);
    }

    public IEnumerable<(string Mark, string Reason)> All => _reasons.Select((reason, i) => (Letter(i), reason));

    // a … z, then aa, ab …: a table with more than 26 distinct reasons still letters each.
    private static string Letter(int index) => index < 26 ? ((char)('a' + index)).ToString() : Letter(index / 26 - 1) + Letter(index % 26);
}
