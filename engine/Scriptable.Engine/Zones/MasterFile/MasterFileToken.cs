namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// One field of a master-file entry. <see cref="Text"/> is the field as written, backslash escapes kept
/// (names and character-strings decode them); for a quoted string it is the text between the quotes.
/// </summary>
internal readonly record struct MasterFileToken(string Text, bool IsQuoted)
{
    /// <summary>True for the unquoted <c>\#</c> that starts RFC 3597 generic RDATA.</summary>
    public bool IsGenericMarker => !IsQuoted && Text == @"\#";

    /// <inheritdoc />
    public override string ToString() => IsQuoted ? "\"" + Text + "\"" : Text;
}
