using System.Collections;
using System.ComponentModel;
using System.Numerics;

namespace Scriptable.Policies.Runtime;

/// <summary>
/// The lazily unbounded generators of <see cref="Enumerable"/>, counted: each element framework code takes
/// from them is a <see cref="Budget.Tick"/>, so <c>Enumerable.Range(0, int.MaxValue).Max()</c>, <c>Count()</c>,
/// <c>ToArray()</c> or <c>string.Join</c> over one stop at the time and memory budget like a loop in policy code.
/// The budget rewriter sends every use of <c>Enumerable.Range</c>, <c>Repeat</c>, <c>Sequence</c> and
/// <c>InfiniteSequence</c> (calls and method groups) here; same signatures, same argument checks. Policy
/// authors never call this.
/// </summary>
/// <remarks>
/// The counted sequence is a plain <see cref="IEnumerable{T}"/>: LINQ's shortcuts for ranges (an O(1)
/// <c>Count()</c>, a <c>ToArray()</c> that fills the array in one go) no longer apply, which costs a policy
/// that takes 10 elements nothing it would notice.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CountedSequences
{
    /// <summary><see cref="Enumerable.Range(int, int)"/>, counted.</summary>
    public static IEnumerable<int> Range(int start, int count) => new Counted<int>(Enumerable.Range(start, count));

    /// <summary><see cref="Enumerable.Repeat{TResult}(TResult, int)"/>, counted.</summary>
    public static IEnumerable<TResult> Repeat<TResult>(TResult element, int count) => new Counted<TResult>(Enumerable.Repeat(element, count));

    /// <summary><see cref="Enumerable.Sequence{T}(T, T, T)"/>, counted.</summary>
    public static IEnumerable<T> Sequence<T>(T start, T endInclusive, T step)
        where T : INumber<T> => new Counted<T>(Enumerable.Sequence(start, endInclusive, step));

    /// <summary><see cref="Enumerable.InfiniteSequence{T}(T, T)"/>, counted.</summary>
    public static IEnumerable<T> InfiniteSequence<T>(T start, T step)
        where T : IAdditionOperators<T, T, T> => new Counted<T>(Enumerable.InfiniteSequence(start, step));

    private sealed class Counted<T>(IEnumerable<T> inner) : IEnumerable<T>
    {
        public IEnumerator<T> GetEnumerator() => new Enumerator(inner.GetEnumerator());

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private sealed class Enumerator(IEnumerator<T> inner) : IEnumerator<T>
        {
            public T Current => inner.Current;

            object? IEnumerator.Current => Current;

            public bool MoveNext()
            {
                Budget.Tick();
                return inner.MoveNext();
            }

            public void Reset() => inner.Reset();

            public void Dispose() => inner.Dispose();
        }
    }
}
