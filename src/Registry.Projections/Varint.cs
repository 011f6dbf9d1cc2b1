namespace Registry.Projections;

/// <summary>
/// Unsigned integers in 7-bit groups, the lowest first, each byte's high bit saying another follows: the one coding of
/// the compact charts' integers and of maturity's cuts' changes.
/// </summary>
internal static class Varint
{
    /// <summary>The most bytes a value takes (a <see cref="ulong"/>'s 64 bits in 7-bit groups).</summary>
    public const int Longest = 10;

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="into"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> into, ulong value)
    {
        var written = 0;
        for (; value >= 0x80; value >>= 7) into[written++] = (byte)(value | 0x80);
        into[written++] = (byte)value;
        return written;
    }

    /// <summary>The value at <paramref name="at"/> in <paramref name="from"/>, <paramref name="at"/> moved past it.</summary>
    public static ulong Read(ReadOnlySpan<byte> from, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = from[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
