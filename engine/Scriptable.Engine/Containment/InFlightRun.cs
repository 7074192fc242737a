using System.Globalization;
using System.Net;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Containment;

/// <summary>A policy version as the journal's table recorded it.</summary>
/// <param name="Id">Its journal id.</param>
/// <param name="File">The policy file, relative to the policies folder ('/' separated).</param>
/// <param name="Hash">SHA-256 of the file and its helpers, hex.</param>
/// <param name="Revision">Its revision in that run.</param>
/// <param name="Truncated">True if the path was too long to record whole (only its start is in <see cref="File"/>).</param>
internal sealed record JournalVersion(int Id, string File, string Hash, int Revision, bool Truncated);

/// <summary>A run a previous process left in the journal: it was running (or loading) when the process died.</summary>
/// <param name="Version">The version that was running.</param>
/// <param name="StartedAt">When the run started (wall clock, from the journal's start time).</param>
/// <param name="Loading">True if its static fields were being initialised (no query).</param>
/// <param name="Stuck">True if the watchdog had named it stuck (the certain culprit).</param>
/// <param name="Transport">udp, tcp, or load.</param>
/// <param name="Client">The client's address, or null.</param>
/// <param name="Port">The client's port.</param>
/// <param name="Query">The query bytes recorded (at most the first 272).</param>
internal sealed record InFlightRun(JournalVersion Version, DateTimeOffset StartedAt, bool Loading, bool Stuck, string Transport, IPAddress? Client, int Port, byte[] Query)
{
    /// <summary>The question as people read it: <c>www.example.org. A from 192.0.2.1 over udp</c>; for a load, what was loading.</summary>
    public string Question
    {
        get
        {
            if (Loading)
            {
                return "initialising its static fields (no query)";
            }

            return $"{QuestionName()} from {Client} over {Transport}";
        }
    }

    /// <summary>The question name and type, or a note when the bytes hold none.</summary>
    public string QuestionName()
    {
        var name = new QueryName();
        if (Query.Length <= 12)
        {
            return "(no question)";
        }

        var end = name.Read(Query, 12);
        if (end < 0 || end + 4 > Query.Length)
        {
            return "(unreadable question)";
        }

        var type = (ushort)((Query[end] << 8) | Query[end + 1]);
        return name.ToDnsName() + " " + RecordType.ToText(type);
    }

    /// <summary>The query bytes as hex (kept in the quarantine record, to replay it).</summary>
    public string QueryHex => Convert.ToHexStringLower(Query);

    /// <summary>When, in the ISO form logs use.</summary>
    public string When => StartedAt.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>What a previous process left in the journal.</summary>
/// <param name="Clean">True if it stopped cleanly.</param>
/// <param name="Pid">Its process id.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="Runs">Runs left in flight: empty after a clean stop, or after a death outside any policy.</param>
internal sealed record JournalReading(bool Clean, int Pid, DateTimeOffset StartedAt, IReadOnlyList<InFlightRun> Runs);
