import Foundation
import HeapModule
import OrderedCollections

extension Engine {
    /// Records a state change of an alert for the flapping rule: with
    /// `transitions` changes within `within` the alert starts flapping, and
    /// counts as firing until it has been `quiet` without a change.
    mutating func noteStateChange(of id: Int64, into changes: inout DeskChanges) {
        guard let rule = rules.flapping else { return }
        let alert = alerts[id]!.alert
        guard rule.match.matches(Self.lookup(alert.labels, source: alert.source)) else { return }
        var history = alert.stateChanges
        history.append(now)
        let horizon = now - rule.within.milliseconds
        history.removeAll { $0 < horizon }
        if history.count > rule.transitions { history.removeFirst(history.count - rule.transitions) }
        alerts[id]!.alert.stateChanges = history
        if !alert.flapping, history.count >= rule.transitions {
            alerts[id]!.alert.flapping = true
            changes.events.append(
                IncidentEvent(
                    incidentID: alert.incidentID, at: Date(unixMilliseconds: now), kind: .flappingStarted, alertID: id,
                    fingerprint: alert.fingerprint,
                    detail:
                        "rule \(rule.origin.name): \(history.count) state changes within \(DurationText.format(rule.within)); counts as firing until quiet for \(DurationText.format(rule.quiet))"
                ))
        }
        if alerts[id]!.alert.flapping {
            timers.insert(Timer(at: now + rule.quiet.milliseconds, kind: .flapQuiet, id: id))
        }
    }

    /// The quiet period after a flapping alert's last change has passed (or
    /// the flapping rule is gone): it counts as what it is again.
    mutating func flapQuietCheck(_ id: Int64, into changes: inout DeskChanges) {
        guard let alert = alerts[id]?.alert, alert.flapping else { return }
        let quiet = rules.flapping?.quiet.milliseconds ?? 0
        guard now >= (alert.stateChanges.last ?? .min) + quiet else { return }  // changed again since
        let wasFiring = alert.isEffectivelyFiring
        alerts[id]!.alert.flapping = false
        alerts[id]!.alert.stateChanges = []
        changes.events.append(
            IncidentEvent(
                incidentID: alert.incidentID, at: Date(unixMilliseconds: now), kind: .flappingStopped, alertID: id,
                fingerprint: alert.fingerprint,
                detail: "no state change for \(DurationText.format(.milliseconds(quiet))); counts as \(alert.status.rawValue) again"))
        let isFiring = alerts[id]!.alert.isEffectivelyFiring
        if wasFiring != isFiring {
            applyFiringChange(of: id, nowFiring: isFiring, because: "flapping stopped", into: &changes)
        }
        if alert.incidentID == nil, alert.status == .resolved {
            scheduleForget(id)
        }
        changes.record(alerts[id]!.alert, .lifecycle)
    }
}
