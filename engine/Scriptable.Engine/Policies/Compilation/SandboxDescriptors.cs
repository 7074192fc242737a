using Microsoft.CodeAnalysis;

namespace Scriptable.Engine.Policies.Compilation;

// RS2008 asks analyzer packages to track rule releases; these descriptors are reported by the policy compiler,
// not shipped as an analyzer package.
#pragma warning disable RS2008

/// <summary>
/// Every diagnostic the sandbox reports, in one place. All are errors: a policy that uses something on this
/// list does not load. Messages name the forbidden symbol or construct and say why.
/// </summary>
internal static class SandboxDescriptors
{
    private const string Category = "Scriptable.Sandbox";

    /// <summary>SCR0001: a type, member or namespace outside the allow-list. Arguments: the symbol, the reason.</summary>
    public static readonly DiagnosticDescriptor ForbiddenApi = Create(
        "SCR0001", "Forbidden API", "'{0}' is not allowed in a policy ({1})");

    /// <summary>SCR0002: <c>dynamic</c>, which binds at run time, after the sandbox has looked.</summary>
    public static readonly DiagnosticDescriptor Dynamic = Create(
        "SCR0002", "dynamic", "'dynamic' is not allowed in a policy (late binding escapes the compile-time checks)");

    /// <summary>SCR0003: unsafe code: <c>unsafe</c>, pointers, function pointers, <c>fixed</c>, <c>&amp;x</c>. Argument: the construct.</summary>
    public static readonly DiagnosticDescriptor Unsafe = Create(
        "SCR0003", "Unsafe code", "'{0}' is not allowed in a policy (unsafe code)");

    /// <summary>SCR0004: <c>stackalloc</c>.</summary>
    public static readonly DiagnosticDescriptor StackAlloc = Create(
        "SCR0004", "stackalloc", "'stackalloc' is not allowed in a policy (a large stack allocation kills the server: stack overflow cannot be caught)");

    /// <summary>SCR0005: <c>lock</c> statements.</summary>
    public static readonly DiagnosticDescriptor Lock = Create(
        "SCR0005", "lock", "'lock' statements are not allowed in a policy (policies must not block)");

    /// <summary>SCR0006: <c>async</c>, <c>await</c>, <c>await foreach</c>, <c>await using</c>. Argument: the construct.</summary>
    public static readonly DiagnosticDescriptor Async = Create(
        "SCR0006", "async", "'{0}' is not allowed in a policy (policies run synchronously: no tasks)");

    /// <summary>SCR0007: <c>extern</c> methods and <c>extern alias</c>.</summary>
    public static readonly DiagnosticDescriptor Extern = Create(
        "SCR0007", "extern", "'extern' is not allowed in a policy (native code)");

    /// <summary>SCR0008: finalizers (destructors).</summary>
    public static readonly DiagnosticDescriptor Finalizer = Create(
        "SCR0008", "Finalizer", "Finalizers are not allowed in a policy (they run on the finalizer thread, outside any query)");

    /// <summary>SCR0009: <c>__arglist</c>, <c>__makeref</c>, <c>__reftype</c>, <c>__refvalue</c>. Argument: the keyword.</summary>
    public static readonly DiagnosticDescriptor Undocumented = Create(
        "SCR0009", "Undocumented keyword", "'{0}' is not allowed in a policy (undocumented runtime internals)");

    /// <summary>
    /// SCR0010: a type the policy declares derives from or implements a framework type that framework code would
    /// misuse it through (<see cref="SandboxRules.NotForPolicyTypes"/>). Arguments: the policy's type, the framework type, the reason.
    /// </summary>
    public static readonly DiagnosticDescriptor NotForPolicyTypes = Create(
        "SCR0010", "Framework base type", "'{0}' may not derive from or implement '{1}' in a policy ({2})");

    /// <summary>All descriptors, for hosts that list or suppress them.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
        [ForbiddenApi, Dynamic, Unsafe, StackAlloc, Lock, Async, Extern, Finalizer, Undocumented, NotForPolicyTypes];

    private static DiagnosticDescriptor Create(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
