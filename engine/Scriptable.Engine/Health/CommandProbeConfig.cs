using System.Text;

namespace Scriptable.Engine.Health;

/// <summary>
/// A program run without a shell (the first item is the program, the others its arguments); exit code 0
/// passes. It is killed, with its children, when the timeout expires.
/// </summary>
public sealed record CommandProbeConfig : HealthProbeConfig
{
    /// <summary>Creates the configuration of <paramref name="command"/>: program, then arguments.</summary>
    public CommandProbeConfig(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0 || string.IsNullOrEmpty(command[0]))
        {
            throw new ArgumentException("A command needs a program.", nameof(command));
        }

        Command = [.. command];
    }

    /// <summary>The program and its arguments.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <inheritdoc />
    public override HealthCheckKind Kind => HealthCheckKind.Command;

    /// <inheritdoc />
    public override string Target
    {
        get
        {
            var text = new StringBuilder();
            foreach (var word in Command)
            {
                if (text.Length > 0)
                {
                    text.Append(' ');
                }

                var plain = word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\');
                text.Append(plain ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'");
            }

            return text.ToString();
        }
    }

    /// <summary>Equal when the program and every argument are.</summary>
    public bool Equals(CommandProbeConfig? other) =>
        other is not null && Command.SequenceEqual(other.Command, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var word in Command)
        {
            hash.Add(word, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
