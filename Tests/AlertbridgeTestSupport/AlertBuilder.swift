public import AlertbridgeCore
public import Foundation

/// Builds alerts for tests at times given as seconds after a fixed epoch,
/// so no test reads the clock.
///
/// ```swift
/// let a = AlertBuilder.alert(["alertname": "Down", "service": "api"], at: 30)
/// ```
public enum AlertBuilder {
    /// 2024-05-13T10:00:00Z: time zero of every test timeline.
    public static let epoch = Date(unixMilliseconds: 1_715_594_400_000)

    /// The date `seconds` after ``epoch``.
    public static func time(_ seconds: Double) -> Date {
        Date(unixMilliseconds: epoch.unixMilliseconds + Int64((seconds * 1000).rounded()))
    }

    public static func alert(
        _ labels: LabelSet,
        annotations: LabelSet = .empty,
        status: AlertStatus = .firing,
        startsAt: Double? = nil,
        endsAt: Double? = nil,
        at receivedAt: Double,
        source: String = "test"
    ) -> Alert {
        Alert(
            source: source, labels: labels, annotations: annotations, status: status,
            startsAt: time(startsAt ?? receivedAt), endsAt: endsAt.map(time), receivedAt: time(receivedAt))
    }
}
