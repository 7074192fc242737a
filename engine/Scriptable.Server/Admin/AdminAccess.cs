using Microsoft.AspNetCore.Http;

namespace Scriptable.Server.Admin;

/// <summary>
/// What one admin request may see. Diagnostic text quotes the folder's files, and a command check's output may
/// hold anything its program printed; both stay with the operator:
/// <list type="table">
/// <item><term><see cref="Operator"/></term><description>sent the configured token: everything, command output included.</description></item>
/// <item><term><see cref="Local"/></term><description>loopback, no token configured: everything but command output (which only a token shows).</description></item>
/// <item><term><see cref="Anonymous"/></term><description>loopback, a token configured but not sent: states, counters and where each
/// diagnostic is (file, line, column, id), not its message; no command output.</description></item>
/// </list>
/// Off loopback every request must send the token; changes need it whenever one is set.
/// </summary>
internal enum AdminAccess
{
    /// <summary>A request without the token, on loopback, while a token is configured.</summary>
    Anonymous,

    /// <summary>A request on loopback while no token is configured.</summary>
    Local,

    /// <summary>A request that sent the configured token.</summary>
    Operator,
}

/// <summary>Where a request's <see cref="AdminAccess"/> is kept.</summary>
internal static class AdminAccessExtensions
{
    private const string Key = "scriptable.admin.access";

    /// <summary>Records what the request may see (the endpoint's authorisation does, before any route).</summary>
    public static void SetAdminAccess(this HttpContext context, AdminAccess access) => context.Items[Key] = access;

    /// <summary>What the request may see (<see cref="AdminAccess.Anonymous"/> if nothing was recorded).</summary>
    public static AdminAccess AdminAccess(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is AdminAccess access ? access : Admin.AdminAccess.Anonymous;

    /// <summary>True when diagnostic messages may be shown.</summary>
    public static bool SeesDiagnostics(this AdminAccess access) => access != Admin.AdminAccess.Anonymous;

    /// <summary>True when command output may be shown.</summary>
    public static bool SeesOutput(this AdminAccess access) => access == Admin.AdminAccess.Operator;
}
