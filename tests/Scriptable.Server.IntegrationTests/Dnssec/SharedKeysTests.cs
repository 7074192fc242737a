using ARSoft.Tools.Net.Dns;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Server.IntegrationTests.Dnssec;

/// <summary>
/// Several nodes sign with the same keys: keys made once by <c>scriptable dnssec init</c>, the key folder copied
/// (<c>cp -a</c>, modes kept) to a second path, two servers on one policies folder each reading its own copy. Both
/// publish the same DNSKEY RRset, and unbound, given the one DS and a stub zone listing both servers, validates
/// answers from each: first with only server A up, then with only server B.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SharedKeysTests
{
    [ToolFact("unbound", "unbound")]
    public async Task TwoServers_CopiedKeyFolder_OneDs_BothValidate()
    {
        var root = Directory.CreateTempSubdirectory("scriptable-shared-keys-").FullName;
        TestServer? a = null;
        TestServer? b = null;
        UnboundResolver? unbound = null;
        try
        {
            var policies = Path.Combine(root, "policies");
            await DnssecValidationTests.WriteExampleOrgAsync(policies);
            foreach (var node in new[] { "a", "b" })
            {
                await File.WriteAllTextAsync(Path.Combine(policies, "example.org", $"pol{node}.csx"), "return Answer.Address(\"192.0.2.78\").WithTtl(60);\n");
            }

            var keysA = Path.Combine(root, "node-a.keys");
            var keysB = Path.Combine(root, "node-b.keys");
            var environment = new Dictionary<string, string> { ["SCRIPTABLE_Dnssec__Keys"] = keysA };
            Assert.Equal(0, (await DnssecValidationTests.Fixture.Run(environment, "dnssec", "init", "example.org")).Exit);
            var copy = await ExternalTool.RunAsync("cp", ["-a", keysA, keysB]);
            Assert.True(copy.ExitCode == 0, copy.Error);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keysB));
            Assert.All(Directory.GetFiles(keysB, "*.private"), file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));
            var ds = await DnssecValidationTests.Fixture.Run(environment, "dnssec", "ds", "example.org");
            Assert.Equal(0, ds.Exit);
            var anchor = Assert.Single(DnssecValidationTests.DsLines(ds.Output));
            var tag = int.Parse(anchor.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4], System.Globalization.CultureInfo.InvariantCulture);

            // No trial process: what is tested here is signing, and each start would otherwise run one.
            Task<TestServer> Start(string keys, System.Net.IPEndPoint? listen = null) =>
                TestServer.StartInFolderAsync(policies, o => { o.Dnssec.Keys = keys; o.Policy.Trial.Enabled = false; }, listen);
            a = await Start(keysA);
            b = await Start(keysB);

            // The same DNSKEY RRset, to the octet, and every signature made by the key the one DS names.
            var dnskey = RawQuery.Build("example.org", RecordType.DNSKEY);
            var dnskeyA = await a.UdpAsync(dnskey);
            Assert.NotNull(dnskeyA);
            Assert.Equal(dnskeyA, await b.UdpAsync(dnskey));
            Assert.Equal(tag, Assert.Single(Responses.Parse(dnskeyA).AnswerRecords.OfType<DnsKeyRecord>()).CalculateKeyTag());
            foreach (var server in new[] { a, b })
            {
                var signed = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(DnssecOk: true))))!);
                Assert.Equal(tag, Assert.Single(signed.AnswerRecords.OfType<RrSigRecord>()).KeyTag);
            }

            unbound = await UnboundResolver.StartAsync([a.Udp, b.Udp], ["example.org"], [anchor], tcpUpstream: true);

            // Only A up: unbound finds B silent and asks A.
            var endPointB = b.Udp;
            await b.DisposeAsync();
            b = null;
            var askedA = a.Server.Pipeline.Sum(c => c.DoRequests);
            await ResolveFreshNames(unbound, "a");
            Assert.True(a.Server.Pipeline.Sum(c => c.DoRequests) > askedA, "server A was not asked");

            // Only B up (restarted on its address, a new signature cache): the names unbound has not seen validate too.
            b = await Start(keysB, endPointB);
            await a.DisposeAsync();
            a = null;
            await ResolveFreshNames(unbound, "b");
            Assert.True(b.Server.Pipeline.Sum(c => c.DoRequests) > 0, "server B was not asked");
            Assert.DoesNotContain("validation failure", unbound.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (unbound is not null)
            {
                await unbound.DisposeAsync();
            }

            if (a is not null)
            {
                await a.DisposeAsync();
            }

            if (b is not null)
            {
                await b.DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Names no earlier phase asked (nothing in unbound's cache): a wildcard, a policy answer, a name that does not exist.</summary>
    private static async Task ResolveFreshNames(UnboundResolver unbound, string node)
    {
        var wild = await unbound.ResolveSecureAsync($"{node}.wild.example.org", RecordType.A);
        Assert.Equal("192.0.2.100", Assert.Single(wild.AnswerRecords.OfType<ARecord>()).Address.ToString());
        var policy = await unbound.ResolveSecureAsync($"pol{node}.example.org", RecordType.A);
        Assert.Equal("192.0.2.78", Assert.Single(policy.AnswerRecords.OfType<ARecord>()).Address.ToString());
        var missing = await unbound.ResolveSecureAsync($"{node}-missing.example.org", RecordType.A);
        Assert.Empty(missing.AnswerRecords);
    }
}
