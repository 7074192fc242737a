using System.Net;
using ARSoft.Tools.Net.Dns;
using Scriptable.Engine.Local;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Local;

/// <summary>
/// The records a <see cref="LocalServer"/> lists (and so <c>scriptable query</c> prints and fixtures compare) are
/// in the order the response carries them, as read by an independent parser (ARSoft): rotated answers start
/// where the writer started, shuffled ones come in the writer's random order.
/// </summary>
public sealed class LocalServerOrderTests
{
    private static List<string> OnTheWire(LocalAnswer answer) =>
        [.. Responses.Parse(answer.Wire).AnswerRecords.Select(r => r switch
        {
            ARecord a => a.Address.ToString(),
            AaaaRecord aaaa => aaaa.Address.ToString(),
            _ => r.ToString(),
        })];

    private static List<string> Listed(LocalAnswer answer) => [.. answer.Answer.Select(r => IPAddress.Parse(r.Data).ToString())];

    [Fact]
    public void Rotated_ListedInTheOrderWritten_EachQueryStartsOneFurther()
    {
        using var server = LocalServer.Load(RepositoryPaths.Combine("examples", "round-robin"));
        var firsts = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var answer = server.Ask(new LocalQuestion("web.example.com", "A"));
            Assert.Equal(OnTheWire(answer), Listed(answer));
            firsts.Add(Listed(answer)[0]);
        }

        // Four records, one step per query: every record leads twice in eight queries.
        Assert.Equal(4, firsts.Distinct().Count());
        Assert.All(firsts.GroupBy(f => f), g => Assert.Equal(2, g.Count()));
    }

    [Fact]
    public void Shuffled_ListedInTheOrderWritten()
    {
        using var server = LocalServer.Load(RepositoryPaths.Combine("examples", "ipv4-ipv6-split"));
        var orders = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            var answer = server.Ask(new LocalQuestion("www.example.com", "A"));
            var listed = Listed(answer);
            Assert.Equal(OnTheWire(answer), listed);
            Assert.Equal(["192.0.2.70", "192.0.2.71", "192.0.2.72"], listed.Order(StringComparer.Ordinal));
            orders.Add(string.Join(",", listed));
        }

        // 6 orders are possible; in 60 shuffles each is missed with probability (5/6)^60, about 1.8e-5.
        Assert.True(orders.Count >= 5, $"only {orders.Count} orders in 60 shuffles");
    }
}
