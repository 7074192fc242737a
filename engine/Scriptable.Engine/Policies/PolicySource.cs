namespace Scriptable.Engine.Policies;

/// <summary>A policy file found in the policies folder, with its text as read for this reload.</summary>
/// <param name="File">The file, as shown to users.</param>
/// <param name="ZoneFolder">The zone folder it is in (the zone's origin without the trailing dot).</param>
/// <param name="Label">Its name without <c>.csx</c>: the label it serves (<c>www</c>, <c>@</c>, <c>*.cdn</c>).</param>
/// <param name="Text">Its content, or null when it cannot be read now (its current version keeps serving).</param>
/// <param name="Refused">Why the folder rule refused to read it (a link out of the folder...), or null.</param>
internal sealed record PolicySource(string File, string ZoneFolder, string Label, string? Text, string? Refused = null);
