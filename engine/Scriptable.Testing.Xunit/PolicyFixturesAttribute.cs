using System.Reflection;
using Scriptable.Engine.Fixtures;
using Xunit.Sdk;

namespace Scriptable.Testing.Xunit;

/// <summary>
/// The data of a theory: one <see cref="PolicyFixture"/> per case of every <c>*.fixtures.yaml</c> in the
/// policies folders at or under <see cref="Folder"/>, so that each case shows up (and fails) as its own test:
/// <code>
/// [Theory, PolicyFixtures("policies")]
/// public void Fixture(PolicyFixture fixture) => fixture.Run();
/// </code>
/// A relative folder is looked for in the current folder, then in the test assembly's folder and each of its
/// parents, so that <c>"policies"</c> finds the repository's <c>policies/</c> from <c>bin/Debug/net10.0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class PolicyFixturesAttribute : DataAttribute
{
    /// <summary>Cases of the policies folders at or under <paramref name="folder"/>.</summary>
    public PolicyFixturesAttribute(string folder)
    {
        Folder = folder;
    }

    /// <summary>The folder as given.</summary>
    public string Folder { get; }

    /// <summary>Geo databases consulted before each folder's <c>_geo/</c> (paths found like <see cref="Folder"/>).</summary>
    public string[] Geo { get; set; } = [];

    /// <inheritdoc />
    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        var root = PolicyFixture.Find(Folder);
        var geo = Geo.Select(PolicyFixture.Find).ToArray();
        var rows = new List<object[]>();
        foreach (var folder in FixtureSuite.FindFolders(root))
        {
            var suite = PolicyFixture.Suite(folder, geo);
            foreach (var error in suite.LoadErrors.Take(1))
            {
                // The folder does not load: one failing row says why, rather than no rows at all.
                rows.Add([new PolicyFixture(folder, geo, "", 0, "the folder loads")]);
            }

            foreach (var file in suite.Files)
            {
                if (file.HasErrors)
                {
                    rows.Add([new PolicyFixture(folder, geo, file.File, 0, "the fixture file reads")]);
                }

                foreach (var fixture in file.Cases)
                {
                    // xunit 2 cannot skip one row at run time: a skipped case passes, and its name says so.
                    var name = fixture.Skip is null ? fixture.Name : $"{fixture.Name} [skipped: {fixture.Skip}]";
                    rows.Add([new PolicyFixture(folder, geo, fixture.File, fixture.Line, name)]);
                }
            }
        }

        if (rows.Count == 0)
        {
            throw new InvalidOperationException($"No fixture case under '{root}': add <label>.fixtures.yaml files beside the policies.");
        }

        return rows;
    }
}
