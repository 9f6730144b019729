import Foundation
import HeapModule
import OrderedCollections

extension Engine {
    /// The heartbeat rule that absorbs an alert, if any.
    func heartbeatRule(for labels: LabelSet, source: String) -> HeartbeatRule? {
        guard !rules.heartbeats.isEmpty else { return nil }
        let lookup = Self.lookup(labels, source: source)
        return rules.heartbeats.first { $0.match.matches(lookup) }
    }

    /// The heartbeat a receipt stands for: its rule and the values of the
    /// rule's `group_by` labels (one heartbeat per Prometheus, say).
    static func heartbeatKey(_ rule: HeartbeatRule, _ labels: LabelSet) -> (key: String, group: LabelSet) {
        let group = labels.restricted(to: rule.groupBy)
        return (rule.origin.name + "\u{0}" + group.description, group)
    }

    /// A receipt of an absorbed alert: the heartbeat lives. If it had gone
    /// missing, the alert that said so resolves.
    mutating func heartbeatSeen(rule name: String, labels: LabelSet, source: String, into changes: inout DeskChanges) {
        guard let rule = rules.heartbeats.first(where: { $0.origin.name == name }) else { return }
        let (key, group) = Self.heartbeatKey(rule, labels)
        var state = heartbeats[key] ?? HeartbeatState(rule: name, labels: group, lastSeen: now, missingAlertID: nil)
        state.lastSeen = now
        heartbeats[key] = state
        timers.insert(Timer(at: now + rule.interval.milliseconds, kind: .heartbeat, id: 0, key: key))
        guard let missing = state.missingAlertID, let alert = alerts[missing]?.alert, alert.status == .firing else { return }
        heartbeats[key]!.missingAlertID = nil
        changes.events.append(
            IncidentEvent(
                incidentID: alert.incidentID, at: Date(unixMilliseconds: now), kind: .heartbeatResumed, alertID: missing,
                fingerprint: alert.fingerprint, detail: "heartbeat \(name): \(Self.describe(group)) arrived again"))
        resolveAlert(
            missing, at: now, endsAt: now, resolution: .sender, detail: "heartbeat \(name) resumed", into: &changes)
        changes.verdicts.append(.resolved(alert: missing, incident: alerts[missing]?.alert.incidentID))
    }

    /// A heartbeat's interval passed: if nothing arrived meanwhile, a
    /// `HeartbeatMissing` alert fires and goes through correlation like any.
    mutating func heartbeatCheck(key: String, due: Int64, into changes: inout DeskChanges) {
        guard let state = heartbeats[key], let rule = rules.heartbeats.first(where: { $0.origin.name == state.rule }),
            state.lastSeen + rule.interval.milliseconds == due
        else { return }  // seen since, or the rule is gone
        if let missing = state.missingAlertID, alerts[missing]?.alert.status == .firing { return }
        var labels = state.labels
        labels.set("alertname", to: "HeartbeatMissing")
        labels.set("heartbeat", to: rule.origin.name)
        labels.set("severity", to: rule.severity.rawValue)
        let summary =
            "heartbeat \(rule.origin.name): nothing from \(Self.describe(state.labels)) since \(RFC3339.string(unixMilliseconds: state.lastSeen)) (expected every \(DurationText.format(rule.interval)))"
        let alert = Alert(
            source: "heartbeat", labels: labels, annotations: ["summary": summary], status: .firing,
            startsAt: Date(unixMilliseconds: due), endsAt: nil, receivedAt: Date(unixMilliseconds: now))
        guard let id = route(alert, into: &changes) else { return }
        heartbeats[key]!.missingAlertID = id
        changes.events.append(
            IncidentEvent(
                incidentID: alerts[id]!.alert.incidentID, at: Date(unixMilliseconds: now), kind: .heartbeatMissing, alertID: id,
                fingerprint: alerts[id]!.alert.fingerprint, detail: summary))
    }

    static func describe(_ group: LabelSet) -> String {
        group.isEmpty ? "any source" : group.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }
}
