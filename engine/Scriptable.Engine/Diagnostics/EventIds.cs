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

    // 4xx: policies.
    public const int PolicyFailed = 400;
    public const int PolicyLoaded = 401;
    public const int PolicyCompileFailed = 402;
    public const int PolicyRemoved = 403;
    public const int PolicyKept = 404;
    public const int PolicyNotServed = 405;
    public const int PolicyWarning = 406;
    public const int FolderChanged = 407;
    public const int ReloadFailed = 408;
    public const int WatcherFailed = 409;

    // 5xx: geo.
    public const int GeoLoaded = 500;
    public const int GeoKept = 501;
    public const int GeoFailed = 502;
    public const int GeoRemoved = 503;

    // 7xx: admin endpoint.
    public const int AdminListening = 700;
    public const int AdminOverride = 701;
    public const int AdminFailed = 702;

    // 6xx: health.
    public const int HealthStateChanged = 600;
    public const int HealthGroupChanged = 601;
    public const int HealthOverrideSet = 602;
    public const int HealthOverrideCleared = 603;
    public const int HealthOverrideExpired = 604;
    public const int HealthProbeFailed = 605;
    public const int HealthProbeError = 606;
    public const int HealthConfigApplied = 607;
    public const int HealthPublishFailed = 608;
    public const int HealthConfigKept = 609;
    public const int HealthOverridesUnreadable = 610;

    // 3xx: transport.
    public const int Listening = 300;
    public const int ListenerFailed = 301;
    public const int TcpConnectionLimit = 302;
    public const int Stopping = 303;
    public const int ReceiveFailed = 304;
    public const int AcceptFailed = 305;
}
