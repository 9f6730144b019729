public import Foundation
import OrderedCollections

/// Why an operator's command on an incident cannot be carried out.
public enum IncidentCommandError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The engine has no live incident with this id (it never existed or is closed).
    case unknownIncident(Int64)
    /// The incident's status does not allow the action.
    case notAllowed(incident: Int64, status: Incident.Status, action: String)

    public var description: String {
        switch self {
        case .unknownIncident(let id):
            "incident \(id) does not exist or is closed"
        case .notAllowed(let id, let status, let action):
            "incident \(id) is \(status.rawValue) and cannot be \(action)"
        }
    }
}

/// Operator commands. They check before they change anything, so a refused
/// command leaves the engine untouched; they do not apply deadlines, so
/// callers advance the engine to the command's time first (otherwise an
/// incident due to close would still accept an acknowledgement).
extension Engine {
    /// An operator takes the incident. Acknowledging an acknowledged incident
    /// changes nothing; a resolved one cannot be acknowledged.
    public mutating func acknowledge(
        incident id: Int64, at: Date, by actor: String, note: String? = nil
    ) throws(IncidentCommandError) -> DeskChanges {
        var changes = DeskChanges()
        guard let entry = incidents[id] else { throw .unknownIncident(id) }
        switch entry.incident.status {
        case .acknowledged:
            return changes
        case .resolved, .closed:
            throw .notAllowed(incident: id, status: entry.incident.status, action: "acknowledged")
        case .open:
            now = max(now, at.unixMilliseconds)
            let date = Date(unixMilliseconds: now)
            incidents[id]!.incident.status = .acknowledged
            incidents[id]!.incident.acknowledgedAt = date
            incidents[id]!.incident.acknowledgedBy = actor
            incidents[id]!.incident.updatedAt = date
            changes.events.append(IncidentEvent(incidentID: id, at: date, kind: .acknowledged, detail: note ?? "acknowledged", actor: actor))
            changes.incidentsByID[id] = incidents[id]!.incident
            return changes
        }
    }

    /// An operator resolves the incident, whether or not its alerts still
    /// fire. It closes after the hold time unless an alert fires again (or a
    /// new one joins) within the window. Resolving a resolved incident
    /// changes nothing.
    public mutating func resolve(
        incident id: Int64, at: Date, by actor: String, note: String? = nil
    ) throws(IncidentCommandError) -> DeskChanges {
        var changes = DeskChanges()
        guard let entry = incidents[id] else { throw .unknownIncident(id) }
        guard entry.incident.status.isActive else { return changes }
        now = max(now, at.unixMilliseconds)
        resolveIncident(id, at: now, by: actor, detail: note ?? "resolved by \(actor)", into: &changes)
        return changes
    }
}

extension Engine {
    /// Replaces the rules and keeps all state: alerts, incidents, silences,
    /// heartbeats. Incidents keep the grouping they were made with; new
    /// receipts follow the new rules. Suppressed alerts are reconsidered at
    /// once (a window that is gone releases them). Applies no deadline:
    /// advance first.
    public mutating func reload(_ rules: RuleSet, at: Date) -> DeskChanges {
        var changes = DeskChanges()
        now = max(now, at.unixMilliseconds)
        self.rules = rules
        // Inhibit rules may have changed: rebuild their index of firing sources.
        inhibitionSources = [:]
        for id in alerts.ids.sorted() where alerts[id]!.alert.status == .firing {
            updateInhibitionSource(id, into: &changes)
        }
        heartbeats = heartbeats.filter { _, state in rules.heartbeats.contains { $0.origin.name == state.rule } }
        for id in suppressed.sorted() {
            reconsiderSuppression(of: id, into: &changes)
        }
        return changes
    }
}
