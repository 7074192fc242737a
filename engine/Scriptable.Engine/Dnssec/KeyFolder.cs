using System.Globalization;
using System.Text;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// The key folder: one key per pair of files in BIND's format, <c>K&lt;zone&gt;+013+&lt;tag&gt;.key</c> (the DNSKEY
/// record, zone-file text) and <c>K&lt;zone&gt;+013+&lt;tag&gt;.private</c> (<c>Private-key-format: v1.3</c>,
/// <c>Algorithm: 13</c>, <c>PrivateKey:</c> the base64 scalar), so keys move to and from <c>dnssec-keygen</c>, BIND and
/// Knot's import. Private files are made 0600 and refused when group or others may read them.
/// </summary>
public static class KeyFolder
{
    /// <summary>What a folder holds: keys by zone, and the zones whose keys could not be read, with why.</summary>
    public sealed record Contents(IReadOnlyDictionary<DnsName, IReadOnlyList<DnssecKey>> Keys, IReadOnlyDictionary<DnsName, IReadOnlyList<string>> Errors);

    /// <summary>The base name of a key's files: <c>Kexample.org+013+12345</c>.</summary>
    public static string BaseName(DnssecKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return $"K{ZoneText(key.Zone)}+013+{key.Tag:D5}";
    }

    /// <summary>Writes a key's two files (the folder is created 0700, the private file 0600); returns the private file's path.</summary>
    public static string Write(string folder, DnssecKey key, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var stamp = created.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var basePath = Path.Combine(folder, BaseName(key));
        var kind = key.IsKsk ? "key-signing" : "zone-signing";
        File.WriteAllText(basePath + ".key", $"""
            ; This is a {kind} key, keyid {key.Tag}, for {key.Zone}
            ; Created: {stamp}
            {key.Zone} IN DNSKEY {key.Flags} 3 13 {Convert.ToBase64String(key.PublicKey)}

            """);
        var text = $"""
            Private-key-format: v1.3
            Algorithm: 13 (ECDSAP256SHA256)
            PrivateKey: {Convert.ToBase64String(key.ExportPrivate())}
            Created: {stamp}

            """;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(basePath + ".private", options))
        {
            stream.Write(Encoding.ASCII.GetBytes(text));
        }

        return basePath + ".private";
    }

    /// <summary>Reads every key of the folder (a folder that does not exist holds none).</summary>
    public static Contents Load(string folder)
    {
        var keys = new Dictionary<DnsName, List<DnssecKey>>();
        var errors = new Dictionary<DnsName, List<string>>();
        if (!Directory.Exists(folder))
        {
            return new(new Dictionary<DnsName, IReadOnlyList<DnssecKey>>(), new Dictionary<DnsName, IReadOnlyList<string>>());
        }

        foreach (var privatePath in Directory.EnumerateFiles(folder, "K*.private").Order(StringComparer.Ordinal))
        {
            var zone = ZoneOf(Path.GetFileName(privatePath));
            if (zone is null)
            {
                continue;
            }

            if (TryRead(privatePath, zone, out var key, out var error))
            {
                Add(keys, zone, key);
            }
            else
            {
                Add(errors, zone, error);
            }
        }

        return new(keys.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<DnssecKey>)kv.Value), errors.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value));
    }

    /// <summary>The zone a key file is named after (<c>Kexample.org+013+12345.private</c>), or null for other files.</summary>
    internal static DnsName? ZoneOf(string fileName)
    {
        var plus = fileName.IndexOf('+', StringComparison.Ordinal);
        if (!fileName.StartsWith('K') || plus < 2)
        {
            return null;
        }

        return DnsName.TryParse(fileName[1..plus] + ".", null, out var name, out _) ? name : null;
    }

    private static bool TryRead(string privatePath, DnsName zone, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DnssecKey? key, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        key = null;
        error = null;
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(privatePath);
                const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
                if ((mode & others) != 0)
                {
                    error = $"{privatePath}: error: the private key file may be read by group or others (mode {Convert.ToString((int)mode, 8)}); only its owner may: chmod 600 {privatePath}";
                    return false;
                }
            }

            byte[]? d = null;
            var lines = File.ReadAllLines(privatePath);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.StartsWith("Algorithm:", StringComparison.Ordinal) && !line["Algorithm:".Length..].TrimStart().StartsWith("13", StringComparison.Ordinal))
                {
                    error = $"{privatePath}({i + 1},1): error: only algorithm 13 (ECDSAP256SHA256) keys are supported";
                    return false;
                }

                if (line.StartsWith("PrivateKey:", StringComparison.Ordinal))
                {
                    var text = line["PrivateKey:".Length..].Trim();
                    var buffer = new byte[64];
                    if (!Convert.TryFromBase64String(text, buffer, out var length) || length != 32)
                    {
                        error = $"{privatePath}({i + 1},13): error: PrivateKey is not the base64 of a 32-octet P-256 scalar";
                        return false;
                    }

                    d = buffer[..32];
                }
            }

            if (d is null)
            {
                error = $"{privatePath}: error: no 'PrivateKey:' line";
                return false;
            }

            var publicPath = Path.ChangeExtension(privatePath, ".key");
            if (!ReadPublic(publicPath, zone, out var flags, out var publicKey, out var publicError))
            {
                error = publicError ?? $"{publicPath}: error: unreadable";
                return false;
            }

            key = DnssecKey.FromPrivate(zone, flags, d, privatePath);
            if (!key.PublicKey.AsSpan().SequenceEqual(publicKey))
            {
                key.Dispose();
                key = null;
                error = $"{publicPath}: error: the public key does not belong to the private key in {privatePath}";
                return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            error = $"{privatePath}: error: cannot read the key: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads the DNSKEY line of a <c>.key</c> file: <c>owner [ttl] [IN] DNSKEY flags 3 13 base64...</c>.</summary>
    private static bool ReadPublic(string path, DnsName zone, out ushort flags, out byte[] publicKey, out string? error)
    {
        flags = 0;
        publicKey = [];
        if (!File.Exists(path))
        {
            error = $"{path}: error: the public key file is missing";
            return false;
        }

        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var comment = line.IndexOf(';', StringComparison.Ordinal);
            var fields = (comment >= 0 ? line[..comment] : line).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var at = Array.FindIndex(fields, f => f.Equals("DNSKEY", StringComparison.OrdinalIgnoreCase));
            if (at < 0)
            {
                continue;
            }

            if (!DnsName.TryParse(fields[0], null, out var owner, out _) || !owner.Equals(zone))
            {
                error = $"{path}({i + 1},1): error: the key's owner '{fields[0]}' is not the zone '{zone}' its file is named after";
                return false;
            }

            var buffer = new byte[128];
            if (fields.Length < at + 5 || !ushort.TryParse(fields[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out flags) || flags is not (DnssecKey.KskFlags or DnssecKey.ZskFlags)
                || fields[at + 2] != "3" || fields[at + 3] != "13"
                || !Convert.TryFromBase64String(string.Concat(fields[(at + 4)..]), buffer, out var length) || length != 64)
            {
                error = $"{path}({i + 1},1): error: expected '{zone} IN DNSKEY 257|256 3 13 <base64 of 64 octets>'";
                return false;
            }

            publicKey = buffer[..64];
            error = null;
            return true;
        }

        error = $"{path}: error: no DNSKEY record";
        return false;
    }

    private static string ZoneText(DnsName zone)
    {
        var text = zone.ToString();
        return text == "." ? "." : text.TrimEnd('.').ToLowerInvariant();
    }

    private static void Add<T>(Dictionary<DnsName, List<T>> map, DnsName zone, T item)
    {
        if (!map.TryGetValue(zone, out var list))
        {
            map[zone] = list = [];
        }

        list.Add(item);
    }
}
