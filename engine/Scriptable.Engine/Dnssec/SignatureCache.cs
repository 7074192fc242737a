using System.Collections.Concurrent;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// The RRSIGs already made, by <see cref="SignatureKey"/>, for the validity window they were made in. Bounded by two
/// generations: lookups go to the current one, then the previous one (and a hit there moves the entry up); when the
/// current generation holds half the capacity it becomes the previous one and the old previous one is dropped
/// whole, one reference swap, so the cache never stops to clear (pdns#12899) and never holds more than the capacity.
/// Concurrent misses of one RRset sign once: the first entry added wins, and the others wait for its signature.
/// One per server, across reloads.
/// </summary>
public sealed class SignatureCache
{
    private readonly int _generationSize;
    private ConcurrentDictionary<SignatureKey, Entry> _current = new();
    private ConcurrentDictionary<SignatureKey, Entry> _previous = new();
    private int _currentCount;
    private long _signed;
    private long _signTicks;

    /// <summary>Creates a cache holding at most <paramref name="capacity"/> signatures.</summary>
    public SignatureCache(int capacity = 200_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generationSize = capacity / 2;
    }

    /// <summary>Signatures made (cache misses that signed).</summary>
    public long Signed => Interlocked.Read(ref _signed);

    /// <summary>Time spent signing, in seconds.</summary>
    public double SigningSeconds => Interlocked.Read(ref _signTicks) / (double)System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Signatures held (both generations; an estimate while queries add to it).</summary>
    public int Count => Volatile.Read(ref _currentCount) + _previous.Count;

    /// <summary>
    /// The RRSIG RRset of <paramref name="set"/> owned by <paramref name="ownerLower"/>, signed by <paramref name="key"/>
    /// in <paramref name="window"/>: from the cache, else made now. <paramref name="hit"/> says which.
    /// </summary>
    internal RRset GetOrSign(DnssecKey key, DnsName signer, ReadOnlySpan<byte> ownerLower, DnsName? owner, RRset set, uint originalTtl, SignatureWindow window, out bool hit)
    {
        var cacheKey = SignatureKey.Of(key, ownerLower, set, originalTtl);
        var current = Volatile.Read(ref _current);
        if (current.TryGetValue(cacheKey, out var entry) && entry.Window == window.Number)
        {
            hit = true;
            return entry.Get();
        }

        if (entry is null && _previous.TryGetValue(cacheKey, out var old) && old.Window == window.Number)
        {
            hit = true;
            if (current.TryAdd(cacheKey, old))
            {
                Added(current);
            }

            return old.Get();
        }

        hit = false;
        var fresh = new Entry(this, key, signer, ownerLower.ToArray(), owner, set, originalTtl, window);
        if (entry is null)
        {
            var winner = current.GetOrAdd(cacheKey, fresh);
            if (ReferenceEquals(winner, fresh))
            {
                Added(current);
            }
            else if (winner.Window == window.Number)
            {
                return winner.Get();
            }
            else
            {
                current[cacheKey] = fresh;
            }
        }
        else if (!current.TryUpdate(cacheKey, fresh, entry) && current.TryGetValue(cacheKey, out var other) && other.Window == window.Number)
        {
            return other.Get();
        }

        return fresh.Get();
    }

    private void Added(ConcurrentDictionary<SignatureKey, Entry> current)
    {
        if (Interlocked.Increment(ref _currentCount) < _generationSize)
        {
            return;
        }

        // One thread turns the generation: the full one becomes the previous, the old previous is dropped.
        if (Interlocked.CompareExchange(ref _current, new ConcurrentDictionary<SignatureKey, Entry>(), current) == current)
        {
            Volatile.Write(ref _previous, current);
            Volatile.Write(ref _currentCount, 0);
        }
    }

    /// <summary>One signature, made once by whichever query gets to it first.</summary>
    private sealed class Entry
    {
        private readonly Lock _lock = new();
        private SignatureCache? _cache;
        private DnssecKey? _key;
        private DnsName? _signer;
        private byte[]? _ownerLower;
        private DnsName? _owner;
        private RRset? _set;
        private readonly uint _ttl;
        private readonly SignatureWindow _window;
        private RRset? _rrsig;

        public Entry(SignatureCache cache, DnssecKey key, DnsName signer, byte[] ownerLower, DnsName? owner, RRset set, uint ttl, SignatureWindow window)
        {
            _cache = cache;
            _key = key;
            _signer = signer;
            _ownerLower = ownerLower;
            _owner = owner;
            _set = set;
            _ttl = ttl;
            _window = window;
            Window = window.Number;
        }

        public long Window { get; }

        public RRset Get()
        {
            var made = Volatile.Read(ref _rrsig);
            if (made is not null)
            {
                return made;
            }

            lock (_lock)
            {
                if (_rrsig is null)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var rdata = RrsigSigner.Sign(_key!, _signer!, _ownerLower!, _set!, _ttl, _window);
                    Volatile.Write(ref _rrsig, new RRset(_owner ?? DnsName.FromWire(_ownerLower), RecordType.RRSIG, _ttl, [rdata]));
                    Interlocked.Increment(ref _cache!._signed);
                    Interlocked.Add(ref _cache._signTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);

                    // What signing needed is not kept alive by the cache.
                    _cache = null;
                    _key = null;
                    _signer = null;
                    _ownerLower = null;
                    _owner = null;
                    _set = null;
                }

                return _rrsig;
            }
        }
    }
}
