using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Pipeline.Stages;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Policies;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// A policy worker process (<c>scriptable __policy-worker</c>), started and fed by the server's
/// <see cref="PolicyWorkers"/>: it loads the versions the server sends (the assemblies the server loaded, never
/// compiled here), keeps the geo databases it is told to open and the health map each query brings when it
/// changed, and answers "run version V for this query" with the policy's answer or how it failed. One message at
/// a time on standard input, one answer at a time on standard output. Whatever a policy does that the budget does
/// not stop (a stack overflow, a hang in framework code, memory past the heap limit) ends this process, not the
/// server.
/// </summary>
public static class PolicyWorker
{
    /// <summary>The hidden command of the <c>scriptable</c> program that runs a worker.</summary>
    public const string Verb = "__policy-worker";

    private const int StandardInput = 0;
    private const int StandardOutput = 1;

    /// <summary>Serves the server on standard input and output until it closes them; returns the exit code.</summary>
    public static int Run()
    {
        // Standard output is the channel: nothing else may write there.
        Console.SetOut(Console.Error);
        WatchParent();
        using var loop = new Loop();
        return loop.Serve();
    }

    /// <summary>
    /// Exits at once if the server goes away while a policy holds this process (a read of the channel would see
    /// it, but a policy stuck in framework code never reads again): the parent is polled every half second.
    /// </summary>
    private static void WatchParent()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var parent = GetParent();
        var watcher = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(500);
                if (GetParent() != parent)
                {
                    Exit(3);
                }
            }
        })
        { IsBackground = true, Name = "worker-parent-watch" };
        watcher.Start();
    }

#pragma warning disable SYSLIB1054, CA5392 // Plain int arguments: see WorkerPipe.
    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int GetParent();

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int code);
#pragma warning restore SYSLIB1054, CA5392

    /// <summary>The worker's state and its message loop (one thread).</summary>
    private sealed class Loop : IDisposable
    {
        private readonly WireWriter _writer = new(64 * 1024);
        private readonly Dictionary<long, Loaded> _versions = [];
        private readonly Dictionary<DnsName, Zone> _zones = [];
        private readonly QueryContext _query = new();
        private readonly ParseStage _parse = new();
        private readonly AnswerEncoder _answers = new();
        private readonly byte[] _packet = new byte[QueryContext.MaxMessageSize];
        private readonly byte[] _length = new byte[4];
        private byte[] _message = new byte[64 * 1024];
        private HealthMap _health = HealthMap.Empty;
        private GeoCatalog? _geo;
        private GeoDatabaseSet _geoSet = GeoDatabaseSet.Empty;
        private ServerSnapshot _snapshot = ServerSnapshot.Empty;

        public int Serve()
        {
            WarmUp();
            _writer.Begin(WorkerMessages.Hello);
            _writer.WriteString(Trial.TrialWorker.Build);
            _writer.WriteInt32(Environment.ProcessId);
            if (!WorkerPipe.WriteAll(StandardOutput, _writer.Finish()))
            {
                return 2;
            }

            while (ReadMessage() is { } length)
            {
                var reader = new WireReader(_message.AsSpan(0, length));
                var kind = reader.ReadByte();
                switch (kind)
                {
                    case WorkerMessages.Query:
                        RunQuery(ref reader);
                        break;
                    case WorkerMessages.Load:
                        LoadVersion(ref reader);
                        break;
                    case WorkerMessages.Unload:
                        UnloadVersion(ref reader);
                        break;
                    case WorkerMessages.Geo:
                        OpenGeo(ref reader);
                        break;
                    default:
                        throw new InvalidDataException($"message kind {kind}");
                }

                if (!WorkerPipe.WriteAll(StandardOutput, _writer.Finish()))
                {
                    break;
                }
            }

            // The server closed the channel (it stopped, or replaces this worker).
            return 0;
        }

        public void Dispose() => _geo?.Dispose();

        /// <summary>
        /// Runs what every query runs (reading a question, the context a policy reads, writing an answer) once on a
        /// made-up question, so that the first real query, which has a deadline, does not wait for the JIT.
        /// </summary>
        private void WarmUp()
        {
            var query = new QueryContext();
            WarmUpQuestion.Fill(query, DnsName.Parse("warm-up.invalid."));
            query.Snapshot = _snapshot;
            var zone = ZoneOf(DnsName.Parse("invalid."));
            var ctx = query.PolicyContext;
            ctx.Reset(query, zone, null, _health, TimeProvider.System);
            var answer = Answer.Address("192.0.2.1", "2001:db8::1").WithTtl(30).Rotated();
            _ = ctx.Query.Name.Length + ctx.Client.Address.GetHashCode() + (ctx.Client.Subnet?.PrefixLength ?? 0) + (ctx.Geo.CountryCode?.Length ?? 0) + (ctx.Geo.ContinentCode?.Length ?? 0);
            _ = ctx.ResolveScope(answer);
            var scratch = new WireWriter();
            scratch.Begin(WorkerMessages.Result);
            new AnswerEncoder().Write(scratch, answer);
            new AnswerEncoder().Write(scratch, Answer.NxDomain);
            var decoded = new AnswerDecoder();
            var reader = new WireReader(scratch.Finish()[5..]);
            _ = decoded.Read(ref reader);
            _ = decoded.Read(ref reader);
            _ = _health.IsUp("warm-up") && new HealthMap([KeyValuePair.Create("warm-up", new HealthStatus(HealthState.Up, DateTimeOffset.UnixEpoch))]).IsUp("warm-up");

            // A failure's description: the exception's text read under its budget, its place from a stack trace with symbols.
            try
            {
                throw new InvalidOperationException("warm-up");
            }
            catch (InvalidOperationException ex)
            {
                _ = PolicyVersion.FindUserFrame(ex, "warm-up.csx");
                _ = PolicyText.Message(ex);
            }
        }

        /// <summary>The next message into <see cref="_message"/>: its length, or null when the server closed the channel.</summary>
        private int? ReadMessage()
        {
            if (WorkerPipe.ReadExactly(StandardInput, _length, WorkerPipe.Never) != PipeRead.Done)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(_length);
            if (length is <= 0 or > WireWriter.MaxMessage)
            {
                throw new InvalidDataException($"a message of {length} octets");
            }

            if (length > _message.Length)
            {
                _message = new byte[Math.Max(length, _message.Length * 2)];
            }

            return WorkerPipe.ReadExactly(StandardInput, _message.AsSpan(0, length), WorkerPipe.Never) == PipeRead.Done ? length : null;
        }

        private void LoadVersion(ref WireReader reader)
        {
            var id = reader.ReadInt64();
            var file = reader.ReadText();
            var revision = reader.ReadInt32();
            var hash = reader.ReadText();
            var className = reader.ReadText();
            var assembly = reader.ReadBytes().ToArray();
            var pdb = reader.ReadBytes().ToArray();
            var settings = ReadSettings(ref reader);
            var origin = DnsName.FromWire(reader.ReadBytes());

            // Static initialisation runs here, under the load budget and its deadline, as in the server.
            var diagnostics = new List<PolicyDiagnostic>();
            var compiled = new CompiledPolicy(assembly, pdb, className, [], [], TimeSpan.Zero);
            var version = PolicyVersion.Load(compiled, file, revision, hash, settings, origin, diagnostics);
            if (version is not null)
            {
                if (_versions.Remove(id, out var replaced))
                {
                    replaced.Version.Unload();
                }

                _versions[id] = new Loaded(version, origin, ZoneOf(origin));

                // Its code compiled now, not in its first query, which has a deadline; none of it runs.
                version.PrepareCode();
            }

            _writer.Begin(WorkerMessages.Loaded);
            _writer.WriteInt64(id);
            _writer.WriteBool(version is not null);
            _writer.WriteInt32(diagnostics.Count);
            foreach (var diagnostic in diagnostics)
            {
                _writer.WriteString(diagnostic.File);
                _writer.WriteInt32(diagnostic.Line);
                _writer.WriteInt32(diagnostic.Column);
                _writer.WriteBool(diagnostic.IsError);
                _writer.WriteString(diagnostic.Id);
                _writer.WriteString(diagnostic.Message);
            }
        }

        private void UnloadVersion(ref WireReader reader)
        {
            if (_versions.Remove(reader.ReadInt64(), out var loaded))
            {
                loaded.Version.Unload();
            }

            _writer.Begin(WorkerMessages.Done);
        }

        private void OpenGeo(ref WireReader reader)
        {
            var count = reader.ReadInt32();
            var paths = new List<string>(Math.Clamp(count, 0, GeoDatabaseSet.MaxDatabases));
            for (var i = 0; i < count; i++)
            {
                paths.Add(reader.ReadText());
            }

            // A file that cannot be opened here (permissions of the worker's user) is left out, and said why: the
            // server logs it, since this worker's answers then differ from the server's.
            var previous = _geo;
            _geo = new GeoCatalog(paths, null);
            var reload = _geo.Reload();
            _geoSet = reload.Databases;
            previous?.Dispose();
            _snapshot = new ServerSnapshot(ZoneSet.Empty, new DnsConfig(), null, _health, _geoSet);

            // A first lookup in the new databases here, not in the first query, which has a deadline.
            WarmUp();
            _writer.Begin(WorkerMessages.Done);
            var failed = 0;
            foreach (var change in reload.Changes)
            {
                failed += change.Error is null ? 0 : 1;
            }

            _writer.WriteInt32(failed);
            foreach (var change in reload.Changes)
            {
                if (change.Error is { } error)
                {
                    _writer.WriteString(error);
                }
            }
        }

        private void RunQuery(ref WireReader reader)
        {
            var id = reader.ReadInt64();
            var flags = reader.ReadByte();
            var owner = (flags & WorkerMessages.HasOwner) != 0 ? DnsName.FromWire(reader.ReadBytes()) : null;
            var packet = reader.ReadBytes();
            packet.CopyTo(_packet);
            var transport = (DnsTransport)reader.ReadByte();
            var client = reader.ReadBytes();
            var port = reader.ReadUInt16();
            var lookup = reader.ReadBytes();
            var fromEcs = reader.ReadBool();
            if ((flags & WorkerMessages.HasHealth) != 0)
            {
                _health = ReadHealth(ref reader);
                _snapshot = new ServerSnapshot(ZoneSet.Empty, new DnsConfig(), null, _health, _geoSet);
            }

            // The query as the server parsed it, from the same octets; where the client is located from, as the server decided.
            var query = _query;
            query.Reset(_packet, 0, packet.Length, transport);
            query.SetClient(client, port);
            query.Snapshot = _snapshot;
            var parsed = _parse.Invoke(query) == StageResult.Continue;
            query.SetLookupAddress(lookup, fromEcs);
            _writer.Begin(WorkerMessages.Result);
            if (!_versions.TryGetValue(id, out var loaded))
            {
                _writer.WriteByte(WorkerMessages.UnknownVersion);
                return;
            }

            if (!parsed)
            {
                WriteFailure(WorkerMessages.Threw, 0, "InvalidDataException", loaded.Version.File, 0, "the worker could not read the query again");
                return;
            }
            query.Zone = loaded.Zone;
            var ctx = query.PolicyContext;
            ctx.Reset(query, loaded.Zone, owner, _health, TimeProvider.System);
            var previous = PolicyScope.Enter(loaded.Origin);
            Answer? answer;
            try
            {
                using (Budget.Begin(loaded.Version.Limits))
                {
                    answer = loaded.Version.Run(ctx);
                }
            }
            catch (Exception ex) when (FindBudgetStop(ex) is { } stop)
            {
                WriteFailure(WorkerMessages.Stopped, (byte)stop.Kind, stop, loaded);
                return;
            }
#pragma warning disable CA1031 // Whatever a policy throws is its failure, reported to the server.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                WriteFailure(WorkerMessages.Threw, 0, ex, loaded);
                return;
            }
            finally
            {
                PolicyScope.Restore(previous);
            }

            if (answer is null)
            {
                WriteFailure(WorkerMessages.ReturnedNull, 0, "", loaded.Version.File, 0, "the policy returned null instead of an Answer");
                return;
            }

            _writer.WriteByte(WorkerMessages.Answered);
            _writer.WriteByte(ctx.ResolveScope(answer));
            _answers.Write(_writer, answer);
        }

        private void WriteFailure(byte status, byte kind, Exception exception, Loaded loaded)
        {
            // Where it failed comes from a stack trace read with the PDB: costly on a deep stack, and the server logs
            // a policy's failures once per burst anyway, so the line is looked up once per burst here too.
            var (where, line) = (loaded.Version.File, 0);
            var now = Environment.TickCount64;
            if (now - loaded.LastLocated >= 10_000)
            {
                loaded.LastLocated = now;
                (where, line) = PolicyVersion.FindUserFrame(exception, loaded.Version.File);
            }

            // The text is read under a budget of its own: a policy's exception may compute its message.
            WriteFailure(status, kind, exception.GetType().Name, where, line, PolicyText.Message(exception) ?? "(its message could not be read)");
        }

        private void WriteFailure(byte status, byte kind, string type, string where, int line, string message)
        {
            _writer.WriteByte(status);
            _writer.WriteByte(kind);
            _writer.WriteString(type);
            _writer.WriteString(where);
            _writer.WriteInt32(line);
            _writer.WriteString(message);
        }

        private static BudgetExceededException? FindBudgetStop(Exception exception)
        {
            for (var e = exception; e is not null; e = e.InnerException)
            {
                if (e is BudgetExceededException stop)
                {
                    return stop;
                }
            }

            return null;
        }

        private static HealthMap ReadHealth(ref WireReader reader)
        {
            var count = reader.ReadInt32();
            var states = new List<KeyValuePair<string, HealthStatus>>(Math.Clamp(count, 0, 100_000));
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadText();
                var state = (HealthState)reader.ReadByte();
                var since = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                var overridden = reader.ReadBool();
                var reason = reader.ReadString();
                states.Add(KeyValuePair.Create(name, new HealthStatus(state, since) { Overridden = overridden, Reason = reason }));
            }

            return new HealthMap(states);
        }

        private static PolicySettings ReadSettings(ref WireReader reader) => new()
        {
            Fallback = (PolicyFallback)reader.ReadByte(),
            TimeBudget = TimeSpan.FromTicks(reader.ReadInt64()),
            MaxStackKilobytes = reader.ReadInt32(),
            MaxAllocatedKilobytes = reader.ReadInt32(),
            LoadTimeBudget = TimeSpan.FromTicks(reader.ReadInt64()),
        };

        /// <summary>
        /// A zone that only knows its origin: all a policy reads of its zone (<c>ctx.Query.Zone</c>, relative names).
        /// The worker holds no zone data.
        /// </summary>
        private Zone ZoneOf(DnsName origin)
        {
            if (_zones.TryGetValue(origin, out var zone))
            {
                return zone;
            }

            var soa = new byte[2 + 20];
            var records = new List<ResourceRecord>
            {
                new(origin, RecordType.SOA, DnsClass.IN, 0, RData.FromWire(RecordType.SOA, soa), "(worker)", 0),
                new(origin, RecordType.NS, DnsClass.IN, 0, RData.FromWire(RecordType.NS, origin.Wire), "(worker)", 0),
            };
            zone = ZoneBuilder.Build(origin, records, "(worker)", [], [])
                ?? throw new InvalidOperationException($"cannot stand in for the zone '{origin}'");
            _zones[origin] = zone;
            return zone;
        }

        private sealed record Loaded(PolicyVersion Version, DnsName Origin, Zone Zone)
        {
            /// <summary>When a failure was last located (<see cref="Environment.TickCount64"/>).</summary>
            public long LastLocated { get; set; } = long.MinValue / 2;
        }
    }
}
