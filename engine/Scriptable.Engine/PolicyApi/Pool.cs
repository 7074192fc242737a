namespace Scriptable.Policies;

/// <summary>
/// Builds pools: the members a policy chooses among (data centres, address sets, CNAME targets), each with
/// an optional health check name and weight. Build a pool once, in a <c>static readonly</c> field.
/// <code>
/// static readonly Pool&lt;Answer&gt; Sites = Pool.Of((Primary, "primary"), (Secondary, "secondary"))
///     .WhenAllDown(Answer.Static);
/// return Sites.First(ctx);
/// </code>
/// A pool whose members have health checks must say what happens when every one of them is down:
/// <see cref="PoolMembers{T}.WhenAllDown"/> or <see cref="PoolMembers{T}.WhenAllDownIgnoreHealth"/>; until
/// it does, it has no methods to choose with, so forgetting it is a compile error, not an outage.
/// </summary>
public static class Pool
{
    /// <summary>Members without health checks, equal weights.</summary>
    public static Pool<T> Of<T>(params T[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var members = new PoolMember<T>[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            members[i] = new PoolMember<T>(items[i], null, 1);
        }

        return new Pool<T>(members, AllDownMode.IgnoreHealth, default);
    }

    /// <summary>Members with weights (any positive numbers: 99.9 and 0.1 send 0.1% to the second), no health checks.</summary>
    public static Pool<T> Weighted<T>(params (T Item, double Weight)[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = new PoolMember<T>[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            list[i] = new PoolMember<T>(members[i].Item, null, members[i].Weight);
        }

        return new Pool<T>(list, AllDownMode.IgnoreHealth, default);
    }

    /// <summary>Members each guarded by the health check named, equal weights, in order of preference.</summary>
    public static PoolMembers<T> Of<T>(params (T Item, string Check)[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = new PoolMember<T>[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            list[i] = new PoolMember<T>(members[i].Item, members[i].Check, 1);
        }

        return new PoolMembers<T>(list);
    }

    /// <summary>
    /// Members at places (data centres), each guarded by the health check named, for <see cref="Pool{T}.Nearest(PolicyContext)"/>:
    /// <c>Pool.Located((frankfurt, "fra", 50.11, 8.68), (virginia, "iad", 38.95, -77.45))</c>.
    /// </summary>
    public static PoolMembers<T> Located<T>(params (T Item, string Check, double Latitude, double Longitude)[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = new PoolMember<T>[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            var (item, check, latitude, longitude) = members[i];
            if (latitude is < -90 or > 90 || longitude is < -180 or > 180 || double.IsNaN(latitude) || double.IsNaN(longitude))
            {
                throw new ArgumentException($"Member {i + 1} is at ({latitude}, {longitude}): latitude is -90..90 and longitude -180..180.", nameof(members));
            }

            list[i] = new PoolMember<T>(item, check, 1) { Location = new GeoPoint(latitude, longitude) };
        }

        return new PoolMembers<T>(list);
    }

    /// <summary>Members with health checks and weights, in order of preference.</summary>
    public static PoolMembers<T> Weighted<T>(params (T Item, string Check, double Weight)[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = new PoolMember<T>[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            list[i] = new PoolMember<T>(members[i].Item, members[i].Check, members[i].Weight);
        }

        return new PoolMembers<T>(list);
    }
}

/// <summary>One member of a pool.</summary>
/// <param name="Item">What choosing this member returns.</param>
/// <param name="Check">The health check that guards it, or null for always up.</param>
/// <param name="Weight">Its share, relative to the others' weights.</param>
public readonly record struct PoolMember<T>(T Item, string? Check, double Weight)
{
    /// <summary>Where the member is, for <see cref="Pool{T}.Nearest(PolicyContext)"/>; null if not given.</summary>
    public GeoPoint? Location { get; init; }
}

/// <summary>What a pool does when every member is down.</summary>
internal enum AllDownMode
{
    /// <summary>Choose as if every member were up.</summary>
    IgnoreHealth,

    /// <summary>Return the fallback value.</summary>
    Fallback,
}

/// <summary>Pool members whose all-down behaviour is still to be chosen (see <see cref="Pool"/>).</summary>
public sealed class PoolMembers<T>
{
    private readonly PoolMember<T>[] _members;

    internal PoolMembers(PoolMember<T>[] members)
    {
        _members = members;
    }

    /// <summary>When every member is down, return <paramref name="fallback"/> (for example <c>Answer.ServFail</c>, <c>Answer.NoData</c> or <c>Answer.Static</c>).</summary>
    public Pool<T> WhenAllDown(T fallback) => new(_members, AllDownMode.Fallback, fallback);

    /// <summary>When every member is down, choose as if they were all up (answering something beats answering nothing).</summary>
    public Pool<T> WhenAllDownIgnoreHealth() => new(_members, AllDownMode.IgnoreHealth, default);
}

/// <summary>
/// A pool ready to choose from: in order of preference (<see cref="First"/>), by weight at random
/// (<see cref="Random"/>), by weight sticky per client subnet (<see cref="Sticky"/>), or in turn
/// (<see cref="Next"/>); always among the members whose check is up. Thread-safe.
/// </summary>
public sealed class Pool<T>
{
    private const int MaxMembers = 64;

    /// <summary>The pick the query log and dnstap show when the pool answered its all-down value.</summary>
    private const string AllDownPick = "all-down";

    private readonly PoolMember<T>[] _members;
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<PoolMember<T>> _readOnlyMembers;
    private readonly ulong[] _salts;
    private readonly AllDownMode _allDown;
    private readonly T? _fallback;
    private readonly bool _hasChecks;
    private readonly string[] _pickNames;
    private int _turn;

    internal Pool(PoolMember<T>[] members, AllDownMode allDown, T? fallback)
    {
        if (members.Length == 0)
        {
            throw new ArgumentException("A pool needs at least one member.", nameof(members));
        }

        if (members.Length > MaxMembers)
        {
            throw new ArgumentException($"A pool holds at most {MaxMembers} members.", nameof(members));
        }

        _salts = new ulong[members.Length];
        _pickNames = new string[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            var weight = members[i].Weight;
            if (!(weight > 0) || double.IsInfinity(weight))
            {
                throw new ArgumentException($"Member {i + 1} has weight {weight}: weights are positive numbers.", nameof(members));
            }

            _hasChecks |= members[i].Check is not null;
            _pickNames[i] = members[i].Check ?? "#" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _salts[i] = PolicyContext.Finish((ulong)i + 0x9E3779B97F4A7C15);
        }

        _members = members;
        _readOnlyMembers = Array.AsReadOnly(members);
        _allDown = allDown;
        _fallback = fallback;
    }

    /// <summary>The members, in order (read-only: the pool's own array is never handed out).</summary>
    public IReadOnlyList<PoolMember<T>> Members => _readOnlyMembers;

    /// <summary>The first member whose check is up (failover in order of preference).</summary>
    public T First(PolicyContext ctx)
    {
        var up = UpMask(ctx);
        return Picked(ctx, "First", up, up == 0 ? -1 : System.Numerics.BitOperations.TrailingZeroCount(up));
    }

    /// <summary>A member whose check is up, chosen at random in proportion to the weights.</summary>
    public T Random(PolicyContext ctx)
    {
        var up = UpMask(ctx);
        if (up == 0)
        {
            return Picked(ctx, "Random", up, -1);
        }

        var total = 0.0;
        for (var i = 0; i < _members.Length; i++)
        {
            if ((up & (1UL << i)) != 0)
            {
                total += _members[i].Weight;
            }
        }

        var point = System.Random.Shared.NextDouble() * total;
        var last = 0;
        for (var i = 0; i < _members.Length; i++)
        {
            if ((up & (1UL << i)) == 0)
            {
                continue;
            }

            last = i;
            point -= _members[i].Weight;
            if (point < 0)
            {
                return Picked(ctx, "Random", up, i);
            }
        }

        return Picked(ctx, "Random", up, last);
    }

    /// <summary>
    /// A member whose check is up, in proportion to the weights, always the same for the same client subnet
    /// (ECS, else the source address): weighted rendezvous hashing, so a change of weights or health moves
    /// only the clients it must. The answer then depends on the subnet, and the ECS scope says so.
    /// </summary>
    public T Sticky(PolicyContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var up = UpMask(ctx);
        if (up == 0)
        {
            return Picked(ctx, "Sticky", up, -1);
        }

        var key = ctx.SubnetKey();
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < _members.Length; i++)
        {
            if ((up & (1UL << i)) == 0)
            {
                continue;
            }

            // u uniform in (0, 1]; -w / ln(u) is distributed so that member i wins with probability w_i / sum(w).
            var hash = PolicyContext.Finish(key ^ _salts[i]);
            var u = ((hash >> 11) + 1) * (1.0 / (1UL << 53));
            var score = -_members[i].Weight / Math.Log(u);
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }

        return Picked(ctx, "Sticky", up, best);
    }

    /// <summary>The members whose check is up, in turn (round robin; weights are not used).</summary>
    public T Next(PolicyContext ctx)
    {
        var up = UpMask(ctx);
        if (up == 0)
        {
            return Picked(ctx, "Next", up, -1);
        }

        var count = System.Numerics.BitOperations.PopCount(up);
        var n = (int)((uint)Interlocked.Increment(ref _turn) % (uint)count);
        for (var i = 0; i < _members.Length; i++)
        {
            if ((up & (1UL << i)) != 0 && n-- == 0)
            {
                return Picked(ctx, "Next", up, i);
            }
        }

        return Picked(ctx, "Next", up, 0);
    }

    /// <summary>
    /// The member whose check is up that is nearest to the client (great-circle distance from
    /// <c>ctx.Geo.Location</c>); when the client's location is unknown, the first member that is up. Members
    /// without a location (see <see cref="Pool.Located{T}"/>) are never nearest.
    /// </summary>
    public T Nearest(PolicyContext ctx) => Nearest(ctx, out _);

    /// <summary>As <see cref="Nearest(PolicyContext)"/>, with the distance in km (NaN when unknown).</summary>
    public T Nearest(PolicyContext ctx, out double distanceKm)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        distanceKm = double.NaN;
        var up = UpMask(ctx);
        if (up == 0)
        {
            return Picked(ctx, "Nearest", up, -1);
        }

        if (ctx.Geo.Location is not { } client)
        {
            return Picked(ctx, "Nearest (client location unknown: the first up)", up, System.Numerics.BitOperations.TrailingZeroCount(up));
        }

        var best = -1;
        for (var i = 0; i < _members.Length; i++)
        {
            if ((up & (1UL << i)) != 0 && _members[i].Location is { } place)
            {
                var distance = client.DistanceKm(place);
                if (best < 0 || distance < distanceKm)
                {
                    best = i;
                    distanceKm = distance;
                }
            }
        }

        return best < 0
            ? Picked(ctx, "Nearest (no member up has a location: the first up)", up, System.Numerics.BitOperations.TrailingZeroCount(up))
            : Picked(ctx, "Nearest", up, best);
    }

    /// <summary>True if every member has a check and every check is down.</summary>
    public bool AllDown(PolicyContext ctx) => _hasChecks && Health(ctx) == 0;

    /// <summary>
    /// Bit i set when member i is eligible: its check is up, or every member is down and the pool ignores
    /// health then. 0 means "answer the fallback".
    /// </summary>
    internal ulong UpMask(PolicyContext ctx)
    {
        var all = _members.Length == 64 ? ulong.MaxValue : (1UL << _members.Length) - 1;
        if (!_hasChecks)
        {
            return all;
        }

        var up = Health(ctx);
        return up != 0 || _allDown == AllDownMode.Fallback ? up : all;
    }

    /// <summary>
    /// The member at <paramref name="index"/>, or the fallback for -1. When someone asks why (<c>scriptable
    /// query</c>, fixtures), also notes how the pick was made; on the server's query path that is one test.
    /// </summary>
    private T Picked(PolicyContext ctx, string how, ulong up, int index)
    {
        ctx.Source.PolicyPick = index < 0 ? AllDownPick : _pickNames[index];
        if (ctx.Explaining)
        {
            ctx.AddNote(Describe(ctx, how, up, index));
        }

        return index < 0 ? _fallback! : _members[index].Item;
    }

    /// <summary><c>pool.First over [#1 eu down, #2 na up]: #2 (na)</c>.</summary>
    private string Describe(PolicyContext ctx, string how, ulong up, int index)
    {
        var text = new System.Text.StringBuilder("pool.").Append(how).Append(" over [");
        var health = ctx.Health;
        for (var i = 0; i < _members.Length; i++)
        {
            text.Append(i == 0 ? "#" : ", #").Append(i + 1);
            if (_members[i].Check is { } check)
            {
                text.Append(' ').Append(check).Append(' ').Append(health.Contains(check) ? health[check].State.ToString().ToLowerInvariant() : "unknown");
            }
        }

        text.Append("]: ");
        if (index < 0)
        {
            return text.Append("all down, so the WhenAllDown value").ToString();
        }

        text.Append('#').Append(index + 1);
        if (_members[index].Check is { } picked)
        {
            text.Append(" (").Append(picked).Append(')');
        }

        return (_hasChecks && Health(ctx) == 0 ? text.Append(", all down so health is ignored") : text).ToString();
    }

    private ulong Health(PolicyContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var health = ctx.Health;
        ulong up = 0;
        for (var i = 0; i < _members.Length; i++)
        {
            if (_members[i].Check is not { } check || health.IsUp(check))
            {
                up |= 1UL << i;
            }
        }

        return up;
    }
}
