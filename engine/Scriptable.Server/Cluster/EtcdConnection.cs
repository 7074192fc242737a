using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Scriptable.Server.Cluster;

/// <summary>
/// The etcd v3 API over gRPC (dotnet-etcd's generated clients, so the calls are etcd's own protos): one channel over
/// every endpoint of <see cref="ClusterConfig.Etcd"/>, TLS and user/password from the configuration, and a deadline
/// on every unary call. Works with etcd 3.4 and later (the v3 API: KV, Watch, Lease, Auth).
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private readonly ClusterConfig _config;
    private readonly EtcdClient _client;
    private Metadata _headers = [];

    public EtcdConnection(ClusterConfig config)
    {
        _config = config;
        var secure = config.Etcd.Exists(e => e.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        X509Certificate2? clientCertificate = config.ClientCertificate.Length > 0
            ? X509Certificate2.CreateFromPemFile(config.ClientCertificate, config.ClientKey)
            : null;
        X509Certificate2Collection? trusted = null;
        if (config.TrustedCa.Length > 0)
        {
            trusted = [];
            trusted.ImportFromPemFile(config.TrustedCa);
        }

        _client = new EtcdClient(string.Join(",", config.Etcd),
            configureSslOptions: secure ? ssl => ConfigureTls(ssl, clientCertificate, trusted) : null,
            configureChannelOptions: options =>
            {
                if (!secure)
                {
                    options.Credentials = ChannelCredentials.Insecure;
                }
            });
        Connection = _client.GetConnection();
    }

    /// <summary>The generated clients.</summary>
    public dotnet_etcd.interfaces.IConnection Connection { get; }

    /// <summary>The headers every call sends (the auth token, when etcd's authentication is on).</summary>
    public Metadata Headers => Volatile.Read(ref _headers);

    /// <summary>A deadline one request from now.</summary>
    public DateTime Deadline => DateTime.UtcNow.AddSeconds(_config.TimeoutSeconds);

    /// <summary>Signs in when a user is configured (a new token each session: tokens lapse while etcd is away).</summary>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        if (_config.User.Length == 0)
        {
            return;
        }

        var response = await Connection.AuthClient.AuthenticateAsync(new AuthenticateRequest { Name = _config.User, Password = _config.Password },
            deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _headers, new Metadata { { "token", response.Token } });
    }

    /// <summary>
    /// Every key under <paramref name="prefix"/>, as the member asked knows them (a serializable read: answered without a
    /// leader, so a node catches up during an election; the watch that follows brings what it lacked).
    /// </summary>
    public async Task<RangeResponse> RangeAsync(string prefix, CancellationToken cancellationToken) =>
        await Connection.KVClient.RangeAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix), Serializable = true }, Headers, Deadline, cancellationToken).ConfigureAwait(false);

    /// <summary>Writes <paramref name="key"/>, under <paramref name="lease"/> when not 0.</summary>
    public async Task PutAsync(string key, string value, long lease, CancellationToken cancellationToken) =>
        await Connection.KVClient.PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease }, Headers, Deadline, cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes <paramref name="key"/>.</summary>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await Connection.KVClient.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, Headers, Deadline, cancellationToken).ConfigureAwait(false);

    /// <summary>A new lease of <paramref name="seconds"/>; its id.</summary>
    public async Task<long> GrantAsync(long seconds, CancellationToken cancellationToken)
    {
        var response = await Connection.LeaseClient.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, Headers, Deadline, cancellationToken).ConfigureAwait(false);
        return response.ID;
    }

    /// <summary>Ends a lease now (its keys go at once); errors are ignored: the lease lapses by itself anyway.</summary>
    public async Task RevokeAsync(long lease)
    {
        try
        {
            await Connection.LeaseClient.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, Headers, DateTime.UtcNow.AddSeconds(Math.Min(1, _config.TimeoutSeconds))).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
    }

    /// <summary>Opens a keep-alive stream.</summary>
    public AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KeepAlive(CancellationToken cancellationToken) =>
        Connection.LeaseClient.LeaseKeepAlive(Headers, cancellationToken: cancellationToken);

    /// <summary>Opens a watch stream.</summary>
    public AsyncDuplexStreamingCall<WatchRequest, WatchResponse> Watch(CancellationToken cancellationToken) =>
        Connection.WatchClient.Watch(Headers, cancellationToken: cancellationToken);

    /// <summary>A watch of every key under <paramref name="prefix"/> from <paramref name="revision"/>.</summary>
    public static WatchRequest WatchFrom(string prefix, long revision) => new()
    {
        CreateRequest = new WatchCreateRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix), StartRevision = revision },
    };

    public void Dispose() => _client.Dispose();

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    /// <summary>The end of the range of keys that start with <paramref name="prefix"/>: the prefix with its last byte plus one.</summary>
    private static ByteString RangeEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    private static void ConfigureTls(SslClientAuthenticationOptions ssl, X509Certificate2? clientCertificate, X509Certificate2Collection? trusted)
    {
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
        }

        if (trusted is not null)
        {
            ssl.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            ssl.CertificateChainPolicy.CustomTrustStore.AddRange(trusted);
        }
    }
}
