public import Foundation

/// A silence an operator created through the API: alerts matching it that
/// fire while it is active are recorded but join no incident until it ends
/// or is deleted. Unlike Alertmanager, an alert already in an incident stays
/// there, so its resolution still resolves the incident.
public struct Silence: Equatable, Sendable, Identifiable {
    public let id: Int64
    public var matchers: Matchers
    public var startsAt: Date
    public var endsAt: Date
    public var createdBy: String
    public var comment: String
    public var createdAt: Date

    public init(id: Int64, matchers: Matchers, startsAt: Date, endsAt: Date, createdBy: String, comment: String, createdAt: Date) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
        self.createdAt = createdAt
    }

    /// Whether it silences at `time` (Unix milliseconds): [startsAt, endsAt).
    public func isActive(at time: Int64) -> Bool {
        startsAt.unixMilliseconds <= time && time < endsAt.unixMilliseconds
    }
}
