import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeStore
public import Foundation
public import Hummingbird
public import Logging
import NIOCore
import HummingbirdCore

/// Builds the whole server from its configuration: the store, the inbox and
/// engine services, and the HTTP routes. `alertbridge serve` and the tests
/// call the same function, so what is tested is what runs.
///
/// The syslog listeners bind here, before the server runs, so that a port
/// conflict or a bad certificate fails startup with the setting named.
///
/// The services are ordered so that shutdown (which runs in reverse) stops
/// HTTP first, then the syslog listeners (which hand over what they read),
/// then lets the engine process the inbox to its end, then closes the inbox.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger,
    now: @escaping @Sendable () -> Date = { Date() },
    clock: some Clock<Duration> = ContinuousClock()
) async throws -> some ApplicationProtocol {
    do {
        try configuration.validate()
    }
    let store = try SQLiteDeskStore(
        path: configuration.databasePath, durability: configuration.durability,
        keepRawPayloads: configuration.keepRawPayloads,
        inboxLimits: Inbox.Limits(maxBacklogAlerts: configuration.maxBacklogAlerts, maxRecentAlerts: configuration.maxRecentAlerts))
    logger.info(
        "desk store open",
        metadata: [
            "db": "\(configuration.databasePath)", "durability": "\(configuration.durability.rawValue)",
            "inbox": "\(store.inbox.path)", "inbox.committed": "\(store.inbox.committedSequence)",
        ])
    let directory = try configuration.ruleDirectory()
    let ruleSet: RuleSet
    if let directory {
        let (loaded, loadWarnings) = try directory.load()
        ruleSet = loaded
        let warnings = loadWarnings + loaded.warnings(under: configuration.engine)
        logger.info("rules loaded", metadata: ["dir": "\(directory.path)", "rules": "\(ruleSet.count)", "warnings": "\(warnings.count)"])
        for warning in warnings { logger.warning("rule warning", metadata: ["warning": "\(warning)"]) }
    } else {
        ruleSet = .empty
        logger.notice("no rule directory; alerts are grouped by service and env, else by alertname")
    }
    let metrics = ServerMetrics(ruleCount: ruleSet.count)
    let engine = EngineService(
        store: store, configuration: configuration.engine, rules: ruleSet, tickInterval: configuration.tickInterval,
        inboxRetention: configuration.inboxRetention, syslogCountsRetention: configuration.syslog.countsRetention, now: now,
        logger: logger)
    let reloader = RuleReloader(
        directory: directory, engine: engine, engineConfiguration: configuration.engine, metrics: metrics, logger: logger)

    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ErrorShapeMiddleware())
    let limits = configuration.ingestLimits
    let routes: [(path: String, adapter: any IngestAdapter)] = [
        (
            "api/v2/alerts",
            AlertmanagerAPIAdapter(resolveTimeout: configuration.resolveTimeout, limits: limits, labelSets: LabelSetCache())
        ),
        ("ingest/alertmanager", AlertmanagerWebhookAdapter(limits: limits)),
        ("ingest/generic", GenericAdapter(limits: limits, labelSets: LabelSetCache())),
        ("ingest/grafana", GrafanaAdapter(limits: limits)),
        ("ingest/pagerduty", PagerDutyAdapter(limits: limits)),
        ("v2/enqueue", PagerDutyAdapter(limits: limits)),
        ("ingest/zabbix", ZabbixAdapter(limits: limits)),
        ("ingest/datadog", DatadogAdapter(limits: limits)),
        ("ingest/cloudwatch", CloudWatchAdapter(limits: limits)),
        ("ingest/azure", AzureMonitorAdapter(limits: limits)),
        ("ingest/gcp", GoogleCloudMonitoringAdapter(limits: limits)),
    ]
    let gates = try SourceGates(
        routes: routes.map { ($0.path, $0.adapter.source) }, settings: configuration.sources,
        defaultMaxBodyBytes: configuration.maxBodyBytes, clock: clock)
    for gate in gates.gates where gate.settings != SourceSettings() {
        var metadata: Logger.Metadata = [
            "source": "\(gate.source)", "auth": "\(gate.settings.auth?.kind ?? "none")", "max_body_bytes": "\(gate.maxBodyBytes)",
            "rate": "\(gate.settings.rate.map { "\($0.perSecond)/s burst \($0.burst)" } ?? "unlimited")",
        ]
        if let sns = gate.sns?.settings {
            metadata["sns_verify_signatures"] = "\(sns.verifySignatures)"
            metadata["sns_confirm_subscriptions"] = "\(sns.confirmSubscriptions)"
            metadata["sns_trusted_urls"] = "\(sns.trustedURLs)"
        }
        logger.info("source settings", metadata: metadata)
    }
    let intake = Intake(
        inbox: store.inbox, budget: InFlightBudget(limit: configuration.maxInFlightBytes), gates: gates, now: now, logger: logger,
        routes: routes)
    let api = router.group("api/v1")
    IncidentController<BasicRequestContext>(queries: store.queries, engine: engine, maxBodyBytes: 64 * 1024).addRoutes(to: api)
    AlertController<BasicRequestContext>(queries: store.queries).addRoutes(to: api)
    SilenceController<BasicRequestContext>(queries: store.queries, engine: engine, now: now, maxBodyBytes: 64 * 1024).addRoutes(to: api)
    SyslogController<BasicRequestContext>(queries: store.queries, now: now).addRoutes(to: api)
    StatusController<BasicRequestContext>(
        queries: store.queries, engine: engine, inbox: store.inbox, reloader: reloader, metrics: metrics
    ).addRoutes(to: router)

    let syslog = try await SyslogListeners.bind(
        configuration: configuration.syslog, sink: SyslogIntake(inbox: store.inbox, now: now, logger: logger),
        registry: metrics.registry, logger: logger)
    let listening = syslog.boundAddresses.map { ("syslog.\($0.transport.rawValue)", $0.address) }
    SourcesController<BasicRequestContext>(gates: gates, syslog: syslog, startedAt: now().roundedToMilliseconds).addRoutes(to: api)

    let idleSeconds = configuration.idleTimeout.milliseconds / 1000
    return Application(
        router: router,
        server: AlertbridgeHTTP1Channel.builder(
            configuration: .init(idleTimeout: .seconds(max(1, idleSeconds))), intake: intake,
            timeout: .milliseconds(max(1, configuration.requestReadTimeout.milliseconds)), expired: metrics.requestReadTimeouts,
            logger: logger),
        configuration: .init(
            address: .hostname(configuration.http.host, port: configuration.http.port),
            serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
        services: [
            CheckpointService(store: store, interval: .milliseconds(250), logger: logger), InboxService(inbox: store.inbox), engine,
            ReloadOnHangupService(reloader: reloader), syslog,
        ],
        onServerRunning: { channel in
            var metadata: Logger.Metadata = ["http": "\(channel.localAddress.map(hostPort) ?? "?")"]
            for (key, address) in listening { metadata[key] = "\(address)" }
            metadata["malloc"] = "\(Allocator.name)"
            logger.info("listening", metadata: metadata)
        },
        logger: logger)
}

/// `127.0.0.1:9190` or `[::1]:9190`, the form `HostPort` parses.
func hostPort(_ address: SocketAddress) -> String {
    let host = address.ipAddress ?? "?"
    let port = address.port ?? 0
    return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
