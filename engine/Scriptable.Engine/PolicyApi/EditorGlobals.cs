using System.Diagnostics.CodeAnalysis;

namespace Scriptable.Policies.Editor;

/// <summary>
/// What an editor sees as <c>ctx</c>. A policy's <c>ctx</c> is the parameter the server passes to each run; an
/// editor's C# script support (OmniSharp) knows no such parameter, so <c>scriptable editor</c> imports this class
/// (<c>/u:Scriptable.Policies.Editor.EditorGlobals</c> in its response file) and the editor finds <c>ctx</c>,
/// its type and its members here. Policies cannot name this class (the sandbox denies the namespace), and the
/// server never imports it: at run time <c>ctx</c> is always the query's own.
/// </summary>
public static class EditorGlobals
{
    /// <summary>The query being answered: the question, the client, where it is, health, time.</summary>
    /// <exception cref="InvalidOperationException">Always: it exists for editors, not to be run.</exception>
    [SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "The name policies use.")]
    [SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "The name policies use: ctx.")]
    public static PolicyContext ctx => throw new InvalidOperationException("EditorGlobals.ctx exists for editors; the server passes each run its own ctx.");
}
