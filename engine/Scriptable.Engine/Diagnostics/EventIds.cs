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

    // 250-269: DNSSEC (keys, signing).
    public const int DnssecKeyError = 250;
    public const int DnssecZoneUnsignable = 251;
    public const int DnssecZoneSigned = 252;
    public const int DnssecZoneTransferredUnsigned = 253;

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
    public const int PolicyTried = 450;
    public const int PolicyTrialFailed = 451;

    // 430-449: containment (benches, the watchdog, the in-flight journal, quarantine, last-good store).
    public const int PolicyBenched = 430;
    public const int PolicyThrottled = 431;
    public const int PolicyStuck = 432;
    public const int PolicyStuckReturned = 433;
    public const int ExitingOnPurpose = 434;
    public const int WatchdogFailed = 435;
    public const int PolicyQuarantined = 436;
    public const int UncleanStop = 437;
    public const int StateDirectoryUnusable = 438;
    public const int StateFileUnreadable = 439;
    public const int ContainmentReady = 440;
    public const int LastGoodStoreFailed = 441;
    public const int StoredVersionUnusable = 442;
    public const int QuarantineReleased = 443;
    public const int JournalFull = 444;
    public const int StoredVersionRecompiled = 445;
    public const int StoredVersionLoaded = 446;

    // 460-479: policy worker processes (Isolation/).
    public const int PolicyWorkerFailed = 460;
    public const int PolicyWorkerDied = 461;
    public const int PolicyWorkerHeld = 462;
    public const int PolicyWorkerStarted = 463;
    public const int PolicyWorkerStartFailed = 464;
    public const int PolicyWorkerLoadFailed = 465;
    public const int PolicyWorkerControlLost = 466;
    public const int PolicyWorkerUnavailable = 467;
    public const int PolicyWorkerLate = 468;
    public const int PolicyWorkerIdleDied = 469;
    public const int PolicyWorkerGeoFailed = 470;

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
    public const int HealthCommandsAsRoot = 611;
    public const int HealthOverridesMoved = 612;

    // 3xx: transport.
    public const int Listening = 300;
    public const int ListenerFailed = 301;
    public const int TcpConnectionLimit = 302;
    public const int Stopping = 303;
    public const int ReceiveFailed = 304;
    public const int AcceptFailed = 305;
    public const int TcpClientLimit = 306;
    public const int TcpEvicted = 307;
    public const int TcpTimedOut = 308;
    public const int TcpBadFrame = 309;
    public const int TcpAcceptPaused = 310;
    public const int TcpLimitLowered = 311;

    // 85x: dnstap and the query log (the server's Observability/).
    public const int DnstapConnected = 850;
    public const int DnstapFailed = 851;
    public const int DnstapStopped = 852;
    public const int DnstapGaveUp = 853;
    public const int QueryLogFailed = 855;

    // 88x: zone transfers, NOTIFY and serials (Transfers/).
    public const int TransferSent = 880;
    public const int TransferRefused = 881;
    public const int NotifyAnswered = 882;
    public const int NotifyFailed = 883;
    public const int NotifyRetry = 884;
    public const int SerialNotIncreased = 885;
    public const int SerialSet = 886;

    // 900-919: cluster mode (the server's Cluster/): etcd sessions, drift.
    public const int ClusterJoined = 900;
    public const int ClusterUnreachable = 901;
    public const int ClusterReconnected = 902;
    public const int ClusterDrift = 903;
}
