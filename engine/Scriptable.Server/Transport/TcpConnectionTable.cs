namespace Scriptable.Server.Transport;

/// <summary>
/// The open connections of one TCP listener, counted in total and per client. It decides who gets in: a
/// client at its own limit is refused; when the table is full, the connection that has gone longest without
/// completing a message (idle, dripping a message, or not reading its answers) is taken out for the new one,
/// as Knot does for its XDP TCP table; only when every connection is busy answering is the new one refused.
/// It also takes out the connections whose deadline has passed. One lock guards it; a connection leaves it
/// exactly once.
/// </summary>
internal sealed class TcpConnectionTable(int maxConnections, int maxPerClient)
{
    private readonly Lock _gate = new();
    private readonly List<TcpConnection> _connections = [];
    private readonly Dictionary<TcpClientKey, int> _perClient = [];
    private int _count;

    /// <summary>Connections in the table now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Adds <paramref name="connection"/>, first taking out a victim if the table is full. Returns null when
    /// added (<paramref name="evicted"/> then holds the connection taken out, if any, which the caller closes),
    /// or why it was refused.
    /// </summary>
    public TcpRefusal? TryAdd(TcpConnection connection, out TcpConnection? evicted, out TcpPhase evictedPhase)
    {
        evicted = null;
        evictedPhase = TcpPhase.Busy;
        lock (_gate)
        {
            _perClient.TryGetValue(connection.Client, out var fromClient);
            if (fromClient >= maxPerClient)
            {
                return TcpRefusal.ClientLimit;
            }

            if (_connections.Count >= maxConnections)
            {
                evicted = PickVictim(out evictedPhase);
                if (evicted is null)
                {
                    return TcpRefusal.TableFull;
                }

                RemoveLocked(evicted);
            }

            connection.Index = _connections.Count;
            _connections.Add(connection);
            _perClient[connection.Client] = fromClient + 1;
            Volatile.Write(ref _count, _connections.Count);
            return null;
        }
    }

    /// <summary>Takes a connection out; false if it was already out (evicted, expired).</summary>
    public bool Remove(TcpConnection connection)
    {
        lock (_gate)
        {
            return RemoveLocked(connection);
        }
    }

    /// <summary>Takes out every connection whose deadline is at or before <paramref name="now"/>, with the phase it expired in.</summary>
    public void TakeExpired(long now, List<(TcpConnection Connection, TcpPhase Phase)> expired)
    {
        lock (_gate)
        {
            for (var i = _connections.Count - 1; i >= 0; i--)
            {
                var connection = _connections[i];
                var (phase, deadline) = connection.State;
                if (deadline != 0 && now >= deadline)
                {
                    RemoveLocked(connection);
                    expired.Add((connection, phase));
                }
            }
        }
    }

    /// <summary>Takes out every connection (the listener is stopping).</summary>
    public List<TcpConnection> TakeAll()
    {
        lock (_gate)
        {
            var all = new List<TcpConnection>(_connections);
            for (var i = all.Count - 1; i >= 0; i--)
            {
                RemoveLocked(all[i]);
            }

            return all;
        }
    }

    /// <summary>
    /// The connection to close for a new one: one already closing, else the one whose last complete message
    /// (or whose start, if it never completed one) is oldest. Connections busy answering are left alone.
    /// </summary>
    private TcpConnection? PickVictim(out TcpPhase victimPhase)
    {
        TcpConnection? victim = null;
        victimPhase = TcpPhase.Busy;
        var oldest = long.MaxValue;
        foreach (var connection in _connections)
        {
            var (phase, _) = connection.State;
            if (phase == TcpPhase.Busy)
            {
                continue;
            }

            var since = phase == TcpPhase.Closing ? long.MinValue : connection.Since;
            if (since < oldest)
            {
                oldest = since;
                victim = connection;
                victimPhase = phase;
            }
        }

        return victim;
    }

    private bool RemoveLocked(TcpConnection connection)
    {
        var index = connection.Index;
        if (index < 0)
        {
            return false;
        }

        // Swap with the last: order does not matter, removal stays O(1).
        var last = _connections[^1];
        _connections[index] = last;
        last.Index = index;
        _connections.RemoveAt(_connections.Count - 1);
        connection.Index = -1;
        Volatile.Write(ref _count, _connections.Count);

        var left = _perClient[connection.Client] - 1;
        if (left == 0)
        {
            _perClient.Remove(connection.Client);
        }
        else
        {
            _perClient[connection.Client] = left;
        }

        return true;
    }
}
