using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Tests.Zones.MasterFile;

public class MasterFileLexerTests
{
    // Text, then each entry as "line[+blank]:" and its fields joined by '|' (quoted fields keep their quotes).
    [Theory]
    [InlineData("www A 192.0.2.1", "1:www|A|192.0.2.1")]
    [InlineData("www\tA\t192.0.2.1\r\n\tAAAA ::1\r\n", "1:www|A|192.0.2.1 2+blank:AAAA|::1")]
    [InlineData("; only a comment\n\n   \n  ; indented comment\nwww A 192.0.2.1 ; trailing", "5:www|A|192.0.2.1")]
    [InlineData("@ SOA ns host (\n 1 ; serial\n 2 3 4 5 )\nwww A 192.0.2.1", "1:@|SOA|ns|host|1|2|3|4|5 4:www|A|192.0.2.1")]
    [InlineData("www TXT \"a ; b\" \"say \\\"hi\\\"\"", "1:www|TXT|\"a ; b\"|\"say \\\"hi\\\"\"")]
    [InlineData("www TXT \"\" x\"y\"", "1:www|TXT|\"\"|x|\"y\"")]
    [InlineData("a\\;b\\ c TXT \\(x\\)", "1:a\\;b\\ c|TXT|\\(x\\)")]
    [InlineData("www A(192.0.2.1)", "1:www|A|192.0.2.1")]
    [InlineData("x\n  ( y\n z )\n", "1:x 2+blank:y|z")]
    [InlineData("\uFEFF$TTL 60\n", "1:$TTL|60")]
    public void Next_Text_SplitsIntoEntries(string text, string expected)
    {
        var lexer = new MasterFileLexer(text);
        var entries = new List<string>();
        while (lexer.Next())
        {
            Assert.Null(lexer.Error);
            var fields = string.Join('|', lexer.Tokens.Select(t => t.ToString()));
            entries.Add($"{lexer.Line}{(lexer.StartsWithBlank ? "+blank" : "")}:{fields}");
        }

        Assert.Equal(expected, string.Join(' ', entries));
    }

    [Theory]
    [InlineData("www A ( ( 192.0.2.1 ) )", 1, "nested parentheses")]
    [InlineData("www A 192.0.2.1 )", 1, "')' without a matching '('")]
    [InlineData("\nwww SOA ns host (\n 1 2 3 4 5\n", 2, "'(' without a matching ')'")]
    [InlineData("www TXT \"abc\nwww A 192.0.2.1", 1, "quoted string not closed on its line")]
    [InlineData("\nwww SOA ns host (\n 1 2 (\n 3 ) 4 5 )", 2, "nested parentheses")]
    [InlineData("\nwww TXT (\n \"abc\n)", 2, "quoted string not closed on its line")]
    public void Next_BadSyntax_ReportsErrorAndLine(string text, int line, string expected)
    {
        var lexer = new MasterFileLexer(text);
        Assert.True(lexer.Next());
        Assert.Contains(expected, lexer.Error, StringComparison.Ordinal);
        Assert.Equal(line, lexer.ErrorLine);
    }

    [Fact]
    public void Next_AfterUnclosedQuote_ContinuesWithNextLine()
    {
        var lexer = new MasterFileLexer("www TXT \"abc\nmail A 192.0.2.1\n");
        Assert.True(lexer.Next());
        Assert.NotNull(lexer.Error);
        Assert.True(lexer.Next());
        Assert.Null(lexer.Error);
        Assert.Equal(2, lexer.Line);
        Assert.Equal("mail", lexer.Tokens[0].Text);
        Assert.False(lexer.Next());
    }
}
