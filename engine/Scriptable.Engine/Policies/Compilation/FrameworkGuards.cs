using System.Collections.Frozen;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// The tables of <see cref="FrameworkGuardRewriter"/>: which framework members policy code calls through a
/// counted or time-limited replacement, and which allocate what an argument says. README.md, "Framework calls".
/// </summary>
internal static class FrameworkGuards
{
    private const string Runtime = "Scriptable.Policies.Runtime.";

    /// <summary>The runtime class of the replacements for the lazily unbounded generators.</summary>
    public const string CountedSequences = Runtime + "CountedSequences";

    /// <summary>The runtime class of the replacements that give regular expressions a match timeout.</summary>
    public const string RegexGuard = Runtime + "RegexGuard";

    /// <summary>The runtime class of the memory checks around framework calls.</summary>
    public const string FrameworkGuard = Runtime + "FrameworkGuard";

    /// <summary>The runtime class with <c>Length&lt;T&gt;</c>, the size check of arrays.</summary>
    public const string Budget = Runtime + "Budget";

    /// <summary>
    /// How an argument sizes an allocation inside framework code: the parameter, and what it counts:
    /// <c>char</c>, <c>object</c> (a reference), <c>bits</c>, <c>T0</c> (the containing type's first type
    /// argument), <c>T0,T1</c> (a pair of its first two), <c>M0</c> (the method's first type argument) or
    /// <c>object,object</c> (a pair of references) or <c>lock</c> (a lock object and its counter, about 32 bytes).
    /// </summary>
    internal sealed record SizedBy(string Parameter, string Element);

    /// <summary>
    /// Static methods (metadata name of the type, member name) that policy code calls through the method with
    /// the same name and parameters in a runtime class: generators counted per element, regular expressions
    /// with a match timeout, powers checked for size. Overloads without a twin there stay as they are (the audit
    /// test lists them).
    /// </summary>
    public static FrozenDictionary<(string Type, string Member), string> Statics { get; } = new Dictionary<(string, string), string>
    {
        [("System.Linq.Enumerable", "Range")] = CountedSequences,
        [("System.Linq.Enumerable", "Repeat")] = CountedSequences,
        [("System.Linq.Enumerable", "Sequence")] = CountedSequences,
        [("System.Linq.Enumerable", "InfiniteSequence")] = CountedSequences,
        [("System.Text.RegularExpressions.Regex", "Count")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "EnumerateMatches")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "EnumerateSplits")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "IsMatch")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "Match")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "Matches")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "Replace")] = RegexGuard,
        [("System.Text.RegularExpressions.Regex", "Split")] = RegexGuard,
        [("System.Numerics.BigInteger", "Pow")] = FrameworkGuard,
    }.ToFrozenDictionary();

    /// <summary>Types whose public constructors policy code calls through <c>Create</c> methods with the same parameters.</summary>
    public static FrozenDictionary<string, string> Constructors { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Text.RegularExpressions.Regex"] = RegexGuard,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Instance methods that policy code calls through a static twin taking the receiver first, which checks
    /// the size of the result before it exists (a replacement or an insert that multiplies its input).
    /// </summary>
    public static FrozenDictionary<(string Type, string Member), string> Instances { get; } = new Dictionary<(string, string), string>
    {
        [("System.String", "Replace")] = FrameworkGuard,
        [("System.Text.StringBuilder", "Replace")] = FrameworkGuard,
        [("System.Text.StringBuilder", "Insert")] = FrameworkGuard,
    }.ToFrozenDictionary();

    /// <summary>The member names of <see cref="Statics"/>, to skip binding every other name.</summary>
    public static FrozenSet<string> StaticNames { get; } = Statics.Keys.Select(k => k.Member).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Framework members (documentation ids) that allocate what an argument says, before anything exists to
    /// count: the argument is checked against what is left of the memory budget first
    /// (<c>Budget.Length&lt;T&gt;</c>, <c>FrameworkGuard.Bits</c>). Property setters by their property, with the
    /// parameter <c>value</c>.
    /// </summary>
    public static FrozenDictionary<string, SizedBy[]> Sizes { get; } = new Dictionary<string, SizedBy[]>(StringComparer.Ordinal)
    {
        ["M:System.String.#ctor(System.Char,System.Int32)"] = [new("count", "char")],
        ["M:System.String.PadLeft(System.Int32)"] = [new("totalWidth", "char")],
        ["M:System.String.PadLeft(System.Int32,System.Char)"] = [new("totalWidth", "char")],
        ["M:System.String.PadRight(System.Int32)"] = [new("totalWidth", "char")],
        ["M:System.String.PadRight(System.Int32,System.Char)"] = [new("totalWidth", "char")],
        ["M:System.String.Create``1(System.Int32,``0,System.Buffers.SpanAction{System.Char,``0})"] = [new("length", "char")],
        ["M:System.Text.StringBuilder.#ctor(System.Int32)"] = [new("capacity", "char")],
        ["M:System.Text.StringBuilder.#ctor(System.Int32,System.Int32)"] = [new("capacity", "char")],
        ["M:System.Text.StringBuilder.#ctor(System.String,System.Int32)"] = [new("capacity", "char")],
        ["M:System.Text.StringBuilder.#ctor(System.String,System.Int32,System.Int32,System.Int32)"] = [new("capacity", "char")],
        ["M:System.Text.StringBuilder.Append(System.Char,System.Int32)"] = [new("repeatCount", "char")],
        ["M:System.Text.StringBuilder.EnsureCapacity(System.Int32)"] = [new("capacity", "char")],
        ["P:System.Text.StringBuilder.Capacity"] = [new("value", "char")],
        ["P:System.Text.StringBuilder.Length"] = [new("value", "char")],
        ["M:System.Random.GetItems``1(``0[],System.Int32)"] = [new("length", "M0")],
        ["M:System.Random.GetItems``1(System.ReadOnlySpan{``0},System.Int32)"] = [new("length", "M0")],
        ["M:System.Random.GetString(System.ReadOnlySpan{System.Char},System.Int32)"] = [new("length", "char")],
        ["M:System.Random.GetHexString(System.Int32,System.Boolean)"] = [new("stringLength", "char")],
        ["M:System.Array.Resize``1(``0[]@,System.Int32)"] = [new("newSize", "M0")],
        ["M:System.Collections.Generic.List`1.#ctor(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.List`1.EnsureCapacity(System.Int32)"] = [new("capacity", "T0")],
        ["P:System.Collections.Generic.List`1.Capacity"] = [new("value", "T0")],
        ["M:System.Collections.Generic.Dictionary`2.#ctor(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.Dictionary`2.#ctor(System.Int32,System.Collections.Generic.IEqualityComparer{`0})"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.Dictionary`2.EnsureCapacity(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.Dictionary`2.TrimExcess(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.HashSet`1.#ctor(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.HashSet`1.#ctor(System.Int32,System.Collections.Generic.IEqualityComparer{`0})"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.HashSet`1.EnsureCapacity(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.HashSet`1.TrimExcess(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.OrderedDictionary`2.#ctor(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.OrderedDictionary`2.#ctor(System.Int32,System.Collections.Generic.IEqualityComparer{`0})"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.OrderedDictionary`2.EnsureCapacity(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.OrderedDictionary`2.TrimExcess(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.PriorityQueue`2.#ctor(System.Int32)"] = [new("initialCapacity", "T0,T1")],
        ["M:System.Collections.Generic.PriorityQueue`2.#ctor(System.Int32,System.Collections.Generic.IComparer{`1})"] = [new("initialCapacity", "T0,T1")],
        ["M:System.Collections.Generic.PriorityQueue`2.EnsureCapacity(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.Queue`1.#ctor(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.Queue`1.EnsureCapacity(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.Queue`1.TrimExcess(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.Stack`1.#ctor(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.Stack`1.EnsureCapacity(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.Stack`1.TrimExcess(System.Int32)"] = [new("capacity", "T0")],
        ["M:System.Collections.Generic.SortedList`2.#ctor(System.Int32)"] = [new("capacity", "T0,T1")],
        ["M:System.Collections.Generic.SortedList`2.#ctor(System.Int32,System.Collections.Generic.IComparer{`0})"] = [new("capacity", "T0,T1")],
        ["P:System.Collections.Generic.SortedList`2.Capacity"] = [new("value", "T0,T1")],
        ["M:System.Collections.Concurrent.ConcurrentDictionary`2.#ctor(System.Int32,System.Int32)"] = [new("concurrencyLevel", "lock"), new("capacity", "T0,T1")],
        ["M:System.Collections.Concurrent.ConcurrentDictionary`2.#ctor(System.Int32,System.Int32,System.Collections.Generic.IEqualityComparer{`0})"] = [new("concurrencyLevel", "lock"), new("capacity", "T0,T1")],
        ["M:System.Collections.Concurrent.ConcurrentDictionary`2.#ctor(System.Int32,System.Collections.Generic.IEnumerable{System.Collections.Generic.KeyValuePair{`0,`1}},System.Collections.Generic.IEqualityComparer{`0})"] = [new("concurrencyLevel", "lock")],
        ["M:System.Collections.Immutable.ImmutableArray.CreateBuilder``1(System.Int32)"] = [new("initialCapacity", "M0")],
        ["P:System.Collections.Immutable.ImmutableArray`1.Builder.Capacity"] = [new("value", "T0")],
        ["P:System.Collections.Immutable.ImmutableArray`1.Builder.Count"] = [new("value", "T0")],
        ["M:System.Collections.ArrayList.#ctor(System.Int32)"] = [new("capacity", "object")],
        ["P:System.Collections.ArrayList.Capacity"] = [new("value", "object")],
        ["M:System.Collections.ArrayList.Repeat(System.Object,System.Int32)"] = [new("count", "object")],
        ["M:System.Collections.BitArray.#ctor(System.Int32)"] = [new("length", "bits")],
        ["M:System.Collections.BitArray.#ctor(System.Int32,System.Boolean)"] = [new("length", "bits")],
        ["P:System.Collections.BitArray.Length"] = [new("value", "bits")],
        ["M:System.Collections.Hashtable.#ctor(System.Int32)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Hashtable.#ctor(System.Int32,System.Collections.IEqualityComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Hashtable.#ctor(System.Int32,System.Collections.IHashCodeProvider,System.Collections.IComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Hashtable.#ctor(System.Int32,System.Single)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Hashtable.#ctor(System.Int32,System.Single,System.Collections.IEqualityComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Hashtable.#ctor(System.Int32,System.Single,System.Collections.IHashCodeProvider,System.Collections.IComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.HybridDictionary.#ctor(System.Int32)"] = [new("initialSize", "object,object")],
        ["M:System.Collections.Specialized.HybridDictionary.#ctor(System.Int32,System.Boolean)"] = [new("initialSize", "object,object")],
        ["M:System.Collections.Specialized.NameValueCollection.#ctor(System.Int32)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.NameValueCollection.#ctor(System.Int32,System.Collections.IEqualityComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.NameValueCollection.#ctor(System.Int32,System.Collections.IHashCodeProvider,System.Collections.IComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.NameValueCollection.#ctor(System.Int32,System.Collections.Specialized.NameValueCollection)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.NameObjectCollectionBase.#ctor(System.Int32)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.NameObjectCollectionBase.#ctor(System.Int32,System.Collections.IEqualityComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.NameObjectCollectionBase.#ctor(System.Int32,System.Collections.IHashCodeProvider,System.Collections.IComparer)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.OrderedDictionary.#ctor(System.Int32)"] = [new("capacity", "object,object")],
        ["M:System.Collections.Specialized.OrderedDictionary.#ctor(System.Int32,System.Collections.IEqualityComparer)"] = [new("capacity", "object,object")],
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
