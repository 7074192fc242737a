using System.Net;
using Scriptable.Engine.Model;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Pipeline;

/// <summary>
/// The state of one query as it flows through the stages: the packet, what was parsed from it, what the
/// stages decided, and the response buffer. One per receive loop or connection, reset and reused for every
/// query (NSD's <c>query_reset</c>), so the query path allocates nothing.
/// </summary>
internal sealed class QueryContext
{
    /// <summary>Largest DNS message (TCP length prefix limit).</summary>
    public const int MaxMessageSize = 65535;

    private readonly byte[] _clientAddress = new byte[16];
    private readonly byte[] _lookupAddress = new byte[16];

    /// <summary>Creates a context with its own response buffer.</summary>
    public QueryContext()
    {
        Response = new byte[MaxMessageSize];
    }

    // ---- Input, set by the transport before each query.

    /// <summary>The buffer holding the query.</summary>
    public byte[] Query { get; private set; } = [];

    /// <summary>Where the query starts in <see cref="Query"/>.</summary>
    public int QueryOffset { get; private set; }

    /// <summary>Length of the query in <see cref="Query"/>.</summary>
    public int QueryLength { get; private set; }

    /// <summary>How the query arrived.</summary>
    public DnsTransport Transport { get; private set; }

    /// <summary>The client's address octets (4 or 16).</summary>
    public ReadOnlySpan<byte> ClientAddress => _clientAddress.AsSpan(0, ClientAddressLength);

    /// <summary>4 for IPv4 clients, 16 for IPv6.</summary>
    public int ClientAddressLength { get; private set; }

    /// <summary>The client's port.</summary>
    public int ClientPort { get; private set; }

    /// <summary>When processing started (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for the duration histogram.</summary>
    public long StartTimestamp { get; set; }

    /// <summary>The clock TSIG signs with (the pipeline's).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>The snapshot read once at Receive; every stage uses this one.</summary>
    public ServerSnapshot Snapshot { get; set; } = ServerSnapshot.Empty;

    // ---- Parsed by ParseStage.

    /// <summary>True once the 12-octet header was read and the packet is a query (QR=0).</summary>
    public bool HeaderValid { get; set; }

    /// <summary>The query ID.</summary>
    public ushort Id { get; set; }

    /// <summary>The query's header flags word.</summary>
    public ushort Flags { get; set; }

    /// <summary>The header opcode.</summary>
    public int Opcode => (Flags >> 11) & 0xF;

    /// <summary>Offset just past the question in the query, or 0 if no question was read.</summary>
    public int QuestionEnd { get; set; }

    /// <summary>The question name.</summary>
    public QueryName QName { get; } = new();

    /// <summary>The question type.</summary>
    public ushort QType { get; set; }

    /// <summary>The question class.</summary>
    public ushort QClass { get; set; }

    /// <summary>True if the query carried a well-formed OPT record; the response then carries one too.</summary>
    public bool HasEdns { get; set; }

    /// <summary>The client's advertised UDP payload size.</summary>
    public ushort ClientUdpSize { get; set; }

    /// <summary>The EDNS version the client used.</summary>
    public byte EdnsVersion { get; set; }

    /// <summary>The DO bit (RFC 3225): remembered for DNSSEC and echoed.</summary>
    public bool DnssecOk { get; set; }

    /// <summary>True if the client asked for our NSID (RFC 5001).</summary>
    public bool NsidRequested { get; set; }

    /// <summary>The EDNS Client Subnet option, if any.</summary>
    public ClientSubnet Ecs { get; } = new();

    /// <summary>The query's TSIG (RFC 8945): found by Parse, verified by the TSIG stage, signed into the response by Finalize.</summary>
    public Transfers.TsigState Tsig { get; } = new();

    /// <summary>A zone transfer this query started (AXFR, IXFR over TCP): the transport asks it for its further messages.</summary>
    public Transfers.OutgoingTransfer? Transfer { get; set; }

    // ---- Set by EnrichStage.

    /// <summary>
    /// The address the client is located by: the ECS address (its prefix's bits, zero-padded to 4 or 16
    /// octets) when the query carries a usable one, else the source address.
    /// </summary>
    public ReadOnlySpan<byte> LookupAddress => _lookupAddress.AsSpan(0, LookupAddressLength);

    /// <summary>4 or 16.</summary>
    public int LookupAddressLength { get; private set; }

    /// <summary>
    /// True if <see cref="LookupAddress"/> came from ECS: present, with a source prefix above 0, from a client
    /// the configuration trusts. Answers that depend on it carry an ECS scope; others carry scope 0.
    /// </summary>
    public bool LookupFromEcs { get; private set; }

    /// <summary>Sets <see cref="LookupAddress"/>.</summary>
    public void SetLookupAddress(ReadOnlySpan<byte> address, bool fromEcs)
    {
        _lookupAddress.AsSpan().Clear();
        address.CopyTo(_lookupAddress);
        LookupAddressLength = address.Length;
        LookupFromEcs = fromEcs;
    }

    // ---- Decided by the stages.

    /// <summary>The response code (may exceed 15: extended EDNS codes).</summary>
    public int Rcode { get; set; }

    /// <summary>The AA flag.</summary>
    public bool Authoritative { get; set; }

    /// <summary>The zone matched, or null.</summary>
    public Zone? Zone { get; set; }

    /// <summary>Where a CNAME answered by the question name's policy points: the answer stage goes on there.</summary>
    public DnsName? ChainTarget { get; set; }

    /// <summary>The last policy that was asked to answer (the question name's, or one a CNAME chain reached).</summary>
    public Policies.PolicyBinding? AnsweredBy { get; set; }

    /// <summary>
    /// What the last pool a policy asked picked (the member's health check, else <c>#n</c>; <c>all-down</c> for the
    /// pool's all-down value), or <c>fallback</c> when the policy failed; null when no pool picked. A string the pool
    /// or the runner holds: setting it allocates nothing. Read by the query log and dnstap.
    /// </summary>
    public string? PolicyPick { get; set; }

    /// <summary>
    /// True when someone wants to know why (<c>scriptable query</c>, tests): the policy runner then writes
    /// <see cref="PolicyNote"/>. Off on the server's query path.
    /// </summary>
    public bool Explain { get; set; }

    /// <summary>
    /// True when each question stands alone (the local server, where questions are test cases, not traffic): a
    /// policy stopped for time is not benched for the next second, so one case cannot change the next one's answer.
    /// </summary>
    public bool Isolated { get; set; }

    /// <summary>With <see cref="Explain"/>: what happened in the policy (its fallback and why), or null when it answered.</summary>
    public string? PolicyNote { get; set; }

    /// <summary>With <see cref="Explain"/>: what went wrong in the policy, structured (a trial tells budget stops from exceptions); null when it answered.</summary>
    public Policies.PolicyFailure? PolicyFailure { get; set; }

    /// <summary>With <see cref="Explain"/>: how the policy's pools picked, in order; null when none did.</summary>
    public List<string>? PolicyTrace { get; set; }

    /// <summary>The sections to write.</summary>
    public AnswerPlan Plan { get; } = new();

    /// <summary>The ECS SCOPE PREFIX-LENGTH to return (0: the answer holds for every client).</summary>
    public byte EcsScope { get; set; }

    // ---- Output, written by FinalizeStage.

    /// <summary>The response buffer.</summary>
    public byte[] Response { get; }

    /// <summary>Length of the response, 0 if nothing is to be sent.</summary>
    public int ResponseLength { get; set; }

    /// <summary>True if the response was truncated (TC=1).</summary>
    public bool Truncated { get; set; }

    /// <summary>The writer Finalize uses.</summary>
    public MessageWriter Writer { get; } = new();

    /// <summary>The <c>ctx</c> handed to policies, reused for every query of this context.</summary>
    public Scriptable.Policies.PolicyContext PolicyContext { get; } = new();

    /// <summary>Per-context counters, summed by the metrics.</summary>
    public QueryCounters Counters { get; } = new();

    /// <summary>
    /// This context's slot in the in-flight journal, where the policy runner records what it runs (and the
    /// watchdog looks); null when the pipeline has no journal (tools, tests) or every slot is taken.
    /// </summary>
    public Containment.JournalSlot? Slot { get; set; }

    /// <summary>Starts a new query.</summary>
    public void Reset(byte[] query, int offset, int length, DnsTransport transport)
    {
        Query = query;
        QueryOffset = offset;
        QueryLength = length;
        Transport = transport;
        HeaderValid = false;
        Id = 0;
        Flags = 0;
        QuestionEnd = 0;
        QType = 0;
        QClass = 0;
        HasEdns = false;
        ClientUdpSize = 0;
        EdnsVersion = 0;
        DnssecOk = false;
        NsidRequested = false;
        Ecs.Clear();
        Tsig.Reset();
        Transfer = null;
        LookupAddressLength = 0;
        LookupFromEcs = false;
        Rcode = 0;
        Authoritative = false;
        Zone = null;
        ChainTarget = null;
        AnsweredBy = null;
        PolicyPick = null;
        PolicyNote = null;
        PolicyFailure = null;
        PolicyTrace?.Clear();
        Plan.Clear();
        EcsScope = 0;
        ResponseLength = 0;
        Truncated = false;
    }

    /// <summary>Sets the client's address from octets (4 or 16) and port.</summary>
    public void SetClient(ReadOnlySpan<byte> address, int port)
    {
        address.CopyTo(_clientAddress);
        ClientAddressLength = address.Length;
        ClientPort = port;
    }

    /// <summary>Sets the client's address (allocation-free overload is <see cref="SetClient(ReadOnlySpan{byte}, int)"/>).</summary>
    public void SetClient(IPEndPoint endPoint)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        SetClient(bytes[..written], endPoint.Port);
    }

    /// <summary>Sets the rcode and tells the pipeline the response is decided.</summary>
    public StageResult Respond(int rcode)
    {
        Rcode = rcode;
        return StageResult.Respond;
    }

    /// <summary>The query as raw bytes.</summary>
    public ReadOnlySpan<byte> Packet => Query.AsSpan(QueryOffset, QueryLength);
}
