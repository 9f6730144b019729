import Foundation
import OrderedCollections

extension Engine {
    /// Creates a new occurrence of `alert` and puts it into the incident of its
    /// group, or into a new incident.
    mutating func createOccurrence(of alert: Alert, into changes: inout DeskChanges) {
        let policy = configuration.correlation
        let group = policy.group(of: alert.labels)
        let key = group.key
        let reason = interner.intern(policy.name == CorrelationPolicy.default.name ? group.reason : "rule \(policy.name): \(group.reason)")
        let at = Date(unixMilliseconds: now)

        let id = nextAlertID
        nextAlertID += 1
        let resolvedEnd = alert.status == .resolved ? (alert.endsAt ?? at) : nil
        var tracked = TrackedAlert(
            id: id, fingerprint: alert.fingerprint, incidentID: 0, source: alert.source,
            labels: interner.intern(alert.labels), annotations: interner.intern(alert.annotations),
            generatorURL: interner.intern(alert.generatorURL),
            status: alert.status, startsAt: alert.startsAt, endsAt: resolvedEnd ?? alert.endsAt,
            firstSeenAt: at, lastSeenAt: at,
            resolvedAt: alert.status == .resolved ? at : nil, resolution: alert.status == .resolved ? .sender : nil,
            duplicateCount: 0, refireCount: 0, joinReason: reason)

        let incidentID: Int64
        if let existing = incidentByGroup[key], let entry = incidents[existing],
            entry.incident.status.isActive || isWithinWindow(entry.incident)
        {
            incidentID = existing
            tracked.incidentID = incidentID
            changes.verdicts.append(.joined(alert: id, incident: incidentID, reason: reason))
            changes.events.append(
                IncidentEvent(incidentID: incidentID, at: at, kind: .alertJoined, alertID: id, fingerprint: alert.fingerprint, detail: reason))
        } else {
            incidentID = nextIncidentID
            nextIncidentID += 1
            tracked.incidentID = incidentID
            let incident = Incident(
                id: incidentID, title: Engine.title(for: alert, group: group), severity: alert.severity,
                priority: Priority(defaultFor: alert.severity), status: .open, groupKey: key, groupLabels: group.labels,
                openedAt: at, firstAlertAt: at, lastAlertAt: at, alertCount: 0, firingCount: 0,
                acknowledgedAt: nil, acknowledgedBy: nil, resolvedAt: nil, resolvedBy: nil, closedAt: nil,
                reopenCount: 0, updatedAt: at)
            incidents[incidentID] = IncidentEntry(incident: incident)
            incidentByGroup[key] = incidentID
            changes.counters.incidentsOpened += 1
            changes.verdicts.append(.opened(alert: id, incident: incidentID, reason: reason))
            changes.events.append(
                IncidentEvent(incidentID: incidentID, at: at, kind: .opened, alertID: id, fingerprint: alert.fingerprint, detail: reason))
        }

        alerts[id] = AlertEntry(alert: tracked)
        currentOccurrence[alert.fingerprint] = id
        changes.counters.alertsCreated += 1

        incidents[incidentID]!.members.append(id)
        incidents[incidentID]!.incident.alertCount += 1
        incidents[incidentID]!.worstEver = max(incidents[incidentID]!.worstEver, tracked.severity)
        noteActivity(incidentID)
        if tracked.status == .firing {
            incidents[incidentID]!.countFiring(tracked.severity, by: 1)
            scheduleExpiry(of: id)
            if incidents[incidentID]!.incident.status == .resolved {
                reopen(incidentID, because: "alert \(alert.fingerprint) joined: \(reason)", into: &changes)
            }
        } else if incidents[incidentID]!.incident.status.isActive, incidents[incidentID]!.incident.firingCount == 0 {
            // A resolution for an alert never seen firing: the incident records
            // it and is resolved from the start.
            resolveIncident(incidentID, at: now, by: "engine", detail: "its only alert arrived resolved", into: &changes)
        }
        refreshSeverity(of: incidentID)
        changes.record(tracked, .created)
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
    }

    func isWithinWindow(_ incident: Incident) -> Bool {
        guard incident.status == .resolved, let resolvedAt = incident.resolvedAt else { return false }
        return now - resolvedAt.unixMilliseconds <= window
    }

    /// The summary of the alert that opened the incident, else its alertname
    /// and the group it stands for.
    static func title(for alert: Alert, group: CorrelationPolicy.Group) -> String {
        if let summary = alert.annotations["summary"], !summary.isEmpty { return summary }
        let name = alert.alertname ?? "alert"
        let context = group.pairs.filter { $0.0 != "alertname" }.map { "\($0.0)=\($0.1)" }
        return context.isEmpty ? name : "\(name) (\(context.joined(separator: ", ")))"
    }
}
