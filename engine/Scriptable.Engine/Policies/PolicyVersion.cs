using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
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
    private readonly AssemblyLoadContext _context;
    private long _trippedUntil;

    private PolicyVersion(string file, int revision, string hash, PolicySettings settings, Func<PolicyContext, Answer> run, AssemblyLoadContext context, TimeSpan compileTime)
    {
        File = file;
        Revision = revision;
        ContentHash = hash;
        Settings = settings;
        Run = run;
        _context = context;
        CompileTime = compileTime;
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

    /// <summary>The budget of one query.</summary>
    internal BudgetLimits Limits { get; }

    /// <summary>
    /// True while the version is benched after running out of time: for a short while its name answers the
    /// fallback without running it, so that a looping policy cannot hold the receive threads.
    /// </summary>
    internal bool IsTripped(long now) => now < Volatile.Read(ref _trippedUntil);

    /// <summary>True once the version was ever benched (then <see cref="IsTripped"/> tells if it still is).</summary>
    internal bool IsTrippedFlag { get; private set; }

    /// <summary>Benches the version until <paramref name="until"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    internal void Trip(long until)
    {
        Volatile.Write(ref _trippedUntil, until);
        IsTrippedFlag = true;
    }

    /// <summary>
    /// Loads a compiled policy and initialises its static fields (under the load budget, with relative
    /// record names resolved against <paramref name="origin"/>). Returns null after adding the reason to
    /// <paramref name="diagnostics"/> if initialisation fails.
    /// </summary>
    internal static PolicyVersion? Load(CompiledPolicy compiled, string file, int revision, string hash, PolicySettings settings, DnsName origin, List<PolicyDiagnostic> diagnostics)
    {
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
            var (instance, error) = Initialize(type, origin, settings);
            if (instance is null)
            {
                diagnostics.Add(LocateException(error!, file, "SCR0200", "the policy's static fields failed to initialise: "));
                context.Unload();
                return null;
            }

            var run = type.GetMethod("Run", BindingFlags.Public | BindingFlags.Instance)!.CreateDelegate<Func<PolicyContext, Answer>>(instance);
            return new PolicyVersion(file, revision, hash, settings, run, context, compiled.Elapsed);
        }
        catch (Exception ex) when (ex is BadImageFormatException or TypeLoadException or MissingMethodException or ArgumentException or FileLoadException)
        {
            diagnostics.Add(PolicyDiagnostic.Error(file, 0, 0, "SCR0901", "internal error loading the compiled policy: " + ex.Message));
            context.Unload();
            return null;
        }
    }

    /// <summary>Starts unloading the version's assembly; queries still running on it finish normally.</summary>
    internal void Unload() => _context.Unload();

    /// <summary>A weak handle on the load context, for tests that check versions really go away.</summary>
    internal WeakReference LoadContextReference() => new(_context);

    /// <summary>
    /// Creates the version object (its constructor computes the script's "static" fields) and runs the class
    /// constructors of every type the policy declares, now, under the load budget: load-time work and its
    /// errors happen at load, not in a query (a static constructor that fails in a query would break its type
    /// for the life of the version). Then compiles <c>Run</c> ahead, so the first query does not pay the JIT
    /// out of its time budget.
    /// </summary>
    private static (object? Instance, Exception? Error) Initialize(Type type, DnsName origin, PolicySettings settings)
    {
        var previous = PolicyScope.Enter(origin);
        try
        {
            object instance;
            var limits = new BudgetLimits { Time = settings.LoadTimeBudget, MaxStackBytes = settings.MaxStackKilobytes * 1024, MaxAllocatedBytes = 256L * 1024 * 1024 };
            using (Budget.Begin(limits))
            {
                foreach (var declared in type.Assembly.GetTypes())
                {
                    if (!declared.ContainsGenericParameters)
                    {
                        RuntimeHelpers.RunClassConstructor(declared.TypeHandle);
                    }
                }

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
        return PolicyDiagnostic.Error(where, line, line > 0 ? 1 : 0, id, prefix + exception.GetType().Name + ": " + exception.Message);
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
