using System.Globalization;
using System.Text;
using System.Xml;
using Scriptable.Engine.Local;

namespace Scriptable.Engine.Fixtures;

/// <summary>
/// Writes fixture outcomes as JUnit XML, the report CI systems read (GitLab, Jenkins, GitHub actions): one
/// <c>testsuite</c> per fixture file, one <c>testcase</c> per case (<c>classname</c> the file, <c>name</c> the
/// case), a <c>failure</c> holding the diff; a folder that does not load, or a fixture file with errors, is a
/// <c>testcase</c> with an <c>error</c>.
/// </summary>
public static class JUnitReport
{
    /// <summary>Writes the report of <paramref name="runs"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<FixtureRun> runs)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = File.Create(path);
        Write(stream, runs);
    }

    /// <summary>Writes the report of <paramref name="runs"/> to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<FixtureRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        using var xml = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteAttributeString("name", "scriptable test");
        var total = 0;
        var failures = 0;
        var errors = 0;
        var skipped = 0;
        foreach (var run in runs)
        {
            total += run.Outcomes.Count;
            failures += run.Failed;
            skipped += run.Skipped;
            errors += (run.Suite.LoadErrors.Count > 0 ? 1 : 0) + run.Suite.Files.Count(f => f.HasErrors);
        }

        xml.WriteAttributeString("tests", Number(total + errors));
        xml.WriteAttributeString("failures", Number(failures));
        xml.WriteAttributeString("errors", Number(errors));
        xml.WriteAttributeString("skipped", Number(skipped));
        xml.WriteAttributeString("time", Seconds(runs.Sum(r => r.RunTime.TotalSeconds + r.Suite.LoadTime.TotalSeconds)));
        foreach (var run in runs)
        {
            if (run.Suite.LoadErrors.Count > 0)
            {
                Suite(xml, ShownPath.Of(run.Suite.Folder), 1, 0, 1, 0, run.Suite.LoadTime.TotalSeconds);
                Error(xml, ShownPath.Of(run.Suite.Folder), "load", "the folder does not load", string.Join('\n', run.Suite.LoadErrors));
                xml.WriteEndElement();
            }

            foreach (var file in run.Suite.Files)
            {
                var outcomes = run.Outcomes.Where(o => ReferenceEquals(o.Case.File, file.File) || o.Case.File == file.File).ToList();
                var fileErrors = file.HasErrors ? 1 : 0;
                Suite(xml, file.File, outcomes.Count + fileErrors, outcomes.Count(o => o.Status == FixtureStatus.Failed), fileErrors, outcomes.Count(o => o.Status == FixtureStatus.Skipped), outcomes.Sum(o => o.Elapsed.TotalSeconds));
                if (file.HasErrors)
                {
                    Error(xml, file.File, "read", "the fixture file has errors", string.Join('\n', file.Diagnostics.Where(d => d.IsError)));
                }

                foreach (var outcome in outcomes)
                {
                    xml.WriteStartElement("testcase");
                    xml.WriteAttributeString("classname", file.File);
                    xml.WriteAttributeString("name", outcome.Case.Name);
                    xml.WriteAttributeString("file", file.File);
                    xml.WriteAttributeString("line", Number(outcome.Case.Line));
                    xml.WriteAttributeString("time", Seconds(outcome.Elapsed.TotalSeconds));
                    switch (outcome.Status)
                    {
                        case FixtureStatus.Failed:
                            xml.WriteStartElement("failure");
                            xml.WriteAttributeString("message", Summary(outcome.Diff));
                            xml.WriteString($"{outcome.Case.Location}: {outcome.Case.Describe()}\n" + string.Join('\n', outcome.Diff));
                            xml.WriteEndElement();
                            break;
                        case FixtureStatus.Skipped:
                            xml.WriteStartElement("skipped");
                            xml.WriteAttributeString("message", outcome.Diff.Count > 0 ? outcome.Diff[0] : "skipped");
                            xml.WriteEndElement();
                            break;
                    }

                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
            }
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    /// <summary>The diff on one line (without the why), for the failure's message attribute.</summary>
    private static string Summary(IReadOnlyList<string> diff)
    {
        var parts = diff.TakeWhile(l => !l.StartsWith("why", StringComparison.Ordinal)).Select(l => l.Trim());
        var text = string.Join(" ", parts);
        return text.Length == 0 ? "failed" : text.Length > 300 ? text[..297] + "..." : text;
    }

    private static void Suite(XmlWriter xml, string name, int tests, int failures, int errors, int skipped, double seconds)
    {
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", name);
        xml.WriteAttributeString("tests", Number(tests));
        xml.WriteAttributeString("failures", Number(failures));
        xml.WriteAttributeString("errors", Number(errors));
        xml.WriteAttributeString("skipped", Number(skipped));
        xml.WriteAttributeString("time", Seconds(seconds));
    }

    private static void Error(XmlWriter xml, string classname, string name, string message, string text)
    {
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("classname", classname);
        xml.WriteAttributeString("name", name);
        xml.WriteStartElement("error");
        xml.WriteAttributeString("message", message);
        xml.WriteString(text);
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
