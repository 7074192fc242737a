using System.Diagnostics.Metrics;

namespace Scriptable.Server.Hosting;

/// <summary>
/// The meters of one server: each is created with this factory as its scope, so that the admin endpoint exports
/// this server's instruments only, not those of another server in the same process (tests run several).
/// Disposing it disposes every meter it made.
/// </summary>
internal sealed class ServerMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    /// <inheritdoc />
    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    /// <summary>True for the instruments of a meter this factory made.</summary>
    public bool Owns(Instrument instrument) => ReferenceEquals(instrument.Meter.Scope, this);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
