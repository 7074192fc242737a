using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Scriptable.Engine.Yaml;

/// <summary>
/// A YAML node with its position: a small tree built from YamlDotNet's parser events, which keeps what the
/// representation model loses or refuses (duplicate keys, each key's position), so every diagnostic can
/// point at the line and column the user wrote.
/// </summary>
internal abstract class YamlNode
{
    protected YamlNode(int line, int column)
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line.</summary>
    public int Line { get; }

    /// <summary>1-based column.</summary>
    public int Column { get; }

    /// <summary>What the node is, for messages: <c>a mapping</c>, <c>a list</c>, <c>a value</c>.</summary>
    public abstract string Describe { get; }

    /// <summary>
    /// Reads one document. Returns null (and no error) for an empty stream. A syntax error, or a second
    /// document, is returned as <paramref name="error"/> with its position.
    /// </summary>
    public static YamlNode? Read(string text, out (int Line, int Column, string Message)? error)
    {
        error = null;
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (parser.Current is DocumentStart second)
            {
                error = ((int)second.Start.Line, (int)second.Start.Column, "the file holds one document: remove this second one");
                return null;
            }

            return root;
        }
        catch (YamlException ex)
        {
            error = ex.Message.Contains("tab", StringComparison.Ordinal) && FindIndentingTab(text) is { } tab
                ? (tab.Line, tab.Column, "a tab indents this line: YAML indents with spaces only")
                : ((int)ex.Start.Line, (int)ex.Start.Column, Clean(ex.Message));
            return null;
        }
    }

    private static YamlNode ReadNode(IParser parser, Dictionary<string, YamlNode> anchors)
    {
        YamlNode node;
        var start = parser.Current!.Start;
        var anchor = parser.Current is NodeEvent { Anchor.IsEmpty: false } withAnchor ? withAnchor.Anchor.Value : null;
        switch (parser.Current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new YamlException(alias.Start, alias.End, $"the alias '*{alias.Value.Value}' names no anchor above it");
                }

                return target;
            case Scalar scalar:
                parser.MoveNext();
                node = new YamlScalar((int)start.Line, (int)start.Column, scalar.Value, scalar.Style == ScalarStyle.Plain);
                break;
            case SequenceStart:
                parser.MoveNext();
                var items = new List<YamlNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser, anchors));
                }

                node = new YamlSequence((int)start.Line, (int)start.Column, items);
                break;
            case MappingStart:
                parser.MoveNext();
                var entries = new List<(YamlScalar Key, YamlNode Value)>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyStart = parser.Current!.Start;
                    if (ReadNode(parser, anchors) is not YamlScalar key)
                    {
                        throw new YamlException(keyStart, keyStart, "a key must be a plain value, not a list or mapping");
                    }

                    entries.Add((key, ReadNode(parser, anchors)));
                }

                node = new YamlMapping((int)start.Line, (int)start.Column, entries);
                break;
            default:
                throw new YamlException(parser.Current.Start, parser.Current.End, "unexpected " + parser.Current.GetType().Name);
        }

        if (anchor is not null)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    /// <summary>
    /// The first tab in a line's indentation: YamlDotNet reports such an error at the start of the enclosing
    /// mapping, which does not help find it.
    /// </summary>
    private static (int Line, int Column)? FindIndentingTab(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            for (var j = 0; j < line.Length && line[j] is ' ' or '\t'; j++)
            {
                if (line[j] == '\t')
                {
                    return (i + 1, j + 1);
                }
            }
        }

        return null;
    }

    /// <summary>YamlDotNet prefixes its messages with the positions, which our diagnostics already show.</summary>
    private static string Clean(string message) =>
        Regex.Replace(message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "").TrimEnd('.');
}

/// <summary>A scalar: text, with whether it was written plain (so <c>~</c>, <c>null</c> and nothing mean null).</summary>
internal sealed class YamlScalar(int line, int column, string value, bool plain) : YamlNode(line, column)
{
    /// <summary>The text.</summary>
    public string Value { get; } = value;

    /// <summary>True for a plain (unquoted) scalar.</summary>
    public bool Plain { get; } = plain;

    /// <summary>True for an empty value, <c>~</c> or <c>null</c> written plain.</summary>
    public bool IsNull => Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    /// <inheritdoc />
    public override string Describe => IsNull ? "nothing" : "a value";
}

/// <summary>A list.</summary>
internal sealed class YamlSequence(int line, int column, IReadOnlyList<YamlNode> items) : YamlNode(line, column)
{
    /// <summary>The items, in order.</summary>
    public IReadOnlyList<YamlNode> Items { get; } = items;

    /// <inheritdoc />
    public override string Describe => "a list";
}

/// <summary>A mapping, with its keys in file order and duplicates kept (the parser reports them).</summary>
internal sealed class YamlMapping(int line, int column, IReadOnlyList<(YamlScalar Key, YamlNode Value)> entries) : YamlNode(line, column)
{
    /// <summary>The entries, in order.</summary>
    public IReadOnlyList<(YamlScalar Key, YamlNode Value)> Entries { get; } = entries;

    /// <inheritdoc />
    public override string Describe => "a mapping";

    /// <summary>
    /// The entries by key. A key not in <paramref name="known"/> (<c>'intervall' is not a setting (...); did you mean
    /// 'interval'?</c>, <paramref name="what"/> being "a setting") and a repeated key are passed to
    /// <paramref name="report"/> with the message, and left out.
    /// </summary>
    public Dictionary<string, (YamlScalar Key, YamlNode Value)> ByKey(string[] known, string what, Action<YamlScalar, YamlKeyProblem, string> report)
    {
        var entries = new Dictionary<string, (YamlScalar, YamlNode)>(StringComparer.Ordinal);
        foreach (var (key, value) in Entries)
        {
            if (!known.Contains(key.Value, StringComparer.Ordinal))
            {
                var hint = Spelling.Closest(key.Value, known) is { } close ? $"; did you mean '{close}'?" : "";
                report(key, YamlKeyProblem.Unknown, $"'{key.Value}' is not {what} ({string.Join(", ", known)}){hint}");
                continue;
            }

            if (entries.TryGetValue(key.Value, out var first))
            {
                report(key, YamlKeyProblem.Repeated, $"'{key.Value}' is given twice (first at line {first.Item1.Line})");
                continue;
            }

            entries[key.Value] = (key, value);
        }

        return entries;
    }
}

