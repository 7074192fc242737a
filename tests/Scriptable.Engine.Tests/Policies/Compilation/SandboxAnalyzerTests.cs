using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Tests.Policies.Compilation;

public class SandboxAnalyzerTests
{
    // Escapes in Run's body, and a part of the error that names the forbidden symbol. When the snippet compiles,
    // the sandbox must be what rejects it; when it does not (the assembly is not referenced), the compiler's error
    // must name the symbol.
    [Theory]
    // File system.
    [InlineData("var s = System.IO.File.ReadAllText(\"/etc/passwd\");", "'System.IO.File' is not allowed in a policy (file system, streams and pipes)")]
    [InlineData("var f = new System.IO.FileStream(\"/etc/passwd\", System.IO.FileMode.Open);", "'System.IO.FileStream' is not allowed")]
    [InlineData("var files = System.IO.Directory.GetFiles(\"/\");", "'System.IO.Directory' is not allowed")]
    [InlineData("foreach (var f in new System.IO.DirectoryInfo(\"/\").EnumerateFiles()) { }", "'System.IO.DirectoryInfo' is not allowed")]
    [InlineData("Func<string, string> read = System.IO.File.ReadAllText;", "'System.IO.File' is not allowed")]
    [InlineData("var p = new System.IO.Pipes.NamedPipeClientStream(\"x\");", "'Pipes'")]
    [InlineData("var x = default(System.IO.Stream);", "'System.IO.Stream' is not allowed")]
    [InlineData("object o = ctx; if (o is System.IO.Stream s) { }", "'System.IO.Stream' is not allowed")]
    [InlineData("object o = ctx; var n = o switch { System.IO.Stream => 1, _ => 0 };", "'System.IO.Stream' is not allowed")]
    [InlineData("var a = (System.IO.Stream[])null;", "'System.IO.Stream' is not allowed")]
    [InlineData("var list = new List<System.IO.FileInfo>();", "'System.IO.FileInfo' is not allowed")]
    [InlineData("System.IO.FileInfo[] files = null;", "'System.IO.FileInfo' is not allowed")]
    [InlineData("(int, System.IO.Stream) t = default;", "'System.IO.Stream' is not allowed")]
    [InlineData("var lazy = new Lazy<System.IO.Stream>(() => null);", "'System.IO.Stream' is not allowed")]
    // Reflection.
    [InlineData("var t = Type.GetType(\"System.IO.File\");", "'System.Type' is not allowed in a policy (reflection)")]
    [InlineData("var a = typeof(string).Assembly;", "'System.Reflection.Assembly' is not allowed in a policy (reflection)")]
    [InlineData("var m = \"\".GetType().GetMethod(\"Clone\");", "'System.Object.GetType' is not allowed in a policy (reflection)")]
    [InlineData("var e = new Exception(); var t = e.GetType();", "'System.Exception.GetType' is not allowed")]
    [InlineData("var o = Activator.CreateInstance(typeof(StringBuilder));", "'System.Activator' is not allowed")]
    [InlineData("var asm = System.Reflection.Assembly.Load(\"System.Private.CoreLib\");", "'System.Reflection.Assembly' is not allowed")]
    [InlineData("System.Reflection.MethodInfo m = null;", "'System.Reflection.MethodInfo' is not allowed")]
    [InlineData("Action a = () => { }; var m = a.Method;", "'System.Delegate.Method' is not allowed in a policy (reflection)")]
    [InlineData("var m = new Action(() => { }).Method;", "'System.Delegate.Method' is not allowed")]
    [InlineData("Action a = () => { }; a.DynamicInvoke();", "'System.Delegate.DynamicInvoke' is not allowed")]
    [InlineData("try { } catch (Exception ex) { var site = ex.TargetSite; }", "'System.Exception.TargetSite' is not allowed")]
    [InlineData("var h = typeof(string).TypeHandle;", "'System.Type' is not allowed")]
    [InlineData("object t = new ObsoleteAttribute().TypeId;", "'System.Attribute.TypeId' is not allowed")]
    [InlineData("var f = global::System.IO.File.Exists(\"/etc/passwd\");", "'System.IO.File' is not allowed")]
    [InlineData("var p = System.IO.Path.GetTempPath();", "'System.IO.Path' is not allowed")]
    [InlineData("System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(default);", "'System.Runtime.CompilerServices.RuntimeHelpers' is not allowed")]
    [InlineData("var d = System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(null, default);", "'System.Reflection.Emit.AssemblyBuilder' is not allowed")]
    [InlineData("var e = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(new Exception());", "'System.Runtime.ExceptionServices.ExceptionDispatchInfo' is not allowed")]
    [InlineData("System.Diagnostics.Debug.Fail(\"x\");", "'System.Diagnostics.Debug' is not allowed")]
    [InlineData("var ctxs = System.Threading.SynchronizationContext.Current;", "'System.Threading.SynchronizationContext' is not allowed")]
    [InlineData("var t = System.Threading.Tasks.Task.Factory.StartNew(() => 1);", "'System.Threading.Tasks.Task' is not allowed")]
    [InlineData("var v = System.Threading.Tasks.ValueTask.CompletedTask;", "'System.Threading.Tasks.ValueTask' is not allowed")]
    [InlineData("var s = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(new List<int>());", "'System.Runtime.InteropServices.CollectionsMarshal' is not allowed")]
    [InlineData("int i = 1; var r = __makeref(i);", "'__makeref' is not allowed in a policy")]
    [InlineData("var rm = new System.Resources.ResourceManager(\"x\", null);", "'System.Resources.ResourceManager' is not allowed")]
    [InlineData("var c = System.Runtime.Loader.AssemblyLoadContext.Default;", "'System.Runtime.Loader.AssemblyLoadContext' is not allowed in a policy (assembly loading)")]
    [InlineData("var e = System.Linq.Expressions.Expression.Constant(1);", "'Expressions'")]
    [InlineData("var q = new[] { 1 }.AsQueryable();", "'AsQueryable'")]
    // Processes, environment, process-wide state.
    [InlineData("System.Diagnostics.Process.Start(\"sh\");", "'Process'")]
    [InlineData("var d = AppDomain.CurrentDomain;", "'System.AppDomain' is not allowed")]
    [InlineData("var home = Environment.GetEnvironmentVariable(\"HOME\");", "'System.Environment' is not allowed in a policy (process environment")]
    [InlineData("Environment.Exit(1);", "'System.Environment' is not allowed")]
    [InlineData("Environment.FailFast(\"x\");", "'System.Environment' is not allowed")]
    [InlineData("var args = Environment.GetCommandLineArgs();", "'System.Environment' is not allowed")]
    [InlineData("var f = Environment.SpecialFolder.Desktop;", "'System.Environment' is not allowed")]
    [InlineData("AppContext.SetSwitch(\"x\", true);", "'System.AppContext' is not allowed")]
    [InlineData("GC.Collect();", "'System.GC' is not allowed in a policy (garbage collector control)")]
    [InlineData("Console.WriteLine(\"x\");", "'Console'")]
    [InlineData("System.Diagnostics.Debugger.Break();", "'System.Diagnostics.Debugger' is not allowed")]
    [InlineData("System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;", "'System.Runtime.GCSettings' is not allowed")]
    [InlineData("var s = string.Intern(\"x\");", "'System.String.Intern' is not allowed")]
    [InlineData("System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;", "'System.Globalization.CultureInfo.CurrentCulture' is not allowed")]
    [InlineData("var k = Microsoft.Win32.Registry.CurrentUser;", "'Registry'")]
    [InlineData("var h = new Microsoft.Win32.SafeHandles.SafeFileHandle(IntPtr.Zero, true);", "'Microsoft.Win32.SafeHandles.SafeFileHandle' is not allowed in a policy (operating system access")]
    // Time: from ctx.Now only.
    [InlineData("var n = DateTime.Now;", "'System.DateTime.Now' is not allowed in a policy (time must come from ctx.Now so fixtures can fix the time)")]
    [InlineData("var n = DateTime.UtcNow;", "'System.DateTime.UtcNow' is not allowed")]
    [InlineData("var n = DateTimeOffset.UtcNow;", "'System.DateTimeOffset.UtcNow' is not allowed")]
    [InlineData("var t = Environment.TickCount64;", "'System.Environment' is not allowed")]
    [InlineData("var sw = System.Diagnostics.Stopwatch.StartNew();", "'System.Diagnostics.Stopwatch' is not allowed in a policy (time must come from ctx.Now")]
    [InlineData("var t = TimeProvider.System.GetUtcNow();", "'System.TimeProvider' is not allowed")]
    [InlineData("var tz = TimeZoneInfo.Local;", "'System.TimeZoneInfo' is not allowed")]
    // Threads, tasks, blocking.
    [InlineData("var t = new System.Threading.Thread(() => { });", "'System.Threading.Thread' is not allowed in a policy (threads)")]
    [InlineData("System.Threading.Thread.Sleep(1000);", "'System.Threading.Thread' is not allowed")]
    [InlineData("System.Threading.Tasks.Task.Run(() => { });", "'System.Threading.Tasks.Task' is not allowed in a policy (tasks")]
    [InlineData("System.Threading.ThreadPool.QueueUserWorkItem(_ => { });", "'System.Threading.ThreadPool' is not allowed")]
    [InlineData("var t = new System.Threading.Timer(_ => { }, null, 0, 1000);", "'System.Threading.Timer' is not allowed")]
    [InlineData("var cts = new System.Threading.CancellationTokenSource();", "'System.Threading.CancellationTokenSource' is not allowed")]
    [InlineData("System.Threading.Monitor.Enter(ctx);", "'System.Threading.Monitor' is not allowed")]
    [InlineData("var ok = System.Threading.SpinWait.SpinUntil(() => false, 1000);", "'System.Threading.SpinWait' is not allowed")]
    [InlineData("var tl = new System.Threading.ThreadLocal<int>();", "'System.Threading.ThreadLocal<T>' is not allowed")]
    [InlineData("System.Threading.Interlocked.MemoryBarrierProcessWide();", "'System.Threading.Interlocked.MemoryBarrierProcessWide' is not allowed")]
    [InlineData("var p = new Progress<int>();", "'System.Progress<T>' is not allowed")]
    [InlineData("var b = new System.Collections.Concurrent.BlockingCollection<int>();", "'System.Collections.Concurrent.BlockingCollection<T>' is not allowed in a policy (blocks the calling thread)")]
    [InlineData("object o = new(); lock (o) { }", "'lock' statements are not allowed in a policy (policies must not block)")]
    [InlineData("Func<System.Threading.Tasks.Task> f = async () => await System.Threading.Tasks.Task.Delay(1);", "'async' is not allowed in a policy")]
    [InlineData("var q = new[] { 1 }.AsParallel();", "'AsParallel'")]
    // Native interop, unsafe code, runtime internals.
    [InlineData("var p = System.Runtime.InteropServices.Marshal.AllocHGlobal(1);", "'System.Runtime.InteropServices.Marshal' is not allowed in a policy (native interop and raw memory)")]
    [InlineData("var l = System.Runtime.InteropServices.NativeLibrary.Load(\"libc\");", "'System.Runtime.InteropServices.NativeLibrary' is not allowed")]
    [InlineData("var b = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new int[1].AsSpan());", "'System.Runtime.InteropServices.MemoryMarshal' is not allowed")]
    [InlineData("var g = System.Runtime.InteropServices.GCHandle.Alloc(ctx);", "'System.Runtime.InteropServices.GCHandle' is not allowed")]
    [InlineData("var x = System.Runtime.CompilerServices.Unsafe.As<string>(ctx);", "'System.Runtime.CompilerServices.Unsafe' is not allowed")]
    [InlineData("var o = System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(null);", "'System.Runtime.CompilerServices.RuntimeHelpers' is not allowed")]
    [InlineData("unsafe { int* p = null; }", "'unsafe' is not allowed in a policy (unsafe code)")]
    [InlineData("Span<byte> s = stackalloc byte[16];", "'stackalloc' is not allowed in a policy")]
    [InlineData("Span<byte> s = stackalloc byte[1 << 24];", "'stackalloc' is not allowed in a policy")]
    [InlineData("var h = new System.Runtime.CompilerServices.DefaultInterpolatedStringHandler(0, 0); var copy = h; var a = h.ToStringAndClear(); var b = copy.ToStringAndClear();", "'System.Runtime.CompilerServices.DefaultInterpolatedStringHandler' is not allowed in a policy (a compiler helper that rents shared buffers")]
    [InlineData("var s = string.Create(null, stackalloc char[8], $\"{1}\");", "'stackalloc' is not allowed")]
    [InlineData("var s = new System.Buffers.ArrayPool<byte>[0];", "'System.Buffers.ArrayPool<T>' is not allowed")]
    [InlineData("dynamic d = 1;", "'dynamic' is not allowed in a policy")]
    [InlineData("dynamic d = \"x\"; var n = d.Length;", "'dynamic' is not allowed in a policy")]
    // Network.
    [InlineData("var s = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);", "'Socket'")]
    [InlineData("var t = System.Net.Sockets.SocketType.Stream;", "'SocketType'")]
    [InlineData("var c = new System.Net.Http.HttpClient();", "'HttpClient'")]
    [InlineData("var a = System.Net.Dns.GetHostAddresses(\"example.org\");", "'Dns'")]
    [InlineData("var w = new System.Net.WebClient();", "'WebClient'")]
    [InlineData("var c = new System.Net.NetworkCredential(\"u\", \"p\");", "'System.Net.NetworkCredential' is not allowed in a policy (network access")]
    // Cryptography beyond hashing, and hashing by name.
    [InlineData("var c = new System.Security.Cryptography.X509Certificates.X509Certificate2(\"/etc/ssl/cert.pem\");", "'System.Security.Cryptography.X509Certificates.X509Certificate2' is not allowed in a policy (cryptography beyond hashing")]
    [InlineData("var h = System.Security.Cryptography.SHA256.Create(\"SHA256\");", "'System.Security.Cryptography.SHA256.Create' is not allowed in a policy (creates objects by name (reflection))")]
    [InlineData("var h = System.Security.Cryptography.HashAlgorithm.Create(\"SHA256\");", "'System.Security.Cryptography.HashAlgorithm.Create' is not allowed")]
    // The engine.
    [InlineData("Scriptable.Policies.Runtime.Budget.Tick();", "'Scriptable.Policies.Runtime.Budget' is not allowed in a policy (engine helpers the compiler inserts")]
    [InlineData("Scriptable.Engine.Zones.Zone z = null;", "'Scriptable.Engine.Zones.Zone' is not allowed in a policy (engine internals")]
    [InlineData("var q = Scriptable.Policies.Editor.EditorGlobals.ctx.Query;", "'Scriptable.Policies.Editor.EditorGlobals' is not allowed in a policy (for editors only")]
    public void Analyze_EscapeInStatements_IsRejected(string statements, string expected) =>
        AssertRejected(SandboxHarness.Check(statements), expected);

    // Issue 14, finding 1: members of allowed namespaces that skip bounds checks read and write any memory
    // (LoadUnsafe(ref x) reads a whole vector past a one-element array, with or without an offset). The SIMD
    // types that carry them are denied as types; what System.Numerics keeps is listed type by type.
    [Theory]
    [InlineData("var arr = new long[1];\nSystem.Numerics.Vector.StoreUnsafe(System.Numerics.Vector<long>.One, ref arr[0], (nuint)100_000_000);", "'System.Numerics.Vector' is not allowed in a policy (SIMD and graphics types mix bounds-checked members with raw-memory ones")]
    [InlineData("var arr = new long[1];\nvar v = System.Numerics.Vector.LoadUnsafe(ref arr[0], (nuint)100_000_000);", "'System.Numerics.Vector' is not allowed in a policy (SIMD")]
    [InlineData("var arr = new long[1];\nvar v = System.Numerics.Vector.LoadUnsafe(ref arr[0]);", "'System.Numerics.Vector' is not allowed")]
    [InlineData("var arr = new long[1];\nSystem.Numerics.Vector<long>.One.StoreUnsafe(ref arr[0], 1000);", "'System.Numerics.Vector<T>' is not allowed")]
    [InlineData("var arr = new long[1];\nFunc<System.Numerics.Vector<long>> f = () => System.Numerics.Vector.LoadUnsafe(ref arr[0], 1000);", "'System.Numerics.Vector<T>' is not allowed")]
    [InlineData("var arr = new float[1];\nvar v = System.Numerics.Vector4.LoadUnsafe(ref arr[0], 1000);", "'System.Numerics.Vector4' is not allowed")]
    [InlineData("var arr = new float[1];\nSystem.Numerics.Vector2.One.StoreUnsafe(ref arr[0], 1000);", "'System.Numerics.Vector2' is not allowed")]
    [InlineData("var v = System.Numerics.Vector2.CreateScalarUnsafe(1f);", "'System.Numerics.Vector2' is not allowed")]
    [InlineData("var m = System.Numerics.Matrix4x4.Identity;", "'System.Numerics.Matrix4x4' is not allowed")]
    [InlineData("var arr = new long[1];\nvar v = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref arr[0], 1000);", "'System.Runtime.Intrinsics.Vector128' is not allowed")]
    [InlineData("var arr = new long[1];\nvar v = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref arr[0], 1000);", "'System.Runtime.Intrinsics.Vector512' is not allowed")]
    // Pointer-typed members of allowed types cannot be called without 'unsafe' (the compiler says so).
    [InlineData("var s = Encoding.UTF8.GetString(null, 0);", "CS0214")]
    [InlineData("var s = new Span<byte>(null, 16);", "CS0214")]
    // Process-wide state and caches of allowed types.
    [InlineData("System.Globalization.NumberFormatInfo.CurrentInfo.NegativeSign = \"+\";", "'System.Globalization.NumberFormatInfo.CurrentInfo' is not allowed in a policy (the server's culture")]
    [InlineData("var f = System.Globalization.DateTimeFormatInfo.CurrentInfo;", "'System.Globalization.DateTimeFormatInfo.CurrentInfo' is not allowed")]
    [InlineData("var c = System.Globalization.CultureInfo.GetCultureInfo(\"en-US\");", "'System.Globalization.CultureInfo.GetCultureInfo' is not allowed in a policy (fills a process-wide cache")]
    [InlineData("System.Text.RegularExpressions.RegexRunner r = null;", "'System.Text.RegularExpressions.RegexRunner' is not allowed")]
    [InlineData("System.Globalization.CultureInfo.InvariantCulture.ClearCachedData();", "'System.Globalization.CultureInfo.ClearCachedData' is not allowed in a policy (clears process-wide")]
    [InlineData("var r = System.Globalization.RegionInfo.CurrentRegion;", "'System.Globalization.RegionInfo.CurrentRegion' is not allowed")]
    [InlineData("var z = TimeZone.CurrentTimeZone;", "'System.TimeZone' is not allowed")]
    [InlineData("var other = string.IsInterned(\"secret.example.net\") is not null;", "'System.String.IsInterned' is not allowed in a policy (probes the process-wide intern pool")]
    [InlineData("var linux = OperatingSystem.IsLinux();", "'System.OperatingSystem' is not allowed")]
    [InlineData("var p = System.Collections.Concurrent.Partitioner.Create(new List<int> { 1 }).GetPartitions(10_000_000);", "'System.Collections.Concurrent.Partitioner' is not allowed in a policy (partitions work for parallel loops")]
    public void Analyze_RawMemoryThroughAllowedNamespace_IsRejected(string statements, string expected) =>
        AssertRejected(SandboxHarness.Check(statements), expected);

    [Fact]
    public void Analyze_RawMemoryThroughUsingStatic_IsRejected() =>
        AssertRejected(
            SandboxHarness.Check("var arr = new long[1];\nStoreUnsafe(System.Numerics.Vector<long>.One, ref arr[0], (nuint)100_000_000);", usings: "using static System.Numerics.Vector;"),
            "'System.Numerics.Vector' is not allowed");

    // Policy types must not derive from or implement framework types that framework code misuses them through.
    [Theory]
    [InlineData("sealed class Fast : System.Text.RegularExpressions.Regex { public Fast() : base(\"a+\") { } }", "error SCR0010: 'Fast' may not derive from or implement 'System.Text.RegularExpressions.Regex' in a policy (every regex a policy makes gets a match timeout")]
    [InlineData("readonly struct Peek : ISpanFormattable { public string ToString(string? f, IFormatProvider? p) => \"\"; public bool TryFormat(Span<char> d, out int n, ReadOnlySpan<char> f, IFormatProvider? p) { n = d.Length; return true; } }", "error SCR0010: 'Peek' may not derive from or implement 'System.ISpanFormattable' in a policy (framework code formats it into spans over shared pooled buffers")]
    [InlineData("sealed class Peek : IUtf8SpanFormattable { public bool TryFormat(Span<byte> d, out int n, ReadOnlySpan<char> f, IFormatProvider? p) { n = d.Length; return true; } }", "'System.IUtf8SpanFormattable'")]
    [InlineData("interface IPeek : ISpanFormattable { }", "'IPeek' may not derive from or implement 'System.ISpanFormattable'")]
    [InlineData("abstract class Num : System.Numerics.INumberBase<Num> { public abstract bool TryFormat(Span<char> d, out int n, ReadOnlySpan<char> f, IFormatProvider? p); }", "'Num' may not derive from or implement 'System.ISpanFormattable'")]
    [InlineData("sealed class Peek : IFormattable, ISpanFormattable { public string ToString(string? f, IFormatProvider? p) => \"\"; bool ISpanFormattable.TryFormat(Span<char> d, out int n, ReadOnlySpan<char> f, IFormatProvider? p) { n = d.Length; return true; } }", "'Peek' may not derive from or implement 'System.ISpanFormattable'")]
    [InlineData("[System.Text.RegularExpressions.GeneratedRegex(\"a+\")] static partial System.Text.RegularExpressions.Regex Letters();", "partial")]
    public void Analyze_PolicyTypeOnFrameworkBase_IsRejected(string members, string expected) =>
        AssertRejected(SandboxHarness.Check("", members), expected);

    [Fact]
    public void DenialReason_FrameworkMemberNamedUnsafe_IsDeniedByName()
    {
        // A stand-in for members a later .NET adds to an allowed type: denied by their name alone.
        var framework = CSharpCompilation.Create(
            "System.Future",
            [CSharpSyntaxTree.ParseText("namespace System { public static class FutureSpans { public static int LoadUnsafe(ref int x, nuint offset) => x; public static int DangerousGetAt(int[] a, int i) => a[i]; public static int[] AllocateUninitialized(int n) => new int[n]; public static int Load(ref int x) => x; } }", PolicyReferences.ParseOptions)],
            PolicyReferences.All,
            PolicyReferences.CompilationOptions);
        var compilation = CSharpCompilation.Create("Policy_x", [CSharpSyntaxTree.ParseText("", PolicyReferences.ParseOptions)], [.. PolicyReferences.All, framework.ToMetadataReference()], PolicyReferences.CompilationOptions);
        var type = compilation.GetTypeByMetadataName("System.FutureSpans")!;

        Assert.Null(SandboxAnalyzer.DenialReason(compilation, type));
        Assert.Equal(SandboxRules.RawMemory, SandboxAnalyzer.DenialReason(compilation, type.GetMembers("LoadUnsafe").Single()));
        Assert.Equal(SandboxRules.RawMemory, SandboxAnalyzer.DenialReason(compilation, type.GetMembers("DangerousGetAt").Single()));
        Assert.Equal(SandboxRules.RawMemory, SandboxAnalyzer.DenialReason(compilation, type.GetMembers("AllocateUninitialized").Single()));
        Assert.Null(SandboxAnalyzer.DenialReason(compilation, type.GetMembers("Load").Single()));
    }

    // Escapes in static members and nested types.
    [Theory]
    [InlineData("[System.Runtime.InteropServices.DllImport(\"libc\")] static extern int getpid();", "'extern' is not allowed in a policy (native code)")]
    [InlineData("[System.Runtime.InteropServices.DllImport(\"libc\")] static extern int getpid();", "'System.Runtime.InteropServices.DllImportAttribute' is not allowed")]
    [InlineData("static System.IO.Stream Output;", "'System.IO.Stream' is not allowed")]
    [InlineData("static readonly List<System.Reflection.MethodInfo> Methods = new();", "'System.Reflection.MethodInfo' is not allowed")]
    [InlineData("static int Size(System.IO.FileInfo file) => 1;", "'System.IO.FileInfo' is not allowed")]
    [InlineData("static System.Type Kind => typeof(int);", "'System.Type' is not allowed")]
    [InlineData("static T Make<T>() where T : System.IO.Stream => default;", "'System.IO.Stream' is not allowed")]
    [InlineData("class Holder { ~Holder() { } }", "Finalizers are not allowed in a policy (they run on the finalizer thread")]
    [InlineData("class Outer { class Inner { ~Inner() { } } }", "Finalizers are not allowed in a policy")]
    [InlineData("[System.Runtime.CompilerServices.ModuleInitializer] internal static void Init() { }", "'System.Runtime.CompilerServices.ModuleInitializerAttribute' is not allowed")]
    [InlineData("[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.Synchronized)] static void Locked() { }", "'System.Runtime.CompilerServices.MethodImplAttribute' is not allowed")]
    [InlineData("[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)] struct Overlay { [System.Runtime.InteropServices.FieldOffset(0)] public int A; }", "'System.Runtime.InteropServices.StructLayoutAttribute' is not allowed")]
    [InlineData("static unsafe void Poke(int* p) { *p = 1; }", "'unsafe' is not allowed in a policy (unsafe code)")]
    [InlineData("unsafe struct Buffer16 { public fixed byte Data[16]; }", "'fixed' is not allowed in a policy (unsafe code)")]
    [InlineData("static delegate*<void> Pointer;", "'delegate*<void>' is not allowed in a policy (unsafe code)")]
    [InlineData("static void Variadic(__arglist) { }", "'__arglist' is not allowed in a policy")]
    [InlineData("static async System.Threading.Tasks.Task<int> Later() { await System.Threading.Tasks.Task.Yield(); return 1; }", "'async' is not allowed in a policy")]
    [InlineData("static async System.Threading.Tasks.Task<int> Later() { await System.Threading.Tasks.Task.Yield(); return 1; }", "'await' is not allowed in a policy")]
    [InlineData("abstract class Leaky : System.IO.Stream { }", "'System.IO.Stream' is not allowed")]
    [InlineData("class Remote : MarshalByRefObject { }", "'System.MarshalByRefObject' is not allowed")]
    [InlineData("record Leak(System.IO.Stream Stream);", "'System.IO.Stream' is not allowed")]
    [InlineData("class Worker { public Worker() { new System.Threading.Thread(() => { }).Start(); } }", "'System.Threading.Thread' is not allowed")]
    [InlineData("static System.Threading.CancellationToken Token;", "'System.Threading.CancellationToken' is not allowed")]
    [InlineData("static readonly string Secret = System.IO.File.ReadAllText(\"/etc/shadow\");", "'System.IO.File' is not allowed")]
    [InlineData("static string Home => Environment.GetEnvironmentVariable(\"HOME\");", "'System.Environment' is not allowed")]
    [InlineData("static int Collect { get { GC.Collect(); return 1; } }", "'System.GC' is not allowed")]
    [InlineData("static Policy_www_1() { Environment.Exit(1); }", "'System.Environment' is not allowed")]
    [InlineData("class Base { public Base(string s) { } } class Derived : Base { public Derived() : base(System.IO.File.ReadAllText(\"x\")) { } }", "'System.IO.File' is not allowed")]
    [InlineData("record Base(string S); record Derived() : Base(System.IO.File.ReadAllText(\"x\"));", "'System.IO.File' is not allowed")]
    [InlineData("[System.Diagnostics.CodeAnalysis.DynamicDependency(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.All, typeof(System.IO.File))] static void Keep() { }", "'System.IO.File' is not allowed")]
    [InlineData("static int Local() { [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] static int Inner() => 1; return Inner(); }", "'System.Runtime.CompilerServices.MethodImplAttribute' is not allowed")]
    [InlineData("static int Local() { static System.IO.Stream Open() => null; return 1; }", "'System.IO.Stream' is not allowed")]
    [InlineData("static int Lambda() { Func<System.IO.Stream, int> f = s => 1; return 1; }", "'System.IO.Stream' is not allowed")]
    [InlineData("static int Lambda() { var f = (System.IO.Stream s) => 1; return 1; }", "'System.IO.Stream' is not allowed")]
    [InlineData("interface IOpen { System.IO.Stream Open(); }", "'System.IO.Stream' is not allowed")]
    [InlineData("static event Action<System.Reflection.Assembly> Loaded;", "'System.Reflection.Assembly' is not allowed")]
    [InlineData("class Table { public int this[System.Type t] => 0; }", "'System.Type' is not allowed")]
    [InlineData("enum Flags { A = 1, B = A | 2 } static int Use(Flags f = Flags.B) => (int)f + Environment.ProcessorCount;", "'System.Environment' is not allowed")]
    public void Analyze_EscapeInMembers_IsRejected(string members, string expected) =>
        AssertRejected(SandboxHarness.Check("", members), expected);

    // Escapes through using directives at the top of the .csx: aliases, using static, imports.
    [Theory]
    [InlineData("using F = System.IO.File;", "F.Delete(\"x\");", "'System.IO.File' is not allowed")]
    [InlineData("using static System.IO.File;", "Delete(\"x\");", "'System.IO.File' is not allowed")]
    [InlineData("using System.IO;", "File.Delete(\"x\");", "'System.IO' is not allowed in a policy (file system, streams and pipes)")]
    [InlineData("using System.Reflection;", "var a = typeof(int).Assembly;", "'System.Reflection' is not allowed in a policy (reflection)")]
    [InlineData("using R = System.Reflection;", "R.Assembly a = null;", "'System.Reflection.Assembly' is not allowed")]
    [InlineData("using T = System.Threading.Tasks.Task;", "T.Run(() => { });", "'System.Threading.Tasks.Task' is not allowed")]
    [InlineData("using Scriptable.Policies.Runtime;", "Budget.Tick();", "'Scriptable.Policies.Runtime' is not allowed")]
    [InlineData("using static System.Environment;", "Exit(1);", "'System.Environment' is not allowed")]
    // An extension method on an allowed type, declared in a forbidden class.
    [InlineData("using System.Threading.Tasks;", "IAsyncEnumerable<int> e = null; var b = e.ToBlockingEnumerable();", "'System.Threading.Tasks.TaskAsyncEnumerableExtensions' is not allowed")]
    public void Analyze_EscapeThroughUsing_IsRejected(string usings, string statements, string expected) =>
        AssertRejected(SandboxHarness.Check(statements, usings: usings), expected);

    // Legitimate policy code: no compiler error and no sandbox diagnostic at all.
    [Theory]
    [InlineData("", "var xs = new[] { 3, 1, 2 }; var top = xs.Where(x => x > 1).OrderBy(x => x).Select(x => x * 2).ToList(); var sum = top.Sum() + xs.Max() + xs.Count(x => x % 2 == 0);")]
    [InlineData("", "var d = new Dictionary<string, int> { [\"a\"] = 1, [\"b\"] = 2 }; var q = from kv in d where kv.Value > 1 orderby kv.Key descending select kv.Key; var g = from w in new List<string> { \"a\", \"bb\" } group w by w.Length into grp select new { grp.Key, Count = grp.Count() }; var j = from a in d join b in d on a.Key equals b.Key let s = a.Value + b.Value select s; var first = q.FirstOrDefault() ?? g.First().Key.ToString();")]
    [InlineData("record Pool(string Name, int Weight);", "var p = new Pool(\"eu\", 2); var q = p with { Weight = 3 }; var same = p == q; var text = p.ToString(); var h = p.GetHashCode();")]
    [InlineData("", "var t = (Name: \"eu\", Weight: 2); var (n, w) = t; (int a, int b) = (1, 2); var swapped = (b, a); var tuple = Tuple.Create(1, \"x\"); var big = (1, 2, 3, 4, 5, 6, 7, 8, 9);")]
    [InlineData("", "object o = 42; var kind = o switch { int i when i > 40 => \"big\", int => \"int\", string { Length: > 3 } s => s, null => \"null\", _ => \"other\" }; var r = o is int v and > 1 ? v : 0; var pos = (1, 2) is (1, var y) ? y : 0;")]
    [InlineData("", "var x = 3; var s = $\"x={x,5:D3} {x:X} {ctx}\"; var inv = string.Create(System.Globalization.CultureInfo.InvariantCulture, $\"{x}\"); var f = FormattableString.Invariant($\"{x}\"); var raw = $$\"\"\"{ \"x\": {{x}} }\"\"\";")]
    [InlineData("", "var sb = new StringBuilder(); sb.Append(\"a\").Append(1).AppendLine(); sb.Append($\"{sb.Length}\"); sb.AppendJoin(',', new[] { 1, 2 }); var s = sb.ToString(); var bytes = Encoding.UTF8.GetBytes(s); var back = Encoding.UTF8.GetString(bytes);")]
    [InlineData("static readonly System.Text.RegularExpressions.Regex Pattern = new(@\"\\d+\", System.Text.RegularExpressions.RegexOptions.Compiled | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(10));", "var m = System.Text.RegularExpressions.Regex.Match(\"www-eu-1\", @\"^www-(\\w+)-(\\d+)$\"); var region = m.Success ? m.Groups[1].Value : \"\"; var all = Pattern.Matches(\"1 2 3\").Select(x => x.Value).ToArray(); var ok = Pattern.IsMatch(\"42\");")]
    [InlineData("", "var ip = IPAddress.Parse(\"192.0.2.10\"); var net = IPNetwork.Parse(\"192.0.2.0/24\"); var inside = net.Contains(ip); var v6 = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6; var ep = new IPEndPoint(ip, 53); var bytes = ip.GetAddressBytes(); var ok = IPAddress.TryParse(\"2001:db8::1\", out var other) && other.IsIPv6LinkLocal == false && IPAddress.IsLoopback(IPAddress.Loopback);")]
    [InlineData("", "var a = Math.Max(1, 2) + Math.Abs(-3) + (int)Math.Round(Math.Sqrt(2.0)) + MathF.Sin(0f); var c = Math.Clamp(5, 0, 3); var l = Math.Log2(8) + double.Pi; var big = System.Numerics.BigInteger.Pow(2, 100); var pop = System.Numerics.BitOperations.PopCount(255u); var chk = checked(1 + 2);")]
    [InlineData("", "var h = HashCode.Combine(\"a\", 1, 2.0); var hc = new HashCode(); hc.Add(\"x\"); var v = hc.ToHashCode();")]
    [InlineData("static int s_count; static long s_total;", "var n = System.Threading.Interlocked.Increment(ref s_count); System.Threading.Interlocked.Add(ref s_total, 5); var read = System.Threading.Volatile.Read(ref s_count); System.Threading.Interlocked.CompareExchange(ref s_count, 0, 100);")]
    [InlineData("", "int[] a = [1, 2, 3]; List<string> l = [\"x\", \"y\"]; ReadOnlySpan<int> span = [1, 2]; int[] all = [.. a, .. span, 4]; System.Collections.Immutable.ImmutableArray<int> im = [1, 2]; HashSet<int> set = [1]; IEnumerable<int> e = [];")]
    [InlineData("", "int Square(int x) => x * x; static int Twice(int x) { return 2 * x; } Func<int, int> f = x => Square(x) + Twice(x); var r = f(3); Action<string> log = _ => { }; log(\"x\"); Func<int, int, int> add = static (a, b) => a + b; var p = Predicate(1); static bool Predicate(int v) => v > 0;")]
    [InlineData("sealed class Backend { public Backend(string name, int weight) { Name = name; Weight = weight; } public string Name { get; } public int Weight { get; init; } public event Action? Changed; public override string ToString() => Name; public static Backend operator +(Backend a, Backend b) => a; }", "var b = new Backend(\"eu\", 1) { Weight = 2 }; var c = b + b; var s = c.ToString();")]
    [InlineData("static readonly System.Collections.Frozen.FrozenDictionary<string, int> Weights = System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(new Dictionary<string, int> { [\"eu\"] = 1 }, StringComparer.OrdinalIgnoreCase); static readonly System.Collections.Immutable.ImmutableArray<string> Pools = System.Collections.Immutable.ImmutableArray.Create(\"eu\", \"us\");", "var w = Weights.GetValueOrDefault(\"EU\"); var first = Pools[0]; var set = System.Collections.Frozen.FrozenSet.ToFrozenSet(new[] { 1 }); var builder = System.Collections.Immutable.ImmutableDictionary.CreateBuilder<string, int>(); builder.Add(\"x\", 1); var dict = builder.ToImmutable();")]
    [InlineData("", "var n = Random.Shared.Next(10); var r = new Random(42).NextDouble(); var g = Guid.NewGuid(); var parsed = Guid.Parse(\"6f9619ff-8b86-d011-b42d-00cf4fc964ff\"); var pick = Random.Shared.GetItems(new[] { \"a\", \"b\" }, 1);")]
    [InlineData("", "var ttl = TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(1); var later = ctx.Now + ttl; var hour = ctx.Now.ToOffset(TimeSpan.FromHours(1)).Hour; var d = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(1); var day = DateOnly.FromDateTime(d).DayOfWeek; var t = new TimeOnly(12, 0) < TimeOnly.FromTimeSpan(ttl); var span = later - ctx.Now;")]
    [InlineData("", "var n = int.Parse(\"42\", System.Globalization.CultureInfo.InvariantCulture); var ok = double.TryParse(\"1.5\", System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d); var s = n.ToString(System.Globalization.CultureInfo.InvariantCulture);")]
    [InlineData("", "int v; try { v = int.Parse(\"x\", System.Globalization.CultureInfo.InvariantCulture); } catch (FormatException ex) when (ex.Message.Length > 0) { v = -1; } catch (Exception) { throw; } finally { } v++;")]
    [InlineData("", "var i = 0; loop: i++; if (i < 3) goto loop; switch (i) { case 3: goto default; default: break; }")]
    [InlineData("static readonly Lazy<int[]> Table = new(() => Enumerable.Range(0, 10).ToArray()); static readonly Lazy<int> Other = new(() => 1, System.Threading.LazyThreadSafetyMode.PublicationOnly);", "var t = Table.Value[3] + Other.Value;")]
    [InlineData("static int Sum(params int[] xs) => xs.Sum(); static T Least<T>(IEnumerable<T> xs) where T : IComparable<T> => xs.Min()!; static int Count(params ReadOnlySpan<string> xs) => xs.Length;", "var s = Sum(1, 2, 3) + Least(new[] { 3, 1 }) + Count(\"a\", \"b\");")]
    [InlineData("[Obsolete(nameof(System.IO.File))] static void Old() { }", "var x = 1; var s = string.Create(System.Globalization.CultureInfo.InvariantCulture, $\"{x:D3}\"); Span<char> buffer = new char[16]; var ok = buffer.TryWrite(System.Globalization.CultureInfo.InvariantCulture, $\"{x}\", out var written); var sb = new StringBuilder().Append(System.Globalization.CultureInfo.InvariantCulture, $\"{x}\");")]
    [InlineData("", "var n = nameof(System.IO.File) + nameof(ctx) + nameof(System.Reflection.Assembly.Load);")]
    [InlineData("", "var s = \"www.example.org\"; var labels = s.Split('.'); var first = s.AsSpan(0, s.IndexOf('.')).ToString(); var up = s.ToUpperInvariant(); var ok = s.EndsWith(\".org\", StringComparison.OrdinalIgnoreCase); var joined = string.Join(\",\", labels); var cmp = StringComparer.OrdinalIgnoreCase.Equals(s, up); var c = char.IsDigit(s[0]);")]
    [InlineData("", "var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(\"client\")); var bucket = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash) % 4; using var md5 = System.Security.Cryptography.MD5.Create(); var h2 = md5.ComputeHash(new byte[] { 1 }); var hex = Convert.ToHexString(hash);")]
    [InlineData("static IEnumerable<int> Evens(int max) { for (var i = 0; i <= max; i += 2) yield return i; }", "foreach (var (k, v) in new Dictionary<string, int> { [\"a\"] = 1 }) { _ = k + v; } foreach (var e in Evens(4)) { } var sum = 0; foreach (ref readonly var x in new ReadOnlySpan<int>(new[] { 1, 2 })) sum += x; foreach (var ch in \"abc\".AsSpan()) { } while (sum > 100) { sum--; } do { sum++; } while (sum < 0);")]
    [InlineData("enum Region { Eu, Us } readonly record struct Weighted(Region Region, int Weight);", "var w = new Weighted(Region.Eu, 1); var name = w.Region.ToString(); var parsed = Enum.Parse<Region>(\"Us\"); var all = Enum.GetValues<Region>(); var defined = Enum.IsDefined(Region.Us);")]
    [InlineData("", "if (ctx is null) throw new ArgumentNullException(nameof(ctx)); var ex = new InvalidOperationException(\"x\"); var msg = ex.Message + ex.ToString(); var label = 1 switch { 1 => \"one\", _ => throw new System.Diagnostics.UnreachableException() };")]
    [InlineData("static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Cache = new(); static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create(\"0123456789\");", "var v = Cache.GetOrAdd(\"k\", k => k.Length); var idx = \"ab1\".AsSpan().IndexOfAny(Digits);")]
    [InlineData("sealed class Scope : IDisposable { public void Dispose() { } } interface IPick { int Pick(int n); } struct First : IPick { public int Pick(int n) => 0; }", "using (var s = new Scope()) { } using var t = new Scope(); IPick p = new First(); var i = p.Pick(3); var sorted = new SortedDictionary<int, string>(); var queue = new PriorityQueue<string, int>(); queue.Enqueue(\"a\", 1); var stack = new Stack<int>(); var list = new LinkedList<int>();")]
    [InlineData("sealed class Options { public required string Name { get; init; } }", "var o = new Options { Name = \"x\" }; var arr = new[] { 1, 2, 3 }; var sub = arr[1..^1]; var last = arr[^1]; var s = \"hello\"[1..3]; var span = arr.AsSpan()[1..]; Index i = ^1; Range r = 0..2; var list = new List<int>(arr)[r];")]
    [InlineData("", "var anon = new { Name = \"x\", Size = 1 }; var name = anon.Name; var arr = new int[2, 2]; arr[0, 1] = 3; var jag = new int[][] { new[] { 1 } }; int? maybe = null; var val = maybe ?? 0; string? s = null; var len = s?.Length ?? 0; var bang = s!;")]
    public void Analyze_LegitimatePolicy_ReportsNothing(string members, string statements)
    {
        var result = SandboxHarness.Check(statements, members);
        Assert.True(result.CompilerErrors.Count == 0, "compiler errors:\n" + result);
        Assert.True(result.SandboxErrors.Count == 0, "sandbox errors:\n" + result);
    }

    [Fact]
    public void Analyze_AllowedUsings_ReportsNothing()
    {
        const string Usings = "using System.Globalization;\nusing static System.Math;\nusing System.Threading;\nusing System.Text.RegularExpressions;\nusing System.Collections.Frozen;\nusing System.Collections.Immutable;\nusing System.Security.Cryptography;\nusing Weights = System.Collections.Generic.Dictionary<string, int>;";
        const string Statements = "var n = int.Parse(\"1\", CultureInfo.InvariantCulture) + Max(1, 2); Interlocked.Increment(ref n); var ok = Regex.IsMatch(\"a\", \"a\"); var w = new Weights { [\"a\"] = 1 }.ToFrozenDictionary(); var im = ImmutableList.Create(1); var h = SHA256.HashData(new byte[1]);";

        var result = SandboxHarness.Check(Statements, usings: Usings);

        Assert.True(result.CompilerErrors.Count == 0, "compiler errors:\n" + result);
        Assert.True(result.SandboxErrors.Count == 0, "sandbox errors:\n" + result);
    }

    [Fact]
    public void Analyze_ForbiddenCall_ReportsMappedPositionOfTypeName()
    {
        var result = SandboxHarness.Check("var w = 1;\nvar s = System.IO.File.ReadAllText(\"/etc/passwd\");", "static int Pick(int x) => x % 2;");

        Assert.Empty(result.CompilerErrors);
        var error = Assert.Single(result.SandboxErrors);
        Assert.Equal(
            "/p/example.com/www.csx(3,19): error SCR0001: 'System.IO.File' is not allowed in a policy (file system, streams and pipes)",
            error);
    }

    [Fact]
    public void Analyze_TwoStatements_ReportsEachUse()
    {
        var result = SandboxHarness.Check("System.IO.File.Delete(\"a\");\nSystem.IO.File.Delete(\"b\");");

        Assert.Collection(
            result.SandboxErrors,
            e => Assert.StartsWith("/p/example.com/www.csx(1,11): error SCR0001: 'System.IO.File'", e, StringComparison.Ordinal),
            e => Assert.StartsWith("/p/example.com/www.csx(2,11): error SCR0001: 'System.IO.File'", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_UsingAliasAndUse_ReportsBothLines()
    {
        var result = SandboxHarness.Check("F.Delete(\"x\");", usings: "using F = System.IO.File;");

        Assert.Empty(result.CompilerErrors);
        Assert.Collection(
            result.SandboxErrors,
            e => Assert.StartsWith("/p/example.com/www.csx(1,", e, StringComparison.Ordinal),
            e => Assert.StartsWith("/p/example.com/www.csx(2,1): error SCR0001: 'System.IO.File'", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_ForbiddenCodeInHiddenWrapper_IsNotChecked()
    {
        var source = SandboxHarness.Generate("var x = 1;").Replace(
            "internal static class Policy_www_1\n{",
            "internal static class Policy_www_1\n{\n    static System.IO.Stream Hidden = null; static System.Type T = typeof(int);",
            StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains("Hidden", source, StringComparison.Ordinal);
        var tree = SandboxHarness.Parse(source);

        var diagnostics = SandboxAnalyzer.Analyze(SandboxHarness.Compile(tree), tree);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Analyze_TreeWithoutLineDirectives_ChecksEverything()
    {
        var tree = SandboxHarness.Parse("static class C { static string Read() => System.IO.File.ReadAllText(\"x\"); }");

        var diagnostics = SandboxAnalyzer.Analyze(SandboxHarness.Compile(tree), tree);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SCR0001", diagnostic.Id);
        Assert.Equal(DiagnosticSeverityError, diagnostic.Severity.ToString());
    }

    [Fact]
    public void Analyze_LongPolicy_WalksWithoutDiagnostics()
    {
        var members = new StringBuilder();
        var statements = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            members.AppendLine($"static readonly Dictionary<string, int> Table{i} = new() {{ [\"k{i}\"] = {i} }};");
            members.AppendLine($"static int Score{i}(IEnumerable<int> xs) => xs.Where(x => x > {i}).Select(x => x * 2).Sum();");
            members.AppendLine($"sealed record Item{i}(string Name, int Weight) {{ public int Twice => Weight * 2; }}");
            statements.AppendLine($"var items{i} = new List<Item{i}> {{ new(\"a{i}\", {i}), new(\"b\", 2) }};");
            statements.AppendLine($"var best{i} = items{i}.OrderByDescending(x => x.Weight).Select(x => $\"{{x.Name}}:{{x.Twice}}\").FirstOrDefault() ?? \"\";");
            statements.AppendLine($"if (IPNetwork.Parse(\"192.0.2.0/24\").Contains(IPAddress.Parse(\"192.0.2.{i}\")) && Score{i}([1, 2, {i}]) > Table{i}.GetValueOrDefault(\"k{i}\")) {{ best{i} += new StringBuilder().Append({i}).ToString(); }}");
        }

        var result = SandboxHarness.Check(statements.ToString(), members.ToString());

        Assert.True(statements.ToString().Split('\n').Length + members.ToString().Split('\n').Length >= 300);
        Assert.True(result.CompilerErrors.Count == 0, "compiler errors:\n" + result);
        Assert.Empty(result.SandboxErrors);
    }

    [Fact]
    public void Descriptors_AreErrorsWithUniqueIds()
    {
        Assert.All(SandboxDescriptors.All, d => Assert.Equal(DiagnosticSeverityError, d.DefaultSeverity.ToString()));
        Assert.Equal(SandboxDescriptors.All.Count, SandboxDescriptors.All.Select(d => d.Id).Distinct().Count());
    }

    private const string DiagnosticSeverityError = "Error";

    private static void AssertRejected(SandboxHarness.Result result, string expected)
    {
        Assert.True(result.AllErrors.Any(), "nothing rejected the escape");
        Assert.All(result.SandboxErrors, e => Assert.Matches(@"^/p/example\.com/www\.csx\(\d+,\d+\): error SCR\d{4}: ", e));
        var from = result.CompilerErrors.Count == 0 ? result.SandboxErrors : result.AllErrors;
        Assert.True(
            from.Any(e => e.Contains(expected, StringComparison.Ordinal)),
            $"expected an error containing \"{expected}\"{(result.CompilerErrors.Count == 0 ? " from the sandbox (it compiles)" : "")}, got:\n{result}");
    }
}
