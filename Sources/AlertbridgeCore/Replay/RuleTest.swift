public import Foundation

/// A rule test file, in the spirit of `promtool test rules`: alerts that
/// arrive at times relative to a start, and what the incidents and alerts
/// must look like at evaluation times. The engine runs with a fake clock:
/// time is whatever the file says, so a test of a one-hour window runs in
/// microseconds and the same way every time.
///
/// ```yaml
/// rules: ..                      # the rule directory, relative to this file
/// start: 2026-01-05T00:00:00Z    # time zero (default 2026-01-01T00:00:00Z)
/// tests:
///   - name: a node going down hides the warnings on it
///     input:
///       - at: 0s
///         alerts:
///           - labels: {alertname: NodeDown, host: db-1, severity: critical}
///       - at: 30s
///         every: 1m              # resent every minute...
///         until: 10m             # ...until 10m, as Prometheus does
///         alerts:
///           - labels: {alertname: HighLatency, host: db-1, severity: warning}
///     expect:
///       - at: 2m
///         incidents:             # exactly the incidents that are not closed
///           - {group: {host: db-1}, status: open, priority: P1, alerts: 1}
///         alerts:                # these alerts, at least
///           - {labels: {alertname: HighLatency}, suppressed: inhibited}
///   - name: a syslog line is an input too, parsed as intake parses it
///     input:
///       - at: 0s
///         alerts:
///           - "<187>Mar  1 00:00:01 sw-1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to down"
/// ```
public struct RuleTestFile: Sendable {
    public var file: String
    /// The rule directory, relative to the test file.
    public var rules: String
    public var tests: [RuleTest]

    /// Parses a test file; errors name file and line.
    public init(parsing text: String, file: String) throws(YAMLError) {
        self.file = file
        let root = try YAMLValue.parse(text, file: file)
        var rules = ".."
        var start = Self.defaultStart
        var tests: [RuleTest] = []
        let members = try root.mapping(allowedKeys: ["rules", "start", "tests"])
        for (key, value) in members where key != "tests" {
            if key == "rules" { rules = try value.string() } else { start = try Self.time(value) }
        }
        for (key, value) in members where key == "tests" {
            for test in try value.sequence() {
                tests.append(try RuleTest(test, start: start))
            }
        }
        self.rules = rules
        self.tests = tests
    }

    /// 2026-01-01T00:00:00Z, a Thursday.
    public static let defaultStart = Date(unixMilliseconds: 1_767_225_600_000)

    static func time(_ value: YAMLValue) throws(YAMLError) -> Date {
        var text = try value.string()
        guard let milliseconds = text.withUTF8({ RFC3339.unixMilliseconds(utf8: $0) }) else {
            throw value.error("expected an RFC 3339 time like 2026-01-05T00:00:00Z, got \"\(text)\"")
        }
        return Date(unixMilliseconds: milliseconds)
    }
}

/// One test of a rule test file.
public struct RuleTest: Sendable {
    public struct Input: Sendable {
        public var line: Int
        public var at: Int64
        public var every: Int64?
        public var until: Int64?
        public var alerts: [InputAlert]
    }

    public struct InputAlert: Sendable {
        public var labels: LabelSet
        public var annotations: LabelSet
        public var status: AlertStatus
        /// Milliseconds after its arrival at which the alert ends unless
        /// resent (Prometheus' `endsAt`); nil: fires until resolved.
        public var endsIn: Int64?
        public var source: String
        /// A raw syslog line instead of labels: decoded as intake would.
        public var syslogLine: String?
    }

    public struct Expectation: Sendable {
        public var line: Int
        public var at: Int64
        /// The incidents that are not closed, all of them; nil: not checked.
        public var incidents: [ExpectedIncident]?
        public var alerts: [ExpectedAlert]
    }

    public struct ExpectedIncident: Sendable, CustomStringConvertible {
        public var group: LabelSet?
        public var status: Incident.Status?
        public var priority: Priority?
        public var severity: Severity?
        public var alerts: Int?
        public var firing: Int?
        public var title: String?
        public var rule: String?
        public var rootCause: String?

        func matches(_ incident: Incident) -> Bool {
            if let group, !group.allSatisfy({ incident.groupLabels[$0.name] == $0.value }) { return false }
            if let status, incident.status != status { return false }
            if let priority, incident.priority != priority { return false }
            if let severity, incident.severity != severity { return false }
            if let alerts, incident.alertCount != alerts { return false }
            if let firing, incident.firingCount != firing { return false }
            if let title, incident.title != title { return false }
            if let rule, incident.rule != rule { return false }
            if let rootCause, incident.rootCause != rootCause { return false }
            return true
        }

        public var description: String {
            var parts: [String] = []
            if let group { parts.append("group: \(group)") }
            if let status { parts.append("status: \(status.rawValue)") }
            if let priority { parts.append("priority: \(priority.rawValue)") }
            if let severity { parts.append("severity: \(severity.rawValue)") }
            if let alerts { parts.append("alerts: \(alerts)") }
            if let firing { parts.append("firing: \(firing)") }
            if let title { parts.append("title: \(JSON.quoted(title))") }
            if let rule { parts.append("rule: \(rule)") }
            if let rootCause { parts.append("root_cause: \(rootCause)") }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    public struct ExpectedAlert: Sendable, CustomStringConvertible {
        public var labels: LabelSet
        public var status: AlertStatus?
        /// true/false, or a word the suppression's description must contain
        /// (`inhibited`, `silence`, `maintenance`, `heartbeat`, a rule name).
        public var suppressed: String?
        public var flapping: Bool?
        public var priority: Priority?
        public var duplicates: Int?
        /// Labels of the incident it must be in.
        public var incident: LabelSet?

        func matches(_ alert: TrackedAlert, in incident: Incident?) -> Bool {
            if let status, alert.status != status { return false }
            if let suppressed {
                switch suppressed {
                case "true": if alert.suppression == nil { return false }
                case "false": if alert.suppression != nil { return false }
                default: if !(alert.suppression?.description.contains(suppressed) ?? false) { return false }
                }
            }
            if let flapping, alert.flapping != flapping { return false }
            if let priority, alert.priority != priority { return false }
            if let duplicates, alert.duplicateCount != duplicates { return false }
            if let expected = self.incident {
                guard let incident, expected.allSatisfy({ incident.groupLabels[$0.name] == $0.value }) else { return false }
            }
            return true
        }

        public var description: String {
            var parts = ["labels: \(labels)"]
            if let status { parts.append("status: \(status.rawValue)") }
            if let suppressed { parts.append("suppressed: \(suppressed)") }
            if let flapping { parts.append("flapping: \(flapping)") }
            if let priority { parts.append("priority: \(priority.rawValue)") }
            if let duplicates { parts.append("duplicates: \(duplicates)") }
            if let incident { parts.append("incident: \(incident)") }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    public var name: String
    public var line: Int
    public var start: Date
    public var inputs: [Input]
    public var expectations: [Expectation]

    init(_ value: YAMLValue, start fileStart: Date) throws(YAMLError) {
        line = value.line
        var name = ""
        var start = fileStart
        var inputs: [Input] = []
        var expectations: [Expectation] = []
        for (key, member) in try value.mapping(allowedKeys: ["name", "start", "input", "expect"]) {
            switch key {
            case "name": name = try member.string()
            case "start": start = try RuleTestFile.time(member)
            case "input":
                for input in try member.sequence() { inputs.append(try Self.input(input)) }
            default:
                for expectation in try member.sequence() { expectations.append(try Self.expectation(expectation)) }
            }
        }
        guard !name.isEmpty else { throw value.error("name: required") }
        guard !expectations.isEmpty else { throw value.error("expect: a test needs at least one expectation") }
        self.name = name
        self.start = start
        self.inputs = inputs
        self.expectations = expectations
    }

    private static func offset(_ value: YAMLValue) throws(YAMLError) -> Int64 {
        if (try? value.string()) == "0" { return 0 }
        return try value.duration().milliseconds
    }

    private static func input(_ value: YAMLValue) throws(YAMLError) -> Input {
        var input = Input(line: value.line, at: 0, every: nil, until: nil, alerts: [])
        for (key, member) in try value.mapping(allowedKeys: ["at", "every", "until", "alerts"]) {
            switch key {
            case "at": input.at = try offset(member)
            case "every": input.every = try member.duration().milliseconds
            case "until": input.until = try offset(member)
            default:
                for alert in try member.sequence() {
                    var parsed = InputAlert(labels: .empty, annotations: .empty, status: .firing, endsIn: nil, source: "test")
                    if let line = try? alert.string() {
                        // A bare string is a raw syslog line.
                        parsed.syslogLine = line
                        input.alerts.append(parsed)
                        continue
                    }
                    for (field, fieldValue) in try alert.mapping(allowedKeys: ["labels", "annotations", "status", "ends_in", "source"]) {
                        switch field {
                        case "labels": parsed.labels = LabelSet(try fieldValue.stringMap())
                        case "annotations": parsed.annotations = LabelSet(try fieldValue.stringMap())
                        case "status":
                            let text = try fieldValue.string()
                            guard let status = AlertStatus(rawValue: text) else { throw fieldValue.error("expected firing or resolved, got \"\(text)\"") }
                            parsed.status = status
                        case "ends_in": parsed.endsIn = try fieldValue.duration().milliseconds
                        default: parsed.source = try fieldValue.string()
                        }
                    }
                    guard !parsed.labels.isEmpty else { throw alert.error("labels: required") }
                    input.alerts.append(parsed)
                }
            }
        }
        if input.every != nil, input.until == nil { throw value.error("every needs until") }
        return input
    }

    private static func expectation(_ value: YAMLValue) throws(YAMLError) -> Expectation {
        var expectation = Expectation(line: value.line, at: 0, incidents: nil, alerts: [])
        for (key, member) in try value.mapping(allowedKeys: ["at", "incidents", "alerts"]) {
            switch key {
            case "at": expectation.at = try offset(member)
            case "incidents":
                expectation.incidents = []
                for incident in try member.sequence() {
                    var parsed = ExpectedIncident()
                    for (field, fieldValue) in try incident.mapping(allowedKeys: [
                        "group", "status", "priority", "severity", "alerts", "firing", "title", "rule", "root_cause",
                    ]) {
                        switch field {
                        case "group": parsed.group = LabelSet(try fieldValue.stringMap())
                        case "status": parsed.status = try enumValue(fieldValue)
                        case "priority":
                            let text = try fieldValue.string()
                            guard let priority = Priority(rawValue: text.uppercased()) else { throw fieldValue.error("expected P1 to P5") }
                            parsed.priority = priority
                        case "severity": parsed.severity = try enumValue(fieldValue)
                        case "alerts": parsed.alerts = try fieldValue.int()
                        case "firing": parsed.firing = try fieldValue.int()
                        case "title": parsed.title = try fieldValue.string()
                        case "rule": parsed.rule = try fieldValue.string()
                        default: parsed.rootCause = try fieldValue.string()
                        }
                    }
                    expectation.incidents!.append(parsed)
                }
            default:
                for alert in try member.sequence() {
                    var parsed = ExpectedAlert(labels: .empty)
                    for (field, fieldValue) in try alert.mapping(allowedKeys: [
                        "labels", "status", "suppressed", "flapping", "priority", "duplicates", "incident",
                    ]) {
                        switch field {
                        case "labels": parsed.labels = LabelSet(try fieldValue.stringMap())
                        case "status": parsed.status = try enumValue(fieldValue)
                        case "suppressed": parsed.suppressed = try fieldValue.string()
                        case "flapping": parsed.flapping = try fieldValue.bool()
                        case "priority":
                            let text = try fieldValue.string()
                            guard let priority = Priority(rawValue: text.uppercased()) else { throw fieldValue.error("expected P1 to P5") }
                            parsed.priority = priority
                        case "duplicates": parsed.duplicates = try fieldValue.int()
                        default: parsed.incident = LabelSet(try fieldValue.stringMap())
                        }
                    }
                    guard !parsed.labels.isEmpty else { throw alert.error("labels: required, to find the alert") }
                    expectation.alerts.append(parsed)
                }
            }
        }
        return expectation
    }

    private static func enumValue<Value: RawRepresentable & CaseIterable>(_ value: YAMLValue) throws(YAMLError) -> Value
    where Value.RawValue == String {
        let text = try value.string()
        guard let parsed = Value(rawValue: text) else {
            throw value.error("expected one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return parsed
    }

    // MARK: - Running

    /// A failed expectation: where, what was expected, what there was.
    public struct Failure: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var test: String
        public var at: Int64
        public var message: String

        public var description: String {
            "\(file):\(line): test \"\(test)\": at \(DurationText.format(.milliseconds(at))): \(message)"
        }
    }

    /// Runs the test against `rules` with a fake clock; returns what failed.
    /// `syslog` decodes the raw syslog lines of the inputs (the parser lives
    /// in AlertbridgeIngest); without it they fail the test.
    public func run(
        rules: RuleSet, configuration: EngineConfiguration = EngineConfiguration(), syslog: SyslogLineDecoder? = nil, file: String
    ) -> [Failure] {
        var engine = Engine(configuration: configuration, rules: rules)
        // Every arrival, repeats expanded, in time order (stable for equal times).
        var arrivals: [(at: Int64, alerts: [InputAlert])] = []
        for input in inputs {
            var time = input.at
            repeat {
                arrivals.append((time, input.alerts))
                guard let every = input.every, let until = input.until else { break }
                time += every
                if time >= until { break }
            } while true
        }
        arrivals = arrivals.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        let base = start.unixMilliseconds
        var failures: [Failure] = []
        var next = 0
        for expectation in expectations.sorted(by: { $0.at < $1.at }) {
            // Arrivals at the evaluation time count, as in promtool.
            while next < arrivals.count, arrivals[next].at <= expectation.at {
                let arrival = arrivals[next]
                let at = Date(unixMilliseconds: base + arrival.at)
                let alerts = arrival.alerts.compactMap { input -> Alert? in
                    if let line = input.syslogLine {
                        guard let syslog else {
                            failures.append(
                                Failure(file: file, line: expectation.line, test: name, at: arrival.at, message: "a syslog line needs the syslog parser: run it with alertbridge rules test"))
                            return nil
                        }
                        return syslog(line, at)
                    }
                    return Alert(
                        source: input.source, labels: input.labels, annotations: input.annotations, status: input.status,
                        startsAt: at, endsAt: input.status == .resolved ? at : input.endsIn.map { Date(unixMilliseconds: at.unixMilliseconds + $0) },
                        receivedAt: at)
                }
                _ = engine.process(alerts, at: at)
                next += 1
            }
            _ = engine.advance(to: Date(unixMilliseconds: base + expectation.at))
            func fail(_ message: String) {
                failures.append(Failure(file: file, line: expectation.line, test: name, at: expectation.at, message: message))
            }
            let incidents = engine.liveIncidents
            if let expected = expectation.incidents {
                var unmatched = incidents
                var missing: [ExpectedIncident] = []
                for incident in expected {
                    if let index = unmatched.firstIndex(where: incident.matches) {
                        unmatched.remove(at: index)
                    } else {
                        missing.append(incident)
                    }
                }
                if !missing.isEmpty || !unmatched.isEmpty {
                    var message = "incidents differ\n    expected:\n"
                    message += expected.map { "      \($0)" }.joined(separator: "\n")
                    message += "\n    got:\n" + (incidents.isEmpty ? "      (none)" : incidents.map { "      \(Self.describe($0))" }.joined(separator: "\n"))
                    fail(message)
                }
            }
            for expected in expectation.alerts {
                let candidates = engine.liveAlerts.filter { alert in expected.labels.allSatisfy { alert.labels[$0.name] == $0.value } }
                guard !candidates.isEmpty else {
                    fail("no alert with labels \(expected.labels)")
                    continue
                }
                if !candidates.contains(where: { expected.matches($0, in: $0.incidentID.flatMap(engine.incident)) }) {
                    fail(
                        "alert differs\n    expected: \(expected)\n    got:\n"
                            + candidates.map { "      \(Self.describe($0, in: $0.incidentID.flatMap(engine.incident)))" }.joined(separator: "\n"))
                }
            }
        }
        return failures
    }

    static func describe(_ incident: Incident) -> String {
        "#\(incident.id) \(incident.groupLabels) \(incident.status.rawValue) \(incident.priority.rawValue) \(incident.severity.rawValue)"
            + " alerts=\(incident.alertCount) firing=\(incident.firingCount) title=\(JSON.quoted(incident.title))"
            + (incident.rule.map { " rule=\($0)" } ?? "") + (incident.rootCause.map { " root_cause=\($0)" } ?? "")
    }

    static func describe(_ alert: TrackedAlert, in incident: Incident?) -> String {
        "#\(alert.id) \(alert.labels) \(alert.status.rawValue) \(alert.priority.rawValue)"
            + " duplicates=\(alert.duplicateCount)" + (alert.flapping ? " flapping" : "")
            + (alert.suppression.map { " suppressed: \($0)" } ?? "")
            + (incident.map { " in incident #\($0.id) \($0.groupLabels)" } ?? "")
    }
}
