using System.Globalization;
using System.Runtime.CompilerServices;

namespace Scriptable.Policies;

/// <summary>
/// What <c>ctx.Note($"...")</c> builds its text with: nothing at all (no formatting, no allocation) unless someone
/// asks why (<c>scriptable query</c>, fixtures, the testing kit). Written by the compiler, never by hand.
/// </summary>
[InterpolatedStringHandler]
public ref struct NoteHandler
{
    private DefaultInterpolatedStringHandler _text;

    /// <summary>Called by the compiler; <paramref name="enabled"/> false skips every part.</summary>
    public NoteHandler(int literalLength, int formattedCount, PolicyContext ctx, out bool enabled)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        enabled = ctx.Explaining;
        _text = enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
    }

    /// <summary>Called by the compiler for the literal parts.</summary>
    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    /// <summary>Called by the compiler for each <c>{value}</c>.</summary>
    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    /// <summary>Called by the compiler for each <c>{value:format}</c>.</summary>
    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    /// <summary>Called by the compiler for each <c>{value,alignment}</c>.</summary>
    public void AppendFormatted<T>(T value, int alignment) => _text.AppendFormatted(value, alignment);

    /// <summary>Called by the compiler for each <c>{value,alignment:format}</c>.</summary>
    public void AppendFormatted<T>(T value, int alignment, string? format) => _text.AppendFormatted(value, alignment, format);

    /// <summary>The text, once.</summary>
    internal string Text() => _text.ToStringAndClear();
}
