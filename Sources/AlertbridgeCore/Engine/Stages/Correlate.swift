import Foundation
import HeapModule
import OrderedCollections

extension Engine {
    /// Creates a new occurrence of `alert` and places it: absorbed by a
    /// heartbeat rule, suppressed, or into the incident of its group (a new
    /// one if there is none to join).
    mutating func createOccurrence(
        of alert: Alert, fingerprint: Fingerprint, dedupRule: DedupRule?, enrichment: [String], into changes: inout DeskChanges
    ) {
        let at = Date(unixMilliseconds: now)
        let id = nextAlertID
        nextAlertID += 1
        let resolvedEnd = alert.status == .resolved ? (alert.endsAt ?? at) : nil
        let labels = interner.intern(alert.labels)
        let (priority, priorityReason) = priority(of: labels, severity: alert.severity)
        let tracked = TrackedAlert(
            id: id, fingerprint: fingerprint, incidentID: nil, source: alert.source,
            labels: labels, annotations: interner.intern(alert.annotations), generatorURL: interner.intern(alert.generatorURL),
            status: alert.status, startsAt: alert.startsAt, endsAt: resolvedEnd ?? alert.endsAt,
            firstSeenAt: at, lastSeenAt: at,
            resolvedAt: alert.status == .resolved ? at : nil, resolution: alert.status == .resolved ? .sender : nil,
            duplicateCount: 0, refireCount: 0, joinReason: "", priority: priority)
        alerts[id] = AlertEntry(alert: tracked)
        currentOccurrence[fingerprint] = id
        changes.counters.alertsCreated += 1

        // How the alert came to be what it is, for its timeline.
        var notes = enrichment
        if let dedupRule { notes.append("rule \(dedupRule.origin.name): identity from \(dedupRule.key.joined(separator: ", "))") }
        if let priorityReason { notes.append(priorityReason) }

        let notesAt = changes.events.count
        if let rule = heartbeatRule(for: labels, source: alert.source) {
            suppress(id, by: .heartbeat(rule: rule.origin.name), until: nil, into: &changes)
            heartbeatSeen(rule: rule.origin.name, labels: labels, source: alert.source, into: &changes)
            changes.verdicts.append(.suppressed(alert: id, reason: "heartbeat \(rule.origin.name)"))
            changes.counters.suppressed += 1
        } else if let (suppression, until) = suppression(for: tracked) {
            suppress(id, by: suppression, until: until, into: &changes)
            changes.verdicts.append(.suppressed(alert: id, reason: "\(suppression)"))
            changes.counters.suppressed += 1
        } else {
            attach(id, released: nil, into: &changes)
        }
        // Before the placement's own entries: they happened first.
        changes.events.insert(
            contentsOf: notes.map {
                IncidentEvent(incidentID: alerts[id]!.alert.incidentID, at: at, kind: .alertEnriched, alertID: id, fingerprint: fingerprint, detail: $0)
            }, at: notesAt)
        if tracked.status == .firing {
            scheduleExpiry(of: id)
            updateInhibitionSource(id, into: &changes)
        } else if alerts[id]!.alert.incidentID == nil {
            scheduleForget(id)
        }
        changes.record(alerts[id]!.alert, .created)
    }

    /// Puts an alert into the incident of its group: the newest incident of
    /// its group key while that is open or acknowledged, or resolved less than
    /// its rule's window ago (which reopens it); otherwise a new incident.
    /// `released` is set when a suppressed alert joins because its
    /// suppression ended.
    mutating func attach(_ id: Int64, released: Suppression?, into changes: inout DeskChanges) {
        let alert = alerts[id]!.alert
        let placement = placement(of: alert)
        let reason = interner.intern(released.map { "released (\($0) ended); \(placement.reason)" } ?? placement.reason)
        let at = Date(unixMilliseconds: now)

        let incidentID: Int64
        if let existing = incidentByGroup[placement.key], let entry = incidents[existing],
            entry.incident.status.isActive || isWithinWindow(entry)
        {
            incidentID = existing
            if released == nil { changes.verdicts.append(.joined(alert: id, incident: incidentID, reason: reason)) }
            changes.events.append(
                IncidentEvent(
                    incidentID: incidentID, at: at, kind: released == nil ? .alertJoined : .alertReleased, alertID: id,
                    fingerprint: alert.fingerprint, detail: reason))
        } else {
            incidentID = nextIncidentID
            nextIncidentID += 1
            let incident = Incident(
                id: incidentID, title: Self.title(for: alert, group: placement.pairs), severity: alert.severity,
                priority: alert.priority, status: .open, groupKey: placement.key, groupLabels: LabelSet(placement.pairs),
                openedAt: at, firstAlertAt: at, lastAlertAt: at, alertCount: 0, firingCount: 0,
                acknowledgedAt: nil, acknowledgedBy: nil, resolvedAt: nil, resolvedBy: nil, closedAt: nil,
                reopenCount: 0, updatedAt: at, rule: placement.rule)
            incidents[incidentID] = IncidentEntry(incident: incident, window: placement.window)
            incidentByGroup[placement.key] = incidentID
            changes.counters.incidentsOpened += 1
            if released == nil { changes.verdicts.append(.opened(alert: id, incident: incidentID, reason: reason)) }
            changes.events.append(
                IncidentEvent(
                    incidentID: incidentID, at: at, kind: released == nil ? .opened : .alertReleased, alertID: id,
                    fingerprint: alert.fingerprint, detail: released == nil ? reason : "opened by a released alert: \(reason)"))
        }

        alerts[id]!.alert.incidentID = incidentID
        alerts[id]!.alert.joinReason = reason
        alerts[id]!.alert.suppression = nil
        suppressed.remove(id)
        incidents[incidentID]!.members.append(id)
        incidents[incidentID]!.incident.alertCount += 1
        incidents[incidentID]!.noteMember(alert)
        noteActivity(incidentID)
        if alert.isEffectivelyFiring {
            incidents[incidentID]!.countFiring(alert, by: 1)
            if incidents[incidentID]!.incident.status == .resolved {
                reopen(incidentID, because: "alert \(alert.fingerprint) joined: \(reason)", into: &changes)
            }
        } else if incidents[incidentID]!.incident.status.isActive, incidents[incidentID]!.incident.firingCount == 0 {
            // A resolution for an alert never seen firing: the incident records
            // it and is resolved from the start.
            resolveIncident(incidentID, at: now, by: "engine", detail: "its only alert arrived resolved", into: &changes)
        }
        refreshSeverityAndPriority(of: incidentID, into: &changes)
        refreshRootCause(of: incidentID, into: &changes)
        if released != nil { changes.record(alerts[id]!.alert, .attached) }
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
    }

    /// Where an alert goes: the group key, why, and for how long a resolved
    /// incident of the group can be joined.
    struct Placement {
        var key: String
        var reason: String
        var pairs: [(String, String)]
        var window: Int64
        var rule: String?
    }

    /// The first correlation rule that matches the alert decides its group;
    /// with none, the built-in policy (`service` and `env`, else `alertname`).
    func placement(of alert: TrackedAlert) -> Placement {
        if !rules.correlate.isEmpty {
            let lookup = Self.lookup(alert.labels, source: alert.source)
            for rule in rules.correlate where rule.match.matches(lookup) {
                let name = rule.origin.name
                switch rule.grouping {
                case .labels(let names):
                    let pairs = names.compactMap { label in alert.labels[label].map { (label, $0) } }
                    let group = CorrelationPolicy.Group(pairs: pairs)
                    return Placement(key: "\(name):\(group.key)", reason: "rule \(name): \(group.reason)", pairs: pairs, window: rule.window.milliseconds, rule: name)
                case .topology(let topology, let ciLabel):
                    guard let item = alert.labels[ciLabel], let component = topology.componentName(of: item) else { continue }
                    return Placement(
                        key: "\(name):{component=\(JSON.quoted(component))}",
                        reason: "rule \(name): topology: \(ciLabel)=\(item) is connected to \(component)",
                        pairs: [("component", component)], window: rule.window.milliseconds, rule: name)
                }
            }
        }
        let policy = configuration.correlation
        let group = policy.group(of: alert.labels)
        let reason = policy.name == CorrelationPolicy.default.name ? group.reason : "rule \(policy.name): \(group.reason)"
        return Placement(key: group.key, reason: reason, pairs: group.pairs, window: policy.window.milliseconds, rule: nil)
    }

    /// The priority of an alert: by the priority rule's impact × urgency, or
    /// one step per severity without one. The reason is nil for the default.
    func priority(of labels: LabelSet, severity: Severity) -> (Priority, String?) {
        guard let rule = rules.priority else { return (Priority(defaultFor: severity), nil) }
        let (priority, reason) = rule.priority(of: labels)
        return (priority, reason)
    }

    /// For incidents of a topology rule: the alerting item the others depend on.
    mutating func refreshRootCause(of incidentID: Int64, into changes: inout DeskChanges) {
        guard let ruleName = incidents[incidentID]?.incident.rule,
            let rule = rules.correlate.first(where: { $0.origin.name == ruleName }),
            case .topology(let topology, let ciLabel) = rule.grouping
        else { return }
        var alerting: Set<String> = []
        for member in incidents[incidentID]!.members {
            if let alert = alerts[member]?.alert, alert.isEffectivelyFiring, let item = alert.labels[ciLabel] { alerting.insert(item) }
        }
        guard let root = topology.rootCause(among: alerting), root != incidents[incidentID]!.incident.rootCause else { return }
        incidents[incidentID]!.incident.rootCause = root
        let dependents = alerting.filter { $0 != root && topology.dependsOn($0, root) }.sorted()
        changes.events.append(
            IncidentEvent(
                incidentID: incidentID, at: Date(unixMilliseconds: now), kind: .rootCause,
                detail: "root cause candidate: \(root)" + (dependents.isEmpty ? "" : " (\(dependents.joined(separator: ", ")) depend on it)")))
        changes.incidentsByID[incidentID] = incidents[incidentID]!.incident
    }

    /// The summary of the alert that opened the incident, else its alertname
    /// and the group it stands for.
    static func title(for alert: TrackedAlert, group pairs: [(String, String)]) -> String {
        if let summary = alert.annotations["summary"], !summary.isEmpty { return summary }
        let name = alert.labels["alertname"] ?? "alert"
        let context = pairs.filter { $0.0 != "alertname" }.map { "\($0.0)=\($0.1)" }
        return context.isEmpty ? name : "\(name) (\(context.joined(separator: ", ")))"
    }
}
