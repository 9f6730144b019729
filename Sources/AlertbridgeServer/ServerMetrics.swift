import Prometheus

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
    /// Connections closed because a request was not read within `limits.request_read_timeout`.
    let requestReadTimeouts: Counter

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
        requestReadTimeouts = registry.makeCounter(
            descriptor: name(
                "http", "request_read_timeouts", "total",
                help: "HTTP connections closed because a request was not read whole within limits.request_read_timeout."))
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
