using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Tests.Policies;

/// <summary>
/// Host code reads what a policy threw only through <see cref="PolicyText"/>: a message getter that loops, or a
/// framework message that calls a policy's <c>ToString()</c>, costs a few milliseconds and gives the type name.
/// Each read runs on its own thread with a deadline, so a regression fails the test instead of hanging it.
/// </summary>
public sealed class PolicyTextTests
{
    private const string File = "/p/example.org/www.csx";
    private const string Bad = "class Bad : Exception { public override string Message { get { while (true) { } } } }\n";
    private const string Loopy = "class Loopy { public override string ToString() { while (true) { } } }\n";
    private const string Deep = "class Deep : Exception { public override string Message => Down(0); static string Down(int n) => Down(n + 1) + \"x\"; }\n";

    /// <summary>Runs a policy that throws, under a query's budget (time aside), and returns what it threw.</summary>
    private static Exception Thrown(string text)
    {
        var compiled = PolicyCompiler.Compile(File, text, "/p", _ => null);
        Assert.True(compiled.Succeeded, string.Join('\n', compiled.Diagnostics));
        var version = PolicyVersion.Load(compiled, File, 1, "hash", new PolicySettings(), DnsName.Root, [])!;
        try
        {
            // The query's budgets, with time to spare: on a busy machine the clock check after a large result
            // (FrameworkGuard.Produced) could otherwise stop the policy for time before it throws.
            using var scope = Budget.Begin(version.Limits with { Time = TimeSpan.FromSeconds(30) });
            version.Run(new Scriptable.Policies.PolicyContext());
        }
#pragma warning disable CA1031 // The test wants whatever the policy threw.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }

        throw new InvalidOperationException("the policy did not throw");
    }

    private static string DescribeWithin(Exception exception, TimeSpan deadline)
    {
        string? text = null;
        var thread = new Thread(() => text = PolicyText.Describe(exception)) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(deadline), "PolicyText.Describe did not return");
        return text!;
    }

    [Theory]
    [InlineData(Bad + "throw new Bad();", "Bad")]
    [InlineData(Deep + "throw new Deep();", "Deep")]
    [InlineData(Loopy + "throw new ArgumentOutOfRangeException(\"x\", new Loopy(), \"bad\");", "ArgumentOutOfRangeException")]
    [InlineData(Bad + "throw new AggregateException(new Bad());", "AggregateException")]
    [InlineData("throw new InvalidOperationException(\"boom\");", "InvalidOperationException: boom")]
    public void Describe_PolicyException_BoundedText(string policy, string expected)
    {
        var thrown = Thrown(policy);

        Assert.Equal(expected, DescribeWithin(thrown, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Describe_HugeMessage_Truncated()
    {
        var thrown = Thrown("throw new InvalidOperationException(new string('x', 100_000));");

        var text = DescribeWithin(thrown, TimeSpan.FromSeconds(20));

        Assert.Equal("InvalidOperationException: ".Length + PolicyText.MaxLength + 3, text.Length);
    }

    [Fact]
    public void Load_StaticInitialiserThrowsBad_DiagnosticNamesTheType()
    {
        var compiled = PolicyCompiler.Compile(File, Bad + "static readonly int X = Boom();\nstatic int Boom() => throw new Bad();\nreturn Answer.Static;", "/p", _ => null);
        var diagnostics = new List<PolicyDiagnostic>();
        PolicyVersion? version = null;
        var thread = new Thread(() => version = PolicyVersion.Load(compiled, File, 1, "hash", new PolicySettings(), DnsName.Root, diagnostics)) { IsBackground = true };
        thread.Start();

        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the load did not return");
        Assert.Null(version);
        Assert.Contains(diagnostics, d => d.ToString().Contains("www.csx(3,1): error SCR0200: the policy's static fields failed to initialise: Bad", StringComparison.Ordinal));
    }
}
