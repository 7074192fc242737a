using Scriptable.Engine.Containment;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.IntegrationTests;

/// <summary>The containment settings: the state directory's default and where it may not be, and the limits' ranges.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServerOptionsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void ResolveStateDirectory_Configured_UsedAsGiven()
    {
        Assert.Equal("/var/lib/dns-state", StateDirectory.Resolve("/var/lib/dns-state", "/srv/policies", Env(("STATE_DIRECTORY", "/var/lib/scriptable"))));
    }

    [Fact]
    public void ResolveStateDirectory_UnderSystemd_TheUnitsStateDirectory()
    {
        Assert.Equal("/var/lib/scriptable", StateDirectory.Resolve("", "/srv/policies", Env(("STATE_DIRECTORY", "/var/lib/scriptable:/var/lib/other"), ("HOME", "/home/dns"))));
    }

    [Fact]
    public void ResolveStateDirectory_Default_PerFolderUnderTheUsersState()
    {
        var one = StateDirectory.Resolve("", "/srv/policies", Env(("HOME", "/home/dns")));
        var other = StateDirectory.Resolve("", "/srv/b/policies", Env(("HOME", "/home/dns")));

        Assert.StartsWith("/home/dns/.local/state/scriptable/policies-", one, StringComparison.Ordinal);
        Assert.StartsWith("/home/dns/.local/state/scriptable/policies-", other, StringComparison.Ordinal);
        Assert.NotEqual(one, other);
        Assert.StartsWith("/x/state/scriptable/policies-", StateDirectory.Resolve("", "/srv/policies", Env(("XDG_STATE_HOME", "/x/state"), ("HOME", "/home/dns"))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("policies/state")]
    [InlineData("policies")]
    [InlineData("policies/../policies/x")]
    public void Validate_StateDirectoryInsideThePoliciesFolder_Error(string state)
    {
        var options = new ServerOptions { Policies = "policies", StateDirectory = state };

        Assert.Contains(options.Validate(), e => e.Contains("is inside the policies folder", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_StateDirectoryBesideThePoliciesFolder_Valid()
    {
        Assert.Empty(new ServerOptions { Policies = "policies", StateDirectory = "policies-state" }.Validate());
    }

    [Theory]
    [InlineData(0, 20, 8, "Policy:MaxCpuPercent")]
    [InlineData(101, 20, 8, "Policy:MaxCpuPercent")]
    [InlineData(5, 1, 8, "Policy:StuckAfterBudgets")]
    [InlineData(5, 20, 0, "Policy:MaxStuckThreads")]
    public void Validate_ContainmentLimitOutOfRange_Error(double cpu, double stuck, int threads, string message)
    {
        var options = new ServerOptions { StateDirectory = "/tmp/x", Policy = { MaxCpuPercent = cpu, StuckAfterBudgets = stuck, MaxStuckThreads = threads } };

        Assert.Contains(options.Validate(), e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Prepare_DirectoryOthersMayWrite_Refused()
    {
        var directory = Directory.CreateTempSubdirectory("scriptable-state-").FullName;
        try
        {
            File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("777", 8));

            Assert.Contains("is writable by other users", StateDirectory.Prepare(directory), StringComparison.Ordinal);

            File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));
            Assert.Null(StateDirectory.Prepare(directory));
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void Prepare_NewDirectory_OwnerOnly()
    {
        var parent = Directory.CreateTempSubdirectory("scriptable-state-").FullName;
        try
        {
            var directory = Path.Combine(parent, "a", "b");

            Assert.Null(StateDirectory.Prepare(directory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
