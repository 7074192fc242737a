using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Scriptable.Policies.Runtime;

namespace Scriptable.Policies;

/// <summary>
/// What <c>ctx.Note($"...")</c> builds its text with: nothing at all (no formatting, no allocation) unless someone
/// asks why (<c>scriptable query</c>, fixtures, the testing kit). Written by the compiler, never by hand.
/// </summary>
/// <remarks>
/// The text goes into a <see cref="StringBuilder"/> of its own, not a buffer rented from the process-wide pool:
/// a policy can name this type and copy a handler, and completing both copies must not give one pooled buffer
/// back twice (two later renters, the server among them, would share it).
/// </remarks>
[InterpolatedStringHandler]
public ref struct NoteHandler
{
    private readonly StringBuilder? _text;

    /// <summary>Called by the compiler; <paramref name="enabled"/> false skips every part.</summary>
    public NoteHandler(int literalLength, int formattedCount, PolicyContext ctx, out bool enabled)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        enabled = ctx.Explaining;
        _text = enabled ? new StringBuilder(Math.Clamp(literalLength + (formattedCount * 11), 16, 1024)) : null;
    }

    /// <summary>Called by the compiler for the literal parts.</summary>
    public readonly void AppendLiteral(string value) => _text?.Append(value);

    /// <summary>Called by the compiler for each <c>{value}</c>.</summary>
    public readonly void AppendFormatted<T>(T value) => AppendFormatted(value, 0, null);

    /// <summary>Called by the compiler for each <c>{value:format}</c>.</summary>
    public readonly void AppendFormatted<T>(T value, string? format) => AppendFormatted(value, 0, format);

    /// <summary>Called by the compiler for each <c>{value,alignment}</c>.</summary>
    public readonly void AppendFormatted<T>(T value, int alignment) => AppendFormatted(value, alignment, null);

    /// <summary>Called by the compiler for each <c>{value,alignment:format}</c>: right-aligned when positive, left when negative.</summary>
    public readonly void AppendFormatted<T>(T value, int alignment, string? format)
    {
        if (_text is null)
        {
            return;
        }

        var text = (value is IFormattable formattable ? formattable.ToString(format, CultureInfo.InvariantCulture) : value?.ToString()) ?? "";
        var padding = Math.Abs((long)alignment) - text.Length;
        if (padding > 0)
        {
            // The width is the policy's: its padding counts against the memory budget like any other string.
            Budget.Length<char>(padding);
        }

        if (alignment > 0 && padding > 0)
        {
            _text.Append(' ', (int)padding);
        }

        _text.Append(text);
        if (alignment < 0 && padding > 0)
        {
            _text.Append(' ', (int)padding);
        }
    }

    /// <summary>The text.</summary>
    internal readonly string Text() => _text?.ToString() ?? "";
}
