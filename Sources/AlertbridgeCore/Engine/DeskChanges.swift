import OrderedCollections

/// Running totals the engine keeps, for `/api/v1/stats` and noise reduction.
public struct EngineCounters: Equatable, Sendable {
    /// Alerts processed, duplicates included.
    public var received = 0
    /// Receipts that repeated a known occurrence.
    public var duplicates = 0
    /// Out-of-order receipts ignored because the state already superseded them.
    public var stale = 0
    /// Alert occurrences created.
    public var alertsCreated = 0
    public var incidentsOpened = 0
    public var resolvedByTimeout = 0
    /// Alert occurrences kept out of incidents when they arrived.
    public var suppressed = 0
    /// Syslog messages judged (those that became alerts count in `received` too).
    public var syslogMessages = 0

    public init() {}

    public static func += (lhs: inout EngineCounters, rhs: EngineCounters) {
        lhs.received += rhs.received
        lhs.duplicates += rhs.duplicates
        lhs.stale += rhs.stale
        lhs.alertsCreated += rhs.alertsCreated
        lhs.incidentsOpened += rhs.incidentsOpened
        lhs.resolvedByTimeout += rhs.resolvedByTimeout
        lhs.suppressed += rhs.suppressed
        lhs.syslogMessages += rhs.syslogMessages
    }

    /// The share of received alerts that did not become an incident of its own.
    public var noiseReduction: Double {
        received == 0 ? 0 : 1 - Double(incidentsOpened) / Double(received)
    }
}

/// What a step changed about an alert, so the store writes no more than that.
///
/// In a storm nearly every receipt is a repeat that moves `lastSeenAt`,
/// `endsAt` and the duplicate count and nothing else: written as such, a
/// repeat neither re-serializes the annotations nor touches an indexed column.
/// Those three fields are written for every touched alert.
public struct AlertChange: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The occurrence is new: insert it and link it to its incident.
    public static let created = AlertChange(rawValue: 1 << 0)
    /// Status, start, resolution or refire count changed.
    public static let lifecycle = AlertChange(rawValue: 1 << 1)
    /// Annotations or the generator URL changed.
    public static let description = AlertChange(rawValue: 1 << 2)
    /// A suppressed alert joined an incident: link it.
    public static let attached = AlertChange(rawValue: 1 << 3)
}

/// Everything one engine step changed, coalesced: the latest state of each
/// touched alert and incident, the timeline events in order, and a verdict per
/// received alert.
///
/// An alert storm is mostly repeats, so the store writes one row per touched
/// alert per batch, not one per received alert: ``merge(_:)`` keeps only the
/// latest state of each.
public struct DeskChanges: Sendable {
    /// Touched alert occurrences, latest state, in first-touched order.
    var alertsByID: OrderedDictionary<Int64, TrackedAlert> = [:]
    /// What changed about each touched alert, over the whole step.
    var alertChanges: [Int64: AlertChange] = [:]
    /// Touched incidents, latest state, in first-touched order.
    var incidentsByID: OrderedDictionary<Int64, Incident> = [:]
    /// Silences created, changed or ended, latest state.
    var silencesByID: OrderedDictionary<Int64, Silence> = [:]
    /// Syslog messages counted per minute, host, app and template.
    public internal(set) var syslogCounts: [SyslogCountKey: SyslogTally] = [:]
    /// The latest text of each template seen, per app and template id.
    public internal(set) var syslogTemplates: [SyslogTemplateKey: SyslogTemplateSeen] = [:]
    /// Timeline entries, in the order they happened.
    public internal(set) var events: [IncidentEvent] = []
    /// One verdict per alert given to ``Engine/process(_:at:)``, in input order.
    public internal(set) var verdicts: [Verdict] = []
    public internal(set) var counters = EngineCounters()

    public init() {}

    /// Touched alert occurrences, latest state, in first-touched order.
    public var alerts: [TrackedAlert] { Array(alertsByID.values) }
    /// Touched incidents, latest state, in first-touched order.
    public var incidents: [Incident] { Array(incidentsByID.values) }

    public func alert(_ id: Int64) -> TrackedAlert? { alertsByID[id] }

    /// What changed about a touched alert (empty: only its refresh fields).
    public func change(ofAlert id: Int64) -> AlertChange { alertChanges[id] ?? [] }

    /// Records the latest state of an alert and what changed about it.
    mutating func record(_ alert: TrackedAlert, _ change: AlertChange = []) {
        alertsByID[alert.id] = alert
        alertChanges[alert.id, default: []].formUnion(change)
    }
    public func incident(_ id: Int64) -> Incident? { incidentsByID[id] }

    /// Touched silences, latest state.
    public var silences: [Silence] { Array(silencesByID.values) }

    public var isEmpty: Bool {
        alertsByID.isEmpty && incidentsByID.isEmpty && silencesByID.isEmpty && events.isEmpty && counters == EngineCounters()
            && syslogCounts.isEmpty
    }

    /// Appends `other`, a later step: its states replace this one's.
    public mutating func merge(_ other: DeskChanges) {
        for (id, alert) in other.alertsByID { record(alert, other.change(ofAlert: id)) }
        for (id, incident) in other.incidentsByID { incidentsByID[id] = incident }
        for (id, silence) in other.silencesByID { silencesByID[id] = silence }
        events.append(contentsOf: other.events)
        verdicts.append(contentsOf: other.verdicts)
        counters += other.counters
        for (key, tally) in other.syslogCounts { syslogCounts[key, default: SyslogTally()].add(tally) }
        for (key, seen) in other.syslogTemplates { syslogTemplates[key, default: SyslogTemplateSeen()].add(seen) }
    }
}

/// One row of the syslog counts: a minute (its start, Unix milliseconds),
/// a host, an app ("" when the line names none) and a template id ("" for
/// a message without text).
public struct SyslogCountKey: Hashable, Sendable {
    public var minute: Int64
    public var host: String
    public var app: String
    public var template: String

    public init(minute: Int64, host: String, app: String, template: String) {
        self.minute = minute
        self.host = host
        self.app = app
        self.template = template
    }
}

/// What the messages of one ``SyslogCountKey`` were.
public struct SyslogTally: Equatable, Sendable {
    public var messages = 0
    /// Messages of severity `err` or worse.
    public var errors = 0
    /// Lines that were neither RFC 5424 nor RFC 3164.
    public var unparsed = 0
    /// The most severe severity seen (0 emerg … 7 debug; nil: no PRI seen).
    public var worstSeverity: Int?

    public init() {}

    public mutating func add(_ other: SyslogTally) {
        messages += other.messages
        errors += other.errors
        unparsed += other.unparsed
        if let severity = other.worstSeverity { worstSeverity = min(worstSeverity ?? severity, severity) }
    }
}

public struct SyslogTemplateKey: Hashable, Sendable {
    public var app: String
    public var template: String

    public init(app: String, template: String) {
        self.app = app
        self.template = template
    }
}

/// A template's latest text and when and how often it was seen.
public struct SyslogTemplateSeen: Equatable, Sendable {
    public var text = ""
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min
    public var messages = 0

    public init() {}

    public mutating func add(_ other: SyslogTemplateSeen) {
        if other.lastSeen >= lastSeen, !other.text.isEmpty { text = other.text }
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        messages += other.messages
    }
}
