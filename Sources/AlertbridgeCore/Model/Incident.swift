public import Foundation

/// A group of alerts that belong together, and what the desk does about it.
///
/// Lifecycle: `open` → `acknowledged` (an operator took it) → `resolved` (all
/// its alerts resolved, or an operator resolved it) → `closed` after the hold
/// time. A resolved incident reopens when one of its alerts fires again, or a
/// new alert of its group arrives, within the correlation window.
public struct Incident: Equatable, Sendable, Identifiable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case open
        case acknowledged
        case resolved
        case closed

        /// Still needs attention: alerts may join it without reopening it.
        public var isActive: Bool { self == .open || self == .acknowledged }
    }

    public let id: Int64
    public var title: String
    /// The worst severity among its firing alerts (or among all, once none fire).
    public var severity: Severity
    public var priority: Priority
    public var status: Status
    /// The correlation identity, e.g. `{service="api",env="prod"}`.
    public var groupKey: String
    /// The labels the group key was built from.
    public var groupLabels: LabelSet
    /// The correlation rule that grouped it; nil for the built-in grouping.
    public var rule: String?
    /// For topology rules: the alerting item the others depend on, the
    /// first place to look.
    public var rootCause: String?
    public var openedAt: Date
    /// When the first alert joined.
    public var firstAlertAt: Date
    /// When an alert of the incident was last received (duplicates included).
    public var lastAlertAt: Date
    /// Alert occurrences that joined it.
    public var alertCount: Int
    /// Alert occurrences still firing.
    public var firingCount: Int
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var resolvedAt: Date?
    /// Who resolved it: `engine` when its alerts did, else the operator.
    public var resolvedBy: String?
    public var closedAt: Date?
    public var reopenCount: Int
    public var updatedAt: Date

    public init(
        id: Int64, title: String, severity: Severity, priority: Priority, status: Status,
        groupKey: String, groupLabels: LabelSet, openedAt: Date, firstAlertAt: Date, lastAlertAt: Date,
        alertCount: Int, firingCount: Int, acknowledgedAt: Date?, acknowledgedBy: String?,
        resolvedAt: Date?, resolvedBy: String?, closedAt: Date?, reopenCount: Int, updatedAt: Date,
        rule: String? = nil, rootCause: String? = nil
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.priority = priority
        self.status = status
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.openedAt = openedAt
        self.firstAlertAt = firstAlertAt
        self.lastAlertAt = lastAlertAt
        self.alertCount = alertCount
        self.firingCount = firingCount
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.closedAt = closedAt
        self.reopenCount = reopenCount
        self.updatedAt = updatedAt
        self.rule = rule
        self.rootCause = rootCause
    }
}

/// One entry of an incident's timeline.
public struct IncidentEvent: Equatable, Sendable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case opened
        case alertJoined = "alert_joined"
        case alertResolved = "alert_resolved"
        case alertRefired = "alert_refired"
        case acknowledged
        case resolved
        case reopened
        case closed
        /// Enrich rules changed the alert's labels.
        case alertEnriched = "alert_enriched"
        /// The alert is suppressed (silence, maintenance, inhibition, heartbeat).
        case alertSuppressed = "alert_suppressed"
        /// What suppressed the alert ended; it joins an incident.
        case alertReleased = "alert_released"
        case flappingStarted = "flapping_started"
        case flappingStopped = "flapping_stopped"
        case priorityChanged = "priority_changed"
        case rootCause = "root_cause"
        case heartbeatMissing = "heartbeat_missing"
        case heartbeatResumed = "heartbeat_resumed"
    }

    /// The incident concerned; nil for what happens to a suppressed alert.
    public var incidentID: Int64?
    public var at: Date
    public var kind: Kind
    public var alertID: Int64?
    public var fingerprint: Fingerprint?
    /// What happened and why, in words: `group_by service=api env=prod`,
    /// `resolve timeout: endsAt 2024-05-13T10:06:41.227Z passed`.
    public var detail: String
    /// The operator behind an acknowledge or resolve; `nil` for the engine.
    public var actor: String?

    public init(incidentID: Int64?, at: Date, kind: Kind, alertID: Int64? = nil, fingerprint: Fingerprint? = nil, detail: String, actor: String? = nil) {
        self.incidentID = incidentID
        self.at = at
        self.kind = kind
        self.alertID = alertID
        self.fingerprint = fingerprint
        self.detail = detail
        self.actor = actor
    }
}
