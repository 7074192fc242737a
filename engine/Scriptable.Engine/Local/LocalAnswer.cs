using System.Globalization;

namespace Scriptable.Engine.Local;

/// <summary>One record of an answer, in presentation format.</summary>
/// <param name="Owner">The owner, as the query spelled it (0x20 case kept).</param>
/// <param name="Ttl">The TTL sent.</param>
/// <param name="Type">The type mnemonic.</param>
/// <param name="Data">The RDATA in zone-file syntax.</param>
public sealed record LocalRecord(string Owner, uint Ttl, string Type, string Data)
{
    /// <summary>A zone-file line: <c>www.example.com. 30 IN A 192.0.2.10</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Owner} {Ttl} IN {Type} {Data}");
}

/// <summary>Why the answer is what it is: who answered, where the client was located, what the policy said.</summary>
/// <param name="Source"><c>policy</c>, <c>fallback</c> (the policy failed or never compiled), <c>zone</c> (static data), or <c>none</c> (no zone: REFUSED; or a malformed question).</param>
/// <param name="PolicyName">The name of the policy that answered (or failed), or null.</param>
/// <param name="PolicyFile">Its file, or null.</param>
/// <param name="PolicyRevision">The revision of its version, or null.</param>
/// <param name="PolicyNote">What went wrong in the policy, or null.</param>
/// <param name="LocatedBy">How the client was located: <c>ECS 81.2.69.160/27</c> or <c>source address 192.0.2.1</c>.</param>
/// <param name="Geo">What the geo databases (or stated facts) say of that address, or null when nothing.</param>
public sealed record LocalExplanation(string Source, string? PolicyName, string? PolicyFile, int? PolicyRevision, string? PolicyNote, string LocatedBy, string? Geo)
{
    /// <summary>What the policy noted, in order: how each pool it asked picked (<c>pool.First over [#1 eu down, #2 na up]: #2 (na)</c>) and its own <c>ctx.Note(...)</c> lines.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>What went wrong in the policy, structured (budget stop, exception, null answer...), or null when it answered.</summary>
    public Policies.PolicyFailure? Failure { get; init; }

    /// <summary>The health the question ran with (<c>eu down (stated), na unknown (not stated: counts as up)</c>), or null when the folder has no checks and none was stated.</summary>
    public string? Health { get; init; }

    /// <inheritdoc />
    public override string ToString() => string.Join("; ", Lines());

    /// <summary>The explanation, one line per fact: who answered, where the client is, the health, what the policy noted (pool picks, ctx.Note).</summary>
    public IReadOnlyList<string> Lines()
    {
        var who = Source switch
        {
            "policy" => $"policy {PolicyName} ({PolicyFile} revision {PolicyRevision})",
            "fallback" => $"the fallback of policy {PolicyName} ({PolicyFile}{(PolicyRevision is null ? "" : $" revision {PolicyRevision}")}): {PolicyNote}",
            "zone" => "the zone's static data",
            _ => "no zone of this server",
        };
        List<string> lines = [$"answered by {who}", $"client located by {LocatedBy}{(Geo is null ? "" : $": {Geo}")}"];
        if (Health is not null)
        {
            lines.Add($"health: {Health}");
        }

        lines.AddRange(Notes);
        return lines;
    }
}

/// <summary>What the server answers to a <see cref="LocalQuestion"/>, and why.</summary>
/// <param name="Rcode">NOERROR, NXDOMAIN, REFUSED, SERVFAIL...</param>
/// <param name="Authoritative">The AA flag.</param>
/// <param name="Truncated">The TC flag.</param>
/// <param name="Answer">The answer section.</param>
/// <param name="Authority">The authority section.</param>
/// <param name="Additional">The additional section, without OPT.</param>
/// <param name="EcsScope">The ECS scope prefix returned, or null without ECS.</param>
/// <param name="Why">Who answered and why.</param>
/// <param name="Wire">The response as sent.</param>
public sealed record LocalAnswer(
    string Rcode,
    bool Authoritative,
    bool Truncated,
    IReadOnlyList<LocalRecord> Answer,
    IReadOnlyList<LocalRecord> Authority,
    IReadOnlyList<LocalRecord> Additional,
    int? EcsScope,
    LocalExplanation Why,
    byte[] Wire)
{
    /// <summary>For a signed zone asked with DO: each RRSIG of the answer and authority sections, and whether it validates against the zone's DNSKEY (and why not).</summary>
    public IReadOnlyList<string> Signatures { get; init; } = [];
}
