import AlertbridgeCore
import Logging
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
    /// The settings rules are checked against (a window beyond close_after).
    let engineConfiguration: EngineConfiguration
    let metrics: ServerMetrics
    let logger: Logger
    /// One reload at a time: two overlapping ones could apply in either order.
    private let running = Mutex(false)

    init(directory: RuleDirectory?, engine: EngineService, engineConfiguration: EngineConfiguration, metrics: ServerMetrics, logger: Logger) {
        self.directory = directory
        self.engine = engine
        self.engineConfiguration = engineConfiguration
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
            let (ruleSet, loadWarnings) = try directory.load()
            let warnings = loadWarnings + ruleSet.warnings(under: engineConfiguration)
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
