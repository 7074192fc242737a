namespace Scriptable.Server.Cluster;

/// <summary>etcd cannot be reached (or refused the request): a cluster-wide change was not made, anywhere.</summary>
public sealed class ClusterUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterUnavailableException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    public ClusterUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public ClusterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
