using System.Text.Json;
using Scriptable.Engine.Health;
using Scriptable.Policies;

namespace Scriptable.Server.Cluster;

/// <summary>The JSON values kept in etcd: a node's registration, an override, an observation (Cluster/README.md shows each).</summary>
internal static class ClusterValues
{
    public static string Member(ClusterMember member) => JsonSerializer.Serialize(new MemberValue(member.Node, member.Dns, member.Admin, member.StartedAt, member.Version, member.PoliciesHash), Options);

    public static ClusterMember? ReadMember(string json)
    {
        var value = Read<MemberValue>(json);
        return value?.Node is null ? null : new ClusterMember(value.Node, value.Dns ?? [], value.Admin, value.StartedAt, value.Version ?? "", value.PoliciesHash ?? "");
    }

    public static string Override(HealthOverride value, string node) =>
        JsonSerializer.Serialize(new OverrideValue(HealthOverride.KindText(value.Kind), value.Expires, value.Reason, value.SetAt, node), Options);

    public static HealthOverride? ReadOverride(string json)
    {
        var value = Read<OverrideValue>(json);
        return value is not null && HealthOverride.TryParseKind(value.State, out var kind) ? new HealthOverride(kind, value.Expires, value.Reason, value.SetAt) : null;
    }

    public static string Observation(HealthStatus status) =>
        JsonSerializer.Serialize(new ObservationValue(status.State == HealthState.Down ? "down" : "up", status.Since, status.Reason), Options);

    public static HealthObservation? ReadObservation(string node, string json)
    {
        var value = Read<ObservationValue>(json);
        return value is null ? null : new HealthObservation(node, value.State == "down" ? HealthState.Down : HealthState.Up, value.Since, value.Reason);
    }

    private static T? Read<T>(string json)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException)
        {
            // Someone else's key, or a later version's: not ours to read.
            return null;
        }
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    private sealed record MemberValue(string Node, IReadOnlyList<string>? Dns, string? Admin, DateTimeOffset StartedAt, string? Version, string? PoliciesHash);

    private sealed record OverrideValue(string State, DateTimeOffset? Expires, string? Reason, DateTimeOffset SetAt, string? SetBy);

    private sealed record ObservationValue(string State, DateTimeOffset Since, string? Reason);
}
