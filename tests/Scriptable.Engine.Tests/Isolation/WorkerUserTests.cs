using Scriptable.Engine.Isolation;

namespace Scriptable.Engine.Tests.Isolation;

public sealed class WorkerUserTests
{
    private static readonly string[] Passwd =
    [
        "root:x:0:0:root:/root:/bin/bash",
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        "broken:x:notanumber:1::/:/bin/false",
    ];

    [Theory]
    [InlineData("nobody", 65534, 65534)]
    [InlineData("daemon", 1, 1)]
    [InlineData("root", 0, 0)]
    [InlineData("1000:1000", 1000, 1000)]
    [InlineData("65534:100", 65534, 100)]
    public void Find_NameOrIds_TheAccount(string name, int uid, int gid)
    {
        var account = WorkerUser.Find(name, Passwd);
        Assert.NotNull(account);
        Assert.Equal((uid, gid), (account.Uid, account.Gid));
    }

    [Theory]
    [InlineData("nosuchuser")]
    [InlineData("broken")]
    [InlineData("1000:")]
    [InlineData(":1000")]
    [InlineData("-1:-1")]
    public void Find_NoSuchUser_Null(string name) => Assert.Null(WorkerUser.Find(name, Passwd));

    [Fact]
    public void Resolve_AsRoot_NeverRoot()
    {
        Assert.True(WorkerUser.IsRoot, "this test needs to run as root (the test machine's user)");
        Assert.Equal(65534, WorkerUser.Resolve("")!.Uid);
        Assert.Equal(65534, WorkerUser.Resolve("nobody")!.Uid);
        Assert.Contains("is root", Assert.Throws<InvalidOperationException>(() => WorkerUser.Resolve("root")).Message, StringComparison.Ordinal);
        Assert.Contains("0:0", Assert.Throws<InvalidOperationException>(() => WorkerUser.Resolve("0:0")).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<InvalidOperationException>(() => WorkerUser.Resolve("nosuchuser")).Message, StringComparison.Ordinal);
    }
}
