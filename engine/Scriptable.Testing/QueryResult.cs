using Scriptable.Engine.Local;

namespace Scriptable.Testing;

/// <summary>
/// What the server would answer, in presentation format: each record as a zone-file line
/// (<c>www.example.com. 300 IN A 192.0.2.1</c>), owners as the query spelled them, records in the order the
/// response carries them (rotated and shuffled answers as written).
/// </summary>
/// <param name="Rcode">The response code mnemonic: NOERROR, NXDOMAIN, REFUSED...</param>
/// <param name="Authoritative">The AA flag.</param>
/// <param name="Truncated">The TC flag (UDP answers larger than the client's limit).</param>
/// <param name="Answer">The answer section.</param>
/// <param name="Authority">The authority section.</param>
/// <param name="Additional">The additional section, without the OPT record.</param>
/// <param name="EcsScope">The ECS scope prefix returned, or null when the query had no ECS option.</param>
/// <param name="Why">Who answered (policy and revision, its fallback and why, or the zone) and where the client was located.</param>
public sealed record QueryResult(
    string Rcode,
    bool Authoritative,
    bool Truncated,
    IReadOnlyList<string> Answer,
    IReadOnlyList<string> Authority,
    IReadOnlyList<string> Additional,
    int? EcsScope,
    string Why)
{
    /// <summary>True when a policy failed (threw, ran out of time, or never compiled) and its fallback answered.</summary>
    public bool FellBack { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Rcode}{(Authoritative ? " aa" : "")}{(Truncated ? " tc" : "")}" +
        Section("answer", Answer) + Section("authority", Authority) + Section("additional", Additional) + $"\n;; {Why}";

    internal static QueryResult From(LocalAnswer answer) => new(
        answer.Rcode,
        answer.Authoritative,
        answer.Truncated,
        [.. answer.Answer.Select(r => r.ToString())],
        [.. answer.Authority.Select(r => r.ToString())],
        [.. answer.Additional.Select(r => r.ToString())],
        answer.EcsScope,
        answer.Why.ToString())
    {
        FellBack = answer.Why.Source == "fallback",
    };

    private static string Section(string name, IReadOnlyList<string> lines) =>
        lines.Count == 0 ? "" : $"\n;; {name}\n" + string.Join('\n', lines);
}
