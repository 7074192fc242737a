using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;
using Scriptable.Testing;

namespace Scriptable.Engine.Tests.PolicyApi;

/// <summary>
/// Issue 14, finding 11 (part): what the policy API hands out is immutable, a copy, or usable only by the query
/// it belongs to, so one policy cannot change what another reads, or read another's query.
/// </summary>
public sealed class SharedStateTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // Each tries to change the cached geo record through what ctx.Geo.Value returned; the policy's own failure
    // is its business, the other policy must still read the database.
    [Theory]
    [InlineData("((Dictionary<string, object>)ctx.Geo.Value(\"country\")!)[\"iso_code\"] = \"XX\";")]
    [InlineData("((IDictionary<string, object>)ctx.Geo.Value(\"country\")!)[\"iso_code\"] = \"XX\";")]
    [InlineData("((System.Collections.IDictionary)ctx.Geo.Value(\"country\")!)[\"iso_code\"] = \"XX\";")]
    [InlineData("((Dictionary<string, object>)ctx.Geo.Value(\"country/names\")!)[\"en\"] = \"XX\";")]
    [InlineData("((List<object>)ctx.Geo.Value(\"subdivisions\")!).Clear();")]
    [InlineData("((System.Collections.IList)ctx.Geo.Value(\"subdivisions\")!)[0] = \"XX\";")]
    [InlineData("((IDictionary<string, object>)((IList<object>)ctx.Geo.Value(\"subdivisions\")!)[0])[\"iso_code\"] = \"XX\";")]
    public void GeoValue_ChangedByOnePolicy_AnotherPolicyReadsTheDatabase(string change)
    {
        var city = Path.Combine(_temp.Path, "city.mmdb");
        new MmdbWriter().Insert("192.0.2.0/24", TestGeo.City("GB", "EU", "London", 51.5, -0.1, 20, "ENG")).Write(city);
        _temp.Write("example.org/example.org.zone", TempFolder.ExampleZone);
        _temp.Write("example.org/spoil.csx", "// scriptable: fallback=nxdomain\n" + change + "\nreturn Answer.Static;");
        _temp.Write("example.org/read.csx", "return Answer.Records($\"TXT \\\"{ctx.Geo.Value(\"country/iso_code\")} {ctx.Geo.Value(\"country/names/en\")} {ctx.Geo.Value(\"subdivisions/0/iso_code\")}\\\"\");");
        using var folder = PoliciesFolder.Load(_temp.Path, city);

        folder.Query("spoil.example.org", "A", client: "192.0.2.9");
        var read = folder.Query("read.example.org", "TXT", client: "192.0.2.9");

        Assert.Equal(["read.example.org. 60 IN TXT \"GB United Kingdom ENG\""], read.Answer);
    }

    // A policy that keeps ctx in a static field and reads it from another receive thread would see another
    // zone's query (its name, client, place) and could set that query's ECS scope.
    [Fact]
    public void Context_KeptByAPolicy_CannotBeUsedFromAnotherThread()
    {
        using var folder = TempFolder.WithExampleZone(
            ("example.org/spy.csx", """
                // scriptable: names=keep
                static PolicyContext? Kept;
                if (ctx.Query.Name.StartsWith("keep", StringComparison.Ordinal)) { Kept = ctx; return Answer.Static; }
                string seen;
                try { seen = Kept?.Query.Name ?? "nothing"; Kept!.Scope = 1; }
                catch (InvalidOperationException) { seen = "refused"; }
                return Answer.Records($"TXT \"{seen}\"");
                """),
            ("example.org/victim.csx", "return ctx.Query.Name.Length > 0 ? Answer.Address(\"192.0.2.7\") : Answer.Static;"));
        using var loader = new FolderLoader(folder.Path);
        var reload = loader.Reload();
        var pipeline = new QueryPipeline(new ServerSnapshot(reload.Zones, new DnsConfig(), reload.Policies.Policies), NullLogger.Instance);
        var first = pipeline.CreateContext();
        var second = pipeline.CreateContext();

        // Receive thread 1 answers the spy's "keep" query, then a query for another name; thread 2 asks the spy.
        OnThread(() =>
        {
            Process(pipeline, first, "keep.example.org", RecordType.A);
            Process(pipeline, first, "victim.example.org", RecordType.A);
        });
        var seen = OnThread(() => Process(pipeline, second, "spy.example.org", RecordType.TXT));

        var lines = Responses.Lines(Responses.Parse(seen!).AnswerRecords);
        Assert.Equal(["spy.example.org. 60 IN TXT \"refused\""], lines);
    }

    [Fact]
    public void PoolMembers_CannotBeChangedThroughTheList()
    {
        var pool = Pool.Of(("a", "ca"), ("b", "cb")).WhenAllDown("none");

        Assert.False(pool.Members is PoolMember<string>[], "the members list is the pool's own array");
        Assert.Throws<NotSupportedException>(() => ((IList<PoolMember<string>>)pool.Members)[0] = new PoolMember<string>("x", null, 1));
        Assert.Equal("a", pool.Members[0].Item);
    }

    // ctx.Note($"...") builds its text with a handler a policy can name and copy; completing the copy too must
    // not give a buffer back to the process-wide pool twice (two later renters would share it).
    [Fact]
    public void NoteHandler_CopiedAndCompletedTwice_ReturnsNoSharedBufferTwice()
    {
        var query = RawQuery.Build("www.example.org", RecordType.A);
        var context = new QueryContext();
        context.Reset(query, 0, query.Length, DnsTransport.Udp);
        context.SetClient([192, 0, 2, 99], 5353);
        Assert.Equal(StageResult.Continue, new Engine.Pipeline.Stages.ParseStage().Invoke(context));
        context.Explain = true;
        context.PolicyContext.Reset(context, TestZones.Example(), null, HealthMap.Empty, TimeProvider.System);
        var ctx = context.PolicyContext;

        var handler = new NoteHandler(5, 1, ctx, out var enabled);
        handler.AppendLiteral("note ");
        handler.AppendFormatted(42);
        var copy = handler;
        ctx.Note(ref handler);
        ctx.Note(ref copy);
        var a = ArrayPool<char>.Shared.Rent(256);
        var b = ArrayPool<char>.Shared.Rent(256);
        ArrayPool<char>.Shared.Return(a);
        if (!ReferenceEquals(a, b))
        {
            ArrayPool<char>.Shared.Return(b);
        }

        Assert.True(enabled);
        Assert.NotSame(a, b);
        Assert.Equal(["note 42", "note 42"], context.PolicyTrace);
    }

    private static byte[]? Process(QueryPipeline pipeline, QueryContext context, string name, ushort type)
    {
        var query = RawQuery.Build(name, type);
        context.Reset(query, 0, query.Length, DnsTransport.Udp);
        context.SetClient([192, 0, 2, 99], 40000);
        var length = pipeline.Process(context);
        return length == 0 ? null : context.Response.AsSpan(0, length).ToArray();
    }

    private static T OnThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException("the thread failed", error);
    }

    private static void OnThread(Action work) => OnThread<object?>(() =>
    {
        work();
        return null;
    });
}
