public import Foundation

/// Why an alert is recorded but kept out of incidents.
///
/// Suppressed alerts are never dropped: they are tracked, deduplicated and
/// stored, and when what suppressed them ends while they still fire they
/// join an incident then.
///
/// Indirect: few alerts are suppressed, and inline the largest case took 25
/// bytes of every alert the engine holds; boxed it takes 8.
public indirect enum Suppression: Hashable, Sendable, CustomStringConvertible {
    /// A maintenance window of the rule set.
    case maintenance(rule: String)
    /// A silence created through the API.
    case silence(id: Int64)
    /// A firing alert inhibits it, through an inhibit rule.
    case inhibition(source: Int64, rule: String)
    /// A heartbeat rule absorbs it: it is expected to keep arriving.
    case heartbeat(rule: String)

    public var description: String {
        switch self {
        case .maintenance(let rule): "maintenance window \(rule)"
        case .silence(let id): "silence #\(id)"
        case .inhibition(let source, let rule): "inhibited by alert #\(source) (rule \(rule))"
        case .heartbeat(let rule): "heartbeat \(rule)"
        }
    }

    /// The form the desk store keeps: `maintenance:NAME`, `silence:ID`,
    /// `inhibition:ALERT:RULE`, `heartbeat:NAME`.
    public var storedValue: String {
        switch self {
        case .maintenance(let rule): "maintenance:\(rule)"
        case .silence(let id): "silence:\(id)"
        case .inhibition(let source, let rule): "inhibition:\(source):\(rule)"
        case .heartbeat(let rule): "heartbeat:\(rule)"
        }
    }

    public init?(storedValue: String) {
        let parts = storedValue.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("maintenance", 2): self = .maintenance(rule: parts[1])
        case ("silence", 2): guard let id = Int64(parts[1]) else { return nil }; self = .silence(id: id)
        case ("inhibition", 3): guard let id = Int64(parts[1]) else { return nil }; self = .inhibition(source: id, rule: parts[2])
        case ("heartbeat", 2): self = .heartbeat(rule: parts[1])
        default: return nil
        }
    }
}

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

    // Stored properties are laid out in the order declared: the 8-byte ones
    // first and the 1-byte ones last, so that padding does not grow each of
    // the million entries the engine may hold.
    public let id: Int64
    /// The hash of the labels that make the alert's identity: all of them
    /// (Alertmanager's fingerprint) unless a dedup rule names a key.
    public var fingerprint: Fingerprint
    public var source: String
    public var labels: LabelSet
    public var annotations: LabelSet
    public var generatorURL: String?
    /// Receipts after the first that changed nothing but `lastSeenAt`/`endsAt`.
    public var duplicateCount: Int
    /// How often it fired again after being resolved, within its incident.
    public var refireCount: Int
    /// Why it joined its incident, e.g. `group_by service=api env=prod`;
    /// why it did not, while it is suppressed.
    public var joinReason: String
    /// What keeps it out of incidents, if anything.
    public var suppression: Suppression?
    /// The times (Unix milliseconds) of its recent state changes, for the flapping rule.
    public var stateChanges: [Int64]
    // Times as Unix milliseconds, `Int64.min` for none: the engine holds a
    // million of these, and an optional `Date` takes twice the room.
    private var startsAtMilliseconds: Int64
    private var endsAtMilliseconds: Int64
    private var firstSeenAtMilliseconds: Int64
    private var lastSeenAtMilliseconds: Int64
    private var resolvedAtMilliseconds: Int64
    /// The incident it belongs to; nil while it is suppressed.
    public var incidentID: Int64?
    /// Impact × urgency (or its severity's default): an incident takes the
    /// highest priority of its firing alerts.
    public var priority: Priority
    /// Changing state too often: it counts as firing until it has been quiet.
    public var flapping: Bool
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
        id: Int64, fingerprint: Fingerprint, incidentID: Int64?, source: String,
        labels: LabelSet, annotations: LabelSet, generatorURL: String?,
        status: AlertStatus, startsAt: Date, endsAt: Date?,
        firstSeenAt: Date, lastSeenAt: Date, resolvedAt: Date?, resolution: Resolution?,
        duplicateCount: Int, refireCount: Int, joinReason: String,
        suppression: Suppression? = nil, priority: Priority? = nil, flapping: Bool = false, stateChanges: [Int64] = []
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
        self.suppression = suppression
        self.priority = priority ?? Priority(defaultFor: Severity(label: labels["severity"]))
        self.flapping = flapping
        self.stateChanges = stateChanges
    }

    /// Firing, or flapping (which counts as firing): what an incident counts.
    public var isEffectivelyFiring: Bool { status == .firing || flapping }

    private static func date(_ milliseconds: Int64) -> Date? {
        milliseconds == .min ? nil : Date(unixMilliseconds: milliseconds)
    }

    private static func milliseconds(_ date: Date?) -> Int64 {
        date?.unixMilliseconds ?? .min
    }

    public var severity: Severity { Severity(label: labels["severity"]) }
}
