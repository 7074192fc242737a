using ARSoft.Tools.Net.Dns;
using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Tests.Dnssec;

/// <summary>Key files: written in BIND's format with a private file only its owner reads, read back, refused when unsafe or damaged.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyFolderTests : IDisposable
{
    private static readonly DnsName Zone = DnsName.Parse("example.org.");
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("scriptable-keys-").FullName, "keys");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);

    [Fact]
    public void Write_ThenLoad_SameKeyAndOwnerOnlyFiles()
    {
        using var key = DnssecKey.Create(Zone, DnssecKey.KskFlags);
        var file = KeyFolder.Write(_folder, key, DateTimeOffset.UnixEpoch);
        Assert.Equal(Path.Combine(_folder, $"Kexample.org+013+{key.Tag:D5}.private"), file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
        Assert.StartsWith("Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ", File.ReadAllText(file).ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var loaded = KeyFolder.Load(_folder);
        Assert.Empty(loaded.Errors);
        var back = Assert.Single(loaded.Keys[Zone]);
        Assert.Equal(key.Tag, back.Tag);
        Assert.Equal(key.PublicKey, back.PublicKey);
        Assert.True(back.IsKsk);
    }

    [Fact]
    public void KeyTag_MatchesArsoft()
    {
        using var key = DnssecKey.Create(Zone, DnssecKey.ZskFlags);
        var arsoft = new DnsKeyRecord(ARSoft.Tools.Net.DomainName.Parse("example.org"), RecordClass.INet, 3600, DnsKeyFlags.Zone, 3, DnsSecAlgorithm.EcDsaP256Sha256, key.PublicKey);
        Assert.Equal(arsoft.CalculateKeyTag(), key.Tag);
    }

    [Fact]
    public void Load_GroupReadablePrivateFile_RefusedWithTheFix()
    {
        using var key = DnssecKey.Create(Zone, DnssecKey.KskFlags);
        var file = KeyFolder.Write(_folder, key, DateTimeOffset.UnixEpoch);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var loaded = KeyFolder.Load(_folder);
        Assert.Empty(loaded.Keys);
        var error = Assert.Single(loaded.Errors[Zone]);
        Assert.Equal($"{file}: error: the private key file may be read by group or others (mode 640); only its owner may: chmod 600 {file}", error);
    }

    [Theory]
    [InlineData("PrivateKey: bm90IGEga2V5", "(3,13): error: PrivateKey is not the base64 of a 32-octet P-256 scalar")]
    [InlineData("Algorithm: 8 (RSASHA256)", "(2,1): error: only algorithm 13 (ECDSAP256SHA256) keys are supported")]
    public void Load_DamagedPrivateFile_ErrorAtTheLine(string replacement, string expected)
    {
        using var key = DnssecKey.Create(Zone, DnssecKey.KskFlags);
        var file = KeyFolder.Write(_folder, key, DateTimeOffset.UnixEpoch);
        var lines = File.ReadAllLines(file);
        var prefix = replacement[..replacement.IndexOf(':', StringComparison.Ordinal)];
        File.WriteAllLines(file, lines.Select(l => l.StartsWith(prefix, StringComparison.Ordinal) ? replacement : l));
        var error = Assert.Single(KeyFolder.Load(_folder).Errors[Zone]);
        Assert.Equal(file + expected, error);
    }

    [Fact]
    public void Load_PublicKeyOfAnotherKey_Refused()
    {
        using var key = DnssecKey.Create(Zone, DnssecKey.KskFlags);
        using var other = DnssecKey.Create(Zone, DnssecKey.KskFlags);
        var file = KeyFolder.Write(_folder, key, DateTimeOffset.UnixEpoch);
        var publicFile = Path.ChangeExtension(file, ".key");
        File.WriteAllText(publicFile, $"example.org. IN DNSKEY 257 3 13 {Convert.ToBase64String(other.PublicKey)}\n");
        var error = Assert.Single(KeyFolder.Load(_folder).Errors[Zone]);
        Assert.Contains("does not belong to the private key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SigningSet_KeysGoneAtReload_KeepsTheKeysItHad()
    {
        using var key = DnssecKey.Create(Zone, DnssecKey.KskFlags);
        KeyFolder.Write(_folder, key, DateTimeOffset.UnixEpoch);
        var errors = new List<string>();
        var first = SigningSet.Load(_folder, [Zone], null, errors);
        Assert.Empty(errors);
        Assert.False(first.Find(Zone)!.Broken);

        Directory.Delete(_folder, recursive: true);
        var second = SigningSet.Load(_folder, [Zone], first, errors);
        Assert.Same(first.Find(Zone), second.Find(Zone));
        Assert.Contains("are gone from the key folder", Assert.Single(errors), StringComparison.Ordinal);

        // Unreadable at startup (no previous keys): broken, so it answers SERVFAIL rather than unsigned.
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "Kexample.org+013+00001.private"), "Private-key-format: v1.3\n");
        File.SetUnixFileMode(Path.Combine(_folder, "Kexample.org+013+00001.private"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.True(SigningSet.Load(_folder, [Zone], null, errors).Find(Zone)!.Broken);
    }
}
