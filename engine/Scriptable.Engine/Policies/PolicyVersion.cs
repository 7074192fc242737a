using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Policies;

/// <summary>
/// One loaded version of a policy file: its delegate, in its own collectible assembly load context. The
/// query path calls <see cref="Run"/>; a reload publishes the next version and calls <see cref="Unload"/> on
/// this one, after which queries already running finish on it and the runtime frees it once nothing
/// refers to it (DESIGN.md: only a held delegate, a script type or an exception object keeps it alive).
/// </summary>
public sealed class PolicyVersion
{
    private readonly AssemblyLoadContext? _context;

    private PolicyVersion(string file, int revision, string hash, PolicySettings settings, Func<PolicyContext, Answer> run, AssemblyLoadContext? context, CompiledPolicy compiled)
    {
        Compiled = compiled;
        File = file;
        Revision = revision;
        ContentHash = hash;
        Settings = settings;
        Run = run;
        _context = context;
        CompileTime = compiled.Elapsed;
        Limits = new BudgetLimits { Time = settings.TimeBudget, MaxStackBytes = settings.MaxStackKilobytes * 1024, MaxAllocatedBytes = settings.MaxAllocatedKilobytes * 1024L };
    }

    /// <summary>The policy file, as shown to users.</summary>
    public string File { get; }

    /// <summary>1 for the first version loaded in this process, then 2, 3...</summary>
    public int Revision { get; }

    /// <summary>SHA-256 of the file and its helpers, hex.</summary>
    public string ContentHash { get; }

    /// <summary>Fallback and budget.</summary>
    public PolicySettings Settings { get; }

    /// <summary>How long compiling took.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>When this version was loaded.</summary>
    public DateTimeOffset LoadedAt { get; } = TimeProvider.System.GetUtcNow();

    /// <summary>The compiled policy.</summary>
    internal Func<PolicyContext, Answer> Run { get; }

    /// <summary>
    /// The assembly and symbols this version was loaded from: a trial of another file's new version loads this
    /// one beside it (as it serves), without compiling it again.
    /// </summary>
    internal CompiledPolicy Compiled { get; }

    /// <summary>The budget of one query.</summary>
    internal BudgetLimits Limits { get; }

    /// <summary>
    /// Set when the version runs in policy worker processes (<see cref="Isolation.PolicyWorkers"/>): it is not loaded
    /// in this process, and the runner asks a worker instead of calling <see cref="Run"/>.
    /// </summary>
    internal Isolation.IsolatedVersion? Isolated { get; private set; }

    /// <summary>
    /// The version's bench: while benched, its names answer the fallback without running it (after a budget stop,
    /// a stuck run, or over its CPU share), so a failing policy cannot hold the receive threads.
    /// </summary>
    internal Containment.PolicyBench Bench { get; } = new();

    /// <summary>Its id in the in-flight journal (0: not journaled), set before it serves.</summary>
    internal int JournalId { get; set; }

    /// <summary>
    /// Loads a compiled policy and initialises its static fields (under the load budget, with relative
    /// record names resolved against <paramref name="origin"/>). Returns null after adding the reason to
    /// <paramref name="diagnostics"/> if initialisation fails.
    /// </summary>
    /// <remarks>
    /// With <paramref name="workers"/>, the version is loaded in the policy worker processes instead, and none of its
    /// code runs in this process (Isolation/README.md).
    /// </remarks>
    internal static PolicyVersion? Load(CompiledPolicy compiled, string file, int revision, string hash, PolicySettings settings, DnsName origin, List<PolicyDiagnostic> diagnostics, Isolation.PolicyWorkers? workers = null)
    {
        if (workers is not null)
        {
            var detached = new PolicyVersion(file, revision, hash, settings, NotInThisProcess, null, compiled);
            detached.Isolated = workers.Load(detached, origin, diagnostics);
            return detached.Isolated is null ? null : detached;
        }

        var context = new AssemblyLoadContext($"policy {file} r{revision}", isCollectible: true);
        try
        {
            Assembly assembly;
            using (var image = new MemoryStream(compiled.Assembly!))
            using (var symbols = new MemoryStream(compiled.Pdb!))
            {
                assembly = context.LoadFromStream(image, symbols);
            }

            var type = assembly.GetType(compiled.ClassName, throwOnError: true)!;
            bool stuck;
            MethodBase? running;
            object? instance;
            Exception? error;
            using (Trial.TrialProgress.Step(file, "initialising its static fields", Trial.TrialSettings.LoadDeadline(settings.LoadTimeBudget)))
            {
                (instance, error, running, stuck) = InitializeWithDeadline(type, origin, settings);
            }

            if (stuck)
            {
                var (where, line) = running is null ? (file, 0) : FirstLine(compiled.Pdb!, running, file);
                diagnostics.Add(PolicyDiagnostic.Error(where, line, line > 0 ? 1 : 0, "SCR0210",
                    $"the policy's static initialisation (from this line) did not finish within {InitializationDeadline(settings).TotalSeconds:0.#} s, "
                    + "stuck where the budget cannot stop it (in framework code); the version is rejected"));
                context.Unload();
                return null;
            }

            if (instance is null)
            {
                var located = LocateException(error!, file, "SCR0200", "the policy's static fields failed to initialise: ");
                if (located.Line == 0 && running is not null)
                {
                    // No frame of the trace maps to a line (compiler-written members, frames the JIT folded into
                    // a tail call): the first line of the initialiser that was running is the best place.
                    var (where, line) = FirstLine(compiled.Pdb!, running, file);
                    located = located with { File = where, Line = line, Column = line > 0 ? 1 : 0 };
                }

                diagnostics.Add(located);
                context.Unload();
                return null;
            }

            var run = type.GetMethod("Run", BindingFlags.Public | BindingFlags.Instance)!.CreateDelegate<Func<PolicyContext, Answer>>(instance);
            return new PolicyVersion(file, revision, hash, settings, run, context, compiled);
        }
        catch (Exception ex) when (ex is BadImageFormatException or TypeLoadException or MissingMethodException or ArgumentException or FileLoadException)
        {
            diagnostics.Add(PolicyDiagnostic.Error(file, 0, 0, "SCR0901", "internal error loading the compiled policy: " + ex.Message));
            context.Unload();
            return null;
        }
    }

    /// <summary>Starts unloading the version's assembly (or retires it from the workers); queries still running on it finish normally.</summary>
    internal void Unload()
    {
        _context?.Unload();
        Isolated?.Retire();
    }

    /// <summary>
    /// Compiles every non-generic method of the version's assembly to machine code without running any of it, so
    /// that its first query does not wait for the JIT (a policy worker's query has a deadline). Best effort.
    /// </summary>
    internal void PrepareCode()
    {
        if (_context is null)
        {
            return;
        }

        foreach (var assembly in _context.Assemblies)
        {
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException ex)
            {
                types = [.. ex.Types.OfType<Type>()];
            }

            foreach (var type in types)
            {
                if (type.ContainsGenericParameters)
                {
                    continue;
                }

                foreach (var method in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                {
                    if (method.IsAbstract || method.ContainsGenericParameters)
                    {
                        continue;
                    }

                    try
                    {
                        RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or BadImageFormatException or TypeLoadException)
                    {
                        // Not preparable here: the JIT compiles it on first use, as in process.
                    }
                }
            }
        }
    }

    /// <summary>The delegate of a version that runs in worker processes: never called (the runner asks a worker).</summary>
    private static Answer NotInThisProcess(PolicyContext context) =>
        throw new InvalidOperationException("this policy version runs in policy worker processes, not in this one");

    /// <summary>A weak handle on the load context, for tests that check versions really go away.</summary>
    internal WeakReference LoadContextReference() => new(_context);

    /// <summary>
    /// How long static initialisation may take before the version is rejected: the load budget, which stops
    /// policy code, plus a second for what it cannot stop (framework code) to show it is stuck.
    /// </summary>
    internal static TimeSpan InitializationDeadline(PolicySettings settings) => settings.LoadTimeBudget + TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <see cref="Initialize"/> on a thread of its own with the big stack of policy threads
    /// (<see cref="PolicyThreads"/>), and waits for it until <see cref="InitializationDeadline"/>. The budget
    /// stops policy code; framework code it calls (a regex that backtracks for hours, a huge sort) cannot be
    /// stopped in .NET, so past the deadline the thread is abandoned at the lowest CPU priority and the
    /// version rejected: the reload (and the server's start) goes on. <c>Running</c> is the class constructor or
    /// constructor it was running last (where it is stuck, or where it failed).
    /// </summary>
    private static (object? Instance, Exception? Error, MethodBase? Running, bool Stuck) InitializeWithDeadline(Type type, DnsName origin, PolicySettings settings)
    {
        var job = new Initialization(type, origin, settings);
        var thread = PolicyThreads.Start("policy-init", job.Run);
        if (!thread.Join(InitializationDeadline(settings)))
        {
            PolicyThreads.Demote(job.OsThreadId);
            return (null, null, job.Running ?? type.GetConstructor(Type.EmptyTypes), true);
        }

        job.Unexpected?.Throw();
        return (job.Instance, job.Error, job.Running, false);
    }

    /// <summary>The first line of <paramref name="method"/> in the policy's files, from its PDB; the policy file and 0 if it has none.</summary>
    private static (string File, int Line) FirstLine(byte[] pdb, MethodBase method, string file)
    {
        using var provider = MetadataReaderProvider.FromPortablePdbImage(ImmutableArray.Create(pdb));
        var reader = provider.GetMetadataReader();
        var handle = MetadataTokens.MethodDebugInformationHandle(method.MetadataToken & 0xFFFFFF);
        foreach (var point in reader.GetMethodDebugInformation(handle).GetSequencePoints())
        {
            if (!point.IsHidden)
            {
                var name = reader.GetString(reader.GetDocument(point.Document).Name);
                return (name.EndsWith(".csx", StringComparison.Ordinal) ? name : file, point.StartLine);
            }
        }

        return (file, 0);
    }

    /// <summary>One static initialisation, run on its own thread: what it is doing now, and what came of it.</summary>
    private sealed class Initialization(Type type, DnsName origin, PolicySettings settings)
    {
        private volatile MethodBase? _running;

        public MethodBase? Running => _running;

        public int OsThreadId { get; private set; }

        public object? Instance { get; private set; }

        public Exception? Error { get; private set; }

        public ExceptionDispatchInfo? Unexpected { get; private set; }

        public void Run()
        {
            OsThreadId = PolicyThreads.CurrentOsThreadId();
            try
            {
                (Instance, Error) = Initialize(type, origin, settings, method => _running = method);
            }
#pragma warning disable CA1031 // Rethrown on the loading thread: an exception escaping a thread would end the process.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Unexpected = ExceptionDispatchInfo.Capture(ex);
            }
        }
    }

    /// <summary>
    /// Creates the version object (its constructor computes the script's "static" fields) and runs the class
    /// constructors of every type the policy declares, now, under the load budget: load-time work and its
    /// errors happen at load, not in a query (a static constructor that fails in a query would break its type
    /// for the life of the version). Then compiles <c>Run</c> ahead, so the first query does not pay the JIT
    /// out of its time budget.
    /// </summary>
    private static (object? Instance, Exception? Error) Initialize(Type type, DnsName origin, PolicySettings settings, Action<MethodBase?> running)
    {
        var previous = PolicyScope.Enter(origin);
        try
        {
            object instance;
            // A regex built now, in a static field, runs in queries: it gets the per-query time as its timeout.
            var limits = new BudgetLimits { Time = settings.LoadTimeBudget, MaxStackBytes = settings.MaxStackKilobytes * 1024, MaxAllocatedBytes = PolicyThreads.MaxMemoryKilobytes * 1024L, MatchTimeout = settings.TimeBudget };
            using (Budget.Begin(limits))
            {
                foreach (var declared in type.Assembly.GetTypes())
                {
                    if (!declared.ContainsGenericParameters)
                    {
                        running(declared.TypeInitializer);
                        RuntimeHelpers.RunClassConstructor(declared.TypeHandle);
                    }
                }

                running(type.GetConstructor(Type.EmptyTypes));
                instance = Activator.CreateInstance(type)!;
            }

            RuntimeHelpers.PrepareMethod(type.GetMethod("Run", BindingFlags.Public | BindingFlags.Instance)!.MethodHandle);
            return (instance, null);
        }
        catch (Exception ex) when (ex is TypeInitializationException or TargetInvocationException)
        {
            return (null, ex.InnerException ?? ex);
        }
        catch (Exception ex) when (ex is BudgetExceededException or ReflectionTypeLoadException)
        {
            return (null, ex);
        }
        finally
        {
            PolicyScope.Restore(previous);
        }
    }

    /// <summary>
    /// Describes an exception thrown by policy code at the policy's own line (from the stack trace, which
    /// the loaded PDB maps to the .csx): <c>www.csx(12,1): error SCR0200: ... FormatException: ...</c>.
    /// </summary>
    internal static PolicyDiagnostic LocateException(Exception exception, string file, string id, string prefix)
    {
        var (where, line) = FindUserFrame(exception, file);
        return PolicyDiagnostic.Error(where, line, line > 0 ? 1 : 0, id, prefix + PolicyText.Describe(exception));
    }

    /// <summary>The first stack frame in a .csx file (the policy or one of its helpers): file and line.</summary>
    internal static (string File, int Line) FindUserFrame(Exception exception, string file)
    {
        var trace = new StackTrace(exception, fNeedFileInfo: true);
        foreach (var frame in trace.GetFrames())
        {
            var name = frame.GetFileName();
            if (name is not null && name.EndsWith(".csx", StringComparison.Ordinal) && frame.GetFileLineNumber() > 0)
            {
                return (name, frame.GetFileLineNumber());
            }
        }

        return (file, 0);
    }
}
