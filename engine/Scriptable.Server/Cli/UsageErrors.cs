using System.CommandLine;
using System.Text.RegularExpressions;
using Scriptable.Engine.Yaml;

namespace Scriptable.Server.Cli;

/// <summary>
/// A command line that does not parse (an unknown command or option, a missing or extra argument): one line per
/// error on standard error, with the nearest option or command when one is close, and exit code 2; no help text
/// (scripts and CI read exit 1 as "a case failed" or "the folder does not load", and the help hides the error).
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>The exit code of a usage error.</summary>
    public const int ExitCode = 2;

    /// <summary>Writes the errors of <paramref name="parsed"/>; returns true when there were any.</summary>
    public static bool Report(ParseResult parsed, TextWriter errors)
    {
        var command = parsed.CommandResult.Command;
        var prefix = command.Parents.Any() ? $"scriptable {command.Name}" : "scriptable";

        // An option the command does not know is the mistake to name, not the words after it that it was meant to
        // take. System.CommandLine also takes an unknown option for the command's argument when there is one
        // (check --confg x.json: '--confg' becomes the folder): such an argument is named as the unknown option.
        var unknown = new List<string>();
        foreach (var token in parsed.UnmatchedTokens)
        {
            AddIfOption(token);
        }

        foreach (var child in parsed.CommandResult.Children)
        {
            if (child is System.CommandLine.Parsing.ArgumentResult argument)
            {
                foreach (var token in argument.Tokens)
                {
                    AddIfOption(token.Value);
                }
            }
        }

        if (unknown.Count > 0)
        {
            foreach (var option in unknown)
            {
                errors.WriteLine($"{prefix}: Unrecognized command or argument '{option}'.{Suggestion(command, option)}");
            }

            return true;
        }

        if (parsed.Errors.Count == 0)
        {
            return false;
        }

        var unmatched = new HashSet<string>(parsed.UnmatchedTokens, StringComparer.Ordinal);
        foreach (var error in parsed.Errors)
        {
            var token = unmatched.FirstOrDefault(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal));
            var hint = token is null ? "" : Suggestion(command, token);
            errors.WriteLine($"{prefix}: {Plain(error.Message)}{hint}");
        }

        return true;

        // "-5" is a value; "-" alone is standard input; a file really named "--x" is the user's to name.
        void AddIfOption(string token)
        {
            if (token.Length > 1 && token[0] == '-' && !char.IsAsciiDigit(token[1]) && !Path.Exists(token) && !unknown.Contains(token))
            {
                unknown.Add(token);
            }
        }
    }

    /// <summary>A value of the wrong kind said without .NET type names ("'abc' is not a number (--udp-threads)").</summary>
    private static string Plain(string message)
    {
        var match = WrongType().Match(message);
        return match.Success ? $"'{match.Groups["value"].Value}' is not a whole number ({match.Groups["option"].Value})." : message;
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '[^']*Int(16|32|64)[^']*'\.?$")]
    private static partial Regex WrongType();

    /// <summary>" Did you mean '--geo'?" for a near miss of an option or a command.</summary>
    private static string Suggestion(Command command, string token)
    {
        var known = new List<string>();
        foreach (var option in command.Options)
        {
            known.Add(option.Name);
            known.AddRange(option.Aliases);
        }

        foreach (var sub in command.Subcommands)
        {
            known.Add(sub.Name);
        }

        return Spelling.Closest(token, known, Math.Max(2, token.Length / 4)) is { } best ? $" Did you mean '{best}'?" : "";
    }
}
