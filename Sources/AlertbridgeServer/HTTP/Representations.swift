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
    var incidentId: Int64
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
    }
}

struct EventRepresentation: ResponseEncodable {
    var at: String
    var kind: String
    var alertId: Int64?
    var fingerprint: String?
    var detail: String
    var actor: String?

    init(_ event: IncidentEvent) {
        at = RFC3339.string(event.at)
        kind = event.kind.rawValue
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
    /// Alerts silenced or inhibited (always 0 until suppression rules exist).
    var alertsSuppressed: Int
    /// Distinct alert occurrences.
    var alertOccurrences: Int
    var alertsFiring: Int
    var alertsResolvedByTimeout: Int
    var incidentsOpened: Int
    var incidents: [String: Int]
    /// 1 − incidents opened ÷ alerts received.
    var noiseReduction: Double
    var inbox: Inbox

    init(_ stats: DeskQueries.Stats) {
        alertsReceived = stats.counters.received
        alertsDeduplicated = stats.counters.duplicates
        alertsStale = stats.counters.stale
        alertsSuppressed = 0
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
