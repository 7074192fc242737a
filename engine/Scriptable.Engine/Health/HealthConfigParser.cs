using System.Globalization;
using Scriptable.Engine.Files;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Yaml;
using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>
/// Reads <c>health.yaml</c> into a <see cref="HealthConfig"/>, reporting every problem (not only the first)
/// where it is, as compilers do: <c>health.yaml(7,5): error HLT012: 'intervall' is not a check setting (...)</c>.
/// The syntax is in <c>Health/README.md</c>.
/// </summary>
public static class HealthConfigParser
{
    private static readonly string[] TopKeys = ["defaults", "checks", "groups"];
    private static readonly string[] Kinds = ["http", "tcp", "dns", "command"];
    private static readonly string[] TimingKeys = ["interval", "timeout", "rise", "fall", "initial", "quorum", "probers"];
    private static readonly string[] HttpKeys = ["method", "host", "expect", "body", "tls-verify"];
    private static readonly string[] DnsKeys = ["query"];
    private static readonly string[] CheckKeys = [.. Kinds, .. HttpKeys, .. DnsKeys, .. TimingKeys];
    private static readonly string[] GroupKeys = ["members", "min-up"];

    /// <summary>The shortest interval accepted.</summary>
    internal static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest <c>health.yaml</c> read (16 MiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>
    /// Parses the text of <c>health.yaml</c>; <paramref name="file"/> is the path shown in diagnostics.
    /// <paramref name="commands"/> is what the server's configuration lets <c>command:</c> checks run (default:
    /// nothing: a command check is an error).
    /// </summary>
    public static HealthConfigResult Parse(string text, string file, CommandCheckPolicy? commands = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var context = new Context(file, commands ?? CommandCheckPolicy.Off);
        var root = YamlNode.Read(text, out var syntax);
        if (syntax is { } error)
        {
            context.Error(error.Line, error.Column, HealthDiagnosticIds.Syntax, error.Message);
            return context.Result(null);
        }

        if (root is null || root is YamlScalar { IsNull: true })
        {
            return context.Result(HealthConfig.Empty);
        }

        if (root is not YamlMapping top)
        {
            context.Error(root, HealthDiagnosticIds.WrongShape, $"health.yaml is {root.Describe}; it is a mapping with the keys {string.Join(", ", TopKeys)}");
            return context.Result(null);
        }

        var sections = context.Entries(top, TopKeys, "a top-level key", HealthDiagnosticIds.UnknownTopKey);
        var defaults = ReadDefaults(context, sections.TryGetValue("defaults", out var d) ? d : null);
        var checks = ReadChecks(context, sections.TryGetValue("checks", out var c) ? c : null, defaults);
        var groups = ReadGroups(context, sections.TryGetValue("groups", out var g) ? g : null, checks);
        var config = new HealthConfig([.. checks.Values.Select(c => c.Config).OfType<HealthCheckConfig>()], groups);
        return context.Result(config);
    }

    /// <summary>
    /// Reads and parses a file; an unreadable file is an error diagnostic, never an exception.
    /// <paramref name="displayName"/> (default: <paramref name="path"/>) is the path shown in diagnostics. The file
    /// is read through <paramref name="boundary"/>, the folder rule (default: the rule for the file's folder): a
    /// link out of the folder, or anything but a regular file, is refused unread (HLT035).
    /// </summary>
    public static HealthConfigResult ParseFile(string path, string? displayName = null, CommandCheckPolicy? commands = null, FolderBoundary? boundary = null)
    {
        boundary ??= new FolderBoundary(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string text;
        try
        {
            text = boundary.ReadText(path, MaxFileBytes);
        }
        catch (FileRefusedException ex)
        {
            return new HealthConfigResult(null, [new PolicyDiagnostic(displayName ?? path, 0, 0, true, HealthDiagnosticIds.NotRead, "not read: " + ex.Reason)]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new HealthConfigResult(null, [new PolicyDiagnostic(displayName ?? path, 0, 0, true, HealthDiagnosticIds.Unreadable, "cannot read the file: " + ex.Message)]);
        }

        return Parse(text, displayName ?? path, commands);
    }

    private static Defaults ReadDefaults(Context context, (YamlScalar Key, YamlNode Value)? section)
    {
        var defaults = new Defaults();
        if (section is not { } found || found.Value is YamlScalar { IsNull: true })
        {
            return defaults;
        }

        if (found.Value is not YamlMapping mapping)
        {
            context.Error(found.Value, HealthDiagnosticIds.WrongShape, $"'defaults' is {found.Value.Describe}; write a mapping such as {{ interval: 5s, timeout: 2s }}");
            return defaults;
        }

        var entries = context.Entries(mapping, TimingKeys, "a default setting", HealthDiagnosticIds.UnknownDefault);
        ReadTiming(context, entries, defaults.Timing);
        return defaults;
    }

    private static void ReadTiming(Context context, Dictionary<string, (YamlScalar Key, YamlNode Value)> entries, Timing timing)
    {
        foreach (var key in (ReadOnlySpan<string>)["interval", "timeout"])
        {
            if (!entries.TryGetValue(key, out var entry) || context.Scalar(entry, "a duration such as 5s") is not { } text)
            {
                continue;
            }

            if (!HealthDuration.TryParse(text.Value, out var value) || value <= TimeSpan.Zero)
            {
                context.Error(text, HealthDiagnosticIds.BadDuration, $"'{text.Value}' is not a duration: write 500ms, 2s, 1m or 1m30s (at most 1 day)");
                continue;
            }

            if (key == "interval")
            {
                if (value < MinInterval)
                {
                    context.Error(text, HealthDiagnosticIds.BadDuration, $"interval {text.Value} is too short: at least 100ms");
                    continue;
                }

                timing.Interval = (value, text);
            }
            else
            {
                timing.Timeout = (value, text);
            }
        }

        foreach (var key in (ReadOnlySpan<string>)["rise", "fall"])
        {
            if (!entries.TryGetValue(key, out var entry) || context.Scalar(entry, "a count such as 2") is not { } text)
            {
                continue;
            }

            if (!int.TryParse(text.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 100)
            {
                context.Error(text, HealthDiagnosticIds.BadCount, $"{key} is a whole number from 1 to 100, not '{text.Value}'");
                continue;
            }

            if (key == "rise")
            {
                timing.Rise = count;
            }
            else
            {
                timing.Fall = count;
            }
        }

        if (entries.TryGetValue("initial", out var initial) && context.Scalar(initial, "up or down") is { } state)
        {
            switch (state.Value.ToLowerInvariant())
            {
                case "up":
                    timing.Initial = HealthState.Up;
                    break;
                case "down":
                    timing.Initial = HealthState.Down;
                    break;
                default:
                    context.Error(state, HealthDiagnosticIds.BadInitial, $"initial is up or down, not '{state.Value}'");
                    break;
            }
        }

        if (entries.TryGetValue("quorum", out var quorum) && context.Scalar(quorum, "one, majority, all or a number") is { } quorumText)
        {
            if (HealthQuorum.TryParse(quorumText.Value, out var parsed))
            {
                timing.Quorum = parsed;
            }
            else
            {
                context.Error(quorumText, HealthDiagnosticIds.BadQuorum, $"quorum is one, majority, all or a number of nodes from 1 to 1000, not '{quorumText.Value}'");
            }
        }

        if (entries.TryGetValue("probers", out var probers) && context.Scalar(probers, "a number of nodes, or all") is { } probersText)
        {
            if (probersText.Value == "all")
            {
                timing.Probers = 0;
            }
            else if (int.TryParse(probersText.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 1000)
            {
                timing.Probers = count;
            }
            else
            {
                context.Error(probersText, HealthDiagnosticIds.BadProbers, $"probers is a number of nodes from 1 to 1000, or all, not '{probersText.Value}'");
            }
        }
    }

    private static Dictionary<string, ParsedCheck> ReadChecks(Context context, (YamlScalar Key, YamlNode Value)? section, Defaults defaults)
    {
        var checks = new Dictionary<string, ParsedCheck>(StringComparer.Ordinal);
        if (section is not { } found || found.Value is YamlScalar { IsNull: true })
        {
            return checks;
        }

        if (found.Value is not YamlMapping mapping)
        {
            context.Error(found.Value, HealthDiagnosticIds.WrongShape, $"'checks' is {found.Value.Describe}; write a mapping of check names to settings, such as eu: {{ http: http://192.0.2.1/health }}");
            return checks;
        }

        foreach (var (key, value) in mapping.Entries)
        {
            if (!context.CheckName(key, "check"))
            {
                continue;
            }

            if (checks.TryGetValue(key.Value, out var first))
            {
                context.Error(key, HealthDiagnosticIds.DuplicateName, $"'{key.Value}' is already a check (line {first.Key.Line})");
                continue;
            }

            checks[key.Value] = new ParsedCheck(key, ReadCheck(context, key, value, defaults));
        }

        return checks;
    }

    private static HealthCheckConfig? ReadCheck(Context context, YamlScalar name, YamlNode value, Defaults defaults)
    {
        if (value is YamlScalar { IsNull: true })
        {
            context.Error(name, HealthDiagnosticIds.NoKind, $"check '{name.Value}' says nothing to probe: give one of {string.Join(", ", Kinds)}");
            return null;
        }

        if (value is not YamlMapping mapping)
        {
            context.Error(value, HealthDiagnosticIds.WrongShape, $"check '{name.Value}' is {value.Describe}; write its settings as a mapping, such as {{ tcp: 192.0.2.1:443 }}");
            return null;
        }

        var errors = context.ErrorCount;
        var entries = context.Entries(mapping, CheckKeys, "a check setting", HealthDiagnosticIds.UnknownCheckSetting);
        var kinds = Kinds.Where(entries.ContainsKey).ToList();
        if (kinds.Count == 0)
        {
            context.Error(name, HealthDiagnosticIds.NoKind, $"check '{name.Value}' says nothing to probe: give one of {string.Join(", ", Kinds)}");
            return null;
        }

        if (kinds.Count > 1)
        {
            var second = kinds.Select(k => entries[k].Key).OrderBy(k => k.Line).ThenBy(k => k.Column).Skip(1).First();
            context.Error(second, HealthDiagnosticIds.TwoKinds, $"check '{name.Value}' has {kinds.Count} probes ({string.Join(", ", kinds)}): give one");
            return null;
        }

        var kind = kinds[0];
        foreach (var (key, (keyNode, _)) in entries)
        {
            var owner = HttpKeys.Contains(key) ? "http" : DnsKeys.Contains(key) ? "dns" : null;
            if (owner is not null && owner != kind)
            {
                context.Error(keyNode, HealthDiagnosticIds.WrongKindSetting, $"'{key}' is a setting of {owner} checks, and '{name.Value}' is a {kind} check");
            }
        }

        HealthProbeConfig? probe = kind switch
        {
            "http" => ReadHttp(context, entries),
            "tcp" => ReadTcp(context, entries["tcp"]),
            "dns" => ReadDns(context, entries),
            _ => ReadCommand(context, entries["command"]),
        };

        var timing = defaults.Timing.Copy();
        ReadTiming(context, entries, timing);
        if (timing.Timeout.Value >= timing.Interval.Value)
        {
            if (entries.ContainsKey("interval") && !entries.ContainsKey("timeout"))
            {
                // The check shortened its interval below an inherited timeout: keep the check, with a timeout
                // that fits (80% of the interval), and say so.
                var fitted = TimeSpan.FromMilliseconds(Math.Floor(timing.Interval.Value.TotalMilliseconds * 0.8));
                context.Warning(timing.Interval.Node!, HealthDiagnosticIds.TimeoutShortened,
                    $"check '{name.Value}': the default timeout {HealthDuration.Format(timing.Timeout.Value)} is not less than its interval {HealthDuration.Format(timing.Interval.Value)}, so it uses {HealthDuration.Format(fitted)}; set timeout: to choose");
                timing.Timeout = (fitted, timing.Interval.Node);
            }
            else
            {
                // Point at what the check itself says, else at the defaults that made it so.
                var where = (YamlNode?)(entries.ContainsKey("timeout") ? timing.Timeout.Node : null)
                    ?? timing.Timeout.Node ?? timing.Interval.Node ?? name;
                context.Error(where, HealthDiagnosticIds.TimeoutNotBelowInterval,
                    $"check '{name.Value}': timeout {HealthDuration.Format(timing.Timeout.Value)} is not less than interval {HealthDuration.Format(timing.Interval.Value)}: a probe must end before the next one starts");
            }
        }

        if (probe is null || context.ErrorCount > errors)
        {
            return null;
        }

        return new HealthCheckConfig(name.Value, probe, timing.Interval.Value, timing.Timeout.Value, timing.Rise, timing.Fall, timing.Initial) { Quorum = timing.Quorum, Probers = timing.Probers };
    }

    private static HttpProbeConfig? ReadHttp(Context context, Dictionary<string, (YamlScalar Key, YamlNode Value)> entries)
    {
        if (context.Scalar(entries["http"], "a URL such as http://192.0.2.1/health") is not { } urlNode)
        {
            return null;
        }

        if (!Uri.TryCreate(urlNode.Value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            context.Error(urlNode, HealthDiagnosticIds.BadUrl, $"'{urlNode.Value}' is not an http:// or https:// URL");
            return null;
        }

        var config = new HttpProbeConfig(url);
        if (entries.TryGetValue("method", out var method) && context.Scalar(method, "a method such as GET") is { } methodNode)
        {
            var upper = methodNode.Value.ToUpperInvariant();
            if (upper.Length == 0 || upper.Length > 20 || !upper.All(char.IsAsciiLetterUpper))
            {
                context.Error(methodNode, HealthDiagnosticIds.BadMethod, $"'{methodNode.Value}' is not an HTTP method such as GET or HEAD");
            }
            else
            {
                config = config with { Method = upper };
            }
        }

        if (entries.TryGetValue("host", out var host) && context.Scalar(host, "a host name such as www.example.com") is { } hostNode)
        {
            var hostName = hostNode.Value;
            var colon = hostName.LastIndexOf(':');
            var bare = colon > 0 && !hostName.EndsWith(']') && hostName.IndexOf(':', StringComparison.Ordinal) == colon ? hostName[..colon] : hostName;
            if (Uri.CheckHostName(bare.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                context.Error(hostNode, HealthDiagnosticIds.BadHost, $"'{hostName}' is not a host name for the Host header");
            }
            else
            {
                config = config with { Host = hostName };
            }
        }

        if (entries.TryGetValue("expect", out var expect) && context.Scalar(expect, "a status or range such as 200-399") is { } expectNode)
        {
            if (TryParseRange(expectNode.Value, out var min, out var max))
            {
                config = config with { ExpectMin = min, ExpectMax = max };
            }
            else
            {
                context.Error(expectNode, HealthDiagnosticIds.BadExpect, $"expect is a status (200) or a range (200-399) between 100 and 599, not '{expectNode.Value}'");
            }
        }

        if (entries.TryGetValue("body", out var body) && context.Scalar(body, "text the body must contain") is { } bodyNode)
        {
            if (bodyNode.Value.Length == 0)
            {
                context.Error(bodyNode, HealthDiagnosticIds.BadBody, "body is the text the response must contain: it cannot be empty");
            }
            else
            {
                config = config with { Body = bodyNode.Value };
            }
        }

        if (entries.TryGetValue("tls-verify", out var verify) && context.Scalar(verify, "true or false") is { } verifyNode)
        {
            if (!bool.TryParse(verifyNode.Value, out var value))
            {
                context.Error(verifyNode, HealthDiagnosticIds.BadBoolean, $"tls-verify is true or false, not '{verifyNode.Value}'");
            }
            else
            {
                config = config with { TlsVerify = value };
                if (url.Scheme == "http")
                {
                    context.Warning(verify.Key, HealthDiagnosticIds.TlsVerifyWithoutTls, $"tls-verify applies to https:// URLs; '{urlNode.Value}' is http://, so it is ignored");
                }
            }
        }

        return config;
    }

    private static bool TryParseRange(string text, out int min, out int max)
    {
        max = 0;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var low = dash < 0 ? text.AsSpan() : text.AsSpan(0, dash);
        if (!int.TryParse(low.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out min))
        {
            return false;
        }

        max = min;
        if (dash >= 0 && !int.TryParse(text.AsSpan(dash + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out max))
        {
            return false;
        }

        return min is >= 100 and <= 599 && max is >= 100 and <= 599 && min <= max;
    }

    private static TcpProbeConfig? ReadTcp(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        if (context.Scalar(entry, "host:port such as 192.0.2.1:443") is not { } node)
        {
            return null;
        }

        if (!HealthEndpoint.TryParse(node.Value, null, out var host, out var port, out var error))
        {
            context.Error(node, HealthDiagnosticIds.BadEndpoint, error);
            return null;
        }

        return new TcpProbeConfig(host, port);
    }

    private static DnsProbeConfig? ReadDns(Context context, Dictionary<string, (YamlScalar Key, YamlNode Value)> entries)
    {
        if (context.Scalar(entries["dns"], "a server such as 192.0.2.53:53") is not { } node)
        {
            return null;
        }

        if (!HealthEndpoint.TryParse(node.Value, 53, out var host, out var port, out var error))
        {
            context.Error(node, HealthDiagnosticIds.BadEndpoint, error);
            return null;
        }

        if (!entries.TryGetValue("query", out var query))
        {
            context.Error(entries["dns"].Key, HealthDiagnosticIds.BadQuery, "a dns check needs the query to send: query: NAME [TYPE], such as query: example.com SOA");
            return null;
        }

        if (context.Scalar(query, "NAME [TYPE] such as example.com SOA") is not { } queryNode)
        {
            return null;
        }

        var words = queryNode.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > 2)
        {
            context.Error(queryNode, HealthDiagnosticIds.BadQuery, $"query is NAME [TYPE], such as example.com SOA, not '{queryNode.Value}'");
            return null;
        }

        if (!DnsName.TryParse(words[0], DnsName.Root, out _, out var nameError))
        {
            context.Error(queryNode, HealthDiagnosticIds.BadQuery, $"'{words[0]}' is not a domain name: {nameError}");
            return null;
        }

        var type = RecordType.A;
        if (words.Length == 2 && (!RecordType.TryParse(words[1], out type) || type is RecordType.OPT or RecordType.AXFR or RecordType.IXFR or RecordType.TKEY or RecordType.TSIG))
        {
            context.Error(queryNode, HealthDiagnosticIds.BadQuery, $"'{words[1]}' is not a record type to ask for, such as A, AAAA, SOA, NS");
            return null;
        }

        return new DnsProbeConfig(host, port, words[0], type);
    }

    private static CommandProbeConfig? ReadCommand(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        var words = ReadCommandWords(context, entry);
        if (words is null)
        {
            return null;
        }

        // The operator's configuration decides what runs, not this file (CommandCheckPolicy).
        var programNode = entry.Value is YamlSequence list ? list.Items[0] : entry.Value;
        if (context.Commands.Check(words[0], out _, out var missing, out var id) is { } problem)
        {
            context.Error(programNode, id, problem);
            return null;
        }

        if (missing)
        {
            context.Warning(programNode, HealthDiagnosticIds.ProgramMissing, $"'{words[0]}' does not exist (yet): its probes fail until it does");
        }

        return new CommandProbeConfig(words);
    }

    private static List<string>? ReadCommandWords(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        const string Hint = "write it as a list, program first, without a shell: command: [ /usr/local/bin/check-db, --quick ]";
        switch (entry.Value)
        {
            case YamlScalar { IsNull: false } one when !one.Value.Any(char.IsWhiteSpace):
                return [one.Value];
            case YamlSequence list when list.Items.Count > 0:
                var words = new List<string>();
                foreach (var item in list.Items)
                {
                    if (item is not YamlScalar { IsNull: false } word)
                    {
                        context.Error(item, HealthDiagnosticIds.BadCommand, $"each item of a command is a word, not {item.Describe}");
                        return null;
                    }

                    words.Add(word.Value);
                }

                if (words[0].Length == 0)
                {
                    context.Error(list.Items[0], HealthDiagnosticIds.BadCommand, "the first item of a command is the program to run");
                    return null;
                }

                return words;
            default:
                context.Error(entry.Value is YamlScalar { IsNull: true } ? entry.Key : entry.Value, HealthDiagnosticIds.BadCommand,
                    entry.Value is YamlScalar { IsNull: false } ? $"'{((YamlScalar)entry.Value).Value}' has spaces: {Hint}" : Hint);
                return null;
        }
    }

    private static List<HealthGroupConfig> ReadGroups(Context context, (YamlScalar Key, YamlNode Value)? section, Dictionary<string, ParsedCheck> checks)
    {
        var groups = new List<HealthGroupConfig>();
        if (section is not { } found || found.Value is YamlScalar { IsNull: true })
        {
            return groups;
        }

        if (found.Value is not YamlMapping mapping)
        {
            context.Error(found.Value, HealthDiagnosticIds.WrongShape, $"'groups' is {found.Value.Describe}; write a mapping of group names to settings, such as europe: {{ members: [eu, eu2], min-up: 1 }}");
            return groups;
        }

        var names = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (!context.CheckName(key, "group"))
            {
                continue;
            }

            if (names.TryGetValue(key.Value, out var first))
            {
                context.Error(key, HealthDiagnosticIds.DuplicateName, $"'{key.Value}' is already a group (line {first.Line})");
                continue;
            }

            names[key.Value] = key;
            if (checks.TryGetValue(key.Value, out var check))
            {
                context.Error(key, HealthDiagnosticIds.DuplicateName, $"'{key.Value}' is already the name of a check (line {check.Key.Line}): a group needs a name of its own");
                continue;
            }

            if (ReadGroup(context, key, value, checks) is { } group)
            {
                groups.Add(group);
            }
        }

        return groups;
    }

    private static HealthGroupConfig? ReadGroup(Context context, YamlScalar name, YamlNode value, Dictionary<string, ParsedCheck> checks)
    {
        YamlNode? membersNode;
        var minUp = 1;
        YamlNode? minUpNode = null;
        switch (value)
        {
            case YamlSequence:
                membersNode = value;
                break;
            case YamlMapping mapping:
                var entries = context.Entries(mapping, GroupKeys, "a group setting", HealthDiagnosticIds.UnknownGroupSetting);
                membersNode = entries.TryGetValue("members", out var members) ? members.Value : null;
                if (entries.TryGetValue("min-up", out var min) && context.Scalar(min, "a count such as 1") is { } minText)
                {
                    minUpNode = minText;
                    if (!int.TryParse(minText.Value, NumberStyles.None, CultureInfo.InvariantCulture, out minUp) || minUp < 1)
                    {
                        context.Error(minText, HealthDiagnosticIds.BadCount, $"min-up is a whole number from 1, not '{minText.Value}'");
                        return null;
                    }
                }

                if (membersNode is null)
                {
                    context.Error(name, HealthDiagnosticIds.NoMembers, $"group '{name.Value}' needs members: [check, ...]");
                    return null;
                }

                break;
            default:
                context.Error(value is YamlScalar { IsNull: true } ? name : value, HealthDiagnosticIds.WrongShape,
                    $"group '{name.Value}' is {value.Describe}; write {{ members: [eu, eu2], min-up: 1 }} or [eu, eu2]");
                return null;
        }

        if (membersNode is not YamlSequence list || list.Items.Count == 0)
        {
            context.Error(membersNode, HealthDiagnosticIds.NoMembers, $"the members of group '{name.Value}' are a list of checks, such as [eu, eu2]");
            return null;
        }

        var result = new List<string>();
        var ok = true;
        foreach (var item in list.Items)
        {
            if (item is not YamlScalar { IsNull: false } member)
            {
                context.Error(item, HealthDiagnosticIds.UnknownMember, $"a member is the name of a check, not {item.Describe}");
                ok = false;
                continue;
            }

            if (!checks.ContainsKey(member.Value))
            {
                var known = checks.Keys.Order(StringComparer.Ordinal).ToList();
                var hint = Context.Closest(member.Value, known) is { } close ? $"; did you mean '{close}'?" : known.Count == 0 ? "; there are no checks" : "";
                context.Error(member, HealthDiagnosticIds.UnknownMember, $"group '{name.Value}': '{member.Value}' is not a check{hint}");
                ok = false;
                continue;
            }

            if (result.Contains(member.Value))
            {
                context.Error(member, HealthDiagnosticIds.DuplicateMember, $"group '{name.Value}' lists '{member.Value}' twice");
                ok = false;
                continue;
            }

            result.Add(member.Value);
        }

        if (ok && minUp > result.Count)
        {
            context.Error(minUpNode ?? name, HealthDiagnosticIds.MinUpTooHigh, $"group '{name.Value}': min-up {minUp} is more than its {result.Count} members, so it could never be up");
            ok = false;
        }

        return ok ? new HealthGroupConfig(name.Value, result, minUp) : null;
    }

    private sealed record ParsedCheck(YamlScalar Key, HealthCheckConfig? Config);

    private sealed class Defaults
    {
        public Timing Timing { get; } = new();
    }

    /// <summary>Timing settings and the nodes that set them (null: the built-in default).</summary>
    private sealed class Timing
    {
        public (TimeSpan Value, YamlScalar? Node) Interval { get; set; } = (HealthCheckConfig.DefaultInterval, null);

        public (TimeSpan Value, YamlScalar? Node) Timeout { get; set; } = (HealthCheckConfig.DefaultTimeout, null);

        public int Rise { get; set; } = 2;

        public int Fall { get; set; } = 3;

        public HealthState Initial { get; set; } = HealthState.Up;

        public HealthQuorum Quorum { get; set; } = HealthQuorum.Majority;

        public int Probers { get; set; }

        public Timing Copy() => (Timing)MemberwiseClone();
    }

    private sealed class Context(string file, CommandCheckPolicy commands)
    {
        public CommandCheckPolicy Commands { get; } = commands;

        private readonly List<PolicyDiagnostic> _diagnostics = [];
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public int ErrorCount { get; private set; }

        public void Error(YamlNode node, string id, string message) => Error(node.Line, node.Column, id, message);

        public void Error(int line, int column, string id, string message) => Add(new PolicyDiagnostic(file, line, column, true, id, message));

        public void Warning(YamlNode node, string id, string message) => Add(new PolicyDiagnostic(file, node.Line, node.Column, false, id, message));

        private void Add(PolicyDiagnostic diagnostic)
        {
            // The same defaults can break many checks the same way: say it once.
            if (_seen.Add(diagnostic.ToString()))
            {
                _diagnostics.Add(diagnostic);
                ErrorCount += diagnostic.IsError ? 1 : 0;
            }
        }

        public HealthConfigResult Result(HealthConfig? config)
        {
            var ordered = _diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList();
            return new HealthConfigResult(ErrorCount > 0 ? null : config, ordered);
        }

        /// <summary>The entries of a mapping by key, reporting unknown and repeated keys.</summary>
        public Dictionary<string, (YamlScalar Key, YamlNode Value)> Entries(YamlMapping mapping, string[] known, string what, string unknownId) =>
            mapping.ByKey(known, what, (key, problem, message) => Error(key, problem == YamlKeyProblem.Unknown ? unknownId : HealthDiagnosticIds.DuplicateKey, message));

        /// <summary>The value of a setting as a scalar, or null after reporting what it should be.</summary>
        public YamlScalar? Scalar((YamlScalar Key, YamlNode Value) entry, string expected)
        {
            if (entry.Value is YamlScalar { IsNull: false } scalar)
            {
                return scalar;
            }

            Error(entry.Value is YamlScalar ? entry.Key : entry.Value, HealthDiagnosticIds.WrongShape, $"'{entry.Key.Value}' needs {expected}, not {entry.Value.Describe}");
            return null;
        }

        /// <summary>Checks a check or group name: letters, digits, <c>. _ - :</c>, at most 100.</summary>
        public bool CheckName(YamlScalar key, string what)
        {
            if (key.Value.Length is > 0 and <= 100 && key.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':'))
            {
                return true;
            }

            Error(key, HealthDiagnosticIds.BadName, $"'{key.Value}' is not a {what} name: use letters, digits, '.', '_', '-' and ':' (at most 100)");
            return false;
        }

        public static string? Closest(string word, IReadOnlyCollection<string> known) => Spelling.Closest(word, known);
    }
}
