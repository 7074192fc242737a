using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Observability;

/// <summary>
/// One answered query, copied off the query path for a background writer (dnstap, the query log): the query's
/// octets, the response's octets (or only its header), the client, the times, and what policy answered and
/// what it picked. Pooled by <see cref="RecordQueue"/>: its buffers are reused, so copying allocates nothing
/// once they have grown to the sizes seen.
/// </summary>
internal sealed class QueryRecord
{
    /// <summary>The octets of a DNS header: all a query log needs of a response.</summary>
    public const int HeaderSize = 12;

    private byte[] _query = new byte[512];
    private byte[] _response;
    private readonly byte[] _client = new byte[16];
    private readonly byte[] _ecs = new byte[16];

    /// <summary>Creates a record whose response buffer starts at <paramref name="responseSize"/> octets (it grows if needed).</summary>
    public QueryRecord(int responseSize)
    {
        _response = new byte[responseSize];
    }

    /// <summary>The query as received.</summary>
    public ReadOnlyMemory<byte> Query => _query.AsMemory(0, QueryLength);

    /// <summary>Length of the query.</summary>
    public int QueryLength { get; private set; }

    /// <summary>The response as sent, or its header only (<see cref="CopyFrom"/>).</summary>
    public ReadOnlyMemory<byte> Response => _response.AsMemory(0, ResponseCopied);

    /// <summary>Octets of the response copied.</summary>
    public int ResponseCopied { get; private set; }

    /// <summary>Length of the response sent.</summary>
    public int ResponseLength { get; private set; }

    /// <summary>The client's address octets (4 or 16).</summary>
    public ReadOnlyMemory<byte> ClientAddress => _client.AsMemory(0, ClientAddressLength);

    /// <summary>4 or 16.</summary>
    public int ClientAddressLength { get; private set; }

    /// <summary>The client's port.</summary>
    public int ClientPort { get; private set; }

    /// <summary>UDP or TCP.</summary>
    public DnsTransport Transport { get; private set; }

    /// <summary>When the query was taken by the pipeline (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Received { get; private set; }

    /// <summary>When its answer was ready (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Answered { get; private set; }

    /// <summary>Offset just past the question in <see cref="Query"/>, or 0 if none was read.</summary>
    public int QuestionEnd { get; private set; }

    /// <summary>The question type.</summary>
    public ushort QType { get; private set; }

    /// <summary>The question class.</summary>
    public ushort QClass { get; private set; }

    /// <summary>The query ID.</summary>
    public ushort Id { get; private set; }

    /// <summary>True if the query carried EDNS.</summary>
    public bool HasEdns { get; private set; }

    /// <summary>The DO bit.</summary>
    public bool DnssecOk { get; private set; }

    /// <summary>The client's advertised UDP payload size (0 without EDNS).</summary>
    public ushort ClientUdpSize { get; private set; }

    /// <summary>The response code, extended codes included.</summary>
    public int Rcode { get; private set; }

    /// <summary>True if the query carried an EDNS Client Subnet option.</summary>
    public bool HasEcs { get; private set; }

    /// <summary>The ECS family (1 IPv4, 2 IPv6).</summary>
    public ushort EcsFamily { get; private set; }

    /// <summary>The ECS source prefix length.</summary>
    public byte EcsSourcePrefix { get; private set; }

    /// <summary>The ECS scope prefix length of the answer.</summary>
    public byte EcsScope { get; private set; }

    /// <summary>The ECS address, zero-padded (4 or 16 octets).</summary>
    public ReadOnlySpan<byte> EcsAddress => _ecs.AsSpan(0, EcsFamily == 1 ? 4 : 16);

    /// <summary>The name of the policy that answered (its owner name), or null.</summary>
    public string? Policy { get; private set; }

    /// <summary>What it picked (<see cref="QueryContext.PolicyPick"/>), or null.</summary>
    public string? Pick { get; private set; }

    /// <summary>
    /// Copies the answered query in <paramref name="context"/>: the whole response when <paramref name="wholeResponse"/>,
    /// else its header. On the query path: copies and nothing else (buffers grow only for a larger message than seen).
    /// </summary>
    public void CopyFrom(QueryContext context, long received, long answered, bool wholeResponse)
    {
        var query = context.Packet;
        if (query.Length > _query.Length)
        {
            _query = new byte[Math.Max(query.Length, _query.Length * 2)];
        }

        query.CopyTo(_query);
        QueryLength = query.Length;
        ResponseLength = context.ResponseLength;
        ResponseCopied = wholeResponse ? context.ResponseLength : Math.Min(HeaderSize, context.ResponseLength);
        if (ResponseCopied > _response.Length)
        {
            _response = new byte[Math.Max(ResponseCopied, _response.Length * 2)];
        }

        context.Response.AsSpan(0, ResponseCopied).CopyTo(_response);
        context.ClientAddress.CopyTo(_client);
        ClientAddressLength = context.ClientAddressLength;
        ClientPort = context.ClientPort;
        Transport = context.Transport;
        Received = received;
        Answered = answered;
        QuestionEnd = context.QuestionEnd;
        QType = context.QType;
        QClass = context.QClass;
        Id = context.Id;
        HasEdns = context.HasEdns;
        DnssecOk = context.DnssecOk;
        ClientUdpSize = context.HasEdns ? context.ClientUdpSize : (ushort)0;
        Rcode = context.Rcode;
        var ecs = context.Ecs;
        HasEcs = ecs.Present;
        if (ecs.Present)
        {
            EcsFamily = ecs.Family;
            EcsSourcePrefix = ecs.SourcePrefix;
            EcsScope = context.EcsScope;
            ecs.FullAddress.CopyTo(_ecs);
        }

        Policy = context.AnsweredBy?.Stats.Name;
        Pick = context.PolicyPick;
    }
}
