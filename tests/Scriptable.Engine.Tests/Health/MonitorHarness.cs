using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Scriptable.Engine.Health;
using Scriptable.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Health;

/// <summary>
/// A <see cref="HealthMonitor"/> in virtual time (FakeTimeProvider) against real backends: time moves only
/// when a test says so, and the helpers wait (in real time, bounded) for the probes that a step started.
/// </summary>
public sealed class MonitorHarness : IAsyncDisposable
{
    private readonly ConcurrentQueue<HealthMap> _published = new();
    private readonly ListLoggerProvider _logs = new();

    public MonitorHarness(HealthMonitorOptions? options = null)
    {
        // Command checks of /bin and /usr/bin run, unless a test says otherwise.
        options ??= new HealthMonitorOptions { CommandChecks = TestCommands.System };
        Monitor = new HealthMonitor(_logs.CreateLogger("health"), Time, _published.Enqueue, options);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    public HealthMonitor Monitor { get; }

    public IReadOnlyList<HealthMap> Published => [.. _published];

    public IReadOnlyList<string> Logs => _logs.Messages;

    public HealthMap Map => Monitor.Current;

    /// <summary>Parses health.yaml text, asserting it has no errors, and applies it.</summary>
    public HealthConfig Apply(string yaml)
    {
        var config = Parse(yaml);
        Monitor.Apply(config);
        return config;
    }

    public static HealthConfig Parse(string yaml)
    {
        var result = HealthConfigParser.Parse(yaml, "health.yaml", TestCommands.System);
        Assert.True(result.Config is not null, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Config!;
    }

    public HealthCheckStatus Status(string name) => Monitor.Statuses.Single(s => s.Name == name);

    /// <summary>Waits until <paramref name="name"/> has run <paramref name="probes"/> probes and every probe is done and rescheduled.</summary>
    public Task Probed(string name, long probes) =>
        Until(() => Status(name).Probes >= probes && Monitor.RunningProbes == 0, $"'{name}' to have run {probes} probes");

    /// <summary>Moves time one interval (plus the most jitter) on, and waits for each named check's next probe.</summary>
    public async Task Step(TimeSpan interval, params string[] names)
    {
        await Until(() => Monitor.RunningProbes == 0, "the probes in flight to end");
        var before = names.Select(n => Status(n).Probes).ToArray();
        Time.Advance(interval * 1.1 + TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < names.Length; i++)
        {
            await Probed(names[i], before[i] + 1);
        }
    }

    /// <summary>Waits (real time, at most 20 s) until <paramref name="condition"/> holds.</summary>
    public static async Task Until(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    public ValueTask DisposeAsync() => Monitor.DisposeAsync();

    /// <summary>The state policies see for a name.</summary>
    public HealthState State(string name) => Map[name].State;
}
