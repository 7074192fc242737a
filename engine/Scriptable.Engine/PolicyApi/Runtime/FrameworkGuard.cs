using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Scriptable.Policies.Runtime;

/// <summary>
/// Memory checks around framework calls, whose allocations no tick in policy code sees. The budget rewriter
/// inserts them (see README.md, "Framework calls"); policy authors never call them.
/// </summary>
/// <remarks>
/// <para><c>Produced</c> wraps what a framework call, a string concatenation or an interpolated string returns
/// (and the receiver of a framework method that returns nothing, such as <c>list.AddRange</c>): when the value
/// is large (over <see cref="Budget.SmallArrayBytes"/>), the thread's real allocation since the query began and
/// the clock are compared with the budget at once. A policy that doubles a string, a list or a number in a loop is
/// stopped at the first call after it passed the budget, not hundreds of ticks later; a small value costs a
/// length test. The check reads the allocation counter, not the value's size, so a large value that already
/// existed (a table built at load) never stops a query by itself.</para>
/// <para>The other members check the size of an allocation before framework code makes it, where the size
/// is not the size of an input: a replacement that multiplies a string, an insert repeated <c>count</c> times,
/// a power, a shift, a bit array.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FrameworkGuard
{
    /// <summary>Strings up to this many chars are left to the periodic check.</summary>
    internal const int SmallChars = (int)(Budget.SmallArrayBytes / sizeof(char));
    private const long SmallBits = (long)Budget.SmallArrayBytes * 8;

    /// <summary>Returns <paramref name="value"/>; if it is a long string, checks the memory budget first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Produced(string? value)
    {
        if (value is not null && value.Length > SmallChars)
        {
            Budget.CheckNow();
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/>; if it holds a long text, checks the memory budget first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [return: NotNullIfNotNull(nameof(value))]
    public static StringBuilder? Produced(StringBuilder? value)
    {
        if (value is not null && value.Length > SmallChars)
        {
            Budget.CheckNow();
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/>; if it is a large array, checks the memory budget first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [return: NotNullIfNotNull(nameof(value))]
    public static T[]? Produced<T>(T[]? value)
    {
        if (value is not null && (ulong)value.Length * (ulong)Unsafe.SizeOf<T>() > Budget.SmallArrayBytes)
        {
            Budget.CheckNow();
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/>; if it is a large array, checks the memory budget first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ImmutableArray<T> Produced<T>(ImmutableArray<T> value)
    {
        if (!value.IsDefault && (ulong)value.Length * (ulong)Unsafe.SizeOf<T>() > Budget.SmallArrayBytes)
        {
            Budget.CheckNow();
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/>; if it is a large number, checks the memory budget first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BigInteger Produced(BigInteger value)
    {
        if (value.GetBitLength() > SmallBits)
        {
            Budget.CheckNow();
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/>; if it is a large collection, checks the memory budget first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TCollection Produced<TCollection, TElement>(TCollection value)
        where TCollection : IReadOnlyCollection<TElement>?
    {
        if (value is not null && (ulong)value.Count * (ulong)Unsafe.SizeOf<TElement>() > Budget.SmallArrayBytes)
        {
            Budget.CheckNow();
        }

        return value;
    }

    /// <summary><see cref="string.Replace(string, string?)"/>, after checking the size of the result.</summary>
    public static string Replace(string value, string oldValue, string? newValue)
    {
        CheckReplace(value, oldValue, newValue, StringComparison.Ordinal);
        return value.Replace(oldValue, newValue);
    }

    /// <summary><see cref="string.Replace(string, string?, StringComparison)"/>, after checking the size of the result.</summary>
    public static string Replace(string value, string oldValue, string? newValue, StringComparison comparisonType)
    {
        CheckReplace(value, oldValue, newValue, comparisonType);
        return value.Replace(oldValue, newValue, comparisonType);
    }

    /// <summary><see cref="string.Replace(string, string?, bool, CultureInfo?)"/>, after checking the size of the result.</summary>
    public static string Replace(string value, string oldValue, string? newValue, bool ignoreCase, CultureInfo? culture)
    {
        CheckReplace(value, oldValue, newValue, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        return value.Replace(oldValue, newValue, ignoreCase, culture);
    }

    /// <summary><see cref="StringBuilder.Replace(string, string?)"/>, after checking the size of the result.</summary>
    public static StringBuilder Replace(StringBuilder builder, string oldValue, string? newValue)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckReplace(builder, 0, builder.Length, oldValue, newValue);
        return builder.Replace(oldValue, newValue);
    }

    /// <summary><see cref="StringBuilder.Replace(string, string?, int, int)"/>, after checking the size of the result.</summary>
    public static StringBuilder Replace(StringBuilder builder, string oldValue, string? newValue, int startIndex, int count)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckReplace(builder, startIndex, count, oldValue, newValue);
        return builder.Replace(oldValue, newValue, startIndex, count);
    }

    /// <summary><see cref="StringBuilder.Replace(ReadOnlySpan{char}, ReadOnlySpan{char})"/>, after checking the size of the result.</summary>
    public static StringBuilder Replace(StringBuilder builder, ReadOnlySpan<char> oldValue, ReadOnlySpan<char> newValue)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckReplace(builder, 0, builder.Length, oldValue, newValue);
        return builder.Replace(oldValue, newValue);
    }

    /// <summary><see cref="StringBuilder.Replace(ReadOnlySpan{char}, ReadOnlySpan{char}, int, int)"/>, after checking the size of the result.</summary>
    public static StringBuilder Replace(StringBuilder builder, ReadOnlySpan<char> oldValue, ReadOnlySpan<char> newValue, int startIndex, int count)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckReplace(builder, startIndex, count, oldValue, newValue);
        return builder.Replace(oldValue, newValue, startIndex, count);
    }

    /// <summary><see cref="StringBuilder.Insert(int, string?, int)"/>, after checking the size of what it inserts.</summary>
    public static StringBuilder Insert(StringBuilder builder, int index, string? value, int count)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (value is not null && count > 0)
        {
            Budget.CheckAllocation((ulong)value.Length * (ulong)count * sizeof(char), "a string");
        }

        return builder.Insert(index, value, count);
    }

    /// <summary><see cref="BigInteger.Pow(BigInteger, int)"/>, after checking the size of the result.</summary>
    public static BigInteger Pow(BigInteger value, int exponent)
    {
        if (exponent > 1)
        {
            // Saturating: a product past 64 bits is simply too large.
            var high = Math.BigMul((ulong)value.GetBitLength(), (ulong)exponent, out var bits);
            Budget.CheckAllocation(high != 0 ? ulong.MaxValue : bits / 8, "a number");
        }

        return BigInteger.Pow(value, exponent);
    }

    /// <summary>Returns the shift of a <c>BigInteger &lt;&lt; shift</c>, after checking the size it adds.</summary>
    public static int ShiftLeft(int shift)
    {
        if (shift > 0)
        {
            Budget.CheckAllocation((ulong)shift / 8, "a number");
        }
        else if (shift < 0)
        {
            Budget.CheckAllocation((ulong)-(long)shift / 8, "a number");
        }

        return shift;
    }

    /// <summary>Returns the shift of a <c>BigInteger &gt;&gt; shift</c>, after checking the size a negative one adds.</summary>
    public static int ShiftRight(int shift)
    {
        if (shift < 0)
        {
            Budget.CheckAllocation((ulong)-(long)shift / 8, "a number");
        }

        return shift;
    }

    /// <summary>
    /// Returns a format string (<c>"D8"</c>, <c>"{0,10:F2}"</c>) after checking the widest width or precision it
    /// asks for: <c>1.ToString("D999999999")</c> makes a string of a billion digits inside framework code.
    /// </summary>
    [return: NotNullIfNotNull(nameof(format))]
    public static string? Format(string? format)
    {
        if (format is not null)
        {
            CheckFormat(format);
        }

        return format;
    }

    /// <summary>As <see cref="Format(string?)"/>, for a span.</summary>
    public static ReadOnlySpan<char> Format(ReadOnlySpan<char> format)
    {
        CheckFormat(format);
        return format;
    }

    /// <summary>Returns <paramref name="value"/> after checking the width (in chars) an interpolation formats it to.</summary>
    public static T Formatted<T>(T value, long width)
        where T : allows ref struct
    {
        Budget.CheckAllocation((ulong)width * sizeof(char), "a formatted value");
        return value;
    }

    /// <summary>
    /// The widest width or precision a format string asks for: the largest number written right after a letter
    /// (a standard format: <c>D8</c>, <c>F2</c>) or after a comma (an alignment: <c>{0,-10}</c>); 0 if none.
    /// </summary>
    internal static long WidestFormat(ReadOnlySpan<char> format)
    {
        var widest = 0L;
        for (var i = 0; i < format.Length; i++)
        {
            if (!char.IsAsciiDigit(format[i]) || (i > 0 && char.IsAsciiDigit(format[i - 1])))
            {
                continue;
            }

            var before = i - 1;
            while (before >= 0 && format[before] is ' ' or '-')
            {
                before--;
            }

            if (before < 0 || !(char.IsAsciiLetter(format[before]) || format[before] == ','))
            {
                continue;
            }

            var number = 0L;
            for (var j = i; j < format.Length && char.IsAsciiDigit(format[j]); j++)
            {
                number = number > long.MaxValue / 100 ? long.MaxValue / 10 : (number * 10) + (format[j] - '0');
            }

            widest = Math.Max(widest, number);
        }

        return widest;
    }

    private static void CheckFormat(ReadOnlySpan<char> format)
    {
        var widest = WidestFormat(format);
        if (widest > SmallChars)
        {
            Budget.CheckAllocation((ulong)widest * sizeof(char), "a formatted value");
        }
    }

    /// <summary>Returns the length of a bit array about to be created or grown, after checking its size.</summary>
    public static int Bits(int length)
    {
        if (length > 0)
        {
            Budget.CheckAllocation((ulong)length / 8, "a bit array");
        }

        return length;
    }

    // The result of a replacement is larger than its input only when the new text is longer than the old: then
    // by (new - old) chars per occurrence. The occurrences are counted only when the worst case would not fit
    // in a small allocation.
    private static void CheckReplace(string value, string? oldValue, string? newValue, StringComparison comparison)
    {
        if (value is null || string.IsNullOrEmpty(oldValue))
        {
            return; // the framework throws its own exception
        }

        var growth = (newValue?.Length ?? 0) - oldValue.Length;
        if (growth <= 0 || ((ulong)value.Length + ((ulong)value.Length / (ulong)oldValue.Length * (ulong)growth)) * sizeof(char) <= Budget.SmallArrayBytes)
        {
            return;
        }

        var count = 0UL;
        if (comparison == StringComparison.Ordinal)
        {
            count = (ulong)value.AsSpan().Count(oldValue.AsSpan());
        }
        else
        {
            for (var at = value.IndexOf(oldValue, comparison); at >= 0; at = value.IndexOf(oldValue, at + oldValue.Length, comparison))
            {
                count++;
            }
        }

        Budget.CheckAllocation(((ulong)value.Length + (count * (ulong)growth)) * sizeof(char), "a string");
    }

    private static void CheckReplace(StringBuilder builder, int startIndex, int count, ReadOnlySpan<char> oldValue, ReadOnlySpan<char> newValue)
    {
        var growth = newValue.Length - oldValue.Length;
        if (oldValue.IsEmpty || growth <= 0 || startIndex < 0 || count < 0 || startIndex > builder.Length - count
            || ((ulong)builder.Length + ((ulong)count / (ulong)oldValue.Length * (ulong)growth)) * sizeof(char) <= Budget.SmallArrayBytes)
        {
            return; // nothing grows, or the framework throws its own exception
        }

        // Occurrences within each chunk of the range (one spanning two chunks is missed: an estimate).
        var occurrences = 0UL;
        var position = 0;
        foreach (var chunk in builder.GetChunks())
        {
            var from = Math.Max(startIndex - position, 0);
            var to = Math.Min(startIndex + count - position, chunk.Length);
            if (from < to)
            {
                occurrences += (ulong)chunk.Span[from..to].Count(oldValue);
            }

            position += chunk.Length;
        }

        Budget.CheckAllocation(((ulong)builder.Length + (occurrences * (ulong)growth)) * sizeof(char), "a string");
    }
}
