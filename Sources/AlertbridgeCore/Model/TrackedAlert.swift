public import Foundation

/// One occurrence of an alert as the desk sees it: the first receipt and all
/// its duplicates, until the incident it belongs to closes.
///
/// A fingerprint can have several occurrences over time (it fired last week
/// and fires again today): each is its own `TrackedAlert` with its own id, in
/// its own incident, so an incident's history never changes after it closes.
public struct TrackedAlert: Equatable, Sendable, Identifiable {
    /// Why an alert stopped firing.
    public enum Resolution: String, Sendable, Hashable {
        /// The sender said so (`status: resolved`, or an `endsAt` in the past).
        case sender
        /// Its `endsAt` passed without a refresh (Alertmanager's resolve timeout).
        case timeout
        /// It still fired when an operator-resolved incident closed.
        case incidentClosed = "incident_closed"
    }

    public let id: Int64
    public var fingerprint: Fingerprint
    public var incidentID: Int64
    public var source: String
    public var labels: LabelSet
    public var annotations: LabelSet
    public var generatorURL: String?
    /// Receipts after the first that changed nothing but `lastSeenAt`/`endsAt`.
    public var duplicateCount: Int
    /// How often it fired again after being resolved, within its incident.
    public var refireCount: Int
    /// Why it joined its incident, e.g. `group_by service=api env=prod`.
    public var joinReason: String
    // Times as Unix milliseconds, `Int64.min` for none: the engine holds a
    // million of these, and an optional `Date` takes twice the room.
    private var startsAtMilliseconds: Int64
    private var endsAtMilliseconds: Int64
    private var firstSeenAtMilliseconds: Int64
    private var lastSeenAtMilliseconds: Int64
    private var resolvedAtMilliseconds: Int64
    public var status: AlertStatus
    public var resolution: Resolution?

    public var startsAt: Date {
        get { Date(unixMilliseconds: startsAtMilliseconds) }
        set { startsAtMilliseconds = newValue.unixMilliseconds }
    }
    public var endsAt: Date? {
        get { Self.date(endsAtMilliseconds) }
        set { endsAtMilliseconds = Self.milliseconds(newValue) }
    }
    /// When the first receipt of this occurrence was processed.
    public var firstSeenAt: Date {
        get { Date(unixMilliseconds: firstSeenAtMilliseconds) }
        set { firstSeenAtMilliseconds = newValue.unixMilliseconds }
    }
    /// When the latest receipt (original or duplicate) was processed.
    public var lastSeenAt: Date {
        get { Date(unixMilliseconds: lastSeenAtMilliseconds) }
        set { lastSeenAtMilliseconds = newValue.unixMilliseconds }
    }
    public var resolvedAt: Date? {
        get { Self.date(resolvedAtMilliseconds) }
        set { resolvedAtMilliseconds = Self.milliseconds(newValue) }
    }

    public init(
        id: Int64, fingerprint: Fingerprint, incidentID: Int64, source: String,
        labels: LabelSet, annotations: LabelSet, generatorURL: String?,
        status: AlertStatus, startsAt: Date, endsAt: Date?,
        firstSeenAt: Date, lastSeenAt: Date, resolvedAt: Date?, resolution: Resolution?,
        duplicateCount: Int, refireCount: Int, joinReason: String
    ) {
        self.id = id
        self.fingerprint = fingerprint
        self.incidentID = incidentID
        self.source = source
        self.labels = labels
        self.annotations = annotations
        self.generatorURL = generatorURL
        self.status = status
        self.startsAtMilliseconds = startsAt.unixMilliseconds
        self.endsAtMilliseconds = Self.milliseconds(endsAt)
        self.firstSeenAtMilliseconds = firstSeenAt.unixMilliseconds
        self.lastSeenAtMilliseconds = lastSeenAt.unixMilliseconds
        self.resolvedAtMilliseconds = Self.milliseconds(resolvedAt)
        self.resolution = resolution
        self.duplicateCount = duplicateCount
        self.refireCount = refireCount
        self.joinReason = joinReason
    }

    private static func date(_ milliseconds: Int64) -> Date? {
        milliseconds == .min ? nil : Date(unixMilliseconds: milliseconds)
    }

    private static func milliseconds(_ date: Date?) -> Int64 {
        date?.unixMilliseconds ?? .min
    }

    public var severity: Severity { Severity(label: labels["severity"]) }
}
