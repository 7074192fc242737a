using System.Collections.Frozen;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// The sandbox's allow-list, in one table: which namespaces, types and members policy code may use, and why the
/// others are denied. <see cref="SandboxAnalyzer"/> applies it; README.md ("Sandbox") explains it.
/// </summary>
/// <remarks>
/// A type is decided, first match wins, by: its entry in <see cref="Types"/>; else its containing type (a nested
/// type shares its container's verdict); else its namespace's entry in <see cref="Namespaces"/>; else the nearest
/// enclosing namespace whose entry covers sub-namespaces; else it is denied (<see cref="NotOnAllowList"/>).
/// A member is denied if its containing type is, or if <see cref="Members"/> lists it. Types declared by the
/// policy itself are always allowed (their contents are checked like any other user code).
/// </remarks>
internal static class SandboxRules
{
    /// <summary>The reason given for anything the tables do not mention.</summary>
    public const string NotOnAllowList = "not on the policy allow-list";

    private const string Reflection = "reflection";
    private const string Time = "time must come from ctx.Now so fixtures can fix the time";
    private const string Threads = "threads and synchronization: policies must not block or start work";
    private const string Queryables = "queryables build expression trees and compile code at run time";
    private const string ParallelLinq = "parallel LINQ runs on other threads";
    private const string CompilerHelper = "a compiler helper that rents shared buffers; write $\"...\" strings instead";
    private const string Simd = "SIMD and graphics types mix bounds-checked members with raw-memory ones (LoadUnsafe, StoreUnsafe), and each .NET release adds more; policies have no use for them";
    private const string GenericMath = "generic math: operators and functions on numbers";
    private const string Partitions = "partitions work for parallel loops, which policies cannot run (GetPartitions(n) allocates n enumerators)";

    /// <summary>
    /// The reason for members of framework types whose names say they skip bounds or initialisation checks
    /// (<see cref="IsRawMemoryName"/>): denied wherever they are, including members a later .NET adds.
    /// </summary>
    public const string RawMemory = "raw memory: it skips bounds or initialisation checks";

    /// <summary>A verdict: allowed, or denied for a reason.</summary>
    /// <param name="Allowed">Whether policy code may use it.</param>
    /// <param name="Reason">Why it is denied (shown in the diagnostic); for allowed entries, why they are allowed.</param>
    /// <param name="AndBelow">For namespaces: the rule also covers sub-namespaces that have no entry of their own.</param>
    internal sealed record Rule(bool Allowed, string Reason, bool AndBelow = false);

    private static Rule Allow(string why = "", bool andBelow = false) => new(true, why, andBelow);

    private static Rule Deny(string why, bool andBelow = true) => new(false, why, andBelow);

    /// <summary>Namespaces, by name. Exact entries win over an ancestor's <see cref="Rule.AndBelow"/> entry.</summary>
    public static FrozenDictionary<string, Rule> Namespaces { get; } = new Dictionary<string, Rule>(StringComparer.Ordinal)
    {
        // Allowed, with the exceptions listed under Types and Members.
        ["System"] = Allow(),
        ["System.Collections"] = Allow(andBelow: true), // Generic, Immutable, Frozen, ObjectModel, Specialized, Concurrent
        ["System.Linq"] = Allow(),
        ["System.Text"] = Allow(),
        ["System.Text.RegularExpressions"] = Allow(),
        ["System.Text.Unicode"] = Allow(),
        ["System.Globalization"] = Allow(),
        // Listed by type below: the namespace mixes numbers with SIMD types that read and write raw memory.
        ["System.Numerics"] = Deny(Simd),
        ["System.Buffers.Binary"] = Allow(),
        ["System.Buffers.Text"] = Allow(),
        ["System.Diagnostics.CodeAnalysis"] = Allow("nullability and analysis annotations"),
        ["Scriptable.Policies"] = Allow("the policy API", andBelow: true),

        // Denied, with the exceptions listed under Types.
        ["System.Buffers"] = Deny("shared buffer pools and native memory"),
        ["System.Net"] = Deny("network access: policies get IP addresses, not sockets"),
        ["System.Threading"] = Deny(Threads),
        ["System.Threading.Tasks"] = Deny("tasks: policies run synchronously"),
        ["System.Runtime.CompilerServices"] = Deny("compiler and runtime internals (unsafe memory access, module initializers)"),
        ["System.Security.Cryptography"] = Deny("cryptography beyond hashing: keys, certificates and stores read files"),
        ["System.Diagnostics"] = Deny("diagnostics: processes, debugging, tracing"),

        // Denied.
        ["System.IO"] = Deny("file system, streams and pipes"),
        ["System.Reflection"] = Deny(Reflection),
        ["System.Linq.Expressions"] = Deny("expression trees compile code at run time"),
        ["System.Runtime"] = Deny("runtime internals"),
        ["System.Runtime.InteropServices"] = Deny("native interop and raw memory"),
        ["System.Runtime.Loader"] = Deny("assembly loading"),
        ["System.Runtime.Serialization"] = Deny("serialization by reflection"),
        ["System.Resources"] = Deny("resource loading reads assemblies and files"),
        ["System.Security"] = Deny("security APIs"),
        ["System.Timers"] = Deny("timers run code on other threads"),
        ["System.ComponentModel"] = Deny("the component model works by reflection"),
        ["Microsoft"] = Deny(NotOnAllowList),
        ["Microsoft.Win32"] = Deny("operating system access (registry, system events)"),
        ["Microsoft.CSharp"] = Deny("late binding ('dynamic')"),
        ["Scriptable"] = Deny("engine internals: policies use the API in Scriptable.Policies"),
        ["Scriptable.Policies.Runtime"] = Deny("engine helpers the compiler inserts; policies must not call them"),
        ["Scriptable.Policies.Editor"] = Deny("for editors only: a policy's ctx is the one each run is given"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Types, by metadata name (<c>Namespace.Type`Arity</c>, nested types as <c>Outer+Inner</c>): exceptions to
    /// their namespace's rule, in both directions.
    /// </summary>
    public static FrozenDictionary<string, Rule> Types { get; } = new Dictionary<string, Rule>(StringComparer.Ordinal)
    {
        // Denied inside System.
        ["System.Type"] = Deny(Reflection),
        ["System.Activator"] = Deny("reflection: creates objects by type"),
        ["System.AppDomain"] = Deny("process and assembly control"),
        ["System.AppContext"] = Deny("process-wide settings and switches"),
        ["System.Environment"] = Deny("process environment: variables, command line, exit"),
        ["System.GC"] = Deny("garbage collector control"),
        ["System.Console"] = Deny("console I/O"),
        ["System.TypedReference"] = Deny("runtime handles (reflection)"),
        ["System.ArgIterator"] = Deny("runtime handles (reflection)"),
        ["System.RuntimeArgumentHandle"] = Deny("runtime handles (reflection)"),
        ["System.RuntimeTypeHandle"] = Deny("runtime handles (reflection)"),
        ["System.RuntimeMethodHandle"] = Deny("runtime handles (reflection)"),
        ["System.RuntimeFieldHandle"] = Deny("runtime handles (reflection)"),
        ["System.ModuleHandle"] = Deny("runtime handles (reflection)"),
        ["System.MarshalByRefObject"] = Deny("remoting"),
        ["System.ContextBoundObject"] = Deny("remoting"),
        ["System.Buffer"] = Deny("raw memory copies"),
        ["System.TimeProvider"] = Deny(Time),
        ["System.TimeZoneInfo"] = Deny("reads the system's time zone database; ctx.Now is UTC, use offsets"),
        ["System.TimeZone"] = Deny("reads the system's time zone database; ctx.Now is UTC, use offsets"),
        ["System.OperatingSystem"] = Deny("the server's operating system: a policy must answer the same in 'scriptable check' and on every server"),
        ["System.Progress`1"] = Deny("posts callbacks to other threads"),

        // Allowed inside System.Numerics (the namespace is denied): numbers and the generic-math interfaces.
        ["System.Numerics.BigInteger"] = Allow("arbitrary-precision integers (geo databases return 128-bit values)"),
        ["System.Numerics.BitOperations"] = Allow("bit counts and rotations"),
        ["System.Numerics.Complex"] = Allow("complex numbers"),
        ["System.Numerics.TotalOrderIeee754Comparer`1"] = Allow("a comparer for floating-point numbers"),
        ["System.Numerics.IAdditionOperators`3"] = Allow(GenericMath),
        ["System.Numerics.IAdditiveIdentity`2"] = Allow(GenericMath),
        ["System.Numerics.IBinaryFloatingPointIeee754`1"] = Allow(GenericMath),
        ["System.Numerics.IBinaryInteger`1"] = Allow(GenericMath),
        ["System.Numerics.IBinaryNumber`1"] = Allow(GenericMath),
        ["System.Numerics.IBitwiseOperators`3"] = Allow(GenericMath),
        ["System.Numerics.IComparisonOperators`3"] = Allow(GenericMath),
        ["System.Numerics.IDecrementOperators`1"] = Allow(GenericMath),
        ["System.Numerics.IDivisionOperators`3"] = Allow(GenericMath),
        ["System.Numerics.IEqualityOperators`3"] = Allow(GenericMath),
        ["System.Numerics.IExponentialFunctions`1"] = Allow(GenericMath),
        ["System.Numerics.IFloatingPoint`1"] = Allow(GenericMath),
        ["System.Numerics.IFloatingPointConstants`1"] = Allow(GenericMath),
        ["System.Numerics.IFloatingPointIeee754`1"] = Allow(GenericMath),
        ["System.Numerics.IHyperbolicFunctions`1"] = Allow(GenericMath),
        ["System.Numerics.IIncrementOperators`1"] = Allow(GenericMath),
        ["System.Numerics.ILogarithmicFunctions`1"] = Allow(GenericMath),
        ["System.Numerics.IMinMaxValue`1"] = Allow(GenericMath),
        ["System.Numerics.IModulusOperators`3"] = Allow(GenericMath),
        ["System.Numerics.IMultiplicativeIdentity`2"] = Allow(GenericMath),
        ["System.Numerics.IMultiplyOperators`3"] = Allow(GenericMath),
        ["System.Numerics.INumber`1"] = Allow(GenericMath),
        ["System.Numerics.INumberBase`1"] = Allow(GenericMath),
        ["System.Numerics.IPowerFunctions`1"] = Allow(GenericMath),
        ["System.Numerics.IRootFunctions`1"] = Allow(GenericMath),
        ["System.Numerics.IShiftOperators`3"] = Allow(GenericMath),
        ["System.Numerics.ISignedNumber`1"] = Allow(GenericMath),
        ["System.Numerics.ISubtractionOperators`3"] = Allow(GenericMath),
        ["System.Numerics.ITrigonometricFunctions`1"] = Allow(GenericMath),
        ["System.Numerics.IUnaryNegationOperators`2"] = Allow(GenericMath),
        ["System.Numerics.IUnaryPlusOperators`2"] = Allow(GenericMath),
        ["System.Numerics.IUnsignedNumber`1"] = Allow(GenericMath),

        // Denied inside System.Text.RegularExpressions: the engine behind generated and compiled regexes.
        ["System.Text.RegularExpressions.RegexRunner"] = Deny("regex engine internals for generated code"),
        ["System.Text.RegularExpressions.RegexRunnerFactory"] = Deny("regex engine internals for generated code"),
        ["System.Text.RegularExpressions.RegexCompilationInfo"] = Deny("writes an assembly"),

        // Denied inside System.Linq and System.Collections.
        ["System.Linq.ParallelEnumerable"] = Deny(ParallelLinq),
        ["System.Linq.ParallelQuery"] = Deny(ParallelLinq),
        ["System.Linq.ParallelQuery`1"] = Deny(ParallelLinq),
        ["System.Linq.OrderedParallelQuery`1"] = Deny(ParallelLinq),
        ["System.Linq.Queryable"] = Deny(Queryables),
        ["System.Linq.IQueryable"] = Deny(Queryables),
        ["System.Linq.IQueryable`1"] = Deny(Queryables),
        ["System.Linq.IOrderedQueryable"] = Deny(Queryables),
        ["System.Linq.IOrderedQueryable`1"] = Deny(Queryables),
        ["System.Linq.IQueryProvider"] = Deny(Queryables),
        ["System.Linq.EnumerableQuery"] = Deny(Queryables),
        ["System.Linq.EnumerableQuery`1"] = Deny(Queryables),
        ["System.Linq.EnumerableExecutor"] = Deny(Queryables),
        ["System.Linq.EnumerableExecutor`1"] = Deny(Queryables),
        ["System.Collections.Concurrent.BlockingCollection`1"] = Deny("blocks the calling thread"),
        ["System.Collections.Concurrent.Partitioner"] = Deny(Partitions),
        ["System.Collections.Concurrent.Partitioner`1"] = Deny(Partitions),
        ["System.Collections.Concurrent.OrderablePartitioner`1"] = Deny(Partitions),
        ["System.Collections.Concurrent.EnumerablePartitionerOptions"] = Deny(Partitions),

        // Allowed inside denied namespaces.
        ["System.Threading.Interlocked"] = Allow("lock-free counters on static fields"),
        ["System.Threading.Volatile"] = Allow("lock-free reads and writes"),
        ["System.Threading.LazyThreadSafetyMode"] = Allow("an enum for Lazy<T>, which is allowed"),
        ["System.Threading.Thread"] = Deny("threads"),
        ["System.Threading.ThreadPool"] = Deny("runs code on other threads"),
        ["System.Threading.Timer"] = Deny("timers run code on other threads"),
        ["System.Threading.Monitor"] = Deny("locks: policies must not block"),
        ["System.Net.IPAddress"] = Allow("addresses"),
        ["System.Net.IPNetwork"] = Allow("prefixes"),
        ["System.Net.IPEndPoint"] = Allow("address and port"),
        ["System.Net.EndPoint"] = Allow("base class of IPEndPoint"),
        ["System.Net.Sockets.AddressFamily"] = Allow("the enum IPAddress.AddressFamily returns"),
        ["System.Buffers.SearchValues"] = Allow("fast searches in spans"),
        ["System.Buffers.SearchValues`1"] = Allow("fast searches in spans"),
        ["System.Buffers.SpanAction`2"] = Allow("string.Create"),
        ["System.Buffers.ReadOnlySpanAction`2"] = Allow("string.Create"),
        ["System.Buffers.OperationStatus"] = Allow("an enum"),
        ["System.Buffers.StandardFormat"] = Allow("number formats"),
        ["System.Runtime.CompilerServices.DefaultInterpolatedStringHandler"] = Deny(CompilerHelper),
        ["System.Runtime.CompilerServices.IsExternalInit"] = Allow("init accessors"),
        ["System.Runtime.CompilerServices.ITuple"] = Allow("tuple patterns"),
        ["System.Runtime.CompilerServices.CallerMemberNameAttribute"] = Allow("caller information"),
        ["System.Runtime.CompilerServices.CallerFilePathAttribute"] = Allow("caller information"),
        ["System.Runtime.CompilerServices.CallerLineNumberAttribute"] = Allow("caller information"),
        ["System.Runtime.CompilerServices.CallerArgumentExpressionAttribute"] = Allow("caller information"),
        ["System.Diagnostics.UnreachableException"] = Allow("for switch arms that cannot happen"),
        ["System.Diagnostics.Process"] = Deny("starts processes"),
        ["System.Diagnostics.Stopwatch"] = Deny(Time),
        ["System.Diagnostics.Debugger"] = Deny("debugger control"),
        ["System.Security.Cryptography.HashAlgorithm"] = Allow("stable hashing (consistent hashing across servers)"),
        ["System.Security.Cryptography.MD5"] = Allow("stable hashing"),
        ["System.Security.Cryptography.SHA1"] = Allow("stable hashing"),
        ["System.Security.Cryptography.SHA256"] = Allow("stable hashing"),
        ["System.Security.Cryptography.SHA384"] = Allow("stable hashing"),
        ["System.Security.Cryptography.SHA512"] = Allow("stable hashing"),
        ["System.Security.Cryptography.IncrementalHash"] = Allow("stable hashing"),
        ["System.Security.Cryptography.HashAlgorithmName"] = Allow("stable hashing"),
        ["System.Security.Cryptography.CryptographicException"] = Allow("what hashing throws"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Types denied when the user names them but used by the compiler for allowed code: an interpolated string
    /// passed to <c>string.Create(provider, $"...")</c> becomes a DefaultInterpolatedStringHandler, which is fine,
    /// while a handler the user copies and completes twice returns one pooled array twice.
    /// </summary>
    public static FrozenSet<string> CompilerHelpers { get; } = new[]
    {
        "System.Runtime.CompilerServices.DefaultInterpolatedStringHandler",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Members of allowed types that are denied, by <c>Type.Member</c> (metadata type name, member name, all overloads)
    /// or <c>Type.Member(ParamType,...)</c> (one overload; parameter types by metadata name).
    /// </summary>
    public static FrozenDictionary<string, string> Members { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Object.GetType"] = Reflection,
        ["System.Exception.GetType"] = Reflection,
        ["System.Exception.TargetSite"] = Reflection,
        ["System.Attribute.TypeId"] = Reflection, // an object that is the attribute's System.Type
        ["System.Delegate.Method"] = Reflection,
        ["System.Delegate.DynamicInvoke"] = Reflection,
        ["System.Delegate.CreateDelegate"] = Reflection,
        ["System.DateTime.Now"] = Time,
        ["System.DateTime.UtcNow"] = Time,
        ["System.DateTime.Today"] = Time,
        ["System.DateTimeOffset.Now"] = Time,
        ["System.DateTimeOffset.UtcNow"] = Time,
        ["System.DateTime.ToLocalTime"] = "depends on the server's time zone; ctx.Now is UTC, use offsets",
        ["System.DateTimeOffset.ToLocalTime"] = "depends on the server's time zone; ctx.Now is UTC, use offsets",
        ["System.String.Intern"] = "the process-wide intern pool is never freed",
        ["System.String.IsInterned"] = "probes the process-wide intern pool, which holds every other policy's string literals",
        ["System.Threading.Interlocked.MemoryBarrierProcessWide"] = "interrupts every core of the server",
        ["System.Text.Encoding.RegisterProvider"] = "changes text encodings for the whole server",
        ["System.Text.RegularExpressions.Regex.CacheSize"] = "a process-wide setting",
        ["System.Text.RegularExpressions.Regex.CompileToAssembly"] = "writes an assembly",
        ["System.Globalization.CultureInfo.CurrentCulture"] = "the server's culture; use CultureInfo.InvariantCulture",
        ["System.Globalization.CultureInfo.CurrentUICulture"] = "the server's culture; use CultureInfo.InvariantCulture",
        ["System.Globalization.CultureInfo.DefaultThreadCurrentCulture"] = "the server's culture; use CultureInfo.InvariantCulture",
        ["System.Globalization.CultureInfo.DefaultThreadCurrentUICulture"] = "the server's culture; use CultureInfo.InvariantCulture",
        ["System.Globalization.CultureInfo.ClearCachedData"] = "clears process-wide culture and time zone caches",
        ["System.Globalization.CultureInfo.InstalledUICulture"] = "the server's culture; use CultureInfo.InvariantCulture",
        ["System.Globalization.RegionInfo.CurrentRegion"] = "the server's region: a policy must answer the same on every server",
        ["System.Globalization.NumberFormatInfo.CurrentInfo"] = "the server's culture, writable in hosts that are not invariant; use NumberFormatInfo.InvariantInfo",
        ["System.Globalization.DateTimeFormatInfo.CurrentInfo"] = "the server's culture, writable in hosts that are not invariant; use DateTimeFormatInfo.InvariantInfo",
        ["System.Globalization.CultureInfo.GetCultureInfo"] = "fills a process-wide cache that is never emptied; use CultureInfo.InvariantCulture",
        ["System.Globalization.CultureInfo.GetCultureInfoByIetfLanguageTag"] = "fills a process-wide cache that is never emptied; use CultureInfo.InvariantCulture",
        // Regex: every regex a policy makes gets a match timeout from its construction (BudgetRewriter); these
        // let a derived class build one without it.
        ["System.Text.RegularExpressions.Regex.internalMatchTimeout"] = "sets the match timeout the budget gives every regex",
        ["System.Text.RegularExpressions.Regex.factory"] = "regex engine internals for generated code",
        ["System.Text.RegularExpressions.Regex.InitializeReferences"] = "regex engine internals for generated code",
        // Creating a hash algorithm by name goes through CryptoConfig, which instantiates any type by name.
        ["System.Security.Cryptography.HashAlgorithm.Create"] = "creates objects by name (reflection)",
        ["System.Security.Cryptography.MD5.Create(System.String)"] = "creates objects by name (reflection)",
        ["System.Security.Cryptography.SHA1.Create(System.String)"] = "creates objects by name (reflection)",
        ["System.Security.Cryptography.SHA256.Create(System.String)"] = "creates objects by name (reflection)",
        ["System.Security.Cryptography.SHA384.Create(System.String)"] = "creates objects by name (reflection)",
        ["System.Security.Cryptography.SHA512.Create(System.String)"] = "creates objects by name (reflection)",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Framework types a type the policy declares may not derive from or implement, and why: framework code
    /// would call its members in ways the budget and the buffers cannot afford (<c>SCR0010</c>).
    /// </summary>
    public static FrozenDictionary<string, string> NotForPolicyTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Text.RegularExpressions.Regex"] = "every regex a policy makes gets a match timeout within its time budget; a derived class would build one without",
        ["System.ISpanFormattable"] = "framework code formats it into spans over shared pooled buffers that still hold other queries' data",
        ["System.IUtf8SpanFormattable"] = "framework code formats it into spans over shared pooled buffers that still hold other queries' data",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// True for member names that say the member skips bounds or initialisation checks: <c>*Unsafe*</c>
    /// (<c>Vector.LoadUnsafe</c>, <c>CreateScalarUnsafe</c>), <c>Dangerous*</c>, <c>*Uninitialized*</c>,
    /// <c>SkipInit</c>. Framework members with such names are denied by name, so a new one is denied until
    /// someone decides otherwise.
    /// </summary>
    public static bool IsRawMemoryName(string name) =>
        name.Contains("Unsafe", StringComparison.Ordinal) || name.StartsWith("Dangerous", StringComparison.Ordinal)
        || name.Contains("Uninitialized", StringComparison.Ordinal) || name == "SkipInit";

    /// <summary>The <c>Type.Member</c> prefixes that have overload-specific entries in <see cref="Members"/>.</summary>
    public static FrozenSet<string> MembersWithOverloadEntries { get; } = Members.Keys
        .Where(k => k.EndsWith(')'))
        .Select(k => k[..k.IndexOf('(', StringComparison.Ordinal)])
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Namespaces that are denied but hold allowed types: importing them with <c>using</c> is fine.</summary>
    private static FrozenSet<string> NamespacesWithAllowedTypes { get; } = Types
        .Where(t => t.Value.Allowed)
        .Select(t => t.Key[..t.Key.LastIndexOf('.')])
        .ToFrozenSet(StringComparer.Ordinal);

    private static readonly Rule s_default = Deny(NotOnAllowList);

    /// <summary>The rule for types directly in <paramref name="ns"/> (<c>""</c> for the global namespace).</summary>
    public static Rule ForNamespace(string ns)
    {
        if (Namespaces.TryGetValue(ns, out var rule))
        {
            return rule;
        }

        for (var dot = ns.LastIndexOf('.'); dot > 0; dot = ns.LastIndexOf('.', dot - 1))
        {
            if (Namespaces.TryGetValue(ns[..dot], out rule) && rule.AndBelow)
            {
                return rule;
            }
        }

        return s_default;
    }

    /// <summary>
    /// Whether a <c>using</c> directive naming <paramref name="ns"/> is itself reported: only when the namespace is
    /// denied and holds no allowed type (so <c>using System.Threading;</c>, for Interlocked, is fine).
    /// </summary>
    public static bool IsNamespaceImportDenied(string ns, out Rule rule)
    {
        rule = ForNamespace(ns);
        return !rule.Allowed && !NamespacesWithAllowedTypes.Contains(ns);
    }
}
