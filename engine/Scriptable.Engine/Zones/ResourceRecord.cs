using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>One record as read from a master file, with where it came from for error messages.</summary>
public sealed record ResourceRecord(DnsName Owner, ushort Type, ushort Class, uint Ttl, RData Data, string File, int Line);
