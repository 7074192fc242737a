using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Scriptable.Engine.Yaml;

namespace Scriptable.Server.Configuration;

/// <summary>
/// Reads <see cref="ServerOptions"/> from a configuration (the JSON file and <c>SCRIPTABLE_</c> variables) so that
/// a mistake is an error at its place, never silence: a key that is no setting (<c>Policy:Trial:Questons</c>)
/// and a value that does not convert are reported as <c>file(line,col): error ...</c>, or with the variable's
/// name when a variable set it.
/// </summary>
public static class ConfigurationCheck
{
    /// <summary>
    /// <c>SCRIPTABLE_</c> variables that are not settings: the program's own (the sandbox switch, the trial's
    /// progress file and fault injection) and its scripts' (tests/load).
    /// </summary>
    private const string Prefix = "SCRIPTABLE_";

    private static readonly HashSet<string> NotSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "SANDBOX", "TRIAL_PROGRESS", "TRIAL_CRASH_ON", "BIN", "PID", "TEST_SECRET",
    };

    /// <summary>The options bound from <paramref name="configuration"/>, or null with every error in <paramref name="errors"/>.</summary>
    public static ServerOptions? Bind(IConfigurationRoot configuration, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        foreach (var child in configuration.GetChildren())
        {
            Walk(configuration, child, typeof(ServerOptions), errors);
        }

        if (errors.Count > before)
        {
            return null;
        }

        try
        {
            return configuration.Get<ServerOptions>() ?? new ServerOptions();
        }
        catch (InvalidOperationException ex)
        {
            // "Failed to convert configuration value at 'UdpThreads' to type 'System.Int32'."
            var at = System.Text.RegularExpressions.Regex.Match(ex.Message, " at '([^']*)'", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            var path = at.Success ? at.Groups[1].Value : "";
            errors.Add($"{Where(configuration, path)}: error: {ex.Message}{(ex.InnerException is { } inner ? " " + inner.Message : "")}");
            return null;
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> (<c>Policy:Trial:Enabled</c>, <c>Listen:0</c>) names a setting, or is one of
    /// the program's own <c>SCRIPTABLE_</c> variables (without the prefix).
    /// </summary>
    public static bool IsSetting(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (NotSettings.Contains(path) || path.Split(':')[0].Equals("Logging", StringComparison.OrdinalIgnoreCase))
        {
            // The program's own variables; the host's logging section.
            return true;
        }

        var type = typeof(ServerOptions);
        foreach (var segment in path.Split(':'))
        {
            if (ElementType(type) is { } element && !IsLeaf(type))
            {
                type = element;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || IsLeaf(type))
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }

    /// <summary>A JSON file the configuration system could not parse, as <c>file(line,col): error ...</c>.</summary>
    public static string SyntaxError(string file, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException { LineNumber: { } line } json)
            {
                // The reader's message ends with its own zero-based " LineNumber: 0 | BytePositionInLine: 39.": said once, above.
                var message = json.Message ?? "";
                var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
                return $"{file}({line + 1},{(json.BytePositionInLine ?? 0) + 1}): error: the configuration is not valid JSON: {(at > 0 ? message[..at] : message)}";
            }
        }

        return $"{file}: error: {exception.Message}";
    }

    private static void Walk(IConfigurationRoot root, IConfigurationSection section, Type type, List<string> errors)
    {
        if (type == typeof(ServerOptions) && section.Value is not null && NotSettings.Contains(section.Key) && FromEnvironment(root, section.Path))
        {
            return;
        }

        if (type == typeof(ServerOptions) && (!FromUser(root, section.Path) || string.Equals(section.Key, "Logging", StringComparison.OrdinalIgnoreCase)))
        {
            // Set by the host itself (contentRoot), not by the file or a variable; or read by the host's logging.
            return;
        }

        var property = type.GetProperty(section.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || property.GetIndexParameters().Length > 0 || (!property.CanWrite && IsLeaf(property.PropertyType)))
        {
            errors.Add($"{Where(root, section.Path)}: error: '{section.Path}' is not a setting{Suggestion(type, section.Key)}.");
            return;
        }

        Check(root, section, property.PropertyType, errors);
    }

    /// <summary>A section bound to a value of <paramref name="type"/>: a leaf has no children; a list's items and an object's keys are checked in turn.</summary>
    private static void Check(IConfigurationRoot root, IConfigurationSection section, Type type, List<string> errors)
    {
        var children = section.GetChildren().ToList();
        if (IsLeaf(type))
        {
            foreach (var child in children)
            {
                errors.Add($"{Where(root, child.Path)}: error: '{section.Path}' is a single value; '{child.Path}' is not a setting.");
            }

            return;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var item in children)
            {
                Check(root, item, element, errors);
            }

            return;
        }

        foreach (var child in children)
        {
            Walk(root, child, type, errors);
        }
    }

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Guid);
    }

    /// <summary>The item type of a list or array, or the value type of a dictionary; null for an object.</summary>
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var arguments = type.IsGenericType ? type.GetGenericArguments() : [];
        return arguments.Length switch
        {
            1 => arguments[0],
            2 => arguments[1],
            _ => typeof(string),
        };
    }

    /// <summary>" (did you mean 'Questions'?)" when a setting of <paramref name="type"/> is a near miss.</summary>
    private static string Suggestion(Type type, string key)
    {
        var settings = new List<string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanWrite || !IsLeaf(property.PropertyType))
            {
                settings.Add(property.Name);
            }
        }

        return Spelling.Closest(key, settings, Math.Max(2, key.Length / 4)) is { } best ? $" (did you mean '{best}'?)" : "";
    }

    /// <summary>Where <paramref name="path"/> was set: <c>file(line,col)</c>, or the environment variable.</summary>
    private static string Where(IConfigurationRoot root, string path)
    {
        for (var i = root.Providers.Count() - 1; i >= 0; i--)
        {
            var provider = root.Providers.ElementAt(i);
            if (!Sets(provider, path))
            {
                continue;
            }

            if (provider is JsonConfigurationProvider json && json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "") is { PhysicalPath: { } file })
            {
                return Locate(file, path) is { } at ? $"{file}({at.Line},{at.Column})" : file;
            }

            if (provider is EnvironmentVariablesConfigurationProvider)
            {
                return $"environment variable {Prefix}{path.Replace(":", "__", StringComparison.Ordinal)}";
            }
        }

        return "configuration";
    }

    private static bool FromUser(IConfigurationRoot root, string path)
    {
        foreach (var provider in root.Providers)
        {
            if (provider is FileConfigurationProvider or StreamConfigurationProvider or EnvironmentVariablesConfigurationProvider && Sets(provider, path))
            {
                return true;
            }
        }

        return false;
    }

    private static bool FromEnvironment(IConfigurationRoot root, string path)
    {
        for (var i = root.Providers.Count() - 1; i >= 0; i--)
        {
            var provider = root.Providers.ElementAt(i);
            if (Sets(provider, path))
            {
                return provider is EnvironmentVariablesConfigurationProvider;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="provider"/> has a value at <paramref name="path"/> or below it.</summary>
    private static bool Sets(IConfigurationProvider provider, string path)
    {
        if (provider.TryGet(path, out _))
        {
            return true;
        }

        var parent = path.Contains(':', StringComparison.Ordinal) ? path[..path.LastIndexOf(':')] : null;
        var key = path[(path.LastIndexOf(':') + 1)..];
        foreach (var child in provider.GetChildKeys([], parent))
        {
            if (string.Equals(child, key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The line and column (1-based) of the property or item at <paramref name="path"/> in a JSON file.</summary>
    internal static (int Line, int Column)? Locate(string file, string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new List<string>();
        var indexes = new List<int>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (string.Equals(Joined(stack, reader.GetString()!), path, StringComparison.OrdinalIgnoreCase))
                        {
                            return Position(bytes, (int)reader.TokenStartIndex);
                        }

                        stack.Add(reader.GetString()!);
                        indexes.Add(-1);
                        if (!reader.Read())
                        {
                            return null;
                        }

                        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                        {
                            Pop(stack, indexes);
                        }
                        else if (reader.TokenType == JsonTokenType.StartArray)
                        {
                            indexes[^1] = 0;
                        }

                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        if (stack.Count > 0 && (reader.TokenType == JsonTokenType.EndArray || indexes[^1] < 0))
                        {
                            Pop(stack, indexes);
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            // The configuration system reports the file's syntax itself.
        }

        return null;

        static string Joined(List<string> stack, string key) => stack.Count == 0 ? key : string.Join(':', stack) + ":" + key;

        static void Pop(List<string> stack, List<int> indexes)
        {
            stack.RemoveAt(stack.Count - 1);
            indexes.RemoveAt(indexes.Count - 1);
        }
    }

    private static (int Line, int Column) Position(byte[] bytes, int offset)
    {
        var line = 1;
        var start = 0;
        for (var i = 0; i < offset; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                start = i + 1;
            }
        }

        return (line, Encoding.UTF8.GetCharCount(bytes, start, offset - start) + 1);
    }
}
