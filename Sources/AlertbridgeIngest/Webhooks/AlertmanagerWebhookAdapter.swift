public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/alertmanager`: the Alertmanager webhook payload, version 4.
///
/// Each alert carries its own `status`. Firing alerts arrive with Go's zero
/// time as `endsAt` and have no timeout here: Alertmanager re-sends a group
/// only every `repeat_interval` (hours), so firing means firing until a
/// resolved notification comes. Group fields (`receiver`, `groupKey`, …) are
/// accepted and not needed.
public struct AlertmanagerWebhookAdapter: IngestAdapter {
    public var source: String { "alertmanager" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (an Alertmanager webhook payload)")
        if let version = root["version"] {
            guard case .string("4") = version else {
                let shown = if case .string(let text) = version { "\"\(text)\"" } else { version.kindDescription }
                throw IngestError(path: "version", "expected \"4\", got \(shown)")
            }
        }
        let elements = try PayloadFields.array(root["alerts"], "alerts", what: "an array of alerts")
        try PayloadFields.checkCount(elements.count, "alerts", limits: limits)
        var alerts: [Alert] = []
        alerts.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            _ = try PayloadFields.object(element, "alerts[\(index)]", what: "an alert object")
            guard let status = try PayloadFields.status(element["status"], "alerts[\(index)].status") else {
                throw IngestError(path: "alerts[\(index)].status", "required, expected \"firing\" or \"resolved\"")
            }
            let labels = try PayloadFields.labels(
                element["labels"], "alerts[\(index)].labels", limits: limits, valueLimit: limits.maxLabelValueBytes, required: true)
            let annotations = try PayloadFields.labels(
                element["annotations"], "alerts[\(index)].annotations", limits: limits,
                valueLimit: limits.maxAnnotationValueBytes, required: false)
            let startsAt = try PayloadFields.time(element["startsAt"], "alerts[\(index)].startsAt") ?? receivedAt
            let sentEnd = try PayloadFields.time(element["endsAt"], "alerts[\(index)].endsAt")
            let endsAt: Date?
            switch status {
            case .firing:
                endsAt = nil
            case .resolved:
                endsAt = sentEnd ?? receivedAt
                if endsAt! < startsAt { throw IngestError(path: "alerts[\(index)].endsAt", "must not be before startsAt") }
            }
            alerts.append(
                Alert(
                    source: source, labels: labels, annotations: annotations, status: status, startsAt: startsAt, endsAt: endsAt,
                    receivedAt: receivedAt,
                    generatorURL: try PayloadFields.optionalString(element["generatorURL"], "alerts[\(index)].generatorURL")))
        }
        return alerts
    }
}
