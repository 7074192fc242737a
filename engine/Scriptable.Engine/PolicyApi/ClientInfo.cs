using System.Net;

namespace Scriptable.Policies;

/// <summary>
/// Who asked: the address the query came from (usually a recursive resolver) and, when the resolver sent
/// one, the EDNS Client Subnet (RFC 7871) of the client behind it.
/// </summary>
public sealed class ClientInfo
{
    private readonly PolicyContext _context;
    private IPAddress? _address;
    private IPNetwork? _subnet;

    internal ClientInfo(PolicyContext context)
    {
        _context = context;
    }

    /// <summary>
    /// The source address of the query. An answer that depends on it holds for that resolver, whatever
    /// client it asks for, so reading it does not narrow the ECS scope.
    /// </summary>
    public IPAddress Address
    {
        get
        {
            _context.Own();
            return _address ??= new IPAddress(_context.Source.ClientAddress);
        }
    }

    /// <summary>The source port of the query.</summary>
    public int Port => _context.Source.ClientPort;

    /// <summary>
    /// True if the query carried an EDNS Client Subnet the server uses: a source prefix above 0, from a client
    /// the configuration trusts (<c>EcsTrusted</c>; by default every client). Otherwise the client is its
    /// source address.
    /// </summary>
    public bool HasSubnet => _context.Source.LookupFromEcs;

    /// <summary>
    /// The EDNS Client Subnet (see <see cref="HasSubnet"/>), or null. Reading it makes the answer depend on the
    /// subnet: the response's ECS scope becomes the subnet's prefix length, unless the policy sets one.
    /// </summary>
    public IPNetwork? Subnet
    {
        get
        {
            if (!HasSubnet)
            {
                return null;
            }

            _context.DependsOnSubnet();
            return _subnet ??= new IPNetwork(_context.Source.Ecs.ToAddress(), _context.Source.Ecs.SourcePrefix);
        }
    }

    /// <summary>
    /// Where the client is, as well as the server can tell: the ECS subnet when present, else the source
    /// address as a single-address network. Reading it makes the answer depend on the subnet.
    /// </summary>
    public IPNetwork Network
    {
        get
        {
            if (Subnet is { } subnet)
            {
                return subnet;
            }

            var address = Address;
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }
    }

    internal void Reset()
    {
        _address = null;
        _subnet = null;
    }
}
