public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/generic` and replay input: alertbridge's own format.
///
/// ```json
/// {"labels": {"alertname": "DiskFull", "host": "db-1"}, "annotations": {"summary": "…"},
///  "status": "firing", "startsAt": "2024-05-13T10:00:00Z", "endsAt": "…", "generatorURL": "…",
///  "identity": "…"}
/// ```
///
/// `identity` (optional) is the sender's own key for the alert
/// (``Alert/identity``): alerts with the same one are the same alert,
/// whatever their labels, so a resolve need not repeat the labels it resolves.
///
/// One object or an array of them. Only `labels` is required; `status`
/// defaults to firing and `startsAt` to the time of receipt. As in
/// Alertmanager, an `endsAt` at or before the time of receipt means resolved,
/// and a resolved alert without `endsAt` ended when it was received.
/// `receivedAt` is read only for replay (`acceptsReceivedAt`); over HTTP the
/// server's clock decides.
public struct GenericAdapter: IngestAdapter {
    public var source: String { "generic" }
    public var acceptsReceivedAt: Bool
    public var limits: IngestLimits

    public init(acceptsReceivedAt: Bool = false, limits: IngestLimits = IngestLimits()) {
        self.acceptsReceivedAt = acceptsReceivedAt
        self.limits = limits
    }

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        switch root {
        case .object:
            return [try alert(root, path: "", receivedAt: receivedAt)]
        case .array(let elements):
            try PayloadFields.checkCount(elements.count, "body", limits: limits)
            var alerts: [Alert] = []
            alerts.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                alerts.append(try alert(element, path: "[\(index)]", receivedAt: receivedAt))
            }
            return alerts
        default:
            throw IngestError(path: "body", "expected an alert object or an array of them, got \(root.kindDescription)")
        }
    }

    private func alert(_ element: JSONValue, path: String, receivedAt defaultReceivedAt: Date) throws(IngestError) -> Alert {
        func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        _ = try PayloadFields.object(element, path.isEmpty ? "body" : path, what: "an alert object")
        let receivedAt =
            acceptsReceivedAt ? try PayloadFields.time(element["receivedAt"], field("receivedAt")) ?? defaultReceivedAt : defaultReceivedAt
        let labels = try PayloadFields.labels(
            element["labels"], field("labels"), limits: limits, valueLimit: limits.maxLabelValueBytes, required: true)
        let annotations = try PayloadFields.labels(
            element["annotations"], field("annotations"), limits: limits, valueLimit: limits.maxAnnotationValueBytes, required: false)
        var status = try PayloadFields.status(element["status"], field("status")) ?? .firing
        let startsAt = try PayloadFields.time(element["startsAt"], field("startsAt")) ?? receivedAt
        var endsAt = try PayloadFields.time(element["endsAt"], field("endsAt"))
        if let end = endsAt, end < startsAt {
            throw IngestError(path: field("endsAt"), "must not be before startsAt")
        }
        if let end = endsAt, end <= receivedAt { status = .resolved }
        if status == .resolved, endsAt == nil { endsAt = receivedAt }
        let identity = try PayloadFields.optionalString(element["identity"], field("identity"))
        if let identity {
            guard !identity.isEmpty else { throw IngestError(path: field("identity"), "must not be empty") }
            guard identity.utf8.count <= limits.maxLabelValueBytes else {
                throw IngestError(path: field("identity"), "is \(identity.utf8.count) bytes; the limit is \(limits.maxLabelValueBytes)")
            }
        }
        return Alert(
            source: source, labels: labels, annotations: annotations, status: status, startsAt: startsAt, endsAt: endsAt,
            receivedAt: receivedAt, generatorURL: try PayloadFields.optionalString(element["generatorURL"], field("generatorURL")),
            identity: identity)
    }
}
