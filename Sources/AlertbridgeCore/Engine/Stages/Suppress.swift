public import Foundation
import HeapModule
import OrderedCollections

extension Engine {
    /// What keeps an alert out of incidents now, and until when it may
    /// (nil: until something else ends it, such as an inhibiting alert
    /// resolving). Maintenance windows first, then silences, then inhibition.
    func suppression(for alert: TrackedAlert) -> (suppression: Suppression, until: Int64?)? {
        let lookup = Self.lookup(alert.labels, source: alert.source)
        if !rules.silences.isEmpty {
            let date = Date(unixMilliseconds: now)
            for window in rules.silences where window.match.matches(lookup) {
                if let active = window.activeWindow(at: date) {
                    return (.maintenance(rule: window.origin.name), active.end.unixMilliseconds)
                }
            }
        }
        if !silences.isEmpty {
            for id in silences.keys.sorted() {
                let silence = silences[id]!
                if silence.isActive(at: now), silence.matchers.matches(lookup) {
                    return (.silence(id: id), silence.endsAt.unixMilliseconds)
                }
            }
        }
        for rule in rules.inhibit where rule.target.matches(lookup) {
            let key = Self.equalKey(rule, alert.labels)
            if let source = inhibitionSources[rule.origin.name]?[key]?.filter({ $0 != alert.id }).min() {
                return (.inhibition(source: source, rule: rule.origin.name), nil)
            }
        }
        return nil
    }

    /// Keeps an alert out of incidents, recording why.
    mutating func suppress(_ id: Int64, by suppression: Suppression, until: Int64?, into changes: inout DeskChanges) {
        alerts[id]!.alert.suppression = suppression
        alerts[id]!.alert.joinReason = interner.intern("suppressed: \(suppression)")
        suppressed.insert(id)
        if case .inhibition(let source, _) = suppression {
            inhibitedBy[source, default: []].insert(id)
        }
        if let until {
            timers.insert(Timer(at: until, kind: .releaseCheck, id: id))
        }
        let alert = alerts[id]!.alert
        changes.events.append(
            IncidentEvent(
                incidentID: nil, at: Date(unixMilliseconds: now), kind: .alertSuppressed, alertID: id, fingerprint: alert.fingerprint,
                detail: suppressionDetail(suppression, until: until)))
    }

    /// A suppressed alert's suppression may have ended (its window or silence
    /// ran out, its inhibitor resolved, the rules changed): it stays out
    /// under whatever suppresses it now, or joins an incident. One that
    /// resolved meanwhile stays out for good.
    mutating func reconsiderSuppression(of id: Int64, into changes: inout DeskChanges) {
        // One that no longer fires keeps the reason it was kept out for: it
        // can join nothing, and firing again brings it back here.
        guard let alert = alerts[id]?.alert, alert.incidentID == nil, alert.isEffectivelyFiring else { return }
        let old = alert.suppression
        if let old, let until = stillHolds(old, for: alert) {
            // What suppressed it still does: keep it (the reason an alert
            // gives does not change while it is true), and check again later.
            if case .inhibition(let source, _) = old { inhibitedBy[source, default: []].insert(id) }
            if let until { timers.insert(Timer(at: until, kind: .releaseCheck, id: id)) }
            return
        }
        if case .inhibition(let source, _)? = old {
            inhibitedBy[source]?.remove(id)
            if inhibitedBy[source]?.isEmpty == true { inhibitedBy[source] = nil }
        }
        if let (suppression, until) = suppression(for: alert) {
            if suppression != old {
                suppress(id, by: suppression, until: until, into: &changes)
                changes.record(alerts[id]!.alert, .lifecycle)
            } else {
                if case .inhibition(let source, _) = suppression { inhibitedBy[source, default: []].insert(id) }
                if let until { timers.insert(Timer(at: until, kind: .releaseCheck, id: id)) }
            }
            return
        }
        attach(id, released: old, into: &changes)
    }

    /// Whether `suppression` still applies to `alert` now: nil when it does
    /// not, else until when it may (nil inside: until something ends it).
    private func stillHolds(_ suppression: Suppression, for alert: TrackedAlert) -> Int64?? {
        let lookup = Self.lookup(alert.labels, source: alert.source)
        switch suppression {
        case .maintenance(let name):
            guard let window = rules.silences.first(where: { $0.origin.name == name }), window.match.matches(lookup),
                let active = window.activeWindow(at: Date(unixMilliseconds: now))
            else { return nil }
            return .some(active.end.unixMilliseconds)
        case .silence(let id):
            guard let silence = silences[id], silence.isActive(at: now), silence.matchers.matches(lookup) else { return nil }
            return .some(silence.endsAt.unixMilliseconds)
        case .inhibition(let source, let name):
            guard let rule = rules.inhibit.first(where: { $0.origin.name == name }), rule.target.matches(lookup),
                let inhibitor = alerts[source]?.alert, inhibitor.status == .firing,
                rule.source.matches(Self.lookup(inhibitor.labels, source: inhibitor.source)),
                Self.equalKey(rule, inhibitor.labels) == Self.equalKey(rule, alert.labels)
            else { return nil }
            return .some(nil)
        case .heartbeat(let name):
            return rules.heartbeats.contains(where: { $0.origin.name == name }) ? .some(nil) : nil
        }
    }

    private func suppressionDetail(_ suppression: Suppression, until: Int64?) -> String {
        switch suppression {
        case .maintenance, .silence:
            "\(suppression)" + (until.map { " until \(RFC3339.string(unixMilliseconds: $0))" } ?? "")
        case .inhibition(let source, _):
            "\(suppression): \(alerts[source].map { $0.alert.labels["alertname"] ?? "alert" } ?? "alert") \(alerts[source]?.alert.labels.description ?? "") fires"
        case .heartbeat(let rule):
            "absorbed by heartbeat rule \(rule): expected to keep arriving, never an incident of its own"
        }
    }

    // MARK: - Inhibition sources

    /// The values of an inhibit rule's `equal` labels, missing ones as empty.
    static func equalKey(_ rule: InhibitRule, _ labels: LabelSet) -> String {
        rule.equal.map { labels[$0] ?? "" }.joined(separator: "\u{0}")
    }

    /// Keeps the index of firing inhibition sources in step with an alert's
    /// status; when it stops firing, the alerts it inhibited are reconsidered.
    mutating func updateInhibitionSource(_ id: Int64, into changes: inout DeskChanges) {
        guard !rules.inhibit.isEmpty, let alert = alerts[id]?.alert else { return }
        let lookup = Self.lookup(alert.labels, source: alert.source)
        for rule in rules.inhibit where rule.source.matches(lookup) {
            let key = Self.equalKey(rule, alert.labels)
            if alert.status == .firing {
                inhibitionSources[rule.origin.name, default: [:]][key, default: []].insert(id)
            } else {
                inhibitionSources[rule.origin.name]?[key]?.remove(id)
            }
        }
        if alert.status != .firing, let targets = inhibitedBy.removeValue(forKey: id) {
            for target in targets.sorted() {
                reconsiderSuppression(of: target, into: &changes)
            }
        }
    }

    mutating func removeInhibitionSource(_ id: Int64) {
        for (rule, byKey) in inhibitionSources {
            for (key, sources) in byKey where sources.contains(id) {
                inhibitionSources[rule]![key]!.remove(id)
            }
        }
    }

    // MARK: - Silences (API)

    /// A silence an operator creates. It applies to alerts that arrive (or
    /// fire again) while it is active; alerts already in an incident stay.
    /// Like the other commands it applies no deadline: advance first.
    public mutating func createSilence(
        matchers: Matchers, startsAt: Date?, endsAt: Date, by actor: String, comment: String, at: Date
    ) throws(SilenceError) -> (silence: Silence, changes: DeskChanges) {
        var changes = DeskChanges()
        guard !matchers.isEmpty else { throw SilenceError(message: "matchers: at least one is required; a silence of everything is refused") }
        let time = max(now, at.unixMilliseconds)
        let start = startsAt.map { Date(unixMilliseconds: max($0.unixMilliseconds, time)) } ?? Date(unixMilliseconds: time)
        guard endsAt.unixMilliseconds > start.unixMilliseconds else {
            throw SilenceError(message: "endsAt: must be after startsAt (\(RFC3339.string(start)))")
        }
        now = max(now, at.unixMilliseconds)
        let silence = Silence(
            id: nextSilenceID, matchers: matchers, startsAt: start, endsAt: endsAt.roundedToMilliseconds, createdBy: actor,
            comment: comment, createdAt: Date(unixMilliseconds: now))
        nextSilenceID += 1
        silences[silence.id] = silence
        timers.insert(Timer(at: silence.endsAt.unixMilliseconds, kind: .silenceEnd, id: silence.id))
        changes.silencesByID[silence.id] = silence
        return (silence, changes)
    }

    /// Ends a silence now; the alerts it kept out are reconsidered.
    public mutating func expireSilence(_ id: Int64, by actor: String, at: Date) throws(SilenceError) -> DeskChanges {
        var changes = DeskChanges()
        guard var silence = silences[id] else { throw SilenceError(message: "silence \(id) does not exist or has ended", notFound: true) }
        now = max(now, at.unixMilliseconds)
        silence.endsAt = Date(unixMilliseconds: max(now, silence.startsAt.unixMilliseconds))
        silences[id] = nil
        changes.silencesByID[id] = silence
        for alert in suppressed.sorted() where alerts[alert]?.alert.suppression == .silence(id: id) {
            reconsiderSuppression(of: alert, into: &changes)
        }
        return changes
    }

    /// A silence's end came: forget it (its alerts have their own checks).
    mutating func silenceEnded(_ id: Int64) {
        if let silence = silences[id], silence.endsAt.unixMilliseconds <= now { silences[id] = nil }
    }
}

/// Why a silence cannot be created or ended.
public struct SilenceError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var notFound = false
    public var description: String { message }
}
