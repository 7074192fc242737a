namespace Scriptable.Policies;

/// <summary>The question a policy answers: <c>ctx.Query.Name</c>, <c>ctx.Query.Type</c>, ...</summary>
public sealed class QueryInfo
{
    private readonly PolicyContext _context;
    private string? _name;
    private string? _zone;

    internal QueryInfo(PolicyContext context)
    {
        _context = context;
    }

    /// <summary>
    /// The name being answered, lower case, with the trailing dot (<c>www.example.com.</c>). For a policy
    /// reached through a CNAME, this is the policy's own name; <see cref="QuestionName"/> is what was asked.
    /// </summary>
    public string Name
    {
        get
        {
            _context.Own();
            return _name ??= _context.OwnerText();
        }
    }

    /// <summary>The name in the question, lower case, with the trailing dot.</summary>
    public string QuestionName
    {
        get
        {
            _context.Own();
            return _context.QuestionText();
        }
    }

    /// <summary>The origin of the zone, lower case, with the trailing dot (<c>example.com.</c>).</summary>
    public string Zone
    {
        get
        {
            _context.Own();
            return _zone ??= _context.ZoneText();
        }
    }

    /// <summary>The type asked for.</summary>
    public DnsType Type => (DnsType)_context.Source.QType;

    /// <summary>The class asked for (always IN, 1: other classes are refused before policies run).</summary>
    public int Class => _context.Source.QClass;

    /// <summary>UDP or TCP.</summary>
    public QueryTransport Transport => _context.Source.Transport == Engine.Pipeline.DnsTransport.Tcp ? QueryTransport.Tcp : QueryTransport.Udp;

    /// <summary>True if the query carried EDNS (RFC 6891).</summary>
    public bool HasEdns => _context.Source.HasEdns;

    /// <summary>The DNSSEC OK bit (RFC 3225).</summary>
    public bool DnssecOk => _context.Source.DnssecOk;

    internal void Reset()
    {
        _name = null;
        _zone = null;
    }
}
