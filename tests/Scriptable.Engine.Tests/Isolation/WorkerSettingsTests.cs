using Scriptable.Engine.Isolation;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Tests.Isolation;

public sealed class WorkerSettingsTests
{
    [Theory]
    [InlineData(10, 10, 100)]
    [InlineData(0.5, 10, 100)]
    [InlineData(50, 10, 500)]
    [InlineData(50, 2.5, 125)]
    [InlineData(2000, 10, 20000)]
    public void DeadlineMilliseconds_BudgetTimesMultiple_NeverUnderTheFloor(double budgetMilliseconds, double multiple, int expected)
    {
        var settings = new WorkerSettings { DeadlineBudgets = multiple };
        Assert.Equal(expected, settings.DeadlineMilliseconds(TimeSpan.FromMilliseconds(budgetMilliseconds)));
    }

    [Theory]
    [InlineData("// scriptable: isolation=process", PolicyIsolation.InProcess, PolicyIsolation.Process, null)]
    [InlineData("// scriptable: isolation=Process", PolicyIsolation.InProcess, PolicyIsolation.Process, null)]
    [InlineData("// scriptable: isolation=inprocess", PolicyIsolation.InProcess, PolicyIsolation.InProcess, null)]
    [InlineData("// scriptable: isolation=process", PolicyIsolation.Process, PolicyIsolation.Process, null)]
    [InlineData("// scriptable: isolation=inprocess", PolicyIsolation.Process, PolicyIsolation.Process, "warning SCR0450: isolation=inprocess is ignored")]
    [InlineData("// scriptable: isolation=process isolation=inprocess", PolicyIsolation.InProcess, PolicyIsolation.Process, "warning SCR0450")]
    [InlineData("// scriptable: isolation=sandbox", PolicyIsolation.InProcess, PolicyIsolation.InProcess, "error SCR0101: isolation 'sandbox' is not one of process, inprocess")]
    [InlineData("// scriptable: isolation=", PolicyIsolation.Process, PolicyIsolation.Process, "error SCR0101")]
    public void Directive_Isolation_OnlyEverAddsIsolation(string line, PolicyIsolation server, PolicyIsolation expected, string? diagnostic)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        var directives = PolicyDirectives.Parse(line + "\nreturn Answer.Static;", "www.csx", new PolicySettings { Isolation = server }, diagnostics);

        Assert.Equal(expected, directives.Settings.Isolation);
        if (diagnostic is null)
        {
            Assert.Empty(diagnostics);
        }
        else
        {
            Assert.Contains(diagnostics, d => d.ToString().Contains(diagnostic, StringComparison.Ordinal) && d.ToString().StartsWith("www.csx(1,", StringComparison.Ordinal));
        }
    }
}
