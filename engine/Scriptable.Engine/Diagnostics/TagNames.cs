namespace Scriptable.Engine.Diagnostics;

/// <summary>Metric tag names (never tag by query name or client address: unbounded cardinality).</summary>
internal static class TagNames
{
    /// <summary>The response code mnemonic.</summary>
    public const string Rcode = "dns.rcode";

    /// <summary>udp or tcp.</summary>
    public const string Transport = "network.transport";

    /// <summary>The policy's name (its file's name in its zone, such as <c>www.example.com</c>).</summary>
    public const string Policy = "policy.name";

    /// <summary>Why something failed.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The zone origin.</summary>
    public const string Zone = "dns.zone";

    /// <summary>A health check's or group's name, as configured in <c>health.yaml</c> (bounded by the configuration).</summary>
    public const string HealthCheck = "health.check";

    /// <summary>A health check's state: up, down, draining or unknown.</summary>
    public const string HealthState = "health.state";

    /// <summary>A probe's result: success or failure.</summary>
    public const string HealthResult = "health.result";

    /// <summary>Why a policy was benched: time, stack, memory, budget, cpu, stuck.</summary>
    public const string Reason = "policy.bench.reason";

    /// <summary>Why a TCP connection was refused or closed (client_limit, idle_timeout, evicted, ...).</summary>
    public const string TcpReason = "tcp.reason";

    /// <summary>What a zone transfer carried: full, incremental, soa_only.</summary>
    public const string TransferKind = "dns.transfer.kind";

    /// <summary>How a NOTIFY ended: answered, failed.</summary>
    public const string NotifyResult = "dns.notify.result";
}
