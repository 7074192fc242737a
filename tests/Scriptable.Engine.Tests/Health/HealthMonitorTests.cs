using Scriptable.TestCommon;
using System.Net;
using System.Net.Sockets;
using Scriptable.Engine.Health;
using Scriptable.Policies;

namespace Scriptable.Engine.Tests.Health;

/// <summary>
/// The monitor against real backends on 127.0.0.1, in virtual time: a step moves the clock one interval and
/// waits for the probes it started, so tests assert on states and counts, never on how long anything took.
/// </summary>
public sealed class HealthMonitorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Apply_FirstProbe_RunsAtOnce()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();

        h.Apply($"checks:\n  eu: {{ http: {server.Url}, initial: down, rise: 1 }}\n");

        // The clock has not moved and nothing asked: the probe ran because the check was applied.
        await h.Probed("eu", 1);
        Assert.Equal(1, server.Requests);
        Assert.Equal(HealthState.Up, h.State("eu"));
        Assert.Equal([HealthState.Down, HealthState.Up], h.Published.Select(m => m["eu"].State));
        Assert.Contains("Information: Health check 'eu' is up: HTTP 200 (1 success in a row; was down for 0 ms).", h.Logs);
    }

    [Fact]
    public async Task Http503_DownAfterFallFailures()
    {
        await using var server = new TestHttpServer(_ => new TestResponse(503));
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url}, fall: 3 }}\n");

        await h.Probed("eu", 1);
        Assert.Equal(HealthState.Up, h.State("eu"));
        await h.Step(Interval, "eu");
        Assert.Equal(HealthState.Up, h.State("eu"));
        await h.Step(Interval, "eu");

        Assert.Equal(HealthState.Down, h.State("eu"));
        Assert.Equal("HTTP 503", h.Map["eu"].Reason);
        var status = h.Status("eu");
        Assert.Equal((3L, 3L, 3, 0), (status.Probes, status.Failures, status.ConsecutiveFailures, status.ConsecutiveSuccesses));
        Assert.Equal(h.Time.GetUtcNow(), status.Since);
        Assert.Single(h.Logs, l => l.StartsWith("Information: Health check 'eu' is down: HTTP 503 (3 failures in a row; was up for 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refused_DownWithReason()
    {
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: http://127.0.0.1:{ProberContractTests.ClosedPort()}/health, fall: 1 }}\n  na: {{ tcp: 127.0.0.1:{ProberContractTests.ClosedPort()}, fall: 1 }}\n");

        await h.Probed("eu", 1);
        await h.Probed("na", 1);

        Assert.Equal((HealthState.Down, "connection refused"), (h.State("eu"), h.Status("eu").Reason));
        Assert.Equal((HealthState.Down, "connection refused"), (h.State("na"), h.Status("na").Reason));
    }

    [Fact]
    public async Task Slow_TimesOut()
    {
        await using var server = new TestHttpServer(_ => TestResponse.Hang);
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url}, timeout: 2s, fall: 1 }}\n");
        await MonitorHarness.Until(() => server.Requests == 1, "the request");
        Assert.Equal(0, h.Status("eu").Probes);

        h.Time.Advance(TimeSpan.FromSeconds(2));

        await h.Probed("eu", 1);
        Assert.Equal((HealthState.Down, "timeout after 2 s"), (h.State("eu"), h.Status("eu").Reason));
    }

    [Fact]
    public async Task Flapping_RiseAndFall_AbsorbAlternation()
    {
        var failing = false;
        await using var server = new TestHttpServer(r => failing || r.Number % 2 == 0 ? new TestResponse(503) : TestResponse.Ok);
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url}, rise: 2, fall: 2 }}\n");
        await h.Probed("eu", 1);

        // Success, failure, success, ...: never two of a kind in a row, so no change and no new map.
        for (var i = 0; i < 8; i++)
        {
            await h.Step(Interval, "eu");
            Assert.Equal(HealthState.Up, h.State("eu"));
        }

        Assert.Equal((9L, 4L, 1), (h.Status("eu").Probes, h.Status("eu").Failures, h.Status("eu").ConsecutiveSuccesses));
        Assert.Single(h.Published);

        // Now it really fails: down at the second failure in a row, and up again at the second success.
        failing = true;
        await h.Step(Interval, "eu");
        Assert.Equal(HealthState.Up, h.State("eu"));
        await h.Step(Interval, "eu");
        Assert.Equal(HealthState.Down, h.State("eu"));
        failing = false;
        server.Handler = _ => TestResponse.Ok;
        await h.Step(Interval, "eu");
        Assert.Equal(HealthState.Down, h.State("eu"));
        await h.Step(Interval, "eu");
        Assert.Equal(HealthState.Up, h.State("eu"));
        Assert.Equal([HealthState.Up, HealthState.Down, HealthState.Up], h.Published.Select(m => m["eu"].State));
    }

    [Fact]
    public async Task Http_BodyHostAndTls()
    {
        await using var plain = new TestHttpServer(_ => new TestResponse(200, "ready"));
        await using var tls = new TestHttpServer(tls: true);
        await using var h = new MonitorHarness();
        h.Apply($$"""
            defaults: { fall: 1, rise: 1 }
            checks:
              body-ok: { http: {{plain.Url}}, body: ready, host: www.example.org }
              body-missing: { http: {{plain.Url}}, body: healthy }
              tls-trusting: { http: {{tls.Url}}, tls-verify: false }
              tls-verifying: { http: {{tls.Url}} }
            """);
        foreach (var name in (string[])["body-ok", "body-missing", "tls-trusting", "tls-verifying"])
        {
            await h.Probed(name, 1);
        }

        Assert.Equal(HealthState.Up, h.State("body-ok"));
        Assert.Contains(plain.Received, r => r.Host == "www.example.org");
        Assert.Equal((HealthState.Down, "HTTP 200 without 'healthy' in the body"), (h.State("body-missing"), h.Status("body-missing").Reason));
        Assert.Equal(HealthState.Up, h.State("tls-trusting"));
        Assert.Equal(HealthState.Down, h.State("tls-verifying"));
        Assert.StartsWith("TLS: ", h.Status("tls-verifying").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpDnsCommand_UpAndDown()
    {
        await using var web = new TestHttpServer();
        await using var dns = new TestDnsServer();
        await using var servfail = new TestDnsServer(DnsBehaviour.ServFail);
        await using var h = new MonitorHarness();
        h.Apply($$"""
            defaults: { fall: 1, initial: up }
            checks:
              tcp-up: { tcp: 127.0.0.1:{{web.Port}} }
              dns-up: { dns: 127.0.0.1:{{dns.Port}}, query: www.example.org A }
              dns-down: { dns: 127.0.0.1:{{servfail.Port}}, query: www.example.org A }
              true: { command: [/bin/true] }
              false: { command: [/bin/false] }
            """);
        foreach (var name in (string[])["tcp-up", "dns-up", "dns-down", "true", "false"])
        {
            await h.Probed(name, 1);
        }

        Assert.Equal(HealthState.Up, h.State("tcp-up"));
        Assert.Equal((HealthState.Up, "NOERROR, 1 answer"), (h.State("dns-up"), h.Status("dns-up").Reason));
        Assert.Equal((HealthState.Down, "SERVFAIL"), (h.State("dns-down"), h.Status("dns-down").Reason));
        Assert.Equal((HealthState.Up, "exit 0"), (h.State("true"), h.Status("true").Reason));
        Assert.Equal((HealthState.Down, "exit 1"), (h.State("false"), h.Status("false").Reason));
    }

    [Fact]
    public async Task Command_Sleep_KilledAtTimeout()
    {
        await using var h = new MonitorHarness();
        h.Apply("checks:\n  slow: { command: [/bin/sh, -c, 'sleep 10'], timeout: 2s, fall: 1 }\n");
        await MonitorHarness.Until(() => h.Monitor.RunningProbes == 1, "the command to start");

        h.Time.Advance(TimeSpan.FromSeconds(2));

        await h.Probed("slow", 1);
        Assert.Equal((HealthState.Down, "timeout after 2 s (killed)"), (h.State("slow"), h.Status("slow").Reason));
    }

    [Fact]
    public async Task Dns_Silent_TimesOut()
    {
        await using var dns = new TestDnsServer(DnsBehaviour.Silent);
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  ns: {{ dns: 127.0.0.1:{dns.Port}, query: example.org SOA, timeout: 1s, fall: 1 }}\n");
        await MonitorHarness.Until(() => dns.Queries == 1, "the query");

        h.Time.Advance(TimeSpan.FromSeconds(1));

        await h.Probed("ns", 1);
        Assert.Equal((HealthState.Down, "timeout after 1 s"), (h.State("ns"), h.Status("ns").Reason));
    }

    [Fact]
    public async Task Override_ForceDown_WinsOverPassingCheck()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n");
        await h.Probed("eu", 1);

        h.Monitor.SetOverride("eu", new HealthOverride(HealthOverrideKind.ForceDown, null, "ticket 42", h.Time.GetUtcNow()));

        Assert.Equal(new HealthStatus(HealthState.Down, h.Time.GetUtcNow()) { Reason = "forced down by an operator: ticket 42", Overridden = true }, h.Map["eu"]);
        var status = h.Status("eu");
        Assert.Equal((HealthState.Down, HealthState.Up, HealthOverrideKind.ForceDown), (status.State, status.CheckState, status.Override!.Kind));
        await h.Step(Interval, "eu");
        Assert.False(h.Map.IsUp("eu"));
        Assert.Contains("Information: Health override of 'eu' set: forced down by an operator: ticket 42.", h.Logs);

        h.Monitor.SetOverride("eu", null);

        Assert.Equal((HealthState.Up, false), (h.State("eu"), h.Map["eu"].Overridden));
        Assert.Empty(h.Monitor.Overrides);
    }

    [Fact]
    public async Task Override_Drain_DrainingIsNotUp()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n  na: {{ http: {server.Url} }}\n");

        h.Monitor.SetOverride("eu", new HealthOverride(HealthOverrideKind.Drain, null, null, h.Time.GetUtcNow()));

        Assert.Equal(HealthState.Draining, h.State("eu"));
        Assert.False(h.Map.IsUp("eu"));
        Assert.True(h.Map.IsDown("eu"));
        Assert.Equal("drained by an operator", h.Map["eu"].Reason);
        Assert.True(h.Map.IsUp("na"));
    }

    [Fact]
    public async Task Override_Expiry_Lapses()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n");
        await h.Probed("eu", 1);
        var expires = h.Time.GetUtcNow().AddMinutes(10);
        h.Monitor.SetOverride("eu", new HealthOverride(HealthOverrideKind.ForceDown, expires, "maintenance", h.Time.GetUtcNow()));
        var published = h.Published.Count;

        h.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(HealthState.Down, h.State("eu"));
        h.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(h.Monitor.Overrides);
        Assert.Equal(HealthState.Up, h.State("eu"));
        Assert.Equal(published + 1, h.Published.Count);
        Assert.Contains("Information: Health override of 'eu' (force-down) expired: its checks decide again.", h.Logs);
    }

    [Fact]
    public async Task Override_UnknownName_AppearsInMap_AndSurvivesApply()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();
        h.Apply("checks:\n");

        h.Monitor.SetOverride("later", new HealthOverride(HealthOverrideKind.Drain, null, "not yet", h.Time.GetUtcNow()));

        Assert.Equal(HealthState.Draining, h.State("later"));
        h.Apply($"checks:\n  later: {{ http: {server.Url} }}\n");
        await h.Probed("later", 1);
        Assert.Equal((HealthState.Draining, HealthState.Up), (h.State("later"), h.Status("later").CheckState));
        h.Monitor.SetOverride("later", null);
        h.Monitor.SetOverride("gone", new HealthOverride(HealthOverrideKind.ForceDown, null, null, h.Time.GetUtcNow()));
        h.Monitor.SetOverride("gone", null);
        Assert.False(h.Map.Contains("gone"));
        Assert.Equal(HealthState.Up, h.State("later"));
    }

    [Fact]
    public async Task Groups_MinUp_WithMemberOverrides()
    {
        await using var up = new TestHttpServer();
        await using var down = new TestHttpServer(_ => new TestResponse(503));
        await using var h = new MonitorHarness();
        h.Apply($$"""
            checks:
              a: { http: {{up.Url}}, fall: 1 }
              b: { http: {{down.Url}}, fall: 1 }
            groups:
              any: [a, b]
              both: { members: [a, b], min-up: 2 }
            """);
        await h.Probed("a", 1);
        await h.Probed("b", 1);

        Assert.Equal((HealthState.Up, "1 of 2 members up (min-up 1)"), (h.State("any"), h.Map["any"].Reason));
        Assert.Equal(HealthState.Down, h.State("both"));

        h.Monitor.SetOverride("a", new HealthOverride(HealthOverrideKind.Drain, null, null, h.Time.GetUtcNow()));
        Assert.Equal(HealthState.Down, h.State("any"));
        Assert.Contains(h.Logs, l => l.StartsWith("Information: Health group 'any' is down: 0 of 2 members up (min-up 1); was up for", StringComparison.Ordinal));

        h.Monitor.SetOverride("both", new HealthOverride(HealthOverrideKind.ForceUp, null, null, h.Time.GetUtcNow()));
        Assert.Equal(HealthState.Up, h.State("both"));
        var group = h.Monitor.Statuses.Single(s => s.Name == "both");
        Assert.Equal((HealthCheckKind.Group, "min-up 2 of a, b", HealthState.Down), (group.Kind, group.Target, group.CheckState));
    }

    [Fact]
    public async Task Apply_RemovedCheck_StopsProbing()
    {
        await using var kept = new TestHttpServer();
        await using var removed = new TestHttpServer();
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  kept: {{ http: {kept.Url} }}\n  removed: {{ http: {removed.Url} }}\n");
        await h.Step(Interval, "kept", "removed");
        Assert.Equal(2, removed.Requests);

        h.Apply($"checks:\n  kept: {{ http: {kept.Url} }}\n");
        for (var i = 0; i < 3; i++)
        {
            await h.Step(Interval, "kept");
        }

        Assert.Equal(5, kept.Requests);
        Assert.Equal(2, removed.Requests);
        Assert.False(h.Map.Contains("removed"));
        Assert.DoesNotContain(h.Monitor.Statuses, s => s.Name == "removed");
    }

    [Fact]
    public async Task Apply_ChangedProbe_RestartsFromInitial_TimingChangeKeepsState()
    {
        await using var failing = new TestHttpServer(_ => new TestResponse(503));
        await using var other = new TestHttpServer(_ => new TestResponse(503));
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {failing.Url}, fall: 1 }}\n");
        await h.Probed("eu", 1);
        Assert.Equal(HealthState.Down, h.State("eu"));
        var since = h.Status("eu").Since;

        // Only timing changed: same state, same history, same schedule (no extra probe now).
        h.Apply($"checks:\n  eu: {{ http: {failing.Url}, fall: 2, interval: 10s }}\n");
        Assert.Equal((HealthState.Down, 1L, since), (h.State("eu"), h.Status("eu").Probes, h.Status("eu").Since));
        Assert.Equal(1, failing.Requests);

        // The target changed: a new check, from its initial state (up), probed at once.
        h.Apply($"checks:\n  eu: {{ http: {other.Url}, fall: 2, interval: 10s }}\n");
        Assert.Equal(HealthState.Up, h.State("eu"));
        await h.Probed("eu", 1);
        Assert.Equal((1L, HealthState.Up), (h.Status("eu").Probes, h.State("eu")));
        Assert.Equal(1, other.Requests);
        await h.Step(TimeSpan.FromSeconds(10), "eu");
        Assert.Equal(HealthState.Down, h.State("eu"));
        Assert.Equal(1, failing.Requests);
        Assert.Contains("Information: Health checks applied: 1 checks (0 added, 0 removed, 1 restarted), 0 groups.", h.Logs);
    }

    [Fact]
    public async Task Apply_PublishesOnce()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();

        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n");
        await h.Probed("eu", 1);
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n  na: {{ http: {server.Url} }}\n");
        await h.Probed("na", 1);

        Assert.Equal(2, h.Published.Count);
        Assert.Equal(["eu", "na"], h.Published[1].Checks.Order());
    }

    [Fact]
    public async Task Probes_ConcurrencyLimited()
    {
        await using var server = new TestHttpServer(_ => new TestResponse(200, "ok", TimeSpan.FromMilliseconds(200)));
        await using var h = new MonitorHarness(new HealthMonitorOptions { MaxConcurrentProbes = 2 });
        var checks = string.Concat(Enumerable.Range(0, 6).Select(i => $"  c{i}: {{ http: {server.Url} }}\n"));

        // More checks than slots: the first probes are spread over the interval, and each step starts a few.
        h.Apply("checks:\n" + checks);
        await h.Probed("c0", 1);
        await h.Step(Interval, "c1", "c2", "c3", "c4", "c5");

        Assert.All(h.Monitor.Statuses, s => Assert.Equal("HTTP 200", s.Reason));
        Assert.Equal(h.Monitor.Statuses.Sum(s => s.Probes), server.Requests);
        Assert.InRange(server.MaxConcurrent, 1, 2);
    }

    [Fact]
    public async Task Apply_MoreChecksThanSlots_FirstProbesSpreadOverInterval()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(64);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var h = new MonitorHarness(new HealthMonitorOptions { MaxConcurrentProbes = 2 });
        var checks = string.Concat(Enumerable.Range(0, 10).Select(i => $"  c{i}: {{ tcp: 127.0.0.1:{port} }}\n"));

        h.Apply("checks:\n" + checks);

        // Only the first is due now; the others at 0.5 s, 1 s, ... 4.5 s of virtual time.
        await h.Probed("c0", 1);
        Assert.Equal(1, h.Monitor.Statuses.Sum(s => s.Probes));
        h.Time.Advance(Interval);
        for (var i = 0; i < 10; i++)
        {
            await h.Probed($"c{i}", 1);
        }

        Assert.All(h.Monitor.Statuses, s => Assert.Equal(HealthState.Up, s.State));
    }

    [Fact]
    public async Task Statuses_ReportTheLastProbe()
    {
        await using var server = new TestHttpServer(_ => new TestResponse(503));
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n");
        await h.Probed("eu", 1);

        var status = h.Status("eu");

        Assert.Equal(("eu", HealthCheckKind.Http, server.Url, HealthState.Up, "HTTP 503"), (status.Name, status.Kind, status.Target, status.State, status.Reason));
        Assert.Equal((1L, 1L, 1, h.Time.GetUtcNow()), (status.Probes, status.Failures, status.ConsecutiveFailures, status.LastProbe));
        Assert.NotNull(status.LastLatency);
        Assert.Null(status.Override);
        Assert.Equal("initial state", h.Map["eu"].Reason);
    }

    [Fact]
    public async Task Dispose_StopsProbing()
    {
        await using var server = new TestHttpServer();
        var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n");
        await h.Probed("eu", 1);

        await h.DisposeAsync();
        h.Time.Advance(Interval * 3);

        Assert.Equal(1, server.Requests);
        Assert.Throws<ObjectDisposedException>(() => h.Monitor.Apply(HealthConfig.Empty));
    }

    [Fact]
    public async Task ManyChanges_PublishesPaced_LastMapHasThemAll()
    {
        await using var h = new MonitorHarness(new HealthMonitorOptions { PublishBurst = 3 });
        var closed = ProberContractTests.ClosedPort();
        var checks = string.Concat(Enumerable.Range(0, 20).Select(i => $"  c{i}: {{ tcp: 127.0.0.1:{closed}, fall: 1 }}\n"));

        h.Apply("checks:\n" + checks);
        for (var i = 0; i < 20; i++)
        {
            await h.Probed($"c{i}", 1);
        }

        // 20 changes at one instant: the Apply's map, at most 3 at once, then one per publish interval.
        Assert.InRange(h.Published.Count, 2, 4);
        h.Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.InRange(h.Published.Count, 2, 5);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(HealthState.Down, h.State($"c{i}")));
    }

    [Fact]
    public async Task PublishThrows_Logged_MonitorGoesOn()
    {
        await using var server = new TestHttpServer();
        var logs = new Scriptable.TestCommon.ListLoggerProvider();
        var calls = 0;
        await using var monitor = new HealthMonitor(logs.CreateLogger("health"), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(),
            _ => { calls++; throw new InvalidOperationException("the server is busy"); });

        monitor.Apply(MonitorHarness.Parse($"checks:\n  eu: {{ http: {server.Url}, initial: down, rise: 1 }}\n"));
        await MonitorHarness.Until(() => monitor.Current.IsUp("eu"), "the check to go up");

        Assert.Equal(2, calls);
        Assert.Contains("Error: Publishing the health map failed; the next change publishes again.", logs.Messages);
    }

    [Fact]
    public async Task Apply_InvalidConfig_RejectedAndNothingChanges()
    {
        await using var server = new TestHttpServer();
        await using var h = new MonitorHarness();
        h.Apply($"checks:\n  eu: {{ http: {server.Url} }}\n");
        await h.Probed("eu", 1);
        var eu = new HealthCheckConfig("eu", new TcpProbeConfig("127.0.0.1", server.Port), Interval, TimeSpan.FromSeconds(1));

        Assert.Throws<ArgumentException>(() => h.Monitor.Apply(new HealthConfig([eu, eu], [])));
        Assert.Throws<ArgumentException>(() => h.Monitor.Apply(new HealthConfig([eu], [new HealthGroupConfig("g", ["eu", "missing"])])));
        Assert.Throws<ArgumentException>(() => h.Monitor.Apply(new HealthConfig([eu], [new HealthGroupConfig("eu", ["eu"])])));

        Assert.Equal((HealthCheckKind.Http, 1L), (h.Status("eu").Kind, h.Status("eu").Probes));
        Assert.Single(h.Published);
    }
}
