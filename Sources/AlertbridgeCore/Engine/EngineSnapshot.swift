import Foundation
import HeapModule

/// The engine's whole state in the shape the desk store keeps it: the alerts
/// and incidents that are not closed, and the id counters.
///
/// The store writes every change the engine makes, so after a crash the
/// engine is rebuilt from the store with ``Engine/init(configuration:restoring:)``
/// and continues exactly where the last committed batch left it.
public struct EngineSnapshot: Equatable, Sendable {
    /// Alert occurrences of incidents that are not closed.
    public var alerts: [TrackedAlert]
    /// Incidents that are not closed.
    public var incidents: [Incident]
    /// One more than the highest alert id ever assigned.
    public var nextAlertID: Int64
    /// One more than the highest incident id ever assigned.
    public var nextIncidentID: Int64
    /// The engine's time (Unix milliseconds), `Int64.min` before any input.
    public var now: Int64

    public init(alerts: [TrackedAlert], incidents: [Incident], nextAlertID: Int64, nextIncidentID: Int64, now: Int64) {
        self.alerts = alerts
        self.incidents = incidents
        self.nextAlertID = nextAlertID
        self.nextIncidentID = nextIncidentID
        self.now = now
    }
}

extension Engine {
    /// The engine's clock and id counters: what the store keeps beside the
    /// alerts and incidents to restore the engine exactly.
    public struct Marks: Equatable, Sendable {
        public var now: Int64
        public var nextAlertID: Int64
        public var nextIncidentID: Int64
    }

    public var marks: Marks {
        Marks(now: now, nextAlertID: nextAlertID, nextIncidentID: nextIncidentID)
    }

    /// The state to persist or compare, sorted by id.
    public var snapshot: EngineSnapshot {
        EngineSnapshot(
            alerts: liveAlerts, incidents: liveIncidents,
            nextAlertID: nextAlertID, nextIncidentID: nextIncidentID, now: now)
    }

    /// Rebuilds an engine from a snapshot: the same state, the same deadlines,
    /// the same future.
    public init(configuration: EngineConfiguration = EngineConfiguration(), restoring snapshot: EngineSnapshot) {
        self.init(configuration: configuration)
        now = snapshot.now
        nextAlertID = snapshot.nextAlertID
        nextIncidentID = snapshot.nextIncidentID
        for incident in snapshot.incidents.sorted(by: { $0.id < $1.id }) where incident.status != .closed {
            var entry = IncidentEntry(incident: incident)
            entry.incident.firingCount = 0  // recounted from the alerts below
            incidents[incident.id] = entry
            // Ids grow with time: the highest id of a key is its newest incident.
            incidentByGroup[incident.groupKey] = incident.id
            if incident.status == .resolved, let resolvedAt = incident.resolvedAt {
                closings.insert(Deadline(at: resolvedAt.unixMilliseconds + closeAfter, id: incident.id))
            }
        }
        for var alert in snapshot.alerts.sorted(by: { $0.id < $1.id }) where incidents[alert.incidentID] != nil {
            // Rows read back from the store share nothing: share what repeats.
            alert.labels = interner.intern(alert.labels)
            alert.annotations = interner.intern(alert.annotations)
            alert.generatorURL = interner.intern(alert.generatorURL)
            alert.joinReason = interner.intern(alert.joinReason)
            alerts[alert.id] = AlertEntry(alert: alert)
            currentOccurrence[alert.fingerprint] = alert.id
            incidents[alert.incidentID]!.members.append(alert.id)
            incidents[alert.incidentID]!.worstEver = max(incidents[alert.incidentID]!.worstEver, alert.severity)
            if alert.status == .firing {
                incidents[alert.incidentID]!.countFiring(alert.severity, by: 1)
                scheduleExpiry(of: alert.id)
            }
        }
    }
}
