public import Foundation

/// Where a rule was written: for errors, for `rules check`, and for the
/// timeline entries that say which rule acted.
public struct RuleOrigin: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var file: String
    public var line: Int

    public init(name: String, file: String, line: Int) {
        self.name = name
        self.file = file
        self.line = line
    }

    public var description: String { "\(name) (\(file):\(line))" }
}

/// The compiled rules of a rule directory, stage by stage, in the order the
/// engine applies them. Built by ``RuleSet/load(files:readFile:)``; the
/// empty set is the engine's built-in behaviour.
public struct RuleSet: Sendable {
    public var enrich: [EnrichRule] = []
    public var dedup: [DedupRule] = []
    public var flapping: FlappingRule?
    public var silences: [MaintenanceWindow] = []
    public var inhibit: [InhibitRule] = []
    public var correlate: [CorrelationRule] = []
    public var priority: PriorityRule?
    public var heartbeats: [HeartbeatRule] = []
    public var syslog: [SyslogRule] = []

    public init() {}

    public static let empty = RuleSet()

    /// How many rules the set holds, over all stages.
    public var count: Int {
        enrich.count + dedup.count + (flapping == nil ? 0 : 1) + silences.count + inhibit.count + correlate.count
            + (priority == nil ? 0 : 1) + heartbeats.count + syslog.count
    }
}

// MARK: - Stages

/// Rewrites an alert's labels before anything else looks at them.
///
/// In order: named regex captures from labels become labels; `set` assigns
/// labels (values may use `${name}`, a capture or an existing label);
/// `drop` removes labels (before the fingerprint is taken, so the `replica`
/// of an HA pair of Prometheus servers does not split one alert in two);
/// `normalize_severity` maps the `severity` label to the canonical scale.
public struct EnrichRule: Sendable {
    public struct Capture: Sendable {
        public var label: String
        public var pattern: RE2Pattern
    }

    public var origin: RuleOrigin
    public var match: Matchers
    public var captures: [Capture]
    public var set: [(name: String, value: LabelTemplate)]
    public var drop: [String]
    public var normalizeSeverity: Bool
}

/// A label value with `${name}` references, filled from captures or labels.
public struct LabelTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case reference(String)
    }

    var parts: [Part]

    /// Parses `text`; `$$` is a literal dollar sign.
    public init(parsing text: String) throws(RuleTemplateError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                literal += "$"
                rest = rest.dropFirst()
                continue
            }
            guard rest.first == "{", let close = rest.firstIndex(of: "}") else {
                throw RuleTemplateError(message: "\"\(text)\": expected ${name} after $ (write $$ for a dollar sign)")
            }
            let name = String(rest[rest.index(after: rest.startIndex)..<close])
            guard !name.isEmpty else { throw RuleTemplateError(message: "\"\(text)\": empty ${}") }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.reference(name))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty || parts.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    /// The names the template refers to.
    public var references: [String] {
        parts.compactMap { if case .reference(let name) = $0 { name } else { nil } }
    }

    /// The value, with each `${name}` replaced by `lookup(name)` (empty when missing).
    public func render(_ lookup: (String) -> String?) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .reference(let name): result += lookup(name) ?? ""
            }
        }
        return result
    }
}

public struct RuleTemplateError: Error, Sendable {
    public var message: String
}

/// Which labels make an alert's identity, for alerts that match.
///
/// Without a dedup rule every label counts (Alertmanager's fingerprint). A
/// key such as `[host, app, template]` makes syslog lines that differ only
/// in their text one alert with a duplicate count.
public struct DedupRule: Sendable {
    public var origin: RuleOrigin
    public var match: Matchers
    public var key: [String]
}

/// `transitions` state changes within `within` mark an alert flapping; it
/// then counts as firing, so its incident neither resolves nor reopens on
/// every flap, until it has been `quiet` without a change.
public struct FlappingRule: Sendable {
    public var origin: RuleOrigin
    public var match: Matchers
    public var transitions: Int
    public var within: Duration
    public var quiet: Duration
}

/// A maintenance window: matching alerts that fire while it is active are
/// recorded but join no incident until it ends.
public struct MaintenanceWindow: Sendable {
    public enum Schedule: Sendable {
        /// Once, from `start` (inclusive) to `end` (exclusive).
        case once(start: Date, end: Date)
        /// At every activation of `cron`, for `duration`.
        case recurring(cron: CronSchedule, duration: Duration)
    }

    public var origin: RuleOrigin
    public var match: Matchers
    public var schedule: Schedule

    /// The window active at `date`, as [start, end), if any.
    public func activeWindow(at date: Date) -> (start: Date, end: Date)? {
        switch schedule {
        case .once(let start, let end):
            return start <= date && date < end ? (start, end) : nil
        case .recurring(let cron, let duration):
            return cron.activeWindow(containing: date, duration: duration)
        }
    }
}

/// A firing `source` alert hides `target` alerts that have the same values
/// of the `equal` labels (Alertmanager's inhibition).
public struct InhibitRule: Sendable {
    public var origin: RuleOrigin
    public var source: Matchers
    public var target: Matchers
    public var equal: [String]
}

/// How matching alerts are grouped into incidents. The first rule whose
/// `match` accepts an alert (and, for topology, that knows its CI) decides.
public struct CorrelationRule: Sendable {
    public enum Grouping: Sendable {
        /// Alerts with the same values of these labels join one incident.
        case labels([String])
        /// Alerts on configuration items that depend on each other join one
        /// incident; `ciLabel` names the label that holds the CI.
        case topology(Topology, ciLabel: String)
    }

    public var origin: RuleOrigin
    public var match: Matchers
    public var grouping: Grouping
    /// How long a resolved incident of this rule can still be joined (and reopened).
    public var window: Duration
}

/// ITIL priority: impact (how much is affected) × urgency (how fast it
/// hurts), each chosen by the first rule that matches, looked up in `matrix`.
public struct PriorityRule: Sendable {
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case high, medium, low
    }

    public struct Choice: Sendable {
        public var match: Matchers
        public var level: Level
        public var line: Int
    }

    public var origin: RuleOrigin
    public var impact: [Choice]
    public var urgency: [Choice]
    /// `matrix[impact][urgency]`.
    public var matrix: [Level: [Level: Priority]]

    /// The ITIL default: P1 for high impact and urgency down to P5 for low and low.
    public static let defaultMatrix: [Level: [Level: Priority]] = [
        .high: [.high: .p1, .medium: .p2, .low: .p3],
        .medium: [.high: .p2, .medium: .p3, .low: .p4],
        .low: [.high: .p3, .medium: .p4, .low: .p5],
    ]

    /// The priority of an alert with `labels`, and why.
    public func priority(of labels: LabelSet) -> (priority: Priority, reason: String) {
        let impact = impact.first { $0.match.matches(labels) }?.level ?? .medium
        let urgency = urgency.first { $0.match.matches(labels) }?.level ?? .medium
        let priority = matrix[impact]?[urgency] ?? .p3
        return (priority, "rule \(origin.name): impact \(impact.rawValue) × urgency \(urgency.rawValue) = \(priority.rawValue)")
    }
}

/// An alert that must keep arriving (Prometheus' `Watchdog`). Matching
/// alerts are absorbed (tracked, never an incident of their own); when none
/// has arrived for `interval`, per value of the `group_by` labels, a
/// `HeartbeatMissing` alert fires and opens an incident that says which
/// source went silent. The next arrival resolves it.
public struct HeartbeatRule: Sendable {
    public var origin: RuleOrigin
    public var match: Matchers
    public var interval: Duration
    public var groupBy: [String]
    public var severity: Severity
}

// MARK: - Matching against alerts

extension LabelSet: LabelLookup {
    public func labelValue(_ name: String) -> String? { self[name] }
}
