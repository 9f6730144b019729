public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/grafana`: Grafana unified alerting's webhook contact point,
/// payload version "1".
///
/// The body is Alertmanager's webhook payload with Grafana's additions, so an
/// alert keeps the labels and annotations its rule gave it, and its identity
/// is its labels as for Alertmanager. (Grafana's own `fingerprint` also covers
/// hidden `__alert_rule_uid__` labels that it strips from `labels`, so it can
/// not be recomputed and is not used.) What the adapter adds:
/// - `severity` is put on the canonical scale (`crit` → `critical`, `P2` →
///   `major`, an unknown word → `warning`); the sender's word, when it
///   differs, is kept in the `source_severity` annotation;
/// - the per-alert links become annotations named `…_url`
///   (`dashboard_url`, `panel_url`, `silence_url`), and `valueString`
///   becomes the `value` annotation.
///
/// As with Alertmanager, a firing alert has no end (Grafana re-sends it
/// every repeat interval), and Grafana's zero `startsAt` (its test
/// notifications) means "when received".
public struct GrafanaAdapter: IngestAdapter {
    public var source: String { "grafana" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (a Grafana webhook payload)")
        if let version = root["version"] {
            guard case .string("1") = version else {
                let shown = if case .string(let text) = version { "\"\(text)\"" } else { version.kindDescription }
                throw IngestError(path: "version", "expected \"1\" (Grafana's webhook payload), got \(shown)")
            }
        }
        let elements = try PayloadFields.array(root["alerts"], "alerts", what: "an array of alerts")
        try PayloadFields.checkCount(elements.count, "alerts", limits: limits)
        var alerts: [Alert] = []
        alerts.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            alerts.append(try alert(element, path: "alerts[\(index)]", receivedAt: receivedAt))
        }
        return alerts
    }

    private func alert(_ element: JSONValue, path: String, receivedAt: Date) throws(IngestError) -> Alert {
        _ = try PayloadFields.object(element, path, what: "an alert object")
        guard let status = try PayloadFields.status(element["status"], "\(path).status") else {
            throw IngestError(path: "\(path).status", "required, expected \"firing\" or \"resolved\"")
        }
        var labels = try PayloadFields.labels(
            element["labels"], "\(path).labels", limits: limits, valueLimit: limits.maxLabelValueBytes, required: true)
        var annotations = try PayloadFields.labels(
            element["annotations"], "\(path).annotations", limits: limits, valueLimit: limits.maxAnnotationValueBytes,
            required: false)
        if let word = labels["severity"] {
            let canonical = Severity(label: word).rawValue
            if canonical != word {
                labels.set("severity", to: canonical)
                annotations.set("source_severity", to: word)
            }
        }
        let extra: [(String, String)] = [
            ("dashboard_url", try PayloadFields.optionalString(element["dashboardURL"], "\(path).dashboardURL") ?? ""),
            ("panel_url", try PayloadFields.optionalString(element["panelURL"], "\(path).panelURL") ?? ""),
            ("silence_url", try PayloadFields.optionalString(element["silenceURL"], "\(path).silenceURL") ?? ""),
            ("value", try PayloadFields.optionalString(element["valueString"], "\(path).valueString") ?? ""),
        ]
        annotations = try PayloadFields.built(
            annotations.map { ($0.name, $0.value) } + extra.filter { annotations[$0.0] == nil }, "\(path).annotations",
            limits: limits, valueLimit: limits.maxAnnotationValueBytes)
        let startsAt = try PayloadFields.time(element["startsAt"], "\(path).startsAt") ?? receivedAt
        let sentEnd = try PayloadFields.time(element["endsAt"], "\(path).endsAt")
        let endsAt: Date?
        switch status {
        case .firing:
            endsAt = nil
        case .resolved:
            let end = sentEnd ?? receivedAt
            guard end >= startsAt else { throw IngestError(path: "\(path).endsAt", "must not be before startsAt") }
            endsAt = end
        }
        return Alert(
            source: source, labels: labels, annotations: annotations, status: status, startsAt: startsAt, endsAt: endsAt,
            receivedAt: receivedAt,
            generatorURL: try PayloadFields.optionalString(element["generatorURL"], "\(path).generatorURL"))
    }
}
