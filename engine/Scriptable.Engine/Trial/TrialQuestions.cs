using System.Globalization;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Local;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;

namespace Scriptable.Engine.Trial;

/// <summary>One synthetic question of a trial and how to say it in a diagnostic.</summary>
/// <param name="Question">The question.</param>
/// <param name="Text">What it is, in words: <c>A www.example.com. from 192.0.2.1 (DE), health: paris down, over UDP</c>.</param>
public sealed record TrialQuestion(LocalQuestion Question, string Text);

/// <summary>
/// The synthetic questions a new policy version answers in its trial, before it may serve: each name it
/// serves, asked with many types, from clients in many places (stated countries and continents, networks,
/// ASNs, IPv4 and IPv6, with and without EDNS Client Subnet), under every simple health situation of the
/// folder's checks (all up, all down, all unknown, each one down or draining alone), over UDP and TCP, with
/// and without EDNS and DO, at several times. The first questions cover each value of each dimension once;
/// the rest are drawn from a generator seeded by the policy file's name, so a trial asks the same questions
/// every time and a failure can be reproduced.
/// </summary>
public static class TrialQuestions
{
    private static readonly string[] Types = ["A", "AAAA", "TXT", "CNAME", "MX", "NS", "SOA", "SRV", "HTTPS", "CAA", "PTR", "ANY", "TYPE65280"];

    // Countries on every continent, and none (a client no database knows).
    private static readonly string?[] Countries = [null, "US", "CA", "MX", "BR", "AR", "GB", "DE", "FR", "NL", "SE", "ES", "IT", "PL", "RU", "UA", "TR", "CN", "JP", "KR", "IN", "SG", "ID", "AU", "NZ", "ZA", "NG", "EG", "KE", "AE", "AQ"];

    private static readonly (string Client, string? Ecs)[] Clients =
    [
        ("192.0.2.1", null),
        ("198.51.100.7", "203.0.113.0/24"),
        ("203.0.113.9", "81.2.69.160/27"),
        ("192.0.2.53", "0.0.0.0/0"),
        ("2001:db8::53", null),
        ("2001:db8::1", "2001:db8:1234::/48"),
        ("192.0.2.1", "2001:db8:ab00::/56"),
        ("10.0.0.1", "10.1.2.0/24"),
        ("127.0.0.1", null),
        ("::1", "192.0.2.0/32"),
    ];

    private static readonly long?[] Asns = [null, 64496, 64511, 65551, 4_200_000_000];

    /// <summary>
    /// The questions for one policy: <paramref name="owner"/> is a name it serves (a wildcard owner is asked
    /// through names below it), <paramref name="checks"/> the health checks and groups of the folder.
    /// </summary>
    public static IReadOnlyList<TrialQuestion> For(string file, DnsName owner, IReadOnlyList<string> checks, int count, DateTimeOffset now)
    {
        var random = new Random(Seed(file + "|" + owner));
        var names = Names(owner);
        var healths = Healths(checks);
        var times = new DateTimeOffset?[]
        {
            null,
            now.AddDays(1),
            new(now.Year, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new(now.Year, 12, 31, 23, 59, 59, TimeSpan.Zero),
            new(2038, 1, 19, 3, 14, 8, TimeSpan.Zero),
            new(2000, 2, 29, 12, 0, 0, TimeSpan.Zero),
        };
        var questions = new List<TrialQuestion>(count);

        // Every value of every dimension once, the others at their first value.
        var covering = Math.Max(Math.Max(Types.Length, Countries.Length), Math.Max(healths.Count, Clients.Length));
        for (var i = 0; i < covering && questions.Count < count; i++)
        {
            questions.Add(Make(names[i % names.Count], Types[i % Types.Length], Countries[i % Countries.Length], Clients[i % Clients.Length],
                Asns[i % Asns.Length], healths[i % healths.Count], tcp: i % 2 == 1, edns: i % 5 != 4, dnssecOk: i % 3 == 2, times[i % times.Length]));
        }

        while (questions.Count < count)
        {
            questions.Add(Make(Pick(random, names), Pick(random, Types), Pick(random, Countries), Pick(random, Clients), Pick(random, Asns),
                Pick(random, healths), tcp: random.Next(4) == 0, edns: random.Next(6) != 0, dnssecOk: random.Next(3) == 0, Pick(random, times)));
        }

        return questions;
    }

    private static TrialQuestion Make(string name, string type, string? country, (string Client, string? Ecs) client, long? asn,
        (string Text, IReadOnlyDictionary<string, HealthState> States) health, bool tcp, bool edns, bool dnssecOk, DateTimeOffset? time)
    {
        var geo = country is null && asn is null ? new GeoFacts() : new GeoFacts(
            Country: country,
            Continent: Continents.Of(country),
            Latitude: country is null ? null : (country[0] - 'M') * 6.5,
            Longitude: country is null ? null : (country[1] - 'M') * 13.5,
            Asn: asn,
            AsnOrganization: asn is null ? null : "AS" + asn.Value.ToString(CultureInfo.InvariantCulture));
        var ecs = edns ? client.Ecs : null;
        var question = new LocalQuestion(name, type)
        {
            Client = client.Client,
            Ecs = ecs,
            Tcp = tcp,
            Edns = edns || ecs is not null,
            DnssecOk = dnssecOk && (edns || ecs is not null),
            Geo = geo,
            Health = health.States,
            Time = time,
        };
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{type} {name} from {client.Client}{(ecs is null ? "" : " ECS " + ecs)} ({country ?? "no country"}{(asn is null ? "" : $", AS{asn}")}), health: {health.Text}, over {(tcp ? "TCP" : "UDP")}{(question.Edns ? "" : " without EDNS")}{(question.DnssecOk ? " with DO" : "")}{(time is null ? "" : $", at {time:yyyy-MM-dd HH:mm:ss}Z")}");
        return new TrialQuestion(question, text);
    }

    /// <summary>The names asked: the owner itself, or for a wildcard names one and two labels below its parent.</summary>
    private static List<string> Names(DnsName owner)
    {
        var text = owner.ToString();
        if (!owner.IsWildcard)
        {
            return [text];
        }

        var parent = text[2..];
        return ["trial." + parent, "a.b." + parent, "x-1." + parent];
    }

    /// <summary>All up, all unknown, all down, then each check down alone and draining alone (up to 32 checks).</summary>
    private static List<(string, IReadOnlyDictionary<string, HealthState>)> Healths(IReadOnlyList<string> checks)
    {
        var list = new List<(string, IReadOnlyDictionary<string, HealthState>)>
        {
            ("all up", checks.ToDictionary(c => c, _ => HealthState.Up, StringComparer.Ordinal)),
        };
        if (checks.Count == 0)
        {
            return list;
        }

        list.Add(("all unknown", new Dictionary<string, HealthState>(StringComparer.Ordinal)));
        list.Add(("all down", checks.ToDictionary(c => c, _ => HealthState.Down, StringComparer.Ordinal)));
        foreach (var check in checks.Take(32))
        {
            foreach (var state in (ReadOnlySpan<HealthState>)[HealthState.Down, HealthState.Draining])
            {
                var states = checks.ToDictionary(c => c, _ => HealthState.Up, StringComparer.Ordinal);
                states[check] = state;
                list.Add(($"{check} {state.ToString().ToLowerInvariant()}, others up", states));
            }
        }

        return list;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A seed that is the same in every process (string.GetHashCode is randomised per process).</summary>
    private static int Seed(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
