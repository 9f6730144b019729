import Foundation
import OrderedCollections

extension Engine {
    /// Routes one received alert to the occurrence it repeats, or creates a
    /// new occurrence.
    ///
    /// The rules, in the order they are checked:
    /// - same state as the current occurrence: a duplicate (counted, `endsAt`
    ///   and annotations refreshed, nothing else);
    /// - a resolution of a firing occurrence: resolves it, unless it ended
    ///   before the occurrence started (a late message about an earlier one);
    /// - a firing of a resolved occurrence: stale if it started no later than
    ///   the sender's own resolution (HA peers and retries deliver out of
    ///   order); otherwise it fires again in its incident while that incident
    ///   is active or within the window (reopening it), else it is a new
    ///   occurrence.
    mutating func receive(_ alert: Alert, into changes: inout DeskChanges) {
        changes.counters.received += 1
        guard let id = currentOccurrence[alert.fingerprint], let current = alerts[id]?.alert else {
            createOccurrence(of: alert, into: &changes)
            return
        }
        switch (current.status, alert.status) {
        case (.firing, .firing), (.resolved, .resolved):
            recordDuplicate(of: id, refreshedBy: alert, into: &changes)

        case (.firing, .resolved):
            let endsAt = (alert.endsAt ?? Date(unixMilliseconds: now)).unixMilliseconds
            if endsAt < current.startsAt.unixMilliseconds {
                markStale(
                    id, reason: "resolution ending \(RFC3339.string(unixMilliseconds: endsAt)) predates this occurrence (started \(RFC3339.string(current.startsAt)))",
                    into: &changes)
            } else {
                touch(id, with: alert)
                resolveAlert(
                    id, at: now, endsAt: endsAt, resolution: .sender,
                    detail: "resolved by \(alert.source) (endsAt \(RFC3339.string(unixMilliseconds: endsAt)))", into: &changes)
                changes.verdicts.append(.resolved(alert: id, incident: current.incidentID))
            }

        case (.resolved, .firing):
            if current.resolution == .sender, let endedAt = current.endsAt, alert.startsAt <= endedAt {
                markStale(
                    id, reason: "firing since \(RFC3339.string(alert.startsAt)) predates the sender's resolution at \(RFC3339.string(endedAt))",
                    into: &changes)
                return
            }
            let incident = incidents[current.incidentID]!.incident
            if incident.status.isActive || (incident.status == .resolved && isWithinWindow(incident)) {
                refire(id, with: alert, into: &changes)
            } else {
                // Its incident is past the window: this is a new occurrence.
                currentOccurrence[alert.fingerprint] = nil
                createOccurrence(of: alert, into: &changes)
            }
        }
    }

    /// A repeat in the same state. A firing repeat carries the sender's new
    /// `endsAt` (Prometheus moves it forward on every resend); a resolved
    /// repeat keeps the first resolution's end.
    private mutating func recordDuplicate(of id: Int64, refreshedBy alert: Alert, into changes: inout DeskChanges) {
        alerts[id]!.alert.duplicateCount += 1
        let described = touch(id, with: alert)
        if alert.status == .firing {
            alerts[id]!.alert.endsAt = alert.endsAt
            scheduleExpiry(of: id)
        }
        let incidentID = alerts[id]!.alert.incidentID
        noteActivity(incidentID)
        changes.counters.duplicates += 1
        changes.record(alerts[id]!.alert, described)
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
        changes.verdicts.append(.duplicate(alert: id, incident: incidentID))
    }

    private mutating func markStale(_ id: Int64, reason: String, into changes: inout DeskChanges) {
        alerts[id]!.alert.duplicateCount += 1
        alerts[id]!.alert.lastSeenAt = Date(unixMilliseconds: now)
        changes.counters.stale += 1
        changes.record(alerts[id]!.alert)
        changes.verdicts.append(.stale(alert: id, incident: alerts[id]!.alert.incidentID, reason: reason))
    }

    /// Takes the latest descriptive fields of a receipt; returns
    /// `.description` when they differ from what the alert had.
    @discardableResult
    private mutating func touch(_ id: Int64, with alert: Alert) -> AlertChange {
        alerts[id]!.alert.lastSeenAt = Date(unixMilliseconds: now)
        guard alerts[id]!.alert.annotations != alert.annotations || alerts[id]!.alert.generatorURL != alert.generatorURL else {
            return []
        }
        alerts[id]!.alert.annotations = interner.intern(alert.annotations)
        alerts[id]!.alert.generatorURL = interner.intern(alert.generatorURL)
        return .description
    }

    private mutating func refire(_ id: Int64, with alert: Alert, into changes: inout DeskChanges) {
        touch(id, with: alert)
        alerts[id]!.alert.status = .firing
        alerts[id]!.alert.startsAt = alert.startsAt
        alerts[id]!.alert.endsAt = alert.endsAt
        alerts[id]!.alert.resolvedAt = nil
        alerts[id]!.alert.resolution = nil
        alerts[id]!.alert.refireCount += 1
        let tracked = alerts[id]!.alert
        scheduleExpiry(of: id)

        let incidentID = tracked.incidentID
        incidents[incidentID]!.countFiring(tracked.severity, by: 1)
        noteActivity(incidentID)
        changes.events.append(
            IncidentEvent(
                incidentID: incidentID, at: Date(unixMilliseconds: now), kind: .alertRefired, alertID: id,
                fingerprint: tracked.fingerprint, detail: "fired again (since \(RFC3339.string(alert.startsAt)))"))
        if incidents[incidentID]!.incident.status == .resolved {
            reopen(incidentID, because: "alert \(tracked.fingerprint) fired again", into: &changes)
        }
        refreshSeverity(of: incidentID)
        changes.record(tracked, [.lifecycle, .description])
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
        changes.verdicts.append(.refired(alert: id, incident: incidentID))
    }
}
