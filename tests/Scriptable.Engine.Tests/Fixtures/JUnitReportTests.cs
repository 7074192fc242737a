using System.Globalization;
using System.Xml.Linq;
using Scriptable.Engine.Fixtures;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Fixtures;

/// <summary>
/// JUnitReport: the XML of real runs parses, its counts match the runs, failures hold the diff, cases carry
/// their file and line, folders that do not load and fixture files with errors are errors, and text is escaped.
/// </summary>
public sealed class JUnitReportTests : IDisposable
{
    private const string Weird = "a <b> & \"c\" 'd'";

    private readonly TempFolder _good = TempFolder.WithExampleZone(
        ("example.org/www.csx", "return Answer.Address(\"192.0.2.10\").WithTtl(30);\n"),
        ("example.org/www.fixtures.yaml", """
            cases:
              - case: passes
                expect: { answer: [A 192.0.2.10] }
              - case: "a <b> & \"c\" 'd'"
                type: TXT
                expect: { answer: ['TXT "x<y>&z"'] }
              - case: skipped
                skip: "later <soon> & then"
                expect: { answer: [A 192.0.2.10] }
            """),
        ("example.org/bad.fixtures.yaml", "cases:\n  - case: typo\n    exepct: {}\n"));

    private readonly TempFolder _broken = TempFolder.WithExampleZone(
        ("example.org/www.csx", "return Answer.Address(\"192.0.2.10\")\n"),
        ("example.org/www.fixtures.yaml", "cases:\n  - case: cannot run\n    expect: { answer: [A 192.0.2.10] }\n"));

    private readonly List<FixtureSuite> _suites = [];

    public void Dispose()
    {
        foreach (var suite in _suites)
        {
            suite.Dispose();
        }

        _good.Dispose();
        _broken.Dispose();
    }

    private List<FixtureRun> Runs(params TempFolder[] folders)
    {
        var runs = new List<FixtureRun>();
        foreach (var folder in folders)
        {
            var suite = FixtureSuite.Load(folder.Path);
            _suites.Add(suite);
            runs.Add(suite.Run());
        }

        return runs;
    }

    private static XDocument Report(IReadOnlyList<FixtureRun> runs)
    {
        using var stream = new MemoryStream();
        JUnitReport.Write(stream, runs);
        stream.Position = 0;
        return XDocument.Load(stream);
    }

    private static int Int(XElement element, string attribute) => int.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    private static XElement Suite(XDocument report, string nameEnd) =>
        Assert.Single(report.Root!.Elements("testsuite"), s => s.Attribute("name")!.Value.EndsWith(nameEnd, StringComparison.Ordinal));

    [Fact]
    public void Counts_MatchTheRuns_AtTheTopAndPerSuite()
    {
        var runs = Runs(_good, _broken);
        var report = Report(runs);
        var root = report.Root!;

        // Sanity of the runs themselves: pass, fail, skip in the good folder; one failure where nothing loads.
        Assert.Equal((1, 2, 1), (runs.Sum(r => r.Passed), runs.Sum(r => r.Failed), runs.Sum(r => r.Skipped)));

        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal(6, Int(root, "tests"));          // 4 cases run, the bad fixture file, the folder that does not load
        Assert.Equal(2, Int(root, "failures"));
        Assert.Equal(2, Int(root, "errors"));
        Assert.Equal(1, Int(root, "skipped"));
        Assert.Equal(Int(root, "tests"), root.Descendants("testcase").Count());
        Assert.Equal(Int(root, "failures"), root.Descendants("failure").Count());
        Assert.Equal(Int(root, "errors"), root.Descendants("error").Count());
        Assert.Equal(Int(root, "skipped"), root.Descendants("skipped").Count());

        var www = Suite(report, Path.Combine(_good.Path, "example.org", "www.fixtures.yaml"));
        Assert.Equal((3, 1, 0, 1), (Int(www, "tests"), Int(www, "failures"), Int(www, "errors"), Int(www, "skipped")));
        Assert.Equal(3, www.Elements("testcase").Count());

        var bad = Suite(report, "bad.fixtures.yaml");
        Assert.Equal((1, 0, 1), (Int(bad, "tests"), Int(bad, "failures"), Int(bad, "errors")));
        var badError = bad.Element("testcase")!.Element("error")!;
        Assert.Equal("the fixture file has errors", badError.Attribute("message")!.Value);
        Assert.Contains("error FIX003", badError.Value, StringComparison.Ordinal);

        var load = Suite(report, _broken.Path);
        Assert.Equal((1, 1), (Int(load, "tests"), Int(load, "errors")));
        var loadError = load.Element("testcase")!.Element("error")!;
        Assert.Equal("the folder does not load", loadError.Attribute("message")!.Value);
        Assert.Contains("www.csx(1,36): error CS1002", loadError.Value, StringComparison.Ordinal);

        var cannot = Assert.Single(root.Descendants("testcase"), c => c.Attribute("name")!.Value == "cannot run");
        Assert.Contains("the folder does not load", cannot.Element("failure")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void TestCases_HaveFileAndLine_AndAFailureHoldsTheDiff()
    {
        var report = Report(Runs(_good));
        var file = Path.Combine(_good.Path, "example.org", "www.fixtures.yaml");
        var cases = report.Root!.Descendants("testcase").Where(c => c.Attribute("file") is not null).ToList();

        Assert.Equal(["passes", Weird, "skipped"], cases.Select(c => c.Attribute("name")!.Value));
        Assert.Equal(["2", "4", "7"], cases.Select(c => c.Attribute("line")!.Value));
        Assert.All(cases, c => Assert.Equal(file, c.Attribute("file")!.Value));
        Assert.All(cases, c => Assert.Equal(file, c.Attribute("classname")!.Value));

        Assert.Empty(cases[0].Elements());
        var failure = Assert.Single(cases[1].Elements());
        Assert.Equal("failure", failure.Name.LocalName);
        Assert.Equal("answer: - TXT \"x<y>&z\" + (no records)", failure.Attribute("message")!.Value);
        var lines = failure.Value.Split('\n');
        Assert.Equal($"{file}:4: www.example.org. TXT, from 192.0.2.1", lines[0]);
        Assert.Equal(["answer:", "  - TXT \"x<y>&z\"", "  + (no records)"], lines[1..4]);
        Assert.StartsWith("why: answered by policy www.example.org.", lines[4], StringComparison.Ordinal);
        var skipped = Assert.Single(cases[2].Elements());
        Assert.Equal("skipped", skipped.Name.LocalName);
        Assert.Equal("later <soon> & then", skipped.Attribute("message")!.Value);
    }

    [Fact]
    public void SpecialCharacters_AreEscapedInTheText()
    {
        var path = Path.Combine(_good.Path, "reports", "deeper", "junit.xml");

        JUnitReport.Write(path, Runs(_good));

        var text = File.ReadAllText(path);
        Assert.Contains("name=\"a &lt;b&gt; &amp; &quot;c&quot; 'd'\"", text, StringComparison.Ordinal);
        Assert.Contains("TXT \"x&lt;y&gt;&amp;z\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("x<y>", text, StringComparison.Ordinal);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text, StringComparison.Ordinal);
        Assert.Single(XDocument.Parse(text).Descendants("testcase"), c => c.Attribute("name")!.Value == Weird);
    }

    [Fact]
    public void AllPassing_HasNoFailureNorError()
    {
        using var folder = TempFolder.WithExampleZone(
            ("example.org/www.csx", "return Answer.Address(\"192.0.2.10\").WithTtl(30);\n"),
            ("example.org/www.fixtures.yaml", "cases:\n  - case: one\n    expect: { answer: [A 192.0.2.10] }\n  - case: two\n    expect: { ttl: 30 }\n"));
        var report = Report(Runs(folder));

        var root = report.Root!;
        Assert.Equal((2, 0, 0, 0), (Int(root, "tests"), Int(root, "failures"), Int(root, "errors"), Int(root, "skipped")));
        Assert.Empty(root.Descendants("failure"));
        Assert.Empty(root.Descendants("error"));
    }
}
