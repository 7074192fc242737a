using Scriptable.Engine.Health.Probes;
using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>
/// The runtime state of one running check: its probe results folded through rise and fall. One probe at a
/// time updates it (under its own lock, which readers take too (<see cref="Read"/>)); the scheduler's fields belong to the
/// monitor's schedule lock.
/// </summary>
internal sealed class HealthCheckState : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private HealthCheckConfig _config;

    public HealthCheckState(HealthCheckConfig config, IHealthProber prober, DateTimeOffset now)
    {
        _config = config;
        Prober = prober;
        State = config.Initial;
        Since = now;
        StateReason = "initial state";
    }

    /// <summary>The definition; a reload may replace it with one that probes the same thing.</summary>
    public HealthCheckConfig Config
    {
        get => Volatile.Read(ref _config);
        set => Volatile.Write(ref _config, value);
    }

    public string Name => _config.Name;

    public IHealthProber Prober { get; }

    /// <summary>Fires when the check is removed (or the monitor disposed): its probe in flight stops.</summary>
    public CancellationToken Stopping => _stop.Token;

    public bool Stopped => _stop.IsCancellationRequested;

    // Guarded by _gate.
    public HealthState State { get; private set; }

    public DateTimeOffset Since { get; private set; }

    /// <summary>The result that brought the check into its state.</summary>
    public string StateReason { get; private set; }

    public string? LastReason { get; private set; }

    /// <summary>What the last probe's target said (a command's first line of output), for operators only.</summary>
    public string? LastOutput { get; private set; }

    public DateTimeOffset? LastProbe { get; private set; }

    public TimeSpan? LastLatency { get; private set; }

    public int Successes { get; private set; }

    public int Failures { get; private set; }

    public long Probes { get; private set; }

    public long FailureCount { get; private set; }

    // Guarded by the monitor's schedule lock.
    public long ScheduleStamp { get; set; }

    public long DueTicks { get; set; } = long.MaxValue;

    public bool InFlight { get; set; }

    /// <summary>True while another node probes it (shared probing); the probe that ends it publishes its result.</summary>
    public bool Skipped { get; set; }

    /// <summary>Folds one result in; returns the change, if the state changed.</summary>
    public Transition? Record(bool success, string reason, string? output, TimeSpan latency, DateTimeOffset now)
    {
        lock (_gate)
        {
            var config = Config;
            Probes++;
            LastProbe = now;
            LastLatency = latency;
            LastReason = reason;
            LastOutput = output;
            if (success)
            {
                Successes++;
                Failures = 0;
            }
            else
            {
                Failures++;
                FailureCount++;
                Successes = 0;
            }

            HealthState next;
            int count;
            if (State != HealthState.Down && !success && Failures >= config.Fall)
            {
                next = HealthState.Down;
                count = Failures;
            }
            else if (State == HealthState.Down && success && Successes >= config.Rise)
            {
                next = HealthState.Up;
                count = Successes;
            }
            else
            {
                return null;
            }

            var transition = new Transition(State, next, reason, count, now - Since);
            State = next;
            Since = now;
            StateReason = reason;
            return transition;
        }
    }

    /// <summary>The status as policies see it before overrides.</summary>
    public HealthStatus Status()
    {
        lock (_gate)
        {
            return new HealthStatus(State, Since) { Reason = StateReason };
        }
    }

    public void Stop() => _stop.Cancel();

    /// <summary>Releases the stop token; only once stopped and no probe is in flight.</summary>
    public void Dispose() => _stop.Dispose();

    /// <summary>Runs <paramref name="read"/> under the state's lock, for a consistent view of several fields.</summary>
    public T Read<T>(Func<HealthCheckState, T> read)
    {
        lock (_gate)
        {
            return read(this);
        }
    }

    /// <summary>A change of state: from, to, why, after how many results in a row, and how long the old state held.</summary>
    public readonly record struct Transition(HealthState From, HealthState To, string Reason, int Count, TimeSpan Held);
}
