namespace Scriptable.Server.Cluster;

/// <summary>
/// The <c>Cluster</c> section: several nodes sharing overrides, membership and health observations through etcd.
/// Off (a single node, exactly as without the section) until <see cref="Etcd"/> names at least one endpoint.
/// </summary>
public sealed class ClusterConfig
{
    /// <summary>The etcd client URLs (<c>http://10.0.0.1:2379</c>, <c>https://...</c> with TLS); empty: cluster mode is off.</summary>
    public List<string> Etcd { get; set; } = [];

    /// <summary>The cluster's name: every key lives under <c>/&lt;Name&gt;/</c>, so several clusters can share one etcd.</summary>
    public string Name { get; set; } = "scriptable";

    /// <summary>This node's name in the cluster; empty: the host name.</summary>
    public string Node { get; set; } = "";

    /// <summary>The etcd user (with <see cref="Password"/>), when etcd's authentication is on.</summary>
    public string User { get; set; } = "";

    /// <summary>The etcd user's password.</summary>
    public string Password { get; set; } = "";

    /// <summary>A PEM client certificate for etcd's TLS client authentication (with <see cref="ClientKey"/>).</summary>
    public string ClientCertificate { get; set; } = "";

    /// <summary>The PEM private key of <see cref="ClientCertificate"/>.</summary>
    public string ClientKey { get; set; } = "";

    /// <summary>A PEM CA certificate that etcd's server certificates must chain to; empty: the system's trust store.</summary>
    public string TrustedCa { get; set; } = "";

    /// <summary>
    /// Seconds a node's registration and observations outlive its last keep-alive: a node that stops (or loses etcd)
    /// leaves the member list and the votes this long after. Keep-alives go every third of it.
    /// </summary>
    public double LeaseSeconds { get; set; } = 10;

    /// <summary>Seconds one request to etcd may take (an override's write: after it, the request gets a 503).</summary>
    public double TimeoutSeconds { get; set; } = 2;

    /// <summary>True when cluster mode is on.</summary>
    public bool Enabled => Etcd.Count > 0;

    /// <summary>The node's name: <see cref="Node"/>, or the host name.</summary>
    public string NodeName => Node.Length > 0 ? Node : System.Net.Dns.GetHostName();

    /// <summary>The key prefix, without a trailing slash: <c>/scriptable</c>.</summary>
    public string Prefix => "/" + Name.Trim('/');

    /// <summary>Every setting out of range, one line each (empty when valid or when cluster mode is off).</summary>
    public IEnumerable<string> Validate()
    {
        if (!Enabled)
        {
            yield break;
        }

        for (var i = 0; i < Etcd.Count; i++)
        {
            if (!Uri.TryCreate(Etcd[i], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath.Length > 1)
            {
                yield return $"Cluster:Etcd:{i}: '{Etcd[i]}' is not an etcd client URL such as http://127.0.0.1:2379";
            }
        }

        if (Name.Trim('/').Length == 0 || !IsKeyPart(Name.Trim('/'), allowSlash: true))
        {
            yield return $"Cluster:Name: '{Name}' must be letters, digits, '.', '_', '-' (and '/' between parts), such as 'scriptable' or 'dns/eu'";
        }

        if (Node.Length > 0 && !IsKeyPart(Node, allowSlash: false))
        {
            yield return $"Cluster:Node: '{Node}' must be letters, digits, '.', '_' or '-' (it is part of etcd keys)";
        }

        if ((User.Length > 0) != (Password.Length > 0))
        {
            yield return "Cluster:User and Cluster:Password go together: set both (etcd authentication) or neither";
        }

        if ((ClientCertificate.Length > 0) != (ClientKey.Length > 0))
        {
            yield return "Cluster:ClientCertificate and Cluster:ClientKey go together: set both (TLS client authentication) or neither";
        }

        foreach (var (key, file) in new[] { ("ClientCertificate", ClientCertificate), ("ClientKey", ClientKey), ("TrustedCa", TrustedCa) })
        {
            if (file.Length > 0 && !File.Exists(file))
            {
                yield return $"Cluster:{key}: the file '{file}' does not exist";
            }
        }

        if ((ClientCertificate.Length > 0 || TrustedCa.Length > 0) && Etcd.Exists(e => e.StartsWith("http:", StringComparison.OrdinalIgnoreCase)))
        {
            yield return "Cluster:Etcd: TLS settings are set but an endpoint is http://: use https:// endpoints";
        }

        if (!(LeaseSeconds >= 2 && LeaseSeconds <= 300))
        {
            yield return $"Cluster:LeaseSeconds must be between 2 and 300 (got {LeaseSeconds})";
        }

        if (!(TimeoutSeconds > 0 && TimeoutSeconds <= 60))
        {
            yield return $"Cluster:TimeoutSeconds must be above 0 and at most 60 (got {TimeoutSeconds})";
        }
    }

    private static bool IsKeyPart(string text, bool allowSlash)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' || (allowSlash && c == '/')))
            {
                return false;
            }
        }

        return !text.Contains("//", StringComparison.Ordinal);
    }
}
