using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Scriptable.Engine.Files;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// One parse of a master file and everything it includes: turns entries into records, runs directives, and
/// collects diagnostics. The TTL defaults are shared across <c>$INCLUDE</c> (as in BIND); the origin and the
/// current owner belong to each file and are restored when an included file ends.
/// </summary>
internal sealed class MasterFileLoader
{
    /// <summary>Parsing stops once this many errors have been reported.</summary>
    public const int MaxErrors = 100;

    /// <summary>Deepest allowed chain of <c>$INCLUDE</c>s.</summary>
    public const int MaxIncludeDepth = 16;

    /// <summary>
    /// Files read through <c>$INCLUDE</c> in one zone at most: ten <c>$INCLUDE</c>s per file nested 16 deep would
    /// otherwise read 10^16 files while holding the reload.
    /// </summary>
    public const int MaxIncludes = 1000;

    private readonly DnsName _zone;
    private readonly Func<string, string> _readInclude;
    private readonly List<ResourceRecord> _records = [];
    private readonly List<ZoneDiagnostic> _errors = [];
    private readonly List<ZoneDiagnostic> _warnings = [];
    private readonly List<string> _openFiles = [];
    private readonly StringBuilder _scratch = new();
    private string? _entryFile;
    private int _entryLine;
    private int _entryColumn;
    private uint? _defaultTtl;
    private uint? _lastTtl;
    private bool _warnedRfc1035;
    private bool _stopped;
    private int _includes;

    // Consecutive records usually repeat the owner text; reuse the parsed name.
    private string? _ownerText;
    private DnsName? _ownerOrigin;
    private DnsName? _ownerName;

    /// <summary>Creates a loader for the zone whose apex is <paramref name="zone"/>.</summary>
    public MasterFileLoader(DnsName zone, Func<string, string> readInclude)
    {
        _zone = zone;
        _readInclude = readInclude;
    }

    /// <summary>Parses a file's text; the zone apex is its initial origin.</summary>
    public MasterFileResult Load(string text, string fileName)
    {
        LoadFile(text, fileName, _zone, 0);
        return new MasterFileResult(_records, _errors, _warnings);
    }

    private void LoadFile(string text, string file, DnsName origin, int depth)
    {
        var context = new FileContext(file, origin, depth);
        _openFiles.Add(FileKey(file));
        var lexer = new MasterFileLexer(text);
        while (!_stopped && lexer.Next())
        {
            if (lexer.Error is not null)
            {
                Error(file, lexer.ErrorLine, lexer.Error);
                continue;
            }

            var tokens = CollectionsMarshal.AsSpan(lexer.Tokens);
            if (tokens.IsEmpty)
            {
                continue;
            }

            (_entryFile, _entryLine, _entryColumn) = (file, lexer.Line, lexer.Column);

            // Directives are recognised only in the first column, where an owner would otherwise be.
            if (!lexer.StartsWithBlank && !tokens[0].IsQuoted && tokens[0].Text.StartsWith('$'))
            {
                Directive(context, tokens, lexer.Line);
            }
            else
            {
                Record(context, tokens, lexer.Line, lexer.StartsWithBlank);
            }
        }

        _openFiles.RemoveAt(_openFiles.Count - 1);
    }

    private void Record(FileContext context, ReadOnlySpan<MasterFileToken> tokens, int line, bool startsWithBlank)
    {
        DnsName owner;
        if (startsWithBlank)
        {
            if (context.Owner is null)
            {
                Error(context.File, line, "no owner name: the line starts with a blank but no earlier record named an owner");
                return;
            }

            owner = context.Owner;
        }
        else
        {
            // BIND: a first-column field is always the owner, even "ns", "a", "mx", "in" or "300".
            if (!TryParseOwner(tokens[0].Text, context.Origin, out var parsed, out var ownerError))
            {
                Error(context.File, line, $"bad owner name: {ownerError}");
                return;
            }

            owner = context.Owner = parsed;
            tokens = tokens[1..];
        }

        if (!owner.IsSubdomainOf(_zone))
        {
            // BIND ignores it with a warning and loads the zone.
            Warning(context.File, line, $"out-of-zone record '{owner}' ignored");
            return;
        }

        if (!TryReadHeader(tokens, out var ttl, out var type, out var consumed, out var headerError))
        {
            Error(context.File, line, headerError);
            return;
        }

        if (!RDataText.TryParse(type, tokens[consumed..], context.Origin, out var rdata, out var rdataError))
        {
            Error(context.File, line, rdataError);
            return;
        }

        AddRecord(context, owner, type, ttl, rdata, line);
    }

    /// <summary>Reads the optional TTL and class (in either order) and the type.</summary>
    private static bool TryReadHeader(ReadOnlySpan<MasterFileToken> tokens, out uint? ttl, out ushort type, out int consumed, [NotNullWhen(false)] out string? error)
    {
        ttl = null;
        type = 0;
        consumed = 0;
        error = null;
        var i = 0;
        var sawClass = false;
        while (i < tokens.Length && i < 2 && !tokens[i].IsQuoted)
        {
            var text = tokens[i].Text;
            if (!sawClass && TryParseClass(text, out var @class))
            {
                if (@class != DnsClass.IN)
                {
                    error = $"class '{text}' is not supported; only IN";
                    return false;
                }

                sawClass = true;
                i++;
                continue;
            }

            // No type mnemonic starts with a digit, so a field that does is meant as a TTL.
            if (ttl is null && text.Length > 0 && char.IsAsciiDigit(text[0]))
            {
                if (!TryParseTtl(text, out var seconds, out error))
                {
                    return false;
                }

                ttl = seconds;
                i++;
                continue;
            }

            break;
        }

        if (i >= tokens.Length)
        {
            error = "missing record type";
            return false;
        }

        var typeText = tokens[i].Text;
        if (tokens[i].IsQuoted || !RecordType.TryParse(typeText, out type))
        {
            error = $"unknown record type '{typeText}'";
            return false;
        }

        if (type == 0 || RecordType.IsMetaType(type))
        {
            error = $"type {typeText} cannot appear in a zone file";
            return false;
        }

        consumed = i + 1;
        return true;
    }

    private static bool TryParseTtl(string text, out uint seconds, [NotNullWhen(false)] out string? error)
    {
        if (!TtlText.TryParse(text, out seconds))
        {
            error = $"bad TTL '{text}' (expected seconds or units such as 1h30m)";
            return false;
        }

        if (seconds > TtlText.MaxTtl)
        {
            error = $"TTL {seconds} is above the maximum of {TtlText.MaxTtl} (RFC 2181)";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryParseClass(string text, out ushort @class)
    {
        @class = 0;
        if (text.Equals("IN", StringComparison.OrdinalIgnoreCase))
        {
            @class = DnsClass.IN;
        }
        else if (text.Equals("CH", StringComparison.OrdinalIgnoreCase) || text.Equals("CHAOS", StringComparison.OrdinalIgnoreCase))
        {
            @class = DnsClass.CH;
        }
        else if (text.Equals("HS", StringComparison.OrdinalIgnoreCase) || text.Equals("HESIOD", StringComparison.OrdinalIgnoreCase))
        {
            @class = DnsClass.HS;
        }
        else if (text.Equals("CS", StringComparison.OrdinalIgnoreCase))
        {
            @class = 2;
        }
        else if (text.Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            @class = DnsClass.NONE;
        }
        else if (text.Equals("ANY", StringComparison.OrdinalIgnoreCase))
        {
            @class = DnsClass.ANY;
        }
        else
        {
            return text.Length > 5 && text.StartsWith("CLASS", StringComparison.OrdinalIgnoreCase)
                && ushort.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out @class);
        }

        return true;
    }

    private bool AddRecord(FileContext context, DnsName owner, ushort type, uint? ttl, RData rdata, int line)
    {
        uint value;
        if (ttl is { } explicitTtl)
        {
            value = explicitTtl;
            _lastTtl = explicitTtl;
        }
        else if (_defaultTtl is { } defaultTtl)
        {
            value = defaultTtl;
        }
        else if (_lastTtl is { } lastTtl)
        {
            value = lastTtl;
            if (!_warnedRfc1035)
            {
                _warnedRfc1035 = true;
                Warning(context.File, line, "no $TTL directive; records without a TTL take the last TTL stated (RFC 1035)");
            }
        }
        else if (type == RecordType.SOA)
        {
            value = rdata.ReadUInt32(rdata.Wire.Length - 4);
            if (value > TtlText.MaxTtl)
            {
                Error(context.File, line, $"no TTL specified and the SOA MINIMUM {value} is above the maximum TTL");
                return false;
            }

            // BIND does the same, and keeps the value as the default for the records that follow.
            Warning(context.File, line, $"no TTL specified; using the SOA MINIMUM {value} as the default TTL");
            _defaultTtl = value;
        }
        else
        {
            Error(context.File, line, "no TTL specified: give the record a TTL or put a $TTL directive before it");
            return false;
        }

        _records.Add(new ResourceRecord(owner, type, DnsClass.IN, value, rdata, context.File, line));
        return true;
    }

    private void Directive(FileContext context, ReadOnlySpan<MasterFileToken> tokens, int line)
    {
        var name = tokens[0].Text;
        if (name.Equals("$ORIGIN", StringComparison.OrdinalIgnoreCase))
        {
            if (tokens.Length != 2)
            {
                Error(context.File, line, "$ORIGIN needs one domain name");
            }
            else if (!DnsName.TryParse(tokens[1].Text, context.Origin, out var origin, out var error))
            {
                Error(context.File, line, $"bad $ORIGIN: {error}");
            }
            else
            {
                context.Origin = origin;
            }
        }
        else if (name.Equals("$TTL", StringComparison.OrdinalIgnoreCase))
        {
            if (tokens.Length != 2)
            {
                Error(context.File, line, "$TTL needs one TTL");
            }
            else if (!TryParseTtl(tokens[1].Text, out var seconds, out var error))
            {
                Error(context.File, line, error);
            }
            else
            {
                _defaultTtl = seconds;
            }
        }
        else if (name.Equals("$INCLUDE", StringComparison.OrdinalIgnoreCase))
        {
            Include(context, tokens, line);
        }
        else if (name.Equals("$GENERATE", StringComparison.OrdinalIgnoreCase))
        {
            Generate(context, tokens, line);
        }
        else
        {
            Error(context.File, line, $"unknown directive '{name}'");
        }
    }

    private void Include(FileContext context, ReadOnlySpan<MasterFileToken> tokens, int line)
    {
        if (tokens.Length is not (2 or 3))
        {
            Error(context.File, line, "$INCLUDE needs a file name and optionally an origin");
            return;
        }

        var origin = context.Origin;
        if (tokens.Length == 3 && !DnsName.TryParse(tokens[2].Text, context.Origin, out origin, out var originError))
        {
            Error(context.File, line, $"bad $INCLUDE origin: {originError}");
            return;
        }

        if (context.Depth >= MaxIncludeDepth)
        {
            Error(context.File, line, $"$INCLUDE nested more than {MaxIncludeDepth} levels deep");
            return;
        }

        var target = tokens[1].Text;
        var path = Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(context.File) ?? string.Empty, target);
        if (_openFiles.Contains(FileKey(path)))
        {
            Error(context.File, line, $"$INCLUDE cycle: '{path}' is already being read");
            return;
        }

        if (++_includes > MaxIncludes)
        {
            Error(context.File, line, $"more than {MaxIncludes} $INCLUDE files in one zone");
            _stopped = true;
            return;
        }

        string text;
        try
        {
            text = _readInclude(path);
        }
        catch (FileRefusedException e)
        {
            // The reason only: the refused file was not opened, and nothing of it is shown.
            var hint = e.Refusal == FileRefusal.Outside ? " (list its folder in the server's Files:IncludeDirectories to allow it)" : "";
            Error(context.File, line, $"$INCLUDE '{target}' not read: {e.Reason}{hint}");
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Error(context.File, line, $"cannot read $INCLUDE file '{path}': {e.Message}");
            return;
        }

        LoadFile(text, path, origin, context.Depth + 1);
    }

    private void Generate(FileContext context, ReadOnlySpan<MasterFileToken> tokens, int line)
    {
        if (tokens.Length < 5)
        {
            Error(context.File, line, "$GENERATE needs a range, an owner, a type and RDATA");
            return;
        }

        var range = tokens[1].Text;
        if (!GenerateTemplate.TryParseRange(range, out var start, out var stop, out var step))
        {
            Error(context.File, line, $"bad $GENERATE range '{range}' (expected start-stop[/step])");
            return;
        }

        var count = ((ulong)(stop - start) / step) + 1;
        if (count > GenerateTemplate.MaxRecords)
        {
            Error(context.File, line, $"$GENERATE range '{range}' makes {count} records; the limit is {GenerateTemplate.MaxRecords}");
            return;
        }

        if (!TryReadHeader(tokens[3..], out var ttl, out var type, out var consumed, out var headerError))
        {
            Error(context.File, line, headerError);
            return;
        }

        if (tokens.Length != 3 + consumed + 1)
        {
            Error(context.File, line, "$GENERATE takes one RDATA field after the type; quote it if it has spaces");
            return;
        }

        var lhs = tokens[2].Text;
        var rhs = tokens[^1].Text;
        for (long value = start; value <= stop && !_stopped; value += step)
        {
            _scratch.Clear();
            if (GenerateTemplate.Expand(lhs, value, _scratch) is { } lhsError)
            {
                Error(context.File, line, lhsError);
                return;
            }

            var ownerText = _scratch.ToString();
            if (!DnsName.TryParse(ownerText, context.Origin, out var owner, out var ownerError))
            {
                Error(context.File, line, $"bad $GENERATE owner '{ownerText}': {ownerError}");
                return;
            }

            if (!owner.IsSubdomainOf(_zone))
            {
                Warning(context.File, line, $"out-of-zone record '{owner}' ignored");
                return;
            }

            _scratch.Clear();
            if (GenerateTemplate.Expand(rhs, value, _scratch) is { } rhsError)
            {
                Error(context.File, line, rhsError);
                return;
            }

            if (!RDataText.TryParse(type, _scratch.ToString(), context.Origin, out var rdata, out var rdataError))
            {
                Error(context.File, line, $"{rdataError} ($GENERATE iteration {value})");
                return;
            }

            if (!AddRecord(context, owner, type, ttl, rdata, line))
            {
                return;
            }
        }
    }

    private bool TryParseOwner(string text, DnsName origin, [NotNullWhen(true)] out DnsName? owner, out string? error)
    {
        if (_ownerName is not null && ReferenceEquals(origin, _ownerOrigin) && string.Equals(text, _ownerText, StringComparison.Ordinal))
        {
            owner = _ownerName;
            error = null;
            return true;
        }

        if (!DnsName.TryParse(text, origin, out owner, out error))
        {
            return false;
        }

        _ownerText = text;
        _ownerOrigin = origin;
        _ownerName = owner;
        return true;
    }

    private static string FileKey(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException)
        {
            return path;
        }
    }

    private void Error(string file, int line, string message)
    {
        if (_stopped)
        {
            return;
        }

        _errors.Add(new ZoneDiagnostic(file, line, message, ColumnOf(file, line)));
        if (_errors.Count >= MaxErrors)
        {
            _stopped = true;
            _warnings.Add(new ZoneDiagnostic(file, line, $"stopped after {MaxErrors} errors"));
        }
    }

    private void Warning(string file, int line, string message) => _warnings.Add(new ZoneDiagnostic(file, line, message, ColumnOf(file, line)));

    /// <summary>The column of the entry being read when a diagnostic is about it; else the line's start.</summary>
    private int ColumnOf(string file, int line) => line == _entryLine && ReferenceEquals(file, _entryFile) ? _entryColumn : 1;

    /// <summary>What belongs to one file being read: its name, origin, current owner and include depth.</summary>
    private sealed class FileContext(string file, DnsName origin, int depth)
    {
        public string File { get; } = file;

        public DnsName Origin { get; set; } = origin;

        public DnsName? Owner { get; set; }

        public int Depth { get; } = depth;
    }
}
