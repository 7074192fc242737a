namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// Splits master-file text into entries (RFC 1035 section 5.1): one line, or several joined by parentheses.
/// Handles <c>;</c> comments, quoted strings, backslash escapes, CRLF and tabs. The text is scanned once and
/// the only allocation per field is its substring.
/// </summary>
internal sealed class MasterFileLexer
{
    private readonly string _text;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    /// <summary>Creates a lexer over a whole file's text.</summary>
    public MasterFileLexer(string text)
    {
        _text = text;

        // A byte order mark left in the text would otherwise glue itself to the first owner.
        if (text.StartsWith('\uFEFF'))
        {
            _pos = _lineStart = 1;
        }
    }

    /// <summary>The fields of the current entry; reused by every call to <see cref="Next"/>.</summary>
    public List<MasterFileToken> Tokens { get; } = new(16);

    /// <summary>1-based line where the current entry starts.</summary>
    public int Line { get; private set; }

    /// <summary>1-based column of the current entry's first field (a tab counts as one column).</summary>
    public int Column { get; private set; }

    /// <summary>True if the current entry's first line starts with a space or tab (no owner field).</summary>
    public bool StartsWithBlank { get; private set; }

    /// <summary>The first syntax error in the current entry, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// The line <see cref="Error"/> refers to: where the entry starts, or for an unclosed <c>(</c>, where it opened.
    /// </summary>
    public int ErrorLine { get; private set; }

    /// <summary>Splits a single entry's worth of text (RDATA, for instance) into fields.</summary>
    public static bool TryTokenize(string text, List<MasterFileToken> tokens, out string? error)
    {
        var lexer = new MasterFileLexer(text);
        tokens.Clear();
        if (!lexer.Next())
        {
            error = null;
            return true;
        }

        if (lexer.Error is not null)
        {
            error = lexer.Error;
            return false;
        }

        tokens.AddRange(lexer.Tokens);
        if (lexer.Next())
        {
            error = "unexpected line break";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Moves to the next entry; returns false at the end of the text.</summary>
    public bool Next()
    {
        Tokens.Clear();
        Error = null;
        var text = _text;
        var started = false;
        var depth = 0;
        var openLine = 0;
        while (_pos < text.Length)
        {
            var c = text[_pos];
            switch (c)
            {
                case '\n':
                    _pos++;
                    _line++;
                    _lineStart = _pos;
                    if (depth == 0 && started)
                    {
                        return true;
                    }

                    continue;
                case ' ' or '\t' or '\r':
                    _pos++;
                    continue;
                case ';':
                    var newline = text.IndexOf('\n', _pos);
                    _pos = newline < 0 ? text.Length : newline;
                    continue;
            }

            if (!started)
            {
                started = true;
                Line = _line;
                Column = _pos - _lineStart + 1;

                // Only blanks can precede the first field on its line: comments run to the end of a line.
                StartsWithBlank = _pos != _lineStart;
            }

            switch (c)
            {
                case '(':
                    if (depth > 0)
                    {
                        SetError("nested parentheses", Line);
                    }
                    else
                    {
                        openLine = _line;
                    }

                    depth++;
                    _pos++;
                    break;
                case ')':
                    if (depth == 0)
                    {
                        SetError("')' without a matching '('", Line);
                    }
                    else
                    {
                        depth--;
                    }

                    _pos++;
                    break;
                case '"':
                    ReadQuoted();
                    break;
                default:
                    ReadWord();
                    break;
            }
        }

        if (depth > 0)
        {
            SetError("'(' without a matching ')'", openLine);
        }

        return started;
    }

    private void ReadQuoted()
    {
        var text = _text;
        var start = ++_pos;
        while (_pos < text.Length)
        {
            var c = text[_pos];
            if (c == '\\' && _pos + 1 < text.Length && text[_pos + 1] != '\n')
            {
                _pos += 2;
                continue;
            }

            if (c == '"')
            {
                Tokens.Add(new MasterFileToken(text.Substring(start, _pos - start), true));
                _pos++;
                return;
            }

            if (c == '\n')
            {
                break;
            }

            _pos++;
        }

        SetError("quoted string not closed on its line", Line);
        Tokens.Add(new MasterFileToken(text[start.._pos], true));
    }

    private void ReadWord()
    {
        var text = _text;
        var start = _pos;
        while (_pos < text.Length)
        {
            var c = text[_pos];
            if (c == '\\')
            {
                // An escaped character never ends the field; a backslash at the end of a line stays dangling.
                _pos += _pos + 1 < text.Length && text[_pos + 1] is not ('\n' or '\r') ? 2 : 1;
                continue;
            }

            if (c is ' ' or '\t' or '\r' or '\n' or '(' or ')' or '"' or ';')
            {
                break;
            }

            _pos++;
        }

        Tokens.Add(new MasterFileToken(text.Substring(start, _pos - start), false));
    }

    private void SetError(string message, int line)
    {
        if (Error is null)
        {
            Error = message;
            ErrorLine = line;
        }
    }
}
