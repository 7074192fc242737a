using System.Text.Json;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// The serial each zone was last served with, kept in the state directory (<c>serials.json</c>) so that after a
/// restart the <c>UnixTime</c> and <c>Increment</c> policies go on above what secondaries already hold. Written by the
/// reload (never on the query path), atomically; an unreadable file is treated as empty.
/// </summary>
public static class SerialStore
{
    /// <summary>The file's name in the state directory.</summary>
    public const string FileName = "serials.json";

    /// <summary>The serials kept in <paramref name="directory"/>, by origin (empty when none or unreadable).</summary>
    public static Dictionary<DnsName, uint> Load(string directory)
    {
        var serials = new Dictionary<DnsName, uint>();
        try
        {
            var file = Path.Combine(directory, FileName);
            if (!File.Exists(file))
            {
                return serials;
            }

            foreach (var (origin, serial) in JsonSerializer.Deserialize<Dictionary<string, uint>>(File.ReadAllText(file)) ?? [])
            {
                if (DnsName.TryParse(origin, null, out var name, out _))
                {
                    serials[name] = serial;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            serials.Clear();
        }

        return serials;
    }

    /// <summary>Keeps the serials of <paramref name="zones"/> in <paramref name="directory"/>; false when it could not be written.</summary>
    public static bool Save(string directory, IEnumerable<Zone> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        try
        {
            var serials = zones.ToDictionary(z => z.Origin.ToString(), z => z.Serial, StringComparer.Ordinal);
            var file = Path.Combine(directory, FileName);
            File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(serials));
            File.Move(file + ".tmp", file, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
