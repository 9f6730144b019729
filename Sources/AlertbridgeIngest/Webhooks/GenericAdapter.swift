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
    /// Label sets read before, for a sender that repeats them (see ``LabelSetCache``).
    public var labelSets: LabelSetCache?

    public init(acceptsReceivedAt: Bool = false, limits: IngestLimits = IngestLimits(), labelSets: LabelSetCache? = nil) {
        self.acceptsReceivedAt = acceptsReceivedAt
        self.limits = limits
        self.labelSets = labelSets
    }

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        try body.withUnsafeReadableBytes { raw in
            Result { () throws(IngestError) in try decode(raw, receivedAt: receivedAt) }
        }.get()
    }

    /// ``decode(_:receivedAt:)`` over bytes in place: replay reads its
    /// recording this way, a line at a time, without copying it.
    public func decode(_ body: UnsafeRawBufferPointer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let reads: AlertScanner.Extras = acceptsReceivedAt ? [.status, .identity, .receivedAt] : [.status, .identity]
        let scanner = AlertScanner(limits: limits, reads: reads, acceptsObject: true, labelSets: labelSets)
        if let alerts = scanner.alerts(in: body, { fields throws(IngestError) in try alert(fields, path: "", receivedAt: receivedAt) }) {
            return alerts
        }
        return try decodeTree(body, receivedAt: receivedAt)
    }

    /// Decodes through a JSON tree: every payload the scanner leaves, and
    /// every error.
    func decodeTree(_ body: UnsafeRawBufferPointer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try JSONReader.parse(body, maxDepth: limits.maxDepth)
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

    private func alert(_ element: JSONValue, path: String, receivedAt: Date) throws(IngestError) -> Alert {
        func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        _ = try PayloadFields.object(element, path.isEmpty ? "body" : path, what: "an alert object")
        let sentAt = acceptsReceivedAt ? try PayloadFields.time(element["receivedAt"], field("receivedAt")) : nil
        let labels = try PayloadFields.labels(
            element["labels"], field("labels"), limits: limits, valueLimit: limits.maxLabelValueBytes, required: true)
        let annotations = try PayloadFields.labels(
            element["annotations"], field("annotations"), limits: limits, valueLimit: limits.maxAnnotationValueBytes, required: false)
        let fields = AlertFields(
            labels: labels, annotations: annotations, status: try PayloadFields.status(element["status"], field("status")),
            startsAt: try PayloadFields.time(element["startsAt"], field("startsAt")),
            endsAt: try PayloadFields.time(element["endsAt"], field("endsAt")), receivedAt: sentAt,
            generatorURL: try PayloadFields.optionalString(element["generatorURL"], field("generatorURL")),
            identity: try PayloadFields.optionalString(element["identity"], field("identity")))
        return try alert(fields, path: path, receivedAt: receivedAt)
    }

    /// The format's rules over an alert's fields, however they were read.
    private func alert(_ fields: AlertFields, path: String, receivedAt defaultReceivedAt: Date) throws(IngestError) -> Alert {
        func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        let receivedAt = fields.receivedAt ?? defaultReceivedAt
        var status = fields.status ?? .firing
        let startsAt = fields.startsAt ?? receivedAt
        var endsAt = fields.endsAt
        if let end = endsAt, end < startsAt {
            throw IngestError(path: field("endsAt"), "must not be before startsAt")
        }
        if let end = endsAt, end <= receivedAt { status = .resolved }
        if status == .resolved, endsAt == nil { endsAt = receivedAt }
        if let identity = fields.identity {
            guard !identity.isEmpty else { throw IngestError(path: field("identity"), "must not be empty") }
            guard identity.utf8.count <= limits.maxLabelValueBytes else {
                throw IngestError(path: field("identity"), "is \(identity.utf8.count) bytes; the limit is \(limits.maxLabelValueBytes)")
            }
        }
        return fields.alert(source: source, status: status, startsAt: startsAt, endsAt: endsAt, receivedAt: receivedAt)
    }
}
