using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>A fact skipped, with what to install, unless every tool it names is on PATH (pairs of tool and Debian package).</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless each tool is installed: <c>("fstrm_capture", "fstrm-bin", "dnstap-ldns", "dnstap-ldns")</c>.</summary>
    public ToolFactAttribute(params string[] toolsAndPackages)
    {
        ArgumentNullException.ThrowIfNull(toolsAndPackages);
        for (var i = 0; i + 1 < toolsAndPackages.Length; i += 2)
        {
            if (ExternalTool.Find(toolsAndPackages[i]) is null)
            {
                Skip = $"'{toolsAndPackages[i]}' is not installed (Debian package '{toolsAndPackages[i + 1]}'; scripts/setup.sh installs it).";
                return;
            }
        }
    }
}
