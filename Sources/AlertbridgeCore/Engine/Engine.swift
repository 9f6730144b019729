public import Foundation
import HeapModule

/// The deterministic state machine that turns received alerts into incidents.
///
/// It does no I/O and reads no clock: time comes in with the input
/// (`process(_:at:)`, `advance(to:)`), and every call returns what changed
/// (``DeskChanges``). Given the same configuration, rules, alerts and times
/// it always produces the same incidents, which is what makes replay, rule
/// tests and crash recovery exact. It is a value type with a single owner
/// (the engine service, or a replay), so it needs no lock.
///
/// Stages, in the order an alert meets them: syslog (messages to alerts) → enrich → dedup (identity,
/// duplicates, flapping) → suppress (heartbeats, maintenance windows,
/// silences, inhibition) → correlate → prioritise → lifecycle.
///
/// ```swift
/// var engine = Engine(rules: ruleSet)
/// let changes = engine.process(alerts, at: receivedAt)
/// try await store.apply(changes, through: inboxSequence)
/// ```
public struct Engine: Sendable {
    public let configuration: EngineConfiguration
    /// The rules in force; ``reload(_:at:)`` replaces them and keeps all state.
    public internal(set) var rules: RuleSet {
        didSet { enrichments.removeAll() }
    }
    /// What the enrich rules made of label sets seen lately: enrichment is a
    /// pure function of the labels, the source and the rules, and senders
    /// repeat the same label sets (Prometheus re-sends every firing alert).
    var enrichments = EnrichmentCache()

    /// Live alert occurrences: those of incidents not yet closed, and
    /// suppressed ones not yet forgotten.
    var alerts = AlertTable()
    /// The newest occurrence of each identity, the one a receipt updates.
    var currentOccurrence: [Fingerprint: Int64] = [:]
    /// Incidents not yet closed.
    var incidents: [Int64: IncidentEntry] = [:]
    /// The newest incident of each group key.
    var incidentByGroup: [String: Int64] = [:]
    /// When firing alerts with an `endsAt` time out; lazily rescheduled.
    var expiries = Heap<Deadline>()
    /// When resolved incidents close; entries are checked when they come due.
    var closings = Heap<Deadline>()
    /// Everything else time decides: suppressions ending, flapping quieting
    /// down, heartbeats falling silent, suppressed alerts being forgotten.
    var timers = Heap<Timer>()
    /// Suppressed alerts (without an incident).
    var suppressed: Set<Int64> = []
    /// Firing alerts that match an inhibit rule's source, per rule, by the
    /// values of its `equal` labels.
    var inhibitionSources: [String: [String: Set<Int64>]] = [:]
    /// Suppressed alerts by the alert that inhibits them.
    var inhibitedBy: [Int64: Set<Int64>] = [:]
    /// Heartbeats seen, by rule and group.
    var heartbeats: [String: HeartbeatState] = [:]
    /// Silences created through the API, until they have ended.
    var silences: [Int64: Silence] = [:]
    /// Long label and annotation values, URLs and join reasons, shared
    /// between the alerts that repeat them.
    var interner = StringInterner()
    var nextAlertID: Int64 = 1
    var nextIncidentID: Int64 = 1
    var nextSilenceID: Int64 = 1
    /// The engine's time in Unix milliseconds: the latest time it was given.
    public internal(set) var now: Int64 = .min

    public init(configuration: EngineConfiguration = EngineConfiguration(), rules: RuleSet = .empty) {
        self.configuration = configuration
        self.rules = rules
    }

    // MARK: - Input

    /// Processes `alerts` received at `at`, after applying every timeout due by then.
    ///
    /// Time never runs backwards: an `at` earlier than a previous one is
    /// treated as the engine's current time.
    public mutating func process(_ alerts: [Alert], at: Date) -> DeskChanges {
        var changes = DeskChanges()
        process(alerts, at: at, into: &changes)
        return changes
    }

    /// Like ``process(_:at:)``, adding to `changes`: a batch of inbox entries
    /// accumulates into one set of changes without merging step by step.
    public mutating func process(_ alerts: [Alert], at: Date, into changes: inout DeskChanges) {
        advance(to: at.unixMilliseconds, into: &changes)
        // By index: `for alert in` copied each alert (retaining everything
        // it holds) even where the stages only read it.
        for index in alerts.indices {
            if SyslogEvent.isMessage(alerts[index]) {
                receiveSyslogMessage(alerts[index], into: &changes)
            } else {
                receive(alerts[index], into: &changes)
            }
        }
    }

    /// Applies what time alone changes up to `date`: alerts whose `endsAt`
    /// passed resolve (the resolve timeout), resolved incidents past their
    /// hold time close, suppressions end, heartbeats go missing.
    public mutating func advance(to date: Date) -> DeskChanges {
        var changes = DeskChanges()
        advance(to: date, into: &changes)
        return changes
    }

    public mutating func advance(to date: Date, into changes: inout DeskChanges) {
        advance(to: date.unixMilliseconds, into: &changes)
    }

    // MARK: - Reading state

    /// An incident that is not closed.
    public func incident(_ id: Int64) -> Incident? { incidents[id]?.incident }

    /// A live alert occurrence (one whose incident is not closed).
    public func alert(_ id: Int64) -> TrackedAlert? { alerts[id]?.alert }

    /// The live occurrence of `fingerprint`, if any.
    public func alert(fingerprint: Fingerprint) -> TrackedAlert? {
        currentOccurrence[fingerprint].flatMap { alerts[$0]?.alert }
    }

    /// Incidents that are not closed, by id.
    public var liveIncidents: [Incident] { incidents.values.map(\.incident).sorted { $0.id < $1.id } }

    /// The ids of the alerts of a live incident, in the order they joined.
    public func alertIDs(ofIncident id: Int64) -> [Int64] { incidents[id]?.members ?? [] }

    /// Live alert occurrences, by id.
    public var liveAlerts: [TrackedAlert] { alerts.values.map(\.alert).sorted { $0.id < $1.id } }

    /// Silences that have not ended, by id.
    public var activeSilences: [Silence] { silences.values.sorted { $0.id < $1.id } }

    var closeAfter: Int64 { configuration.closeAfter.milliseconds }
}

// MARK: - Internal state

/// A point in time at which something may be due for the alert or incident `id`.
struct Deadline: Comparable, Sendable {
    var at: Int64
    var id: Int64

    static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        (lhs.at, lhs.id) < (rhs.at, rhs.id)
    }
}

/// Something time decides, checked when it comes due (it may be stale by then).
struct Timer: Comparable, Sendable {
    enum Kind: Int, Sendable {
        /// A suppressed alert's suppression may have ended.
        case releaseCheck
        /// A flapping alert may have been quiet long enough.
        case flapQuiet
        /// A suppressed, resolved alert may be forgotten.
        case forget
        /// A heartbeat may have gone silent.
        case heartbeat
        /// An API silence may have ended.
        case silenceEnd
    }

    var at: Int64
    var kind: Kind
    var id: Int64
    /// For heartbeats: the heartbeat key.
    var key: String = ""

    static func < (lhs: Timer, rhs: Timer) -> Bool {
        (lhs.at, lhs.kind.rawValue, lhs.id, lhs.key) < (rhs.at, rhs.kind.rawValue, rhs.id, rhs.key)
    }
}

struct AlertEntry: Sendable {
    var alert: TrackedAlert
    /// `Int64.min` for none: an optional would not fit in the alert's tail
    /// padding and would take 8 more bytes of each entry.
    private var scheduledExpiryMilliseconds = Int64.min

    init(alert: TrackedAlert) {
        self.alert = alert
    }

    /// The deadline this alert has in `expiries`, if any. At most one entry
    /// per alert is live: a refresh that moves `endsAt` later changes nothing
    /// until the old deadline comes due and is rescheduled.
    var scheduledExpiry: Int64? {
        get { scheduledExpiryMilliseconds == .min ? nil : scheduledExpiryMilliseconds }
        set { scheduledExpiryMilliseconds = newValue ?? .min }
    }
}

struct IncidentEntry: Sendable {
    var incident: Incident
    var members: [Int64] = []
    /// Effectively firing members per severity (indexed by `Severity.allCases` order).
    var firingBySeverity = [Int](repeating: 0, count: Severity.allCases.count)
    /// Effectively firing members per priority (indexed by `Priority.allCases` order).
    var firingByPriority = [Int](repeating: 0, count: Priority.allCases.count)
    /// The worst severity and best priority of any member, firing or not.
    var worstEver: Severity = .info
    var bestEver: Priority = .p5
    /// How long after resolving it can still be joined (its rule's window).
    var window: Int64

    init(incident: Incident, window: Int64) {
        self.incident = incident
        self.window = window
    }

    /// The worst severity among firing members, or among all once none fires.
    var severity: Severity {
        for (index, severity) in Severity.allCases.enumerated().reversed() where firingBySeverity[index] > 0 {
            return severity
        }
        return worstEver
    }

    /// The best priority among firing members, or among all once none fires.
    var priority: Priority {
        for (index, priority) in Priority.allCases.enumerated() where firingByPriority[index] > 0 {
            return priority
        }
        return bestEver
    }

    mutating func countFiring(_ alert: TrackedAlert, by delta: Int) {
        firingBySeverity[Severity.allCases.firstIndex(of: alert.severity)!] += delta
        firingByPriority[Priority.allCases.firstIndex(of: alert.priority)!] += delta
        incident.firingCount += delta
    }

    mutating func noteMember(_ alert: TrackedAlert) {
        worstEver = max(worstEver, alert.severity)
        bestEver = min(bestEver, alert.priority)
    }
}

/// When a heartbeat was last seen, and the alert that says it went missing.
struct HeartbeatState: Sendable {
    var rule: String
    var labels: LabelSet
    var lastSeen: Int64
    var missingAlertID: Int64?
}
