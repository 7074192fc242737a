using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Testing;

/// <summary>
/// A policies folder loaded in-process, exactly as <c>scriptable serve</c> loads it, answering queries
/// through the server's own pipeline without sockets. Use it from any test framework:
/// <code>
/// var folder = PoliciesFolder.Load("policies");
/// var result = folder.Query("www.example.com", "A");
/// Assert.Equal("NOERROR", result.Rcode);
/// </code>
/// </summary>
public sealed class PoliciesFolder : IDisposable
{
    private readonly QueryPipeline _pipeline;
    private readonly QueryContext _context;
    private readonly object _gate = new();

    private readonly FolderLoader _loader;

    private PoliciesFolder(string path, FolderLoader loader, FolderReload reload)
    {
        Path = path;
        _loader = loader;
        Zones = [.. reload.Zones.Zones.Select(z => z.Origin.ToString())];
        Policies = [.. reload.Policies.Policies.Bindings.Select(b => b.Owner.ToString())];
        Warnings = [.. reload.ZoneResult.Warnings.Select(w => w.ToString()), .. reload.Policies.Warnings.Select(w => w.ToString()),
            .. reload.Policies.Changes.SelectMany(c => c.Diagnostics).Where(d => !d.IsError).Select(d => d.ToString())];
        Databases = [.. reload.Geo.Databases.Databases.Select(d => d.Path)];
        _pipeline = new QueryPipeline(new ServerSnapshot(reload.Zones, new DnsConfig(), reload.Policies.Policies, geo: reload.Geo.Databases), NullLogger.Instance);
        _context = _pipeline.CreateContext();
    }

    /// <summary>The folder loaded.</summary>
    public string Path { get; }

    /// <summary>Origins of the zones served.</summary>
    public IReadOnlyList<string> Zones { get; }

    /// <summary>The geo databases in use, in lookup order.</summary>
    public IReadOnlyList<string> Databases { get; }

    /// <summary>The names answered by policies.</summary>
    public IReadOnlyList<string> Policies { get; }

    /// <summary>Warnings from loading (zones as <c>file:line: message</c>, policies as <c>file(line,col): warning ...</c>).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Loads a folder as the server does (zones, then policies compiled with the same sandbox and budget, and
    /// geo databases: <paramref name="geo"/>, then the folder's <c>_geo/*.mmdb</c>); throws
    /// <see cref="InvalidDataException"/> listing every error if anything fails to load or compile.
    /// </summary>
    public static PoliciesFolder Load(string path, params string[] geo)
    {
        var loader = new FolderLoader(path, geoDatabases: geo);
        var reload = loader.Reload();
        var errors = new List<string>();
        errors.AddRange(reload.ZoneResult.Errors.Select(e => e.ToString()));
        errors.AddRange(reload.Policies.Warnings.Where(w => w.IsError).Select(w => w.ToString()));
        errors.AddRange(reload.Policies.Changes.SelectMany(c => c.Diagnostics).Where(d => d.IsError).Select(d => d.ToString()));
        errors.AddRange(reload.Geo.Changes.Where(c => c.Error is not null).Select(c => c.Error!));
        errors.AddRange(reload.HealthResult?.Diagnostics.Where(d => d.IsError).Select(d => d.ToString()) ?? []);
        if (errors.Count > 0)
        {
            loader.Dispose();
            throw new InvalidDataException($"'{path}' does not load:{Environment.NewLine}" + string.Join(Environment.NewLine, errors));
        }

        return new PoliciesFolder(path, loader, reload);
    }

    /// <summary>Unloads the compiled policies (each lives in a collectible assembly load context).</summary>
    public void Dispose() => _loader.Dispose();

    /// <summary>
    /// Asks a question as a client would. <paramref name="type"/> is a mnemonic (<c>AAAA</c>) or <c>TYPEnnn</c>;
    /// <paramref name="ecs"/> is an EDNS Client Subnet such as <c>192.0.2.0/24</c>; without EDNS the UDP
    /// limit is 512 octets, as for a real client.
    /// </summary>
    public QueryResult Query(string name, string type = "A", string client = "192.0.2.1", string? ecs = null, bool tcp = false, bool edns = true)
    {
        if (!RecordType.TryParse(type, out var qtype))
        {
            throw new ArgumentException($"'{type}' is not a record type.", nameof(type));
        }

        var query = BuildQuery(name.EndsWith('.') ? name : name + ".", qtype, edns || ecs is not null, ecs);
        var address = IPAddress.Parse(client);
        lock (_gate)
        {
            _context.Reset(query, 0, query.Length, tcp ? DnsTransport.Tcp : DnsTransport.Udp);
            _context.SetClient(address.GetAddressBytes(), 53000);
            if (_pipeline.Process(_context) == 0)
            {
                throw new InvalidOperationException("The server sent no answer.");
            }

            return Describe(_context, name.EndsWith('.') ? name : name + ".");
        }
    }

    private static byte[] BuildQuery(string name, ushort type, bool edns, string? ecs)
    {
        var qname = DnsName.Parse(name);
        var packet = new List<byte> { 0x51, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0, (byte)(edns ? 1 : 0) };
        packet.AddRange(qname.Wire);
        packet.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        if (!edns)
        {
            return [.. packet];
        }

        var option = ecs is null ? [] : EcsOption(ecs);
        packet.AddRange([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, (byte)(option.Length >> 8), (byte)option.Length]);
        packet.AddRange(option);
        return [.. packet];
    }

    private static byte[] EcsOption(string subnet)
    {
        var slash = subnet.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(subnet[..slash], out var address) || !byte.TryParse(subnet[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            throw new ArgumentException($"'{subnet}' is not a subnet such as 192.0.2.0/24.", nameof(subnet));
        }

        var bytes = address.GetAddressBytes();
        var count = (prefix + 7) / 8;
        if (count > bytes.Length)
        {
            throw new ArgumentException($"'{subnet}' has a prefix longer than its address.", nameof(subnet));
        }

        var data = new byte[8 + count];
        data[1] = 8;
        data[3] = (byte)(4 + count);
        data[5] = (byte)(address.AddressFamily == AddressFamily.InterNetwork ? 1 : 2);
        data[6] = prefix;
        bytes.AsSpan(0, count).CopyTo(data.AsSpan(8));
        if (prefix % 8 != 0)
        {
            data[^1] &= (byte)(0xFF << (8 - (prefix % 8)));
        }

        return data;
    }

    private static QueryResult Describe(QueryContext context, string qname)
    {
        // The plan is what Finalize encoded; sections it had to leave out (TC) are dropped here likewise.
        var response = context.Response;
        int Count(int offset) => (response[offset] << 8) | response[offset + 1];
        var hasOpt = context.HasEdns ? 1 : 0;
        var plan = context.Plan;
        return new QueryResult(
            ResponseCode.ToText(context.Rcode),
            (response[2] & 0x04) != 0,
            (response[2] & 0x02) != 0,
            Lines(plan.Answer, Count(6), qname),
            Lines(plan.Authority, Count(8), qname),
            Lines(plan.Additional, Count(10) - hasOpt, qname),
            context.Ecs.Present ? context.EcsScope : null);
    }

    private static List<string> Lines(PlannedSection section, int records, string qname)
    {
        var lines = new List<string>();
        foreach (var item in section.Items)
        {
            foreach (var rdata in item.Set.Records)
            {
                if (lines.Count == records)
                {
                    return lines;
                }

                var owner = item.Owner?.ToString() ?? qname;
                lines.Add($"{owner} {item.Ttl.ToString(CultureInfo.InvariantCulture)} IN {RecordType.ToText(item.Set.Type)} {RDataText.Format(item.Set.Type, rdata)}");
            }
        }

        return lines;
    }
}
