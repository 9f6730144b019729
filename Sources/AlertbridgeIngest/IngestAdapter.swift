public import AlertbridgeCore
public import Foundation
public import NIOCore

/// Decodes one external payload format into normalized alerts, and does
/// nothing else.
///
/// Decoding is all or nothing: a payload with one bad alert is rejected
/// whole, with an ``IngestError`` naming the field, so a sender never has half
/// a request accepted. Adapters are pure functions of (body, receivedAt):
/// the same bytes received at the same time give the same alerts.
public protocol IngestAdapter: Sendable {
    /// The name recorded as each alert's `source`, e.g. `prometheus`.
    var source: String { get }

    func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert]
}

extension IngestAdapter {
    public func decode(_ body: [UInt8], receivedAt: Date) throws(IngestError) -> [Alert] {
        try decode(ByteBuffer(bytes: body), receivedAt: receivedAt)
    }

    public func decode(_ body: String, receivedAt: Date) throws(IngestError) -> [Alert] {
        try decode(ByteBuffer(string: body), receivedAt: receivedAt)
    }
}

/// Bounds on what one request may carry, so a hostile or broken sender cannot
/// make the bridge allocate without limit.
public struct IngestLimits: Equatable, Sendable {
    /// Alerts in one request (Prometheus sends at most 256 by default).
    public var maxAlertsPerRequest: Int
    /// Labels (and, separately, annotations) on one alert.
    public var maxLabelsPerAlert: Int
    /// Bytes in a label name.
    public var maxLabelNameBytes: Int
    /// Bytes in a label value.
    public var maxLabelValueBytes: Int
    /// Bytes in an annotation value (descriptions can be long).
    public var maxAnnotationValueBytes: Int
    /// Nesting depth of the JSON document.
    public var maxDepth: Int

    public init(
        maxAlertsPerRequest: Int = 10_000,
        maxLabelsPerAlert: Int = 256,
        maxLabelNameBytes: Int = 1024,
        maxLabelValueBytes: Int = 16 * 1024,
        maxAnnotationValueBytes: Int = 64 * 1024,
        maxDepth: Int = 64
    ) {
        self.maxAlertsPerRequest = maxAlertsPerRequest
        self.maxLabelsPerAlert = maxLabelsPerAlert
        self.maxLabelNameBytes = maxLabelNameBytes
        self.maxLabelValueBytes = maxLabelValueBytes
        self.maxAnnotationValueBytes = maxAnnotationValueBytes
        self.maxDepth = maxDepth
    }
}
