/// The canonical severity scale every source is normalised to.
///
/// Sources disagree (`disaster`, `P1`, `crit`, `error`, `average`); incidents
/// need one scale to take the worst of their alerts and to derive a priority.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    case info
    case warning
    case minor
    case major
    case critical

    /// Maps a source's severity word to the canonical scale.
    ///
    /// Unknown or missing values count as `warning`: an alert nobody graded is
    /// worth a look but should not outrank a graded critical one.
    public init(label: String?) {
        guard let label else {
            self = .warning
            return
        }
        switch label.lowercased() {
        case "critical", "crit", "disaster", "emergency", "emerg", "alert", "fatal", "page", "p1", "sev1", "sev-1":
            self = .critical
        case "major", "high", "error", "err", "p2", "sev2", "sev-2":
            self = .major
        case "minor", "average", "medium", "moderate", "p3", "sev3", "sev-3":
            self = .minor
        case "warning", "warn", "low", "p4", "sev4", "sev-4":
            self = .warning
        case "info", "information", "informational", "notice", "debug", "none", "ok", "not classified", "p5", "sev5", "sev-5":
            self = .info
        default:
            self = .warning
        }
    }

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .minor: 2
        case .major: 3
        case .critical: 4
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// ITIL priority, P1 (act now) to P5 (planning).
public enum Priority: String, Sendable, Hashable, CaseIterable, Comparable {
    case p1 = "P1"
    case p2 = "P2"
    case p3 = "P3"
    case p4 = "P4"
    case p5 = "P5"

    /// The default priority of an incident of `severity` until a priority
    /// matrix (impact × urgency) is configured: one step per severity.
    public init(defaultFor severity: Severity) {
        switch severity {
        case .critical: self = .p1
        case .major: self = .p2
        case .minor: self = .p3
        case .warning: self = .p4
        case .info: self = .p5
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}
