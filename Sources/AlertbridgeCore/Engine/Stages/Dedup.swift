import Foundation
import HeapModule
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
    ///   is active or within its window (reopening it), else it is a new
    ///   occurrence.
    mutating func receive(_ incoming: Alert, into changes: inout DeskChanges) {
        changes.counters.received += 1
        route(incoming, into: &changes)
    }

    /// ``receive(_:into:)`` without counting a receipt: for the alerts the
    /// engine raises itself (a heartbeat gone missing). Returns the
    /// occurrence the alert went to, found by its labels after enrichment.
    @discardableResult
    mutating func route(_ incoming: Alert, into changes: inout DeskChanges) -> Int64? {
        var alert = incoming
        let (enrichment, fingerprint, dedupRule) = enrichAndIdentify(&alert)
        route(alert, fingerprint: fingerprint, dedupRule: dedupRule, enrichment: enrichment, into: &changes)
        return currentOccurrence[fingerprint]
    }

    private mutating func route(
        _ alert: Alert, fingerprint: Fingerprint, dedupRule: DedupRule?, enrichment: [String], into changes: inout DeskChanges
    ) {
        guard let id = currentOccurrence[fingerprint], var index = alerts.slot(of: id) else {
            createOccurrence(of: alert, fingerprint: fingerprint, dedupRule: dedupRule, enrichment: enrichment, into: &changes)
            return
        }
        // A repeat, the common case, reads and writes the entry in place
        // (`alerts.inPlace`): copying it out cost a tenth of a replay.
        let heartbeat: (rule: String, labels: LabelSet, source: String)? = alerts.inPlace(at: index) { entry in
            guard case .heartbeat(let rule)? = entry.alert.suppression else { return nil }
            return (rule, entry.alert.labels, entry.alert.source)
        }
        if let heartbeat {
            heartbeatSeen(rule: heartbeat.rule, labels: heartbeat.labels, source: heartbeat.source, into: &changes)
            index = alerts.slot(of: id)!
        }
        guard alerts.inPlace(at: index, { $0.alert.status }) != alert.status else {
            recordDuplicate(of: id, refreshedBy: alert, into: &changes)
            return
        }
        let current = alerts[id]!.alert
        switch alert.status {
        case .resolved:  // a firing occurrence resolves
            let endsAt = (alert.endsAt ?? Date(unixMilliseconds: now)).unixMilliseconds
            if endsAt < current.startsAt.unixMilliseconds {
                markStale(
                    id, reason: "resolution ending \(RFC3339.string(unixMilliseconds: endsAt)) predates this occurrence (started \(RFC3339.string(current.startsAt)))",
                    into: &changes)
            } else {
                let described = touch(id, with: alert)
                resolveAlert(
                    id, at: now, endsAt: endsAt, resolution: .sender,
                    detail: "resolved by \(alert.source) (endsAt \(RFC3339.string(unixMilliseconds: endsAt)))", into: &changes)
                changes.record(alerts[id]!.alert, described)
                changes.verdicts.append(.resolved(alert: id, incident: current.incidentID))
            }

        case .firing:  // a resolved occurrence fires again
            if current.resolution == .sender, let endedAt = current.endsAt, alert.startsAt <= endedAt {
                markStale(
                    id, reason: "firing since \(RFC3339.string(alert.startsAt)) predates the sender's resolution at \(RFC3339.string(endedAt))",
                    into: &changes)
                return
            }
            if let incidentID = current.incidentID {
                let entry = incidents[incidentID]!
                guard entry.incident.status.isActive || isWithinWindow(entry) else {
                    // Its incident is past its window: this is a new occurrence.
                    currentOccurrence[fingerprint] = nil
                    createOccurrence(of: alert, fingerprint: fingerprint, dedupRule: dedupRule, enrichment: enrichment, into: &changes)
                    return
                }
            }
            refire(id, with: alert, into: &changes)
        }
    }

    /// The fingerprint of what makes the alert's identity: the sender's own
    /// key when it gives one (``Alert/identity``: its later events carry
    /// nothing else, so no rule may narrow or widen it), else the labels of
    /// the first dedup rule that matches (with the rule's name mixed in, so
    /// rules keep apart), else all labels.
    func identity(of alert: Alert) -> (Fingerprint, DedupRule?) {
        if let key = alert.identity {
            return (Fingerprint(LabelSet(["__source__": alert.source, "__identity__": key])), nil)
        }
        return labelIdentity(of: alert)
    }

    /// The identity by labels alone, ignoring any ``Alert/identity``.
    func labelIdentity(of alert: Alert) -> (Fingerprint, DedupRule?) {
        guard !rules.dedup.isEmpty else { return (alert.fingerprint, nil) }
        let lookup = Self.lookup(alert.labels, source: alert.source)
        for rule in rules.dedup where rule.match.matches(lookup) {
            var key = alert.labels.restricted(to: rule.key)
            key.set("__dedup_rule__", to: rule.origin.name)
            return (Fingerprint(key), rule)
        }
        return (alert.fingerprint, nil)
    }

    /// A repeat in the same state. A firing repeat carries the sender's new
    /// `endsAt` (Prometheus moves it forward on every resend); a resolved
    /// repeat keeps the first resolution's end.
    private mutating func recordDuplicate(of id: Int64, refreshedBy alert: Alert, into changes: inout DeskChanges) {
        let index = alerts.slot(of: id)!
        let described = touch(at: index, with: alert)
        let incidentID = alerts.inPlace(at: index) { entry in
            entry.alert.duplicateCount += 1
            if alert.status == .firing { entry.alert.endsAt = alert.endsAt }
            return entry.alert.incidentID
        }
        if alert.status == .firing { scheduleExpiry(at: index) }
        if let incidentID {
            noteActivity(incidentID)
            changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
        }
        changes.counters.duplicates += 1
        changes.record(alerts[slot: index].alert, described)
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
    mutating func touch(_ id: Int64, with alert: Alert) -> AlertChange {
        touch(at: alerts.slot(of: id)!, with: alert)
    }

    private mutating func touch(at index: AlertTable.Slot, with alert: Alert) -> AlertChange {
        let seenAt = Date(unixMilliseconds: now)
        let changed = alerts.inPlace(at: index) { entry in
            entry.alert.lastSeenAt = seenAt
            return entry.alert.annotations != alert.annotations || entry.alert.generatorURL != alert.generatorURL
        }
        guard changed else { return [] }
        alerts[slot: index].alert.annotations = interner.intern(alert.annotations)
        alerts[slot: index].alert.generatorURL = interner.intern(alert.generatorURL)
        return .description
    }

    /// A resolved occurrence fires again: in its incident (reopening it), or,
    /// while suppressed, wherever its suppression now says.
    private mutating func refire(_ id: Int64, with alert: Alert, into changes: inout DeskChanges) {
        touch(id, with: alert)
        alerts[id]!.alert.startsAt = alert.startsAt
        alerts[id]!.alert.endsAt = alert.endsAt
        alerts[id]!.alert.resolvedAt = nil
        alerts[id]!.alert.resolution = nil
        alerts[id]!.alert.refireCount += 1
        let tracked = alerts[id]!.alert
        if let incidentID = tracked.incidentID { noteActivity(incidentID) }
        changes.events.append(
            IncidentEvent(
                incidentID: tracked.incidentID, at: Date(unixMilliseconds: now), kind: .alertRefired, alertID: id,
                fingerprint: tracked.fingerprint, detail: "fired again (since \(RFC3339.string(alert.startsAt)))"))
        setStatus(id, .firing, because: "alert \(tracked.fingerprint) fired again", into: &changes)
        scheduleExpiry(of: id)
        if tracked.incidentID == nil {
            // Suppressed: what kept it out may be over by now.
            reconsiderSuppression(of: id, into: &changes)
        }
        changes.record(alerts[id]!.alert, [.lifecycle, .description])
        changes.verdicts.append(.refired(alert: id, incident: alerts[id]!.alert.incidentID))
    }

    /// Changes an alert's status, keeping everything that depends on it in
    /// step: its flapping state, its incident's firing count (which may
    /// resolve or reopen the incident), inhibitions it causes, the
    /// heartbeat it stands for.
    mutating func setStatus(_ id: Int64, _ status: AlertStatus, because reason: String, into changes: inout DeskChanges) {
        let wasFiring = alerts[id]!.alert.isEffectivelyFiring
        alerts[id]!.alert.status = status
        noteStateChange(of: id, into: &changes)
        let isFiring = alerts[id]!.alert.isEffectivelyFiring
        updateInhibitionSource(id, into: &changes)
        guard wasFiring != isFiring else { return }
        applyFiringChange(of: id, nowFiring: isFiring, because: reason, into: &changes)
    }

    /// An alert starts or stops counting as firing: adjusts its incident.
    mutating func applyFiringChange(of id: Int64, nowFiring: Bool, because reason: String, into changes: inout DeskChanges) {
        let tracked = alerts[id]!.alert
        guard let incidentID = tracked.incidentID else { return }
        incidents[incidentID]!.countFiring(tracked, by: nowFiring ? 1 : -1)
        let incident = incidents[incidentID]!.incident
        if nowFiring, incident.status == .resolved {
            reopen(incidentID, because: reason, into: &changes)
        } else if !nowFiring, incident.firingCount == 0, incident.status.isActive {
            resolveIncident(incidentID, at: now, by: "engine", detail: "all alerts resolved", into: &changes)
        }
        refreshSeverityAndPriority(of: incidentID, into: &changes)
        refreshRootCause(of: incidentID, into: &changes)
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
    }
}
