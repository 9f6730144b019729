import Foundation
import HeapModule
import OrderedCollections

extension Engine {
    /// Applies every deadline due by `time`, in time order (expiries before
    /// closings at the same millisecond), each at its own deadline, so the
    /// result does not depend on how often the engine is advanced.
    mutating func advance(to time: Int64, into changes: inout DeskChanges) {
        now = max(now, time)
        while true {
            let expiry = expiries.min.flatMap { $0.at <= now ? $0 : nil }
            let closing = closings.min.flatMap { $0.at <= now ? $0 : nil }
            if let expiry, closing == nil || expiry.at <= closing!.at {
                expiries.removeMin()
                expire(expiry, into: &changes)
            } else if let closing {
                closings.removeMin()
                close(closing, into: &changes)
            } else {
                return
            }
        }
    }

    /// Puts the alert's `endsAt` into `expiries`, unless an earlier deadline
    /// is already there (it will be rescheduled when it comes due).
    mutating func scheduleExpiry(of id: Int64) {
        guard let entry = alerts[id], entry.alert.status == .firing, let endsAt = entry.alert.endsAt?.unixMilliseconds else { return }
        if let scheduled = entry.scheduledExpiry, scheduled <= endsAt { return }
        alerts[id]!.scheduledExpiry = endsAt
        expiries.insert(Deadline(at: endsAt, id: id))
    }

    private mutating func expire(_ deadline: Deadline, into changes: inout DeskChanges) {
        guard let entry = alerts[deadline.id], entry.scheduledExpiry == deadline.at else { return }  // superseded
        alerts[deadline.id]!.scheduledExpiry = nil
        guard entry.alert.status == .firing, let endsAt = entry.alert.endsAt?.unixMilliseconds else { return }
        if endsAt > deadline.at {
            // Refreshed since it was scheduled: wait for the new end.
            scheduleExpiry(of: deadline.id)
            return
        }
        changes.counters.resolvedByTimeout += 1
        resolveAlert(
            deadline.id, at: endsAt, endsAt: endsAt, resolution: .timeout,
            detail: "resolve timeout: endsAt \(RFC3339.string(unixMilliseconds: endsAt)) passed without a refresh", into: &changes)
    }

    /// Marks a firing alert resolved at `time`, and its incident resolved when
    /// it was the last one firing.
    mutating func resolveAlert(
        _ id: Int64, at time: Int64, endsAt: Int64, resolution: TrackedAlert.Resolution, detail: String,
        into changes: inout DeskChanges
    ) {
        alerts[id]!.alert.status = .resolved
        alerts[id]!.alert.endsAt = Date(unixMilliseconds: endsAt)
        alerts[id]!.alert.resolvedAt = Date(unixMilliseconds: time)
        alerts[id]!.alert.resolution = resolution
        let tracked = alerts[id]!.alert
        let incidentID = tracked.incidentID
        incidents[incidentID]!.countFiring(tracked.severity, by: -1)
        incidents[incidentID]!.incident.updatedAt = Date(unixMilliseconds: max(time, incidents[incidentID]!.incident.updatedAt.unixMilliseconds))
        changes.events.append(
            IncidentEvent(
                incidentID: incidentID, at: Date(unixMilliseconds: time), kind: .alertResolved, alertID: id,
                fingerprint: tracked.fingerprint, detail: detail))
        if incidents[incidentID]!.incident.firingCount == 0, incidents[incidentID]!.incident.status.isActive {
            resolveIncident(incidentID, at: time, by: "engine", detail: "all alerts resolved", into: &changes)
        }
        refreshSeverity(of: incidentID)
        changes.record(tracked, .lifecycle)
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
    }

    mutating func resolveIncident(_ id: Int64, at time: Int64, by actor: String, detail: String, into changes: inout DeskChanges) {
        let date = Date(unixMilliseconds: time)
        incidents[id]!.incident.status = .resolved
        incidents[id]!.incident.resolvedAt = date
        incidents[id]!.incident.resolvedBy = actor
        incidents[id]!.incident.updatedAt = Date(unixMilliseconds: max(time, incidents[id]!.incident.updatedAt.unixMilliseconds))
        closings.insert(Deadline(at: time + closeAfter, id: id))
        changes.events.append(
            IncidentEvent(incidentID: id, at: date, kind: .resolved, detail: detail, actor: actor == "engine" ? nil : actor))
        changes.incidentsByID[id] = incidents[id]!.incident
    }

    mutating func reopen(_ id: Int64, because detail: String, into changes: inout DeskChanges) {
        let at = Date(unixMilliseconds: now)
        incidents[id]!.incident.status = .open
        incidents[id]!.incident.resolvedAt = nil
        incidents[id]!.incident.resolvedBy = nil
        incidents[id]!.incident.acknowledgedAt = nil
        incidents[id]!.incident.acknowledgedBy = nil
        incidents[id]!.incident.reopenCount += 1
        incidents[id]!.incident.updatedAt = at
        changes.events.append(IncidentEvent(incidentID: id, at: at, kind: .reopened, detail: detail))
        changes.incidentsByID[id] = incidents[id]!.incident
    }

    /// Closes a resolved incident whose hold time has passed and forgets it
    /// and its alerts: a later receipt of one of them is a new occurrence.
    private mutating func close(_ deadline: Deadline, into changes: inout DeskChanges) {
        guard let entry = incidents[deadline.id], entry.incident.status == .resolved,
            let resolvedAt = entry.incident.resolvedAt, resolvedAt.unixMilliseconds + closeAfter == deadline.at
        else { return }  // reopened (and perhaps resolved again) since it was scheduled
        let at = Date(unixMilliseconds: deadline.at)
        for memberID in entry.members {
            guard var member = alerts.removeValue(forKey: memberID)?.alert else { continue }
            if currentOccurrence[member.fingerprint] == memberID {
                currentOccurrence[member.fingerprint] = nil
            }
            if member.status == .firing {
                // Resolved by an operator while it still fired: the store
                // must not show it firing forever in a closed incident.
                member.status = .resolved
                member.resolvedAt = at
                member.resolution = .incidentClosed
                changes.record(member, .lifecycle)
            }
        }
        var incident = entry.incident
        incident.status = .closed
        incident.closedAt = at
        incident.updatedAt = at
        incidents[deadline.id] = nil
        if incidentByGroup[incident.groupKey] == deadline.id {
            incidentByGroup[incident.groupKey] = nil
        }
        changes.events.append(
            IncidentEvent(incidentID: incident.id, at: at, kind: .closed, detail: "resolved for \(DurationText.format(configuration.closeAfter))"))
        changes.incidentsByID[incident.id] = incident
    }

    /// Records that an alert of the incident was received now.
    mutating func noteActivity(_ incidentID: Int64) {
        let at = Date(unixMilliseconds: now)
        incidents[incidentID]!.incident.lastAlertAt = at
        incidents[incidentID]!.incident.updatedAt = at
    }

    mutating func refreshSeverity(of incidentID: Int64) {
        let severity = incidents[incidentID]!.severity
        incidents[incidentID]!.incident.severity = severity
        incidents[incidentID]!.incident.priority = Priority(defaultFor: severity)
    }
}
