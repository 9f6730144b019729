public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /api/v2/alerts`: Alertmanager's API, as Prometheus sends it.
///
/// The body is a JSON array of postable alerts. Semantics are Alertmanager's:
/// a missing `startsAt` means now; a missing `endsAt` means now plus the
/// resolve timeout, so an alert that stops being re-sent resolves by itself;
/// an `endsAt` at or before the time of receipt means resolved.
public struct AlertmanagerAPIAdapter: IngestAdapter {
    public var source: String { "prometheus" }
    /// How long an alert without `endsAt` stays firing without a refresh.
    public var resolveTimeout: Duration
    public var limits: IngestLimits
    /// Label sets read before: Prometheus re-sends every firing alert each
    /// minute (see ``LabelSetCache``).
    public var labelSets: LabelSetCache?

    public init(resolveTimeout: Duration = .seconds(300), limits: IngestLimits = IngestLimits(), labelSets: LabelSetCache? = nil) {
        self.resolveTimeout = resolveTimeout
        self.limits = limits
        self.labelSets = labelSets
    }

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let scanner = AlertScanner(limits: limits, labelSets: labelSets)
        let scanned = body.withUnsafeReadableBytes { raw in
            scanner.alerts(in: raw) { fields throws(IngestError) in try alert(fields, path: "", receivedAt: receivedAt) }
        }
        if let scanned { return scanned }
        return try decodeTree(body, receivedAt: receivedAt)
    }

    /// Decodes through a JSON tree: every payload the scanner leaves, and
    /// every error.
    func decodeTree(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        guard case .array(let elements) = root else {
            throw IngestError(path: "body", "expected a JSON array of alerts, got \(root.kindDescription)")
        }
        try PayloadFields.checkCount(elements.count, "body", limits: limits)
        var alerts: [Alert] = []
        alerts.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            _ = try PayloadFields.object(element, "[\(index)]", what: "an alert object")
            let labels = try PayloadFields.labels(
                element["labels"], "[\(index)].labels", limits: limits, valueLimit: limits.maxLabelValueBytes, required: true)
            let annotations = try PayloadFields.labels(
                element["annotations"], "[\(index)].annotations", limits: limits, valueLimit: limits.maxAnnotationValueBytes,
                required: false)
            let fields = AlertFields(
                labels: labels, annotations: annotations,
                startsAt: try PayloadFields.time(element["startsAt"], "[\(index)].startsAt"),
                endsAt: try PayloadFields.time(element["endsAt"], "[\(index)].endsAt"),
                generatorURL: try PayloadFields.optionalString(element["generatorURL"], "[\(index)].generatorURL"))
            alerts.append(try alert(fields, path: "[\(index)]", receivedAt: receivedAt))
        }
        return alerts
    }

    /// Alertmanager's rules over an alert's fields, however they were read.
    private func alert(_ fields: AlertFields, path: @autoclosure () -> String, receivedAt: Date) throws(IngestError) -> Alert {
        let startsAt = fields.startsAt ?? receivedAt
        var endsAt = fields.endsAt
        if let end = endsAt, end < startsAt {
            throw IngestError(path: "\(path()).endsAt", "must not be before startsAt")
        }
        let status: AlertStatus
        if let end = endsAt, end <= receivedAt {
            status = .resolved
        } else {
            status = .firing
            if endsAt == nil {
                endsAt = Date(unixMilliseconds: receivedAt.unixMilliseconds + resolveTimeout.milliseconds)
            }
        }
        return fields.alert(source: source, status: status, startsAt: startsAt, endsAt: endsAt, receivedAt: receivedAt)
    }
}
