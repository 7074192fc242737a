using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>The C# file generated from a policy, and what it was made of.</summary>
/// <param name="Text">The generated C# source, with <c>#line</c> directives mapping back to the user's files.</param>
/// <param name="ClassName">The generated class holding <c>Run</c>.</param>
/// <param name="Helpers">Full paths of the helper files included with <c>#load</c>, and their text.</param>
internal sealed record GeneratedPolicy(string Text, string ClassName, IReadOnlyList<(string Path, string Text)> Helpers);

/// <summary>
/// Turns a policy script into one ordinary C# class, so it can be compiled into a collectible assembly as
/// a plain static method (DESIGN.md: 10x faster to compile than <c>CSharpScript</c>, and unloadable). The
/// script is parsed as a C# script, then each top-level piece goes where it means:
/// <list type="bullet">
/// <item>statements, and variables and functions declared without <c>static</c>, run per query: they become
/// the body of <c>static Answer Run(PolicyContext ctx)</c> (locals and local functions);</item>
/// <item><c>static</c> (and <c>const</c>) fields, properties and methods, and type declarations, are computed
/// once per version: they become members of the class, initialised when the version loads. "Static" in the
/// script means "of the version": the generated class is instantiated once per version and its "static"
/// members are instance members of that object (the <c>static</c> keyword blanked out, column kept), and
/// field initialisers run in its constructor, in order. Code in a collectible assembly reaches real
/// static fields through a slow helper (about 6 ns each); an instance field is one load from <c>this</c>;</item>
/// <item><c>using</c> directives go on top; <c>#load "file.csx"</c> splices a helper file's members in.</item>
/// </list>
/// Every piece is copied verbatim after a <c>#line</c> directive and padded to its column, so compiler
/// errors and stack traces point at the user's own line and column; generated code is <c>#line hidden</c>.
/// </summary>
internal static class PolicySourceBuilder
{
    /// <summary>Namespaces every policy imports without asking.</summary>
    public static readonly string[] DefaultUsings =
        ["System", "System.Collections.Generic", "System.Linq", "System.Net", "System.Text", "Scriptable.Policies"];

    private static readonly CSharpParseOptions ScriptOptions =
        new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    /// <summary>
    /// Builds the generated source for <paramref name="text"/>, the content of <paramref name="file"/> (as
    /// shown to users). <paramref name="root"/> bounds which helpers <c>#load</c> may include;
    /// <paramref name="readHelper"/> reads one (null if it does not exist; <see cref="Files.FileRefusedException"/>
    /// when the folder rule refuses it, reported as SCR0126). Problems go to
    /// <paramref name="diagnostics"/>; the result is null if there were errors.
    /// </summary>
    public static GeneratedPolicy? Build(string file, string text, string root, string className, Func<string, string?> readHelper, List<PolicyDiagnostic> diagnostics)
    {
        var usings = new List<string>();
        var members = new StringBuilder();
        var constructor = new StringBuilder();
        var body = new StringBuilder();
        var helpers = new List<(string Path, string Text)>();
        var errors = diagnostics.Count;
        var visited = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(file) };

        AddFile(file, text, isHelper: false);
        if (diagnostics.Count > errors)
        {
            return null;
        }

        var output = new StringBuilder(text.Length * 2 + 1024);
        output.Append("#line hidden\n");
        foreach (var ns in DefaultUsings)
        {
            output.Append("using ").Append(ns).Append(";\n");
        }

        foreach (var directive in usings)
        {
            output.Append(directive);
        }

        output.Append("#line hidden\n")
            .Append("internal sealed class ").Append(className).Append("\n{\n")
            .Append(members)
            .Append("#line hidden\n")
            .Append("public ").Append(className).Append("()\n{\n")
            .Append(constructor)
            .Append("#line hidden\n}\n")
            .Append("public global::Scriptable.Policies.Answer Run(global::Scriptable.Policies.PolicyContext ctx)\n{\n")
            .Append(body)
            .Append("#line hidden\n}\n}\n");
        return new GeneratedPolicy(output.ToString(), className, helpers);

        void AddFile(string path, string source, bool isHelper)
        {
            var tree = CSharpSyntaxTree.ParseText(source, ScriptOptions, path);
            var parseErrors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            foreach (var error in parseErrors)
            {
                diagnostics.Add(FromRoslyn(error, path));
            }

            if (parseErrors.Count > 0)
            {
                return;
            }

            var unit = tree.GetCompilationUnitRoot();
            foreach (var reference in unit.GetReferenceDirectives())
            {
                diagnostics.Add(At(path, tree, reference, "SCR0110",
                    "'#r' is not allowed in a policy: policies compile against a fixed set of assemblies."));
            }

            // The sandbox checks what #line maps to the user's files; a policy's own #line could hide code from it.
            foreach (var directive in unit.DescendantTrivia().Where(t => t.IsKind(SyntaxKind.LineDirectiveTrivia) || t.IsKind(SyntaxKind.LineSpanDirectiveTrivia)))
            {
                diagnostics.Add(At(path, tree, directive.GetStructure()!, "SCR0118", "'#line' is not allowed in a policy."));
            }

            foreach (var load in unit.GetLoadDirectives())
            {
                Load(path, tree, load);
            }

            foreach (var directive in unit.Usings)
            {
                if (directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Alias is null
                    && Array.IndexOf(DefaultUsings, directive.NamespaceOrType.ToString()) >= 0)
                {
                    continue;
                }

                usings.Add(Verbatim(path, tree, directive));
            }

            foreach (var attributes in unit.AttributeLists)
            {
                diagnostics.Add(At(path, tree, attributes, "SCR0111", "Assembly attributes are not allowed in a policy."));
            }

            foreach (var member in unit.Members)
            {
                AddMember(path, tree, member, isHelper);
            }
        }

        void Load(string path, SyntaxTree tree, LoadDirectiveTriviaSyntax load)
        {
            var name = load.File.ValueText;
            var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, name));
            var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
            if (!full.StartsWith(rootFull, StringComparison.Ordinal) || !full.EndsWith(".csx", StringComparison.Ordinal))
            {
                diagnostics.Add(At(path, tree, load, "SCR0112", $"'#load \"{name}\"': only .csx files inside the policies folder can be loaded."));
                return;
            }

            if (!visited.Add(full))
            {
                return;
            }

            string? helperText;
            try
            {
                helperText = readHelper(full);
            }
            catch (Files.FileRefusedException ex)
            {
                // The folder rule refused it (a link out of the folder...): the reason, nothing of its content.
                diagnostics.Add(At(path, tree, load, "SCR0126", $"'#load \"{name}\"' not read: {ex.Reason}."));
                return;
            }

            if (helperText is null)
            {
                diagnostics.Add(At(path, tree, load, "SCR0113", $"'#load \"{name}\"': the file '{full}' does not exist."));
                return;
            }

            helpers.Add((full, helperText));
            // Shown like the policy's own path: relative when the policies folder was given relative.
            AddFile(Path.IsPathRooted(path) ? full : Path.GetRelativePath(".", full), helperText, isHelper: true);
        }

        void AddMember(string path, SyntaxTree tree, MemberDeclarationSyntax member, bool isHelper)
        {
            switch (member)
            {
                case GlobalStatementSyntax statement when isHelper:
                    diagnostics.Add(At(path, tree, statement, "SCR0114", "A helper file loaded with #load holds declarations only (static members and types), not statements."));
                    return;
                case GlobalStatementSyntax statement:
                    body.Append(Verbatim(path, tree, statement.Statement));
                    return;
                case FieldDeclarationSyntax field when field.Modifiers.Any(SyntaxKind.ConstKeyword):
                    members.Append(Verbatim(path, tree, field));
                    return;
                case FieldDeclarationSyntax field when IsStatic(field.Modifiers):
                    AddVersionField(path, tree, field, members, constructor);
                    return;
                case FieldDeclarationSyntax field when isHelper:
                    diagnostics.Add(At(path, tree, field, "SCR0115", "A helper file's fields are computed once per version: declare them 'static readonly' (or 'const')."));
                    return;
                case FieldDeclarationSyntax field when field.Modifiers.Count > 0:
                    diagnostics.Add(At(path, tree, field.Modifiers[0], "SCR0116",
                        $"'{field.Modifiers[0].Text}' on a per-query variable: write 'static readonly' for a value computed once when the policy loads, or no modifier for a variable of each query."));
                    return;
                case FieldDeclarationSyntax field:
                    // A script "field" without static is a variable of each query: a local of Run.
                    body.Append(Verbatim(path, tree, field.Declaration, ";"));
                    return;
                case MethodDeclarationSyntax method when IsStatic(method.Modifiers):
                    members.Append(Verbatim(path, tree, method, blankStatic: true));
                    return;
                case MethodDeclarationSyntax method when isHelper:
                    diagnostics.Add(At(path, tree, method, "SCR0115", "A helper file's methods must be 'static'."));
                    return;
                case MethodDeclarationSyntax method when method.Modifiers.Count > 0:
                    diagnostics.Add(At(path, tree, method.Modifiers[0], "SCR0116",
                        $"'{method.Modifiers[0].Text}' on a per-query function: write 'static' for a function that does not use the query's variables, or no modifier."));
                    return;
                case MethodDeclarationSyntax method:
                    // A function without static may use the query's variables and ctx: a local function of Run.
                    body.Append(Verbatim(path, tree, method));
                    return;
                case BasePropertyDeclarationSyntax or EventFieldDeclarationSyntax when !IsStatic(member.Modifiers):
                    diagnostics.Add(At(path, tree, member, "SCR0115", "Top-level properties and events belong to the version, not to a query: declare them 'static'."));
                    return;
                case PropertyDeclarationSyntax { Initializer: { } initializer } property:
                    // An initialiser may use other members: it runs in the constructor, after theirs.
                    members.Append(Verbatim(path, tree, property, blankStatic: true, end: property.AccessorList!.Span.End));
                    constructor.Append(Line(path, tree, property.Identifier)).Append(property.Identifier.Text).Append(" = ").Append(initializer.Value.ToString()).Append(";\n");
                    return;
                case BasePropertyDeclarationSyntax or EventFieldDeclarationSyntax:
                    members.Append(Verbatim(path, tree, member, blankStatic: true));
                    return;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    members.Append(Verbatim(path, tree, member));
                    return;
                default:
                    diagnostics.Add(At(path, tree, member, "SCR0117", $"A {member.Kind()} cannot appear at the top level of a policy."));
                    return;
            }
        }
    }

    /// <summary>
    /// A "static" field of the script: declared as an instance field of the version object, each
    /// initialiser assigned in the constructor (instance field initialisers could not use each other).
    /// </summary>
    private static void AddVersionField(string path, SyntaxTree tree, FieldDeclarationSyntax field, StringBuilder members, StringBuilder constructor)
    {
        var declaration = field.Declaration;
        var head = Verbatim(path, tree, field, blankStatic: true, end: declaration.Type.Span.End).TrimEnd('\n');
        var names = string.Join(", ", declaration.Variables.Select(v => v.Identifier.Text));
        members.Append(head).Append(' ').Append(names).Append(";\n");
        foreach (var variable in declaration.Variables)
        {
            if (variable.Initializer is not null)
            {
                constructor.Append(Line(path, tree, variable)).Append(variable.ToString()).Append(";\n");
            }
        }
    }

    /// <summary>A <c>#line</c> directive for the node's line, and spaces up to its column.</summary>
    private static string Line(string path, SyntaxTree tree, SyntaxNodeOrToken node)
    {
        var start = tree.GetLineSpan(node.Span).StartLinePosition;
        return string.Create(CultureInfo.InvariantCulture, $"#line {start.Line + 1} \"{path}\"\n") + new string(' ', start.Character);
    }

    private static bool IsStatic(SyntaxTokenList modifiers) =>
        modifiers.Any(SyntaxKind.StaticKeyword) || modifiers.Any(SyntaxKind.ConstKeyword);

    /// <summary>
    /// The node's text (up to <paramref name="end"/>, default its end) after a <c>#line</c> directive, padded
    /// so its first token keeps its column; with <paramref name="blankStatic"/>, the node's own <c>static</c>
    /// modifier is replaced by spaces (so every later column stays right).
    /// </summary>
    private static string Verbatim(string path, SyntaxTree tree, SyntaxNode node, string suffix = "", bool blankStatic = false, int end = -1)
    {
        var start = node.SpanStart;
        var text = tree.GetText().ToString(TextSpan.FromBounds(start, end < 0 ? node.Span.End : end)).ToCharArray();
        if (blankStatic && node is MemberDeclarationSyntax member)
        {
            foreach (var modifier in member.Modifiers)
            {
                if (modifier.IsKind(SyntaxKind.StaticKeyword))
                {
                    Array.Fill(text, ' ', modifier.SpanStart - start, modifier.Span.Length);
                }
            }
        }

        return Line(path, tree, node) + new string(text) + suffix + "\n";
    }

    private static PolicyDiagnostic At(string path, SyntaxTree tree, SyntaxNodeOrToken node, string id, string message)
    {
        var start = tree.GetLineSpan(node.Span).StartLinePosition;
        return PolicyDiagnostic.Error(path, start.Line + 1, start.Character + 1, id, message);
    }

    /// <summary>A Roslyn diagnostic as a <see cref="PolicyDiagnostic"/>, at its mapped (user) location.</summary>
    public static PolicyDiagnostic FromRoslyn(Diagnostic diagnostic, string fallbackPath)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var path = span.HasMappedPath || !string.IsNullOrEmpty(span.Path) ? span.Path : fallbackPath;
        var start = span.StartLinePosition;
        return new PolicyDiagnostic(path, diagnostic.Location.IsInSource ? start.Line + 1 : 0, diagnostic.Location.IsInSource ? start.Character + 1 : 0,
            diagnostic.Severity == DiagnosticSeverity.Error, diagnostic.Id, diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }
}
