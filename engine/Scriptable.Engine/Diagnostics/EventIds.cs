namespace Scriptable.Engine.Diagnostics;

/// <summary>Event ids of every log message, allocated in one place (YARP <c>Utilities/EventIds.cs</c>).</summary>
internal static class EventIds
{
    // 1xx: query path.
    public const int QueryAnswered = 100;
    public const int QueryFailed = 101;

    // 2xx: zones.
    public const int ZoneLoaded = 200;
    public const int ZoneFailed = 201;
    public const int ZoneWarning = 202;
    public const int ZonesPublished = 203;
    public const int ZoneKept = 204;
    public const int ZoneNotServed = 205;
    public const int ReloadRequested = 206;

    // 3xx: transport.
    public const int Listening = 300;
    public const int ListenerFailed = 301;
    public const int TcpConnectionLimit = 302;
    public const int Stopping = 303;
    public const int ReceiveFailed = 304;
    public const int AcceptFailed = 305;
}
