using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Policies;

/// <summary>Compile errors and runtime failures point at the user's own file, line and column.</summary>
public sealed class PolicyCompilerTests
{
    private static List<string> Diagnostics(TempFolder folder)
    {
        using var loader = new FolderLoader(folder.Path);
        var reload = loader.Reload();
        return [.. reload.Policies.Changes.SelectMany(c => c.Diagnostics).Where(d => d.IsError).Select(d => d.ToString())];
    }

    [Theory]
    // A semantic error on line 3, column 17 (1-based), after load-time and per-query lines.
    [InlineData("static readonly int K = 1;\nvar x = K;\nreturn Answer.X(x);\n", "www.csx(3,15): error CS0117: 'Answer' does not contain a definition for 'X'")]
    [InlineData("var a = 1;\n    return a;\n", "www.csx(2,12): error CS0029: Cannot implicitly convert type 'int' to 'Scriptable.Policies.Answer'")]
    [InlineData("var a = 1\nreturn Answer.Static;\n", "www.csx(1,10): error CS1002: ; expected")]
    [InlineData("static int F() => \"s\";\nreturn Answer.Static;\n", "www.csx(1,19): error CS0029")]
    [InlineData("int G() => y;\nreturn Answer.Static;\n", "www.csx(1,12): error CS0103: The name 'y' does not exist in the current context")]
    [InlineData("if (ctx.Query.Type == DnsType.A)\n    return Answer.Static;\n", "www.csx(2,1): error CS0161: the policy does not return an Answer on every path")]
    [InlineData("readonly int x = 1;\nreturn Answer.Static;\n", "www.csx(1,1): error SCR0116: 'readonly' on a per-query variable")]
    [InlineData("#r \"System.IO.dll\"\nreturn Answer.Static;\n", "www.csx(1,1): error SCR0110: '#r' is not allowed")]
    [InlineData("#load \"../../etc.csx\"\nreturn Answer.Static;\n", "www.csx(1,1): error SCR0112")]
    [InlineData("return Answer.Static;\n#line hidden\n", "www.csx(2,1): error SCR0118: '#line' is not allowed")]
    [InlineData("var f = System.IO.File.ReadAllText(\"/etc/passwd\");\nreturn Answer.Static;\n", "www.csx(1,19): error SCR0001: 'System.IO.File' is not allowed in a policy")]
    [InlineData("#load \"_missing.csx\"\nreturn Answer.Static;\n", "www.csx(1,1): error SCR0113")]
    [InlineData("// scriptable: fallback=maybe\nreturn Answer.Static;\n", "www.csx(1,16): error SCR0101: fallback 'maybe' is not one of")]
    [InlineData("// scriptable: cpu=200%\nreturn Answer.Static;\n", "www.csx(1,16): error SCR0101: cpu '200%' is not a share between 0% and 100%")]
    [InlineData("// scriptable: cpu=20\nreturn Answer.Static;\n", "www.csx(1,16): error SCR0101: cpu '20' is not a share")]
    // The stacks of policy threads are sized for what a policy can build within its memory budget: at most 64m.
    [InlineData("// scriptable: memory=65m\nreturn Answer.Static;\n", "www.csx(1,16): error SCR0101: memory '65m' is not a size between 64k and 64m")]
    [InlineData("struct S0 { public long A, B; }\nstruct S1 { public S0 A, B; }\nstruct S2 { public S1 A, B; }\nstruct S3 { public S2 A, B; }\nstruct S4 { public S3 A, B; }\nstruct S5 { public S4 A, B; }\nstruct S6 { public S5 A, B; }\nstruct S7 { public S6 A, B; }\nstruct S8 { public S7 A, B; }\nstruct S9 { public S8 A, B; }\nstruct S10 { public S9 A, B; }\nstruct S11 { public S10 A, B; }\nstruct S12 { public S11 A, B; }\nstruct S13 { public S12 A, B; }\nreturn Answer.Static;\n", "www.csx(14,1): error SCR0212: the struct 'S13' takes 128 KiB of stack")]
    [InlineData("static readonly Answer A = Answer.Records(\"MX ten mail\");\nreturn A;\n", "www.csx(1,1): error SCR0200: the policy's static fields failed to initialise: FormatException: 'MX ten mail'")]
    public void Compile_Error_ReportedAtUserLocation(string code, string expected)
    {
        using var folder = TempFolder.WithExampleZone(("example.org/www.csx", code));

        var diagnostics = Diagnostics(folder);

        Assert.Contains(diagnostics, d => d.Contains(expected, StringComparison.Ordinal) && d.StartsWith(folder.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_Helper_SplicedAndErrorsPointIntoIt()
    {
        using var folder = TempFolder.WithExampleZone(
            ("_shared/pools.csx", "static Answer Pick(int i) => i == 0 ? Answer.Address(\"192.0.2.1\") : Answer.Static;\nstatic int Broken() => \"x\";\n"),
            ("example.org/www.csx", "#load \"../_shared/pools.csx\"\nreturn Pick(0);\n"));

        var diagnostics = Diagnostics(folder);

        Assert.Contains(diagnostics, d => d.Contains("pools.csx(2,24): error CS0029", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_HelperWithStatements_Rejected()
    {
        using var folder = TempFolder.WithExampleZone(
            ("_shared/bad.csx", "var x = 1;\n"),
            ("example.org/www.csx", "#load \"../_shared/bad.csx\"\nreturn Answer.Static;\n"));

        Assert.Contains(Diagnostics(folder), d => d.Contains("bad.csx(1,1): error SCR0115", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_Exception_StackTraceShowsPolicyLine()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "var a = 1;\nvar b = 0;\n\nreturn Answer.Address($\"192.0.2.{a / b}\");\n"));
        var reload = new FolderLoader(temp.Path).Reload();
        var version = reload.Policies.Policies.Bindings.Single().Version!;
        var failure = Assert.Throws<DivideByZeroException>(() =>
        {
            using var scope = Scriptable.Policies.Runtime.Budget.Begin(version.Limits);
            version.Run(new Scriptable.Policies.PolicyContext());
        });

        Assert.Equal((version.File, 4), PolicyVersion.FindUserFrame(failure, version.File));
        version.Unload();
    }
}
