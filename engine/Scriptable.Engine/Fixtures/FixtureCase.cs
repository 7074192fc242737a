using Scriptable.Engine.Local;

namespace Scriptable.Engine.Fixtures;

/// <summary>One case of a fixture file: a question, everything it states, and what the answer must be.</summary>
/// <param name="File">The fixture file, as given to the parser.</param>
/// <param name="Line">The line of the case (its <c>- case:</c> item).</param>
/// <param name="Name">What the case is about, in the user's words.</param>
/// <param name="Question">The question and what it states (client, geo, health, time).</param>
/// <param name="Expect">What the answer must be.</param>
/// <param name="Skip">Why the case is skipped, or null.</param>
public sealed record FixtureCase(string File, int Line, string Name, LocalQuestion Question, FixtureExpectation Expect, string? Skip = null)
{
    /// <summary>Where the case is: <c>file:line</c>.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>The question in a few words: <c>www.example.com A, ECS 81.2.69.160/27, over TCP</c>.</summary>
    public string Describe()
    {
        var q = Question;
        var text = $"{(q.Name.EndsWith('.') ? q.Name : q.Name + ".")} {q.Type}";
        text += q.Ecs is null ? $", from {q.Client}" : $", ECS {q.Ecs}";
        if (q.Tcp)
        {
            text += ", over TCP";
        }

        return text;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Location}: {Name}";
}
