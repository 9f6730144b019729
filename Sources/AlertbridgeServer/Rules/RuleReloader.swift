import AlertbridgeCore
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads the rule directory without a restart (SIGHUP, `POST /-/reload`).
///
/// A rule set that does not load leaves the running one in place; why is in
/// the answer, a log line and the `alertbridge_rules_reloads_total{result="failure"}`
/// metric. A good one replaces it in the engine, which keeps all its state.
final class RuleReloader: Sendable {
    enum Result: Sendable {
        case reloaded(rules: Int, warnings: [RuleError])
        case failed(RuleErrors)
        case unavailable
    }

    let directory: RuleDirectory?
    let engine: EngineService
    let metrics: ServerMetrics
    let logger: Logger
    /// One reload at a time: two overlapping ones could apply in either order.
    private let running = Mutex(false)

    init(directory: RuleDirectory?, engine: EngineService, metrics: ServerMetrics, logger: Logger) {
        self.directory = directory
        self.engine = engine
        self.metrics = metrics
        self.logger = logger
    }

    func reload(trigger: String) async -> Result {
        guard let directory else {
            // Served without a rule directory: reloading means the built-in rules.
            return .reloaded(rules: 0, warnings: [])
        }
        while running.withLock({ running in
            defer { running = true }
            return running
        }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        defer { running.withLock { $0 = false } }
        do {
            let (ruleSet, warnings) = try directory.load()
            _ = try await engine.perform(.reload(ruleSet))
            metrics.reloaded(ruleCount: ruleSet.count)
            logger.info(
                "rules reloaded",
                metadata: ["trigger": "\(trigger)", "dir": "\(directory.path)", "rules": "\(ruleSet.count)", "warnings": "\(warnings.count)"])
            for warning in warnings { logger.warning("rule warning", metadata: ["warning": "\(warning)"]) }
            return .reloaded(rules: ruleSet.count, warnings: warnings)
        } catch let errors as RuleErrors {
            metrics.reloadFailed()
            logger.error(
                "rules not reloaded; the running rules stay",
                metadata: ["trigger": "\(trigger)", "dir": "\(directory.path)", "errors": "\(errors.errors.count)", "first": "\(errors.errors.first.map { "\($0)" } ?? "")"])
            return .failed(errors)
        } catch {
            metrics.reloadFailed()
            logger.error("rules not reloaded; the running rules stay", metadata: ["trigger": "\(trigger)", "error": "\(error)"])
            return .unavailable
        }
    }
}

/// Reloads the rules on SIGHUP, as Prometheus and Alertmanager do.
struct ReloadOnHangupService: Service {
    let reloader: RuleReloader

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = await reloader.reload(trigger: "SIGHUP")
        }
    }
}

/// The server's Prometheus metrics, exposed at `/metrics`.
///
/// An explicit registry rather than swift-metrics' global one: tests can
/// build several applications in one process, and a global bootstrap can
/// happen only once.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let reloadSuccesses: Counter
    private let reloadFailures: Counter
    private let lastReloadSuccessful: Gauge
    private let rulesLoaded: Gauge
    let backlogAlerts: Gauge
    let engineReady: Gauge

    init(ruleCount: Int) {
        func name(_ subsystem: String, _ metric: String, _ unit: String = "", help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "alertbridge", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
        }
        let reloads = name("rules", "reloads", "total", help: "Rule reloads, by result.")
        reloadSuccesses = registry.makeCounter(descriptor: reloads, labels: [("result", "success")])
        reloadFailures = registry.makeCounter(descriptor: reloads, labels: [("result", "failure")])
        lastReloadSuccessful = registry.makeGauge(
            descriptor: name("rules", "last_reload_successful", help: "1 if the last rule reload succeeded, else 0."))
        rulesLoaded = registry.makeGauge(descriptor: name("rules", "loaded", help: "Rules in the rule set in force."))
        backlogAlerts = registry.makeGauge(descriptor: name("inbox", "backlog_alerts", help: "Committed alerts the engine has not processed yet."))
        engineReady = registry.makeGauge(descriptor: name("engine", "ready", help: "1 while the engine is restored and processing."))
        lastReloadSuccessful.set(to: 1)
        rulesLoaded.set(to: Double(ruleCount))
    }

    func reloaded(ruleCount: Int) {
        reloadSuccesses.increment()
        lastReloadSuccessful.set(to: 1)
        rulesLoaded.set(to: Double(ruleCount))
    }

    func reloadFailed() {
        reloadFailures.increment()
        lastReloadSuccessful.set(to: 0)
    }
}
