namespace Scriptable.Engine.Pipeline;

/// <summary>One named step of the query pipeline; the order is fixed in <see cref="QueryPipeline"/>.</summary>
internal abstract class QueryStage
{
    /// <summary>Runs the stage on one query.</summary>
    public abstract StageResult Invoke(QueryContext context);
}
