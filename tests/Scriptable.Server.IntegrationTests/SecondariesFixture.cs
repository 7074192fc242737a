using System.Diagnostics;
using System.Security.Cryptography;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Scriptable as the primary of example.org, with BIND, NSD and Knot as its secondaries on loopback ports: each is
/// allowed to transfer with the TSIG key xfr-key (from 127.0.0.1 only) and is sent NOTIFY, signed with that key.
/// </summary>
public sealed class SecondariesFixture : IAsyncLifetime
{
    /// <summary>The key both sides hold.</summary>
    public const string KeyName = "xfr-key";

    /// <summary>The zone's first serial.</summary>
    public const uint FirstSerial = 2024010101;

    private readonly List<SecondaryServer> _secondaries = [];

    /// <summary>The key's secret (base64).</summary>
    public string Secret { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The primary.</summary>
    public TestServer Primary { get; private set; } = null!;

    /// <summary>BIND, NSD and Knot, in that order.</summary>
    public IReadOnlyList<SecondaryServer> Secondaries => _secondaries;

    /// <summary>The zone file's text for serial <paramref name="serial"/>, with <paramref name="extra"/> lines.</summary>
    public static string Zone(uint serial, string extra = "") => $"""
        $ORIGIN example.org.
        $TTL 300
        @       IN SOA ns1 hostmaster {serial} 3600 600 86400 300
        @       NS    ns1
        @       MX    10 mail
        ns1     A     192.0.2.1
        mail    A     192.0.2.25
        www     A     192.0.2.10
        www     A     192.0.2.11
        www     AAAA  2001:db8::10
        txt     TXT   "hello" "world"
        alias   CNAME www
        sub     NS    ns.sub
        ns.sub  A     192.0.2.53
        {extra}
        """;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var ports = new[] { FreePorts.Next(), FreePorts.Next(), FreePorts.Next() };
        Primary = await TestServer.StartAsync([("example.org", Zone(FirstSerial))], options =>
        {
            options.DebounceMilliseconds = 20;
            options.RescanSeconds = 0.5;
            options.Admin = new AdminConfig { Listen = "127.0.0.1:0" };
            options.Tsig.Keys.Add(new TsigKeyConfig { Name = KeyName, Algorithm = "hmac-sha256", Secret = Secret });
            options.Zones["example.org"] = new ZoneOptions
            {
                Transfer =
                {
                    Allow = ["127.0.0.1 key:" + KeyName],
                    Notify = [.. ports.Select(p => $"127.0.0.1:{p} key:{KeyName}")],
                },
            };
        });
        var primary = Primary.Tcp.Port;
        _secondaries.Add(StartBind(ports[0], primary));
        _secondaries.Add(StartNsd(ports[1], primary));
        _secondaries.Add(StartKnot(ports[2], primary));
    }

    /// <summary>Waits until every secondary answers the zone's SOA with <paramref name="serial"/>; returns how long it took.</summary>
    public async Task<TimeSpan> WaitForSerialAsync(uint serial, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var pending = _secondaries.ToList();
        while (pending.Count > 0)
        {
            foreach (var secondary in pending.ToList())
            {
                if (await SerialAsync(secondary) == serial)
                {
                    pending.Remove(secondary);
                }
            }

            if (pending.Count == 0)
            {
                break;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"serial {serial} did not reach {string.Join(", ", pending.Select(p => p.Name))} within {timeout.TotalSeconds} s:\n"
                    + string.Join("\n----\n", pending.Select(p => $"{p.Name} (running: {p.Running}):\n{p.Log}")));
            }

            await Task.Delay(50);
        }

        return watch.Elapsed;
    }

    /// <summary>The serial a secondary answers for the zone, or null (not loaded, no answer).</summary>
    public static async Task<uint?> SerialAsync(SecondaryServer secondary)
    {
        try
        {
            var answer = await DnsWire.UdpAsync(secondary.EndPoint, RawQuery.Build("example.org", Engine.Protocol.RecordType.SOA), 300);
            if (answer is null || Responses.HeaderRcode(answer) != 0)
            {
                return null;
            }

            return Responses.Parse(answer).AnswerRecords.OfType<ARSoft.Tools.Net.Dns.SoaRecord>().FirstOrDefault()?.SerialNumber;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var secondary in _secondaries)
        {
            await secondary.DisposeAsync();
        }

        if (Primary is not null)
        {
            await Primary.DisposeAsync();
        }
    }

    private SecondaryServer StartBind(int port, int primary)
    {
        var dir = Directory.CreateTempSubdirectory("scriptable-bind-").FullName;
        File.WriteAllText(Path.Combine(dir, "named.conf"), $$"""
            options {
                directory "{{dir}}";
                pid-file "{{dir}}/named.pid";
                session-keyfile "{{dir}}/session.key";
                managed-keys-directory "{{dir}}";
                listen-on port {{port}} { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                notify no;
                dnssec-validation no;
                allow-transfer { any; };
            };
            controls { };
            {{ReadmeBindExample(primary)}}
            """);
        return SecondaryServer.Start("named", "named", ["-g", "-c", Path.Combine(dir, "named.conf")], dir, port);
    }

    /// <summary>
    /// The BIND secondary configuration of the root README's "Secondaries (zone transfers)", pointed at the primary's
    /// port, with this fixture's secret: the README's example is what runs.
    /// </summary>
    private string ReadmeBindExample(int primary)
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md"));
        var section = readme[readme.IndexOf("## Secondaries (zone transfers)", StringComparison.Ordinal)..];
        var start = section.IndexOf("```conf\n", StringComparison.Ordinal) + "```conf\n".Length;
        var example = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var secret = System.Text.RegularExpressions.Regex.Match(example, "secret \"([^\"]+)\"").Groups[1].Value;
        Assert.Contains("192.0.2.1 port 53", example, StringComparison.Ordinal);
        Assert.NotEmpty(secret);
        return example.Replace("192.0.2.1 port 53", $"127.0.0.1 port {primary}", StringComparison.Ordinal).Replace(secret, Secret, StringComparison.Ordinal);
    }

    private SecondaryServer StartNsd(int port, int primary)
    {
        var dir = Directory.CreateTempSubdirectory("scriptable-nsd-").FullName;
        File.WriteAllText(Path.Combine(dir, "nsd.conf"), $"""
            server:
                ip-address: 127.0.0.1
                port: {port}
                username: ""
                chroot: ""
                zonesdir: "{dir}"
                database: ""
                pidfile: "{dir}/nsd.pid"
                xfrdfile: "{dir}/xfrd.state"
                xfrdir: "{dir}"
                zonelistfile: "{dir}/zone.list"
                logfile: "{dir}/nsd.log"
                verbosity: 2
                server-count: 1
            remote-control:
                control-enable: no
            key:
                name: "{KeyName}"
                algorithm: hmac-sha256
                secret: "{Secret}"
            zone:
                name: "example.org"
                zonefile: "{dir}/example.org.zone"
                request-xfr: 127.0.0.1@{primary} {KeyName}
                allow-notify: 127.0.0.1 {KeyName}
                provide-xfr: 127.0.0.1 NOKEY
            """);
        return SecondaryServer.Start("nsd", "nsd", ["-d", "-c", Path.Combine(dir, "nsd.conf")], dir, port, Path.Combine(dir, "nsd.log"));
    }

    private SecondaryServer StartKnot(int port, int primary)
    {
        var dir = Directory.CreateTempSubdirectory("scriptable-knot2-").FullName;
        File.WriteAllText(Path.Combine(dir, "knot.conf"), $"""
            server:
                rundir: "{dir}"
                listen: 127.0.0.1@{port}
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
            log:
              - target: stderr
                any: info
            key:
              - id: {KeyName}
                algorithm: hmac-sha256
                secret: {Secret}
            remote:
              - id: primary
                address: 127.0.0.1@{primary}
                key: {KeyName}
            acl:
              - id: notify-from-primary
                address: 127.0.0.1
                key: {KeyName}
                action: notify
              - id: transfer-out
                address: 127.0.0.1
                action: transfer
            database:
                storage: "{dir}/db"
            template:
              - id: default
                storage: "{dir}"
            zone:
              - domain: example.org
                master: primary
                acl: [notify-from-primary, transfer-out]
                file: "{dir}/example.org.zone"
            """);
        return SecondaryServer.Start("knotd", "knotd", ["-c", Path.Combine(dir, "knot.conf")], dir, port);
    }
}
