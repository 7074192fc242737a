using Scriptable.Engine.Protocol;
using Scriptable.Engine.Trial;

namespace Scriptable.Engine.Tests.Trial;

public sealed class TrialQuestionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void For_SameFileAndName_SameQuestionsEveryTime()
    {
        var first = TrialQuestions.For("policies/example.org/www.csx", DnsName.Parse("www.example.org."), ["paris", "virginia"], 300, Now);
        var second = TrialQuestions.For("policies/example.org/www.csx", DnsName.Parse("www.example.org."), ["paris", "virginia"], 300, Now);
        Assert.Equal(300, first.Count);
        Assert.Equal(first.Select(q => q.Text), second.Select(q => q.Text));
    }

    [Fact]
    public void For_CoversEveryHealthSituationOfEveryCheck()
    {
        var questions = TrialQuestions.For("a.csx", DnsName.Parse("www.example.org."), ["paris", "virginia", "tokyo"], 300, Now);
        Assert.Contains(questions, q => q.Question.Health!.Values.All(s => s == Scriptable.Policies.HealthState.Down) && q.Question.Health.Count == 3);
        Assert.Contains(questions, q => q.Question.Health!.Count == 0);
        foreach (var check in new[] { "paris", "virginia", "tokyo" })
        {
            Assert.Contains(questions, q => q.Question.Health!.TryGetValue(check, out var s) && s == Scriptable.Policies.HealthState.Down
                && q.Question.Health.Where(p => p.Key != check).All(p => p.Value == Scriptable.Policies.HealthState.Up));
            Assert.Contains(questions, q => q.Question.Health!.TryGetValue(check, out var s) && s == Scriptable.Policies.HealthState.Draining);
        }
    }

    [Fact]
    public void For_CoversTypesPlacesTransportsAndClients()
    {
        var questions = TrialQuestions.For("a.csx", DnsName.Parse("www.example.org."), [], 300, Now);
        foreach (var type in new[] { "A", "AAAA", "TXT", "CNAME", "MX", "NS", "SOA", "SRV", "HTTPS", "CAA", "PTR", "ANY" })
        {
            Assert.Contains(questions, q => q.Question.Type == type);
        }

        Assert.Contains(questions, q => q.Question.Geo!.Country is null);
        Assert.Contains(questions, q => q.Question.Geo!.Country == "JP" && q.Question.Geo.Continent == "AS");
        Assert.True(questions.Select(q => q.Question.Geo!.Country).Distinct().Count() >= 25);
        Assert.Contains(questions, q => q.Question.Tcp);
        Assert.Contains(questions, q => !q.Question.Tcp);
        Assert.Contains(questions, q => !q.Question.Edns);
        Assert.Contains(questions, q => q.Question.DnssecOk);
        Assert.Contains(questions, q => q.Question.Client.Contains(':', StringComparison.Ordinal));
        Assert.Contains(questions, q => q.Question.Ecs is not null && q.Question.Ecs.Contains(':', StringComparison.Ordinal));
        Assert.Contains(questions, q => q.Question.Time is null);
        Assert.Contains(questions, q => q.Question.Time is { Year: 2038 });
    }

    [Fact]
    public void For_Wildcard_AsksNamesBelowIt()
    {
        var questions = TrialQuestions.For("a.csx", DnsName.Parse("*.cdn.example.org."), [], 50, Now);
        Assert.All(questions, q => Assert.EndsWith(".cdn.example.org.", q.Question.Name, StringComparison.Ordinal));
        Assert.DoesNotContain(questions, q => q.Question.Name.StartsWith('*'));
        Assert.Contains(questions, q => q.Question.Name == "a.b.cdn.example.org.");
    }
}
