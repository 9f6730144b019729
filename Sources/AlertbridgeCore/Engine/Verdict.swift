/// What the engine decided about one received alert, and why.
///
/// Alertmanager's `NotifyReason` made first-class: replay, rule tests and the
/// API explain every alert with one of these. The incident is nil for an
/// alert that is suppressed (recorded, in no incident).
public enum Verdict: Equatable, Sendable {
    /// A new occurrence that opened a new incident.
    case opened(alert: Int64, incident: Int64, reason: String)
    /// A new occurrence that joined an existing incident.
    case joined(alert: Int64, incident: Int64, reason: String)
    /// A new occurrence kept out of incidents: silenced, in a maintenance
    /// window, inhibited, or absorbed by a heartbeat rule.
    case suppressed(alert: Int64, reason: String)
    /// A repeat of an occurrence in the same state: counted, nothing else.
    case duplicate(alert: Int64, incident: Int64?)
    /// A firing occurrence that the sender resolved.
    case resolved(alert: Int64, incident: Int64?)
    /// A resolved occurrence that fired again within its incident's window.
    case refired(alert: Int64, incident: Int64?)
    /// An out-of-order message the current state already supersedes (a firing
    /// that started before the known resolution, a resolution that ended
    /// before the known start).
    case stale(alert: Int64, incident: Int64?, reason: String)
    /// A syslog message no syslog rule selected: counted, no alert.
    case logged

    /// The alert occurrence the verdict is about (none for a message that
    /// made no alert).
    public var alertID: Int64? {
        switch self {
        case .opened(let alert, _, _), .joined(let alert, _, _), .suppressed(let alert, _), .duplicate(let alert, _),
            .resolved(let alert, _), .refired(let alert, _), .stale(let alert, _, _):
            alert
        case .logged: nil
        }
    }

    public var incidentID: Int64? {
        switch self {
        case .opened(_, let incident, _), .joined(_, let incident, _): incident
        case .suppressed, .logged: nil
        case .duplicate(_, let incident), .resolved(_, let incident), .refired(_, let incident), .stale(_, let incident, _): incident
        }
    }
}
