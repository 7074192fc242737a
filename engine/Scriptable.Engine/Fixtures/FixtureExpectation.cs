namespace Scriptable.Engine.Fixtures;

/// <summary>
/// What a case expects of the answer. Every part is optional; a part left out is not checked. An expected
/// answer (<see cref="Answer"/>, <see cref="OneOf"/> or <see cref="Distribution"/>) implies NOERROR unless
/// <see cref="Rcode"/> says otherwise.
/// </summary>
public sealed record FixtureExpectation
{
    /// <summary>The response code: NOERROR, NXDOMAIN, SERVFAIL, REFUSED...</summary>
    public string? Rcode { get; init; }

    /// <summary>The answer section, in any order; an empty list expects no records (NODATA).</summary>
    public IReadOnlyList<ExpectedRecord>? Answer { get; init; }

    /// <summary>Answers of which the answer section must be exactly one (random picks).</summary>
    public IReadOnlyList<IReadOnlyList<ExpectedRecord>>? OneOf { get; init; }

    /// <summary>How answers must be shared over many runs (weighted picks).</summary>
    public ExpectedDistribution? Distribution { get; init; }

    /// <summary>The authority section, in any order.</summary>
    public IReadOnlyList<ExpectedRecord>? Authority { get; init; }

    /// <summary>The additional section without OPT, in any order.</summary>
    public IReadOnlyList<ExpectedRecord>? Additional { get; init; }

    /// <summary>The TTL of every record of the answer section.</summary>
    public uint? Ttl { get; init; }

    /// <summary>Whether the ECS scope is checked.</summary>
    public bool CheckScope { get; init; }

    /// <summary>With <see cref="CheckScope"/>: the ECS scope prefix, or null for no ECS option in the answer.</summary>
    public int? Scope { get; init; }

    /// <summary>The AA flag.</summary>
    public bool? Authoritative { get; init; }

    /// <summary>The TC flag.</summary>
    public bool? Truncated { get; init; }

    /// <summary>Who answered: <c>policy</c>, <c>fallback</c>, <c>zone</c> or <c>none</c>.</summary>
    public string? AnsweredBy { get; init; }

    /// <summary>The rcode checked: <see cref="Rcode"/>, or NOERROR when an answer is expected (<c>answer: []</c>, NODATA, included).</summary>
    public string? EffectiveRcode => Rcode ?? (Answer is not null || OneOf is not null || Distribution is not null ? "NOERROR" : null);
}
