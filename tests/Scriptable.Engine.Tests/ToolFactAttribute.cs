using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests;

/// <summary>A fact that is skipped, with a message saying what to install, when a command-line tool is not on PATH.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless <paramref name="tool"/> (from the Debian package <paramref name="package"/>) is installed.</summary>
    public ToolFactAttribute(string tool, string package)
    {
        Tool = tool;
        Package = package;
        if (ExternalTool.Find(tool) is null)
        {
            Skip = $"'{tool}' is not installed (Debian package '{package}'); the test compares against it when it is.";
        }
    }

    /// <summary>The tool the test runs.</summary>
    public string Tool { get; }

    /// <summary>The Debian package that has the tool.</summary>
    public string Package { get; }
}
