import Foundation
import HeapModule
import OrderedCollections

extension Engine {
    /// Applies everything due by `time`, in time order (at the same
    /// millisecond: expiries, then timers, then closings), each at its own
    /// time, so the result does not depend on how often the engine is advanced.
    mutating func advance(to time: Int64, into changes: inout DeskChanges) {
        let clock = max(now, time)
        while true {
            let expiry = expiries.min.flatMap { $0.at <= clock ? $0.at : nil }
            let timer = timers.min.flatMap { $0.at <= clock ? $0.at : nil }
            let closing = closings.min.flatMap { $0.at <= clock ? $0.at : nil }
            guard let next = [expiry, timer, closing].compactMap({ $0 }).min() else { break }
            // Each change happens at its own time, not at the time advanced
            // to (and never before the engine's time: time does not run back).
            now = max(now, next)
            if expiry == next {
                expire(expiries.removeMin(), into: &changes)
            } else if timer == next {
                fire(timers.removeMin(), into: &changes)
            } else {
                close(closings.removeMin(), into: &changes)
            }
        }
        now = clock
    }

    /// Puts the alert's `endsAt` into `expiries`, unless an earlier deadline
    /// is already there (it will be rescheduled when it comes due).
    mutating func scheduleExpiry(of id: Int64) {
        guard let index = alerts.slot(of: id) else { return }
        scheduleExpiry(at: index)
    }

    /// ``scheduleExpiry(of:)`` for the entry at `index`, read in place.
    mutating func scheduleExpiry(at index: AlertTable.Slot) {
        let due: Int64? = alerts.inPlace(at: index) { entry in
            guard entry.alert.status == .firing, let endsAt = entry.alert.endsAt?.unixMilliseconds else { return nil }
            if let scheduled = entry.scheduledExpiry, scheduled <= endsAt { return nil }
            entry.scheduledExpiry = endsAt
            return endsAt
        }
        guard let endsAt = due else { return }
        expiries.insert(Deadline(at: endsAt, id: alerts.id(at: index)))
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

    private mutating func fire(_ timer: Timer, into changes: inout DeskChanges) {
        switch timer.kind {
        case .releaseCheck:
            guard alerts[timer.id]?.alert.incidentID == nil, alerts[timer.id] != nil else { return }
            reconsiderSuppression(of: timer.id, into: &changes)
        case .flapQuiet:
            flapQuietCheck(timer.id, into: &changes)
        case .forget:
            forgetSuppressed(timer.id, due: timer.at, into: &changes)
        case .heartbeat:
            heartbeatCheck(key: timer.key, due: timer.at, into: &changes)
        case .silenceEnd:
            silenceEnded(timer.id)
        }
    }

    /// Marks a firing alert resolved at `time`, and its incident resolved when
    /// it was the last one counting as firing.
    mutating func resolveAlert(
        _ id: Int64, at time: Int64, endsAt: Int64, resolution: TrackedAlert.Resolution, detail: String,
        into changes: inout DeskChanges
    ) {
        alerts[id]!.alert.endsAt = Date(unixMilliseconds: endsAt)
        alerts[id]!.alert.resolvedAt = Date(unixMilliseconds: time)
        alerts[id]!.alert.resolution = resolution
        let tracked = alerts[id]!.alert
        changes.events.append(
            IncidentEvent(
                incidentID: tracked.incidentID, at: Date(unixMilliseconds: time), kind: .alertResolved, alertID: id,
                fingerprint: tracked.fingerprint, detail: detail))
        if let incidentID = tracked.incidentID {
            incidents[incidentID]!.incident.updatedAt = Date(unixMilliseconds: max(time, incidents[incidentID]!.incident.updatedAt.unixMilliseconds))
            changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
        }
        setStatus(id, .resolved, because: detail, into: &changes)
        if tracked.incidentID == nil {
            scheduleForget(id)
        }
        changes.record(alerts[id]!.alert, .lifecycle)
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

    /// Whether a resolved incident can still be joined: resolved less than
    /// its rule's window ago.
    func isWithinWindow(_ entry: IncidentEntry) -> Bool {
        guard entry.incident.status == .resolved, let resolvedAt = entry.incident.resolvedAt else { return false }
        return now - resolvedAt.unixMilliseconds <= entry.window
    }

    /// Closes a resolved incident whose hold time has passed and forgets it
    /// and its alerts: a later receipt of one of them is a new occurrence.
    private mutating func close(_ deadline: Deadline, into changes: inout DeskChanges) {
        guard let entry = incidents[deadline.id], entry.incident.status == .resolved,
            let resolvedAt = entry.incident.resolvedAt, resolvedAt.unixMilliseconds + closeAfter == deadline.at
        else { return }  // reopened (and perhaps resolved again) since it was scheduled
        let at = Date(unixMilliseconds: deadline.at)
        // Out of the maps first: forgetting a member releases what it
        // inhibited, and a released alert must not join this incident.
        incidents[deadline.id] = nil
        if incidentByGroup[entry.incident.groupKey] == deadline.id {
            incidentByGroup[entry.incident.groupKey] = nil
        }
        for memberID in entry.members {
            guard var member = alerts[memberID]?.alert else { continue }
            forget(memberID, into: &changes)
            if member.status == .firing || member.flapping {
                // Resolved by an operator while it still fired: the store
                // must not show it firing forever in a closed incident.
                member.status = .resolved
                member.flapping = false
                member.resolvedAt = at
                member.resolution = .incidentClosed
                changes.record(member, .lifecycle)
            }
        }
        var incident = entry.incident
        incident.status = .closed
        incident.closedAt = at
        incident.updatedAt = at
        changes.events.append(
            IncidentEvent(incidentID: incident.id, at: at, kind: .closed, detail: "resolved for \(DurationText.format(configuration.closeAfter))"))
        changes.incidentsByID[incident.id] = incident
    }

    /// Drops an alert from the engine's memory (the store keeps it). The
    /// alerts it inhibited are reconsidered: it inhibits nothing any more.
    mutating func forget(_ id: Int64, into changes: inout DeskChanges) {
        guard let alert = alerts.removeValue(forKey: id)?.alert else { return }
        if currentOccurrence[alert.fingerprint] == id {
            currentOccurrence[alert.fingerprint] = nil
        }
        suppressed.remove(id)
        removeInhibitionSource(id)
        if case .inhibition(let source, _)? = alert.suppression {
            inhibitedBy[source]?.remove(id)
            if inhibitedBy[source]?.isEmpty == true { inhibitedBy[source] = nil }
        }
        if let targets = inhibitedBy.removeValue(forKey: id) {
            for target in targets.sorted() { reconsiderSuppression(of: target, into: &changes) }
        }
    }

    /// A suppressed alert that resolved is kept as long as a resolved
    /// incident would be, then forgotten.
    mutating func scheduleForget(_ id: Int64) {
        guard let resolvedAt = alerts[id]?.alert.resolvedAt?.unixMilliseconds else { return }
        timers.insert(Timer(at: resolvedAt + closeAfter, kind: .forget, id: id))
    }

    private mutating func forgetSuppressed(_ id: Int64, due: Int64, into changes: inout DeskChanges) {
        guard let alert = alerts[id]?.alert, alert.incidentID == nil, alert.status == .resolved, !alert.flapping,
            let resolvedAt = alert.resolvedAt?.unixMilliseconds, resolvedAt + closeAfter == due
        else { return }
        forget(id, into: &changes)
    }

    /// Records that an alert of the incident was received now.
    mutating func noteActivity(_ incidentID: Int64) {
        let at = Date(unixMilliseconds: now)
        let index = incidents.index(forKey: incidentID)!
        incidents.values[index].incident.lastAlertAt = at
        incidents.values[index].incident.updatedAt = at
    }

    /// Recomputes the incident's severity and priority from its members;
    /// a change of priority goes into the timeline.
    mutating func refreshSeverityAndPriority(of incidentID: Int64, into changes: inout DeskChanges) {
        let entry = incidents[incidentID]!
        incidents[incidentID]!.incident.severity = entry.severity
        let priority = entry.priority
        if priority != entry.incident.priority {
            changes.events.append(
                IncidentEvent(
                    incidentID: incidentID, at: Date(unixMilliseconds: now), kind: .priorityChanged,
                    detail: "priority \(entry.incident.priority.rawValue) -> \(priority.rawValue)"))
            incidents[incidentID]!.incident.priority = priority
        }
    }
}
