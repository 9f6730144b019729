import Foundation
import HeapModule

/// The engine's whole state in the shape the desk store keeps it: the alerts
/// and incidents that are not closed, the silences that have not ended, and
/// the id counters.
///
/// The store writes every change the engine makes, so after a crash the
/// engine is rebuilt from the store with ``Engine/init(configuration:rules:restoring:)``
/// and continues exactly where the last committed batch left it. Everything
/// else the engine holds (deadlines, heartbeats, indexes) is derived.
public struct EngineSnapshot: Equatable, Sendable {
    /// Alert occurrences of incidents that are not closed, and suppressed
    /// ones not yet forgotten.
    public var alerts: [TrackedAlert]
    /// Incidents that are not closed.
    public var incidents: [Incident]
    /// API silences that have not ended.
    public var silences: [Silence]
    /// One more than the highest alert id ever assigned.
    public var nextAlertID: Int64
    /// One more than the highest incident id ever assigned.
    public var nextIncidentID: Int64
    /// One more than the highest silence id ever assigned.
    public var nextSilenceID: Int64
    /// The engine's time (Unix milliseconds), `Int64.min` before any input.
    public var now: Int64

    public init(
        alerts: [TrackedAlert], incidents: [Incident], silences: [Silence] = [], nextAlertID: Int64, nextIncidentID: Int64,
        nextSilenceID: Int64 = 1, now: Int64
    ) {
        self.alerts = alerts
        self.incidents = incidents
        self.silences = silences
        self.nextAlertID = nextAlertID
        self.nextIncidentID = nextIncidentID
        self.nextSilenceID = nextSilenceID
        self.now = now
    }
}

extension Engine {
    /// The engine's clock and id counters: what the store keeps beside the
    /// alerts, incidents and silences to restore the engine exactly.
    public struct Marks: Equatable, Sendable {
        public var now: Int64
        public var nextAlertID: Int64
        public var nextIncidentID: Int64
        public var nextSilenceID: Int64
    }

    public var marks: Marks {
        Marks(now: now, nextAlertID: nextAlertID, nextIncidentID: nextIncidentID, nextSilenceID: nextSilenceID)
    }

    /// The state to persist or compare, sorted by id.
    public var snapshot: EngineSnapshot {
        EngineSnapshot(
            alerts: liveAlerts, incidents: liveIncidents, silences: activeSilences,
            nextAlertID: nextAlertID, nextIncidentID: nextIncidentID, nextSilenceID: nextSilenceID, now: now)
    }

    /// Rebuilds an engine from a snapshot: the same state, the same deadlines,
    /// the same future.
    public init(configuration: EngineConfiguration = EngineConfiguration(), rules: RuleSet = .empty, restoring snapshot: EngineSnapshot) {
        self.init(configuration: configuration, rules: rules)
        now = snapshot.now
        nextAlertID = snapshot.nextAlertID
        nextIncidentID = snapshot.nextIncidentID
        nextSilenceID = snapshot.nextSilenceID
        for silence in snapshot.silences where silence.endsAt.unixMilliseconds > now {
            silences[silence.id] = silence
            timers.insert(Timer(at: silence.endsAt.unixMilliseconds, kind: .silenceEnd, id: silence.id))
        }
        for incident in snapshot.incidents.sorted(by: { $0.id < $1.id }) where incident.status != .closed {
            var entry = IncidentEntry(incident: incident, window: window(ofRule: incident.rule))
            entry.incident.firingCount = 0  // recounted from the alerts below
            incidents[incident.id] = entry
            // Ids grow with time: the highest id of a key is its newest incident.
            incidentByGroup[incident.groupKey] = incident.id
            if incident.status == .resolved, let resolvedAt = incident.resolvedAt {
                closings.insert(Deadline(at: resolvedAt.unixMilliseconds + closeAfter, id: incident.id))
            }
        }
        var changes = DeskChanges()  // derived state only: nothing here is a change
        for var alert in snapshot.alerts.sorted(by: { $0.id < $1.id }) {
            if let incidentID = alert.incidentID, incidents[incidentID] == nil { continue }
            // Rows read back from the store share nothing: share what repeats.
            alert.labels = interner.intern(alert.labels)
            alert.annotations = interner.intern(alert.annotations)
            alert.generatorURL = interner.intern(alert.generatorURL)
            alert.joinReason = interner.intern(alert.joinReason)
            alerts[alert.id] = AlertEntry(alert: alert)
            currentOccurrence[alert.fingerprint] = alert.id
            if let incidentID = alert.incidentID {
                incidents[incidentID]!.members.append(alert.id)
                incidents[incidentID]!.noteMember(alert)
                if alert.isEffectivelyFiring { incidents[incidentID]!.countFiring(alert, by: 1) }
            } else {
                restoreSuppression(of: alert)
            }
            if alert.status == .firing {
                scheduleExpiry(of: alert.id)
                updateInhibitionSource(alert.id, into: &changes)
            }
            if alert.flapping, let last = alert.stateChanges.last {
                timers.insert(Timer(at: last + (rules.flapping?.quiet.milliseconds ?? 0), kind: .flapQuiet, id: alert.id))
            }
            restoreHeartbeat(from: alert)
        }
        for (key, state) in heartbeats where state.lastSeen != .min {
            if let rule = rules.heartbeats.first(where: { $0.origin.name == state.rule }) {
                timers.insert(Timer(at: state.lastSeen + rule.interval.milliseconds, kind: .heartbeat, id: 0, key: key))
            }
        }
    }

    /// The window of a correlation rule by name; the built-in one for nil or
    /// a rule that no longer exists.
    func window(ofRule name: String?) -> Int64 {
        if let name, let rule = rules.correlate.first(where: { $0.origin.name == name }) { return rule.window.milliseconds }
        return configuration.correlation.window.milliseconds
    }

    private mutating func restoreSuppression(of alert: TrackedAlert) {
        suppressed.insert(alert.id)
        if case .inhibition(let source, _)? = alert.suppression {
            inhibitedBy[source, default: []].insert(alert.id)
        }
        if alert.status == .resolved, !alert.flapping {
            scheduleForget(alert.id)
        } else if case .heartbeat? = alert.suppression {
        } else {
            // Check again on the next advance: it is either still suppressed
            // (and rescheduled) or its suppression ended while it was stored.
            timers.insert(Timer(at: now, kind: .releaseCheck, id: alert.id))
        }
    }

    /// Heartbeats are not stored: they are what the absorbed alerts and the
    /// `HeartbeatMissing` alerts say.
    private mutating func restoreHeartbeat(from alert: TrackedAlert) {
        if case .heartbeat(let name)? = alert.suppression, let rule = rules.heartbeats.first(where: { $0.origin.name == name }) {
            let (key, group) = Self.heartbeatKey(rule, alert.labels)
            let lastSeen = alert.lastSeenAt.unixMilliseconds
            var state = heartbeats[key] ?? HeartbeatState(rule: name, labels: group, lastSeen: lastSeen, missingAlertID: nil)
            state.lastSeen = max(state.lastSeen, lastSeen)
            heartbeats[key] = state
        } else if alert.source == "heartbeat", alert.status == .firing, alert.labels["alertname"] == "HeartbeatMissing",
            let name = alert.labels["heartbeat"], let rule = rules.heartbeats.first(where: { $0.origin.name == name })
        {
            let (key, group) = Self.heartbeatKey(rule, alert.labels)
            var state = heartbeats[key] ?? HeartbeatState(rule: name, labels: group, lastSeen: .min, missingAlertID: nil)
            state.missingAlertID = alert.id
            heartbeats[key] = state
        }
    }
}
