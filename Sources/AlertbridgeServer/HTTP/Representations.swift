import AlertbridgeCore
import AlertbridgeStore
import Foundation
import Hummingbird

// The JSON shapes of the read API. Times are RFC 3339 UTC strings with
// milliseconds; absent optional fields are omitted; keys are camelCase, as
// in Alertmanager's API.

struct IncidentRepresentation: ResponseEncodable {
    var id: Int64
    var title: String
    var status: String
    var severity: String
    var priority: String
    var groupKey: String
    var groupLabels: [String: String]
    /// The correlation rule that grouped it; absent for the built-in grouping.
    var rule: String?
    /// The root cause candidate (topology rules).
    var rootCause: String?
    var openedAt: String
    var firstAlertAt: String
    var lastAlertAt: String
    var alertCount: Int
    var firingCount: Int
    var acknowledgedAt: String?
    var acknowledgedBy: String?
    var resolvedAt: String?
    var resolvedBy: String?
    var closedAt: String?
    var reopenCount: Int
    var updatedAt: String

    init(_ incident: Incident) {
        id = incident.id
        title = incident.title
        status = incident.status.rawValue
        severity = incident.severity.rawValue
        priority = incident.priority.rawValue
        groupKey = incident.groupKey
        groupLabels = incident.groupLabels.dictionary
        rule = incident.rule
        rootCause = incident.rootCause
        openedAt = RFC3339.string(incident.openedAt)
        firstAlertAt = RFC3339.string(incident.firstAlertAt)
        lastAlertAt = RFC3339.string(incident.lastAlertAt)
        alertCount = incident.alertCount
        firingCount = incident.firingCount
        acknowledgedAt = incident.acknowledgedAt.map(RFC3339.string)
        acknowledgedBy = incident.acknowledgedBy
        resolvedAt = incident.resolvedAt.map(RFC3339.string)
        resolvedBy = incident.resolvedBy
        closedAt = incident.closedAt.map(RFC3339.string)
        reopenCount = incident.reopenCount
        updatedAt = RFC3339.string(incident.updatedAt)
    }
}

struct AlertRepresentation: ResponseEncodable {
    var id: Int64
    var fingerprint: String
    /// Absent while the alert is suppressed.
    var incidentId: Int64?
    var source: String
    var status: String
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: String
    var endsAt: String?
    var generatorURL: String?
    var firstSeenAt: String
    var lastSeenAt: String
    var resolvedAt: String?
    var resolution: String?
    var duplicateCount: Int
    var refireCount: Int
    /// Why the alert joined its incident: `group_by service=api env=prod`.
    var joinReason: String
    /// What keeps it out of incidents: `silence #3`, `maintenance window nightly`, …
    var suppressedBy: String?
    var priority: String
    var flapping: Bool

    init(_ alert: TrackedAlert) {
        id = alert.id
        fingerprint = alert.fingerprint.hex
        incidentId = alert.incidentID
        source = alert.source
        status = alert.status.rawValue
        labels = alert.labels.dictionary
        annotations = alert.annotations.dictionary
        startsAt = RFC3339.string(alert.startsAt)
        endsAt = alert.endsAt.map(RFC3339.string)
        generatorURL = alert.generatorURL
        firstSeenAt = RFC3339.string(alert.firstSeenAt)
        lastSeenAt = RFC3339.string(alert.lastSeenAt)
        resolvedAt = alert.resolvedAt.map(RFC3339.string)
        resolution = alert.resolution?.rawValue
        duplicateCount = alert.duplicateCount
        refireCount = alert.refireCount
        joinReason = alert.joinReason
        suppressedBy = alert.suppression?.description
        priority = alert.priority.rawValue
        flapping = alert.flapping
    }
}

struct EventRepresentation: ResponseEncodable {
    var at: String
    var kind: String
    var incidentId: Int64?
    var alertId: Int64?
    var fingerprint: String?
    var detail: String
    var actor: String?

    init(_ event: IncidentEvent) {
        at = RFC3339.string(event.at)
        kind = event.kind.rawValue
        incidentId = event.incidentID
        alertId = event.alertID
        fingerprint = event.fingerprint?.hex
        detail = event.detail
        actor = event.actor
    }
}

struct IncidentDetailRepresentation: ResponseEncodable {
    var incident: IncidentRepresentation
    var alerts: [AlertRepresentation]
    var timeline: [EventRepresentation]

    init(_ detail: DeskQueries.IncidentDetail) {
        incident = IncidentRepresentation(detail.incident)
        alerts = detail.alerts.map(AlertRepresentation.init)
        timeline = detail.events.map(EventRepresentation.init)
    }
}

struct IncidentListRepresentation: ResponseEncodable {
    var incidents: [IncidentRepresentation]
}

struct AlertListRepresentation: ResponseEncodable {
    var alerts: [AlertRepresentation]
}

struct AlertDetailRepresentation: ResponseEncodable {
    var alert: AlertRepresentation
    var timeline: [EventRepresentation]

    init(_ detail: DeskQueries.AlertDetail) {
        alert = AlertRepresentation(detail.alert)
        timeline = detail.events.map(EventRepresentation.init)
    }
}

struct SilenceRepresentation: ResponseEncodable {
    var id: Int64
    /// Alertmanager's notation: `{service="db", env=~"prod|staging"}`.
    var matchers: String
    var startsAt: String
    var endsAt: String
    var createdBy: String
    var comment: String
    var createdAt: String
    /// `pending`, `active` or `expired` at the time of the answer.
    var state: String

    init(_ silence: Silence, at now: Date) {
        id = silence.id
        matchers = silence.matchers.description
        startsAt = RFC3339.string(silence.startsAt)
        endsAt = RFC3339.string(silence.endsAt)
        createdBy = silence.createdBy
        comment = silence.comment
        createdAt = RFC3339.string(silence.createdAt)
        state = now < silence.startsAt ? "pending" : now < silence.endsAt ? "active" : "expired"
    }
}

struct SilenceListRepresentation: ResponseEncodable {
    var silences: [SilenceRepresentation]
}

struct StatsRepresentation: ResponseEncodable {
    struct Inbox: Codable {
        /// The last inbox sequence committed (acknowledged to a sender).
        var committed: Int64
        /// The last inbox sequence the engine has processed.
        var processed: Int64
        /// Entries committed but not yet processed.
        var backlog: Int64
        /// Alerts in those entries.
        var backlogAlerts: Int
    }

    /// Alerts received, duplicates included.
    var alertsReceived: Int
    /// Receipts that repeated a known alert.
    var alertsDeduplicated: Int
    /// Out-of-order receipts the state already superseded.
    var alertsStale: Int
    /// Alert occurrences kept out of incidents when they arrived: silenced,
    /// in a maintenance window, inhibited, or absorbed by a heartbeat rule.
    var alertsSuppressed: Int
    /// Distinct alert occurrences.
    var alertOccurrences: Int
    var alertsFiring: Int
    var alertsResolvedByTimeout: Int
    var incidentsOpened: Int
    var incidents: [String: Int]
    /// 1 − incidents opened ÷ alerts received.
    var noiseReduction: Double
    /// Syslog messages judged by the engine (those that became alerts are
    /// in `alertsReceived` too).
    var syslogMessages: Int
    var inbox: Inbox

    init(_ stats: DeskQueries.Stats) {
        alertsReceived = stats.counters.received
        syslogMessages = stats.counters.syslogMessages
        alertsDeduplicated = stats.counters.duplicates
        alertsStale = stats.counters.stale
        alertsSuppressed = stats.counters.suppressed
        alertOccurrences = stats.counters.alertsCreated
        alertsFiring = stats.alertsFiring
        alertsResolvedByTimeout = stats.counters.resolvedByTimeout
        incidentsOpened = stats.counters.incidentsOpened
        incidents = Dictionary(uniqueKeysWithValues: stats.incidentsByStatus.map { ($0.key.rawValue, $0.value) })
        noiseReduction = (stats.counters.noiseReduction * 10_000).rounded() / 10_000
        inbox = Inbox(
            committed: stats.inboxSequence, processed: stats.engineSequence, backlog: stats.inboxBacklog,
            backlogAlerts: stats.inboxBacklogAlerts)
    }
}
