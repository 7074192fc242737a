using System.Collections.Concurrent;
using Scriptable.Engine.Fixtures;
using Xunit.Abstractions;

namespace Scriptable.Testing.Xunit;

/// <summary>
/// One case of a fixture file, as a theory's argument (see <see cref="PolicyFixturesAttribute"/>); it shows as
/// <c>file:line: words</c>, and <see cref="Run"/> fails with the same diff <c>scriptable test</c> prints.
/// Each folder is loaded (and its policies compiled) once per test run, and shared by its cases.
/// </summary>
public sealed class PolicyFixture : IXunitSerializable
{
    private static readonly ConcurrentDictionary<string, Lazy<FixtureSuite>> Suites = new(StringComparer.Ordinal);

    private string _folder = "";
    private string[] _geo = [];
    private string _file = "";
    private int _line;
    private string _name = "";

    /// <summary>For xunit's deserialisation only.</summary>
    [Obsolete("For xunit's deserialisation only.")]
    public PolicyFixture()
    {
    }

    internal PolicyFixture(string folder, string[] geo, string file, int line, string name)
    {
        _folder = folder;
        _geo = geo;
        _file = file;
        _line = line;
        _name = name;
    }

    /// <summary>The fixture file, or empty for the folder itself.</summary>
    public string File => _file;

    /// <summary>The case's line (0: the file or folder as a whole).</summary>
    public int Line => _line;

    /// <summary>The case's words.</summary>
    public string Name => _name;

    /// <summary>Runs the case; throws <see cref="FixtureFailedException"/> with the diff when the answer differs.</summary>
    public void Run()
    {
        var suite = Suite(_folder, _geo);
        if (_file.Length == 0)
        {
            throw new FixtureFailedException($"{_folder} does not load:{Environment.NewLine}{string.Join(Environment.NewLine, suite.LoadErrors)}");
        }

        var file = suite.Files.FirstOrDefault(f => f.File == _file)
            ?? throw new FixtureFailedException($"{_file}: the fixture file is gone");
        if (_line == 0)
        {
            throw new FixtureFailedException($"{_file} has errors:{Environment.NewLine}{string.Join(Environment.NewLine, file.Diagnostics.Where(d => d.IsError))}");
        }

        var fixture = file.Cases.FirstOrDefault(c => c.Line == _line)
            ?? throw new FixtureFailedException($"{_file}:{_line}: the case is gone (the file changed since the tests were discovered)");
        if (suite.Server is null)
        {
            throw new FixtureFailedException($"{_folder} does not load:{Environment.NewLine}{string.Join(Environment.NewLine, suite.LoadErrors)}");
        }

        var outcome = FixtureRunner.Run(suite.Server, fixture);
        if (outcome.Status == FixtureStatus.Failed)
        {
            throw new FixtureFailedException(outcome.ToString());
        }
    }

    /// <inheritdoc />
    public override string ToString() => _line == 0 ? $"{(_file.Length == 0 ? _folder : _file)}: {_name}" : $"{_file}:{_line}: {_name}";

    /// <inheritdoc />
    public void Deserialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        _folder = info.GetValue<string>("folder");
        _geo = info.GetValue<string[]>("geo") ?? [];
        _file = info.GetValue<string>("file");
        _line = info.GetValue<int>("line");
        _name = info.GetValue<string>("name");
    }

    /// <inheritdoc />
    public void Serialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.AddValue("folder", _folder);
        info.AddValue("geo", _geo);
        info.AddValue("file", _file);
        info.AddValue("line", _line);
        info.AddValue("name", _name);
    }

    /// <summary>The folder loaded once per test run (and per set of geo databases).</summary>
    internal static FixtureSuite Suite(string folder, string[] geo) =>
        Suites.GetOrAdd(folder + "\0" + string.Join('\0', geo), _ => new Lazy<FixtureSuite>(() => FixtureSuite.Load(folder, geo))).Value;

    /// <summary>A path as given when it exists, else looked for from the test assembly's folder upwards; full.</summary>
    internal static string Find(string path)
    {
        if (Path.IsPathRooted(path) || Directory.Exists(path) || System.IO.File.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, path);
            if (Directory.Exists(candidate) || System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"'{path}' is neither under the current folder ({Environment.CurrentDirectory}) nor above the test assembly ({AppContext.BaseDirectory}).");
    }
}
