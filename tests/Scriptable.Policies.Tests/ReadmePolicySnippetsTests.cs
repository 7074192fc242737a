using Scriptable.Engine.Model;

namespace Scriptable.Policies.Tests;

/// <summary>
/// Every policy snippet in the repository's READMEs (a <c>```csx</c> block) compiles and loads with the
/// server's own compiler, sandbox and budget, as a policy of a zone named example.com.
/// </summary>
public class ReadmePolicySnippetsTests
{
    private const string Zone = """
        $ORIGIN example.com.
        @ 3600 IN SOA ns1 hostmaster 1 3600 600 604800 300
          3600 IN NS ns1
        ns1 3600 IN A 192.0.2.53
        """;

    public static TheoryData<string, int, string> Snippets()
    {
        var data = new TheoryData<string, int, string>();
        var root = DefaultPoliciesTests.RepositoryPath(".");
        foreach (var file in Directory.EnumerateFiles(root, "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "artifacts" || p.StartsWith('.')))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() == "```csx")
                {
                    var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                    data.Add(relative, i + 2, string.Join('\n', lines[(i + 1)..end]));
                    i = end;
                }
            }
        }

        return data;
    }

    [Fact]
    public void Snippets_Found()
    {
        Assert.True(Snippets().Count >= 3, "the READMEs show policies in ```csx blocks");
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Snippet_Compiles(string readme, int line, string code)
    {
        var folder = Directory.CreateTempSubdirectory("scriptable-readme-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "example.com"));
            File.WriteAllText(Path.Combine(folder, "example.com", "example.com.zone"), Zone);
            File.WriteAllText(Path.Combine(folder, "example.com", "snippet.csx"), code);
            using var loader = new FolderLoader(folder);
            var reload = loader.Reload();
            var errors = reload.Policies.Changes.SelectMany(c => c.Diagnostics).Where(d => d.IsError).ToList();
            Assert.True(errors.Count == 0, $"{readme}:{line}: the policy does not compile:\n" + string.Join('\n', errors));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
