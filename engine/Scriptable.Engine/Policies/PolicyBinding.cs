using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Policies;

/// <summary>
/// One name served by a policy file, as published in a snapshot: the version that answers (null when the
/// file never compiled: the name then answers its fallback), the settings, and the counters. Immutable.
/// </summary>
/// <param name="Owner">The name served; a wildcard (<c>*.cdn.example.com.</c>) serves what RFC 4592 says it covers.</param>
/// <param name="Origin">The zone the policy file belongs to.</param>
/// <param name="File">The policy file.</param>
/// <param name="Version">The loaded version, or null.</param>
/// <param name="Settings">Fallback and budget (from the file's directives, even when it does not compile).</param>
/// <param name="Stats">The file's counters.</param>
public sealed record PolicyBinding(DnsName Owner, DnsName Origin, string File, PolicyVersion? Version, PolicySettings Settings, PolicyStats Stats);
