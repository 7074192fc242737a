namespace Scriptable.Engine.Pipeline;

/// <summary>What a stage tells the pipeline (Knot's <c>knotd_in_state_t</c>). Stages never throw by design.</summary>
internal enum StageResult
{
    /// <summary>Go on to the next stage.</summary>
    Continue,

    /// <summary>The response is decided (rcode and sections set): skip to Finalize.</summary>
    Respond,

    /// <summary>Send nothing (garbage or a response packet).</summary>
    Drop,
}
