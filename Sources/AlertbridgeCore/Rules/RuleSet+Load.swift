import Foundation

extension RuleSet {
    /// The top-level keys of a rule file, one per stage.
    static let stageKeys = ["syslog", "enrich", "dedup", "flapping", "silence", "inhibit", "correlate", "priority", "heartbeat"]

    /// Compiles rule files, given in load order (file-name order), into one
    /// rule set: each stage's rules are the concatenation of every file's.
    ///
    /// Strict, like Alertmanager's `UnmarshalStrict`: an unknown key, a bad
    /// duration, a regex that does not compile or a topology that does not
    /// hold is an error naming file, line and rule, and loading goes on to
    /// report every error at once. Warnings name rules that can never act.
    /// `readFile` reads a topology file named by a rule, relative to the rule
    /// directory; the function itself does no I/O.
    public static func load(
        files: [(name: String, text: String)], readFile: @escaping (String) throws -> String
    ) throws(RuleErrors) -> (ruleSet: RuleSet, warnings: [RuleError]) {
        var loader = Loader(readFile: readFile)
        for file in files {
            loader.load(file: file.name, text: file.text)
        }
        loader.checkAcrossFiles()
        guard loader.errors.isEmpty else { throw RuleErrors(loader.errors) }
        return (loader.ruleSet, loader.warnings)
    }
}

/// One pass over the files: shape (YAML) → compiled rules, collecting errors.
private struct Loader {
    let readFile: (String) throws -> String
    var ruleSet = RuleSet()
    var errors: [RuleError] = []
    var warnings: [RuleError] = []
    var names: [String: Set<String>] = [:]
    var flappingOrigin: RuleOrigin?
    var priorityOrigin: RuleOrigin?

    init(readFile: @escaping (String) throws -> String) {
        self.readFile = readFile
    }

    mutating func load(file: String, text: String) {
        let root: YAMLValue
        do {
            root = try YAMLValue.parse(text, file: file)
            for (key, value) in try root.mapping() {
                guard RuleSet.stageKeys.contains(key) else {
                    // Reported alone, so the stages of the file are still checked.
                    errors.append(
                        RuleError(
                            file: file, line: value.line,
                            message: "\(key): unknown key (allowed here: \(RuleSet.stageKeys.joined(separator: ", ")))"))
                    continue
                }
                switch key {
                case "syslog": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.syslog.append(try loader.syslog(rule, origin))
                }
                case "enrich": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.enrich.append(try loader.enrich(rule, origin))
                }
                case "dedup": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.dedup.append(try loader.dedup(rule, origin))
                }
                case "silence": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.silences.append(try loader.maintenanceWindow(rule, origin))
                }
                case "inhibit": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.inhibit.append(try loader.inhibit(rule, origin))
                }
                case "correlate": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.correlate.append(try loader.correlation(rule, origin))
                }
                case "heartbeat": each(value, stage: key) { loader, origin, rule throws(RuleError) in
                    loader.ruleSet.heartbeats.append(try loader.heartbeat(rule, origin))
                }
                case "flapping":
                    single(value, stage: key, existing: \.flappingOrigin) { loader, origin, rule throws(RuleError) in
                        loader.ruleSet.flapping = try loader.flapping(rule, origin)
                    }
                default:  // priority
                    single(value, stage: key, existing: \.priorityOrigin) { loader, origin, rule throws(RuleError) in
                        loader.ruleSet.priority = try loader.priority(rule, origin)
                    }
                }
            }
        } catch {
            errors.append(RuleError(file: error.file, line: error.line, message: error.path.isEmpty ? error.message : "\(error.path): \(error.message)"))
        }
    }

    /// Compiles each rule of a list stage, collecting each rule's error.
    private mutating func each(
        _ value: YAMLValue, stage: String, _ compile: (inout Loader, RuleOrigin, YAMLValue) throws(RuleError) -> Void
    ) {
        let rules: [YAMLValue]
        do {
            rules = try value.sequence()
        } catch {
            errors.append(RuleError(file: error.file, line: error.line, message: "\(stage): \(error.message) (a list of rules)"))
            return
        }
        for (index, rule) in rules.enumerated() {
            let origin = self.origin(of: rule, stage: stage, index: index)
            do {
                try compile(&self, origin, rule)
            } catch {
                errors.append(error)
            }
        }
    }

    /// Compiles a stage that takes one mapping in the whole rule set.
    private mutating func single(
        _ value: YAMLValue, stage: String, existing: WritableKeyPath<Loader, RuleOrigin?>,
        _ compile: (inout Loader, RuleOrigin, YAMLValue) throws(RuleError) -> Void
    ) {
        let origin = self.origin(of: value, stage: stage, index: nil)
        if let earlier = self[keyPath: existing] {
            errors.append(
                RuleError(file: origin.file, line: origin.line, message: "\(stage): already defined at \(earlier.file):\(earlier.line); a rule set has one"))
            return
        }
        self[keyPath: existing] = origin
        do {
            try compile(&self, origin, value)
        } catch {
            errors.append(error)
        }
    }

    /// The rule's `name`, or `<file>/<stage>[<index>]` when it has none.
    private mutating func origin(of rule: YAMLValue, stage: String, index: Int?) -> RuleOrigin {
        let stem = (rule.file as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
            .replacingOccurrences(of: ".yml", with: "")
        let fallback = index.map { "\(stem)/\(stage)[\($0)]" } ?? "\(stem)/\(stage)"
        var name = fallback
        if let members = try? rule.mapping(), let named = members.first(where: { $0.key == "name" }), let text = try? named.value.string(),
            !text.isEmpty
        {
            name = text
        }
        if !names[stage, default: []].insert(name).inserted {
            errors.append(RuleError(file: rule.file, line: rule.line, rule: name, message: "another \(stage) rule has this name"))
        }
        return RuleOrigin(name: name, file: rule.file, line: rule.line)
    }

    // MARK: - Stages

    func enrich(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> EnrichRule {
        let fields = try fields(rule, origin, allowed: ["name", "match", "capture", "set", "drop", "normalize_severity"])
        var captures: [EnrichRule.Capture] = []
        for capture in try list(fields["capture"], origin) {
            let members = try self.fields(capture, origin, allowed: ["from", "regex"])
            let label = try string(members["from"], origin, "capture.from")
            let pattern = try string(members["regex"], origin, "capture.regex")
            let compiled: RE2Pattern
            do {
                compiled = try RE2Pattern(pattern, anchoring: .full)
            } catch {
                throw RuleError(file: origin.file, line: capture.line, rule: origin.name, message: "capture.regex: \(error)")
            }
            guard !compiled.groupNames.isEmpty else {
                throw RuleError(
                    file: origin.file, line: capture.line, rule: origin.name,
                    message: "capture.regex \"\(pattern)\" has no named group; write (?P<label>...) for each label to set")
            }
            captures.append(EnrichRule.Capture(label: label, pattern: compiled))
        }
        var set: [(name: String, value: LabelTemplate)] = []
        if let value = fields["set"] {
            for (name, text) in try stringMap(value, origin, "set") {
                do {
                    set.append((name, try LabelTemplate(parsing: text)))
                } catch {
                    throw RuleError(file: origin.file, line: value.line, rule: origin.name, message: "set.\(name): \(error.message)")
                }
            }
        }
        let drop = try strings(fields["drop"], origin, "drop")
        let normalize = try bool(fields["normalize_severity"], origin, "normalize_severity") ?? false
        guard !captures.isEmpty || !set.isEmpty || !drop.isEmpty || normalize else {
            throw RuleError(
                file: origin.file, line: origin.line, rule: origin.name,
                message: "does nothing: give at least one of capture, set, drop, normalize_severity")
        }
        return EnrichRule(
            origin: origin, match: try matchers(fields["match"], origin, "match"), captures: captures, set: set, drop: drop,
            normalizeSeverity: normalize)
    }

    func dedup(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> DedupRule {
        let fields = try fields(rule, origin, allowed: ["name", "match", "key"])
        let key = try strings(fields["key"], origin, "key")
        guard !key.isEmpty else { throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "key: required, a list of label names") }
        return DedupRule(origin: origin, match: try matchers(fields["match"], origin, "match"), key: key)
    }

    func flapping(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> FlappingRule {
        let fields = try fields(rule, origin, allowed: ["name", "match", "transitions", "within", "quiet"])
        guard let transitionsValue = fields["transitions"] else {
            throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "transitions: required, e.g. 4")
        }
        let transitions = try int(transitionsValue, origin, "transitions")
        guard transitions >= 2 else {
            throw RuleError(file: origin.file, line: transitionsValue.line, rule: origin.name, message: "transitions: must be at least 2, got \(transitions)")
        }
        let within = try duration(fields["within"], origin, "within", required: true)!
        let quiet = try duration(fields["quiet"], origin, "quiet", required: false) ?? within
        return FlappingRule(
            origin: origin, match: try matchers(fields["match"], origin, "match"), transitions: transitions, within: within, quiet: quiet)
    }

    func maintenanceWindow(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> MaintenanceWindow {
        let fields = try fields(rule, origin, allowed: ["name", "match", "start", "end", "cron", "time_zone", "duration"])
        let match = try matchers(fields["match"], origin, "match")
        if let cronValue = fields["cron"] {
            guard fields["start"] == nil, fields["end"] == nil else {
                throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "give either cron and duration, or start and end, not both")
            }
            let zoneName = try fields["time_zone"].map { value throws(RuleError) in try string(value, origin, "time_zone") } ?? "UTC"
            let cron: CronSchedule
            do {
                cron = try CronSchedule(parsing: try string(cronValue, origin, "cron"), timeZone: try CronSchedule.timeZone(named: zoneName))
            } catch {
                throw RuleError(file: origin.file, line: cronValue.line, rule: origin.name, message: "cron: \(error)")
            }
            let duration = try duration(fields["duration"], origin, "duration", required: true)!
            return MaintenanceWindow(origin: origin, match: match, schedule: .recurring(cron: cron, duration: duration))
        }
        guard let startValue = fields["start"], let endValue = fields["end"] else {
            throw RuleError(
                file: origin.file, line: origin.line, rule: origin.name,
                message: "give cron and duration (a recurring window), or start and end (a one-off window)")
        }
        guard fields["time_zone"] == nil, fields["duration"] == nil else {
            throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "time_zone and duration go with cron, not with start and end")
        }
        let start = try time(startValue, origin, "start")
        let end = try time(endValue, origin, "end")
        guard start < end else { throw RuleError(file: origin.file, line: endValue.line, rule: origin.name, message: "end must be after start") }
        return MaintenanceWindow(origin: origin, match: match, schedule: .once(start: start, end: end))
    }

    func inhibit(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> InhibitRule {
        let fields = try fields(rule, origin, allowed: ["name", "source", "target", "equal"])
        guard let source = fields["source"], let target = fields["target"] else {
            throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "source and target: both required, as matchers")
        }
        return InhibitRule(
            origin: origin, source: try matchers(source, origin, "source"), target: try matchers(target, origin, "target"),
            equal: try strings(fields["equal"], origin, "equal"))
    }

    func correlation(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> CorrelationRule {
        let fields = try fields(rule, origin, allowed: ["name", "match", "group_by", "topology", "ci_label", "window"])
        let window = try duration(fields["window"], origin, "window", required: false) ?? .seconds(600)
        let grouping: CorrelationRule.Grouping
        switch (fields["group_by"], fields["topology"]) {
        case (let groupBy?, nil):
            guard fields["ci_label"] == nil else {
                throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "ci_label goes with topology")
            }
            let labels = try strings(groupBy, origin, "group_by")
            guard !labels.isEmpty else { throw RuleError(file: origin.file, line: groupBy.line, rule: origin.name, message: "group_by: give at least one label") }
            grouping = .labels(labels)
        case (nil, let topologyValue?):
            let path = try string(topologyValue, origin, "topology")
            let ciLabel = try fields["ci_label"].map { value throws(RuleError) in try string(value, origin, "ci_label") } ?? "host"
            grouping = .topology(try topology(path, line: topologyValue.line, origin), ciLabel: ciLabel)
        default:
            throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "give either group_by (a list of labels) or topology (a file)")
        }
        return CorrelationRule(origin: origin, match: try matchers(fields["match"], origin, "match"), grouping: grouping, window: window)
    }

    func priority(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> PriorityRule {
        let fields = try fields(rule, origin, allowed: ["name", "impact", "urgency", "matrix"])
        func choices(_ key: String) throws(RuleError) -> [PriorityRule.Choice] {
            var choices: [PriorityRule.Choice] = []
            for choice in try list(fields[key], origin) {
                let members = try self.fields(choice, origin, allowed: ["match", "value"])
                choices.append(
                    PriorityRule.Choice(
                        match: try matchers(members["match"], origin, "\(key).match"),
                        level: try level(members["value"], origin, "\(key).value"), line: choice.line))
            }
            return choices
        }
        var matrix = PriorityRule.defaultMatrix
        if let matrixValue = fields["matrix"] {
            for (impact, row) in try mapping(matrixValue, origin, "matrix") {
                guard let impactLevel = PriorityRule.Level(rawValue: impact) else {
                    throw RuleError(file: origin.file, line: row.line, rule: origin.name, message: "matrix.\(impact): expected high, medium or low")
                }
                for (urgency, cell) in try mapping(row, origin, "matrix.\(impact)") {
                    guard let urgencyLevel = PriorityRule.Level(rawValue: urgency) else {
                        throw RuleError(file: origin.file, line: cell.line, rule: origin.name, message: "matrix.\(impact).\(urgency): expected high, medium or low")
                    }
                    let text = try string(cell, origin, "matrix.\(impact).\(urgency)")
                    guard let priority = Priority(rawValue: text.uppercased()) else {
                        throw RuleError(file: origin.file, line: cell.line, rule: origin.name, message: "matrix.\(impact).\(urgency): expected P1 to P5, got \"\(text)\"")
                    }
                    matrix[impactLevel, default: [:]][urgencyLevel] = priority
                }
            }
        }
        return PriorityRule(origin: origin, impact: try choices("impact"), urgency: try choices("urgency"), matrix: matrix)
    }

    func heartbeat(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> HeartbeatRule {
        let fields = try fields(rule, origin, allowed: ["name", "match", "interval", "group_by", "severity"])
        let match = try matchers(fields["match"], origin, "match")
        guard !match.isEmpty else {
            throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "match: required; a heartbeat without one would absorb every alert")
        }
        var severity = Severity.critical
        if let value = fields["severity"] {
            let text = try string(value, origin, "severity")
            guard let parsed = Severity(rawValue: text) else {
                throw RuleError(
                    file: origin.file, line: value.line, rule: origin.name,
                    message: "severity: expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            }
            severity = parsed
        }
        return HeartbeatRule(
            origin: origin, match: match, interval: try duration(fields["interval"], origin, "interval", required: true)!,
            groupBy: try strings(fields["group_by"], origin, "group_by"), severity: severity)
    }

    func syslog(_ rule: YAMLValue, _ origin: RuleOrigin) throws(RuleError) -> SyslogRule {
        let fields = try fields(rule, origin, allowed: ["name", "match", "severity", "message", "alert", "resolve", "timeout"])
        func fail(_ value: YAMLValue?, _ message: String) -> RuleError {
            RuleError(file: origin.file, line: value?.line ?? origin.line, rule: origin.name, message: message)
        }
        var minimumSeverity: SyslogSeverity?
        if let value = fields["severity"] {
            let text = try string(value, origin, "severity")
            guard let parsed = SyslogSeverity(keyword: text) else {
                throw fail(value, "severity: expected a syslog severity (\(SyslogSeverity.keywords.joined(separator: ", ")) or 0-7), got \"\(text)\"")
            }
            minimumSeverity = parsed
        }
        func pattern(_ value: YAMLValue?, _ key: String) throws(RuleError) -> RE2Pattern? {
            guard let value else { return nil }
            let text = try string(value, origin, key)
            do {
                return try RE2Pattern(text, anchoring: .partial)
            } catch {
                throw fail(value, "\(key): \(error)")
            }
        }
        let message = try pattern(fields["message"], "message")
        var resolve: RE2Pattern?
        if let value = fields["resolve"] {
            let members = try self.fields(value, origin, allowed: ["message"])
            guard let recovery = try pattern(members["message"], "resolve.message") else {
                throw fail(value, "resolve.message: required, the regex of the recovery message")
            }
            let problemGroups = Set(message?.groupNames ?? []), recoveryGroups = Set(recovery.groupNames)
            guard problemGroups == recoveryGroups else {
                throw fail(
                    value,
                    "resolve.message captures [\(recoveryGroups.sorted().joined(separator: ", "))] but message captures [\(problemGroups.sorted().joined(separator: ", "))]: a recovery must name the same labels as the problem it resolves")
            }
            resolve = recovery
        }
        guard let alertValue = fields["alert"] else {
            throw fail(rule, "alert: required, what to raise: {alertname: …, severity: …, summary: …, labels: {…}}")
        }
        let alert = try self.fields(alertValue, origin, allowed: ["alertname", "severity", "summary", "labels"])
        func template(_ value: YAMLValue?, _ key: String) throws(RuleError) -> LabelTemplate? {
            guard let value else { return nil }
            let text = try string(value, origin, key)
            do { return try LabelTemplate(parsing: text) } catch { throw fail(value, "\(key): \(error.message)") }
        }
        guard let alertname = try template(alert["alertname"], "alert.alertname") else {
            throw fail(alertValue, "alert.alertname: required, the name of the alerts this rule raises")
        }
        var severity = minimumSeverity.map { Severity(label: $0.keyword) } ?? .warning
        if let value = alert["severity"] {
            let text = try string(value, origin, "alert.severity")
            guard let parsed = Severity(rawValue: text) else {
                throw fail(value, "alert.severity: expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            }
            severity = parsed
        }
        var labels: [(name: String, value: LabelTemplate)] = []
        if let value = alert["labels"] {
            for (name, text) in try stringMap(value, origin, "alert.labels") {
                guard !["alertname", "severity"].contains(name) else {
                    throw fail(value, "alert.labels.\(name): set it with alert.\(name)")
                }
                let parsed: LabelTemplate
                do { parsed = try LabelTemplate(parsing: text) } catch { throw fail(value, "alert.labels.\(name): \(error.message)") }
                if resolve != nil, let varying = parsed.references.first(where: { [SyslogEvent.Label.template, SyslogEvent.Label.severity, SyslogEvent.Label.msgid, "message"].contains($0) }) {
                    throw fail(
                        value,
                        "alert.labels.\(name): ${\(varying)} differs between a problem and its recovery message, so the recovery could not name the alert; with resolve, refer to named groups, host, app or facility")
                }
                labels.append((name, parsed))
            }
        }
        if resolve != nil, alertname.references.contains(where: { !(message?.groupNames.contains($0) ?? false) && ![SyslogEvent.Label.host, SyslogEvent.Label.app, SyslogEvent.Label.facility].contains($0) }) {
            throw fail(alert["alertname"], "alert.alertname: with resolve, refer only to named groups, host, app or facility")
        }
        let timeout = try duration(fields["timeout"], origin, "timeout", required: false)
        let match = try matchers(fields["match"], origin, "match")
        if match.isEmpty, minimumSeverity == nil, message == nil {
            throw fail(rule, "selects every message: give match, severity or message")
        }
        return SyslogRule(
            origin: origin, match: match, minimumSeverity: minimumSeverity, message: message, alertname: alertname, severity: severity,
            summary: try template(alert["summary"], "alert.summary") ?? (try! LabelTemplate(parsing: "${message}")), labels: labels,
            resolve: resolve, timeout: timeout)
    }

    // MARK: - Across files

    mutating func checkAcrossFiles() {
        // Rules that can never match anything.
        func warnIfDead(_ matchers: Matchers, _ origin: RuleOrigin, _ what: String) {
            for conflict in matchers.conflicts() {
                warnings.append(RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "\(what) can never match: \(conflict)"))
            }
        }
        for rule in ruleSet.enrich { warnIfDead(rule.match, rule.origin, "match") }
        for rule in ruleSet.dedup { warnIfDead(rule.match, rule.origin, "match") }
        for rule in ruleSet.silences {
            warnIfDead(rule.match, rule.origin, "match")
            if case .recurring(let cron, _) = rule.schedule, !cron.canEverMatch {
                warnings.append(
                    RuleError(file: rule.origin.file, line: rule.origin.line, rule: rule.origin.name, message: "cron \"\(cron.expression)\" never comes round: the window never opens"))
            }
        }
        for rule in ruleSet.inhibit {
            warnIfDead(rule.source, rule.origin, "source")
            warnIfDead(rule.target, rule.origin, "target")
        }
        for rule in ruleSet.heartbeats { warnIfDead(rule.match, rule.origin, "match") }
        for rule in ruleSet.syslog {
            warnIfDead(rule.match, rule.origin, "match")
            if rule.resolve == nil, rule.timeout == nil {
                warnings.append(
                    RuleError(
                        file: rule.origin.file, line: rule.origin.line, rule: rule.origin.name,
                        message: "neither resolve nor timeout: its alerts fire until an operator resolves their incident"))
            }
        }
        // First match wins: a group_by rule without match shadows every rule after it.
        if let catchAll = ruleSet.correlate.firstIndex(where: {
            if case .labels = $0.grouping { return $0.match.isEmpty } else { return false }
        }) {
            for rule in ruleSet.correlate[(catchAll + 1)...] {
                warnings.append(
                    RuleError(
                        file: rule.origin.file, line: rule.origin.line, rule: rule.origin.name,
                        message: "can never apply: rule \"\(ruleSet.correlate[catchAll].origin.name)\" before it matches every alert"))
            }
        }
        for rule in ruleSet.correlate { warnIfDead(rule.match, rule.origin, "match") }
        for rule in ruleSet.dedup where rule.match.isEmpty && ruleSet.dedup.first?.origin != rule.origin {
            warnings.append(RuleError(file: rule.origin.file, line: rule.origin.line, rule: rule.origin.name, message: "a dedup rule without match only applies if no rule before it does"))
        }
    }

    // MARK: - Field readers (each error names file, line and rule)

    func fields(_ value: YAMLValue, _ origin: RuleOrigin, allowed: [String]) throws(RuleError) -> [String: YAMLValue] {
        var result: [String: YAMLValue] = [:]
        for (key, member) in try mapping(value, origin, nil, allowed: allowed) { result[key] = member }
        return result
    }

    func mapping(_ value: YAMLValue, _ origin: RuleOrigin, _ key: String?, allowed: [String]? = nil) throws(RuleError) -> [(key: String, value: YAMLValue)] {
        do { return try value.mapping(allowedKeys: allowed) } catch { throw wrap(error, origin) }
    }

    func list(_ value: YAMLValue?, _ origin: RuleOrigin) throws(RuleError) -> [YAMLValue] {
        guard let value else { return [] }
        do { return try value.sequence() } catch { throw wrap(error, origin) }
    }

    func string(_ value: YAMLValue?, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> String {
        guard let value else { throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "\(key): required") }
        do { return try value.string() } catch { throw wrap(error, origin, key) }
    }

    func strings(_ value: YAMLValue?, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> [String] {
        guard let value else { return [] }
        var result: [String] = []
        for element in try list(value, origin) { result.append(try string(element, origin, key)) }
        return result
    }

    func int(_ value: YAMLValue, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> Int {
        do { return try value.int() } catch { throw wrap(error, origin, key) }
    }

    func bool(_ value: YAMLValue?, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> Bool? {
        guard let value else { return nil }
        do { return try value.bool() } catch { throw wrap(error, origin, key) }
    }

    func duration(_ value: YAMLValue?, _ origin: RuleOrigin, _ key: String, required: Bool) throws(RuleError) -> Duration? {
        guard let value else {
            if required { throw RuleError(file: origin.file, line: origin.line, rule: origin.name, message: "\(key): required, a duration like 10m") }
            return nil
        }
        let parsed: Duration
        do { parsed = try value.duration() } catch { throw wrap(error, origin, key) }
        guard parsed > .zero else { throw RuleError(file: origin.file, line: value.line, rule: origin.name, message: "\(key): must be longer than 0s") }
        return parsed
    }

    func time(_ value: YAMLValue, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> Date {
        var text = try string(value, origin, key)
        guard let milliseconds = text.withUTF8({ RFC3339.unixMilliseconds(utf8: $0) }) else {
            throw RuleError(file: origin.file, line: value.line, rule: origin.name, message: "\(key): expected an RFC 3339 time like 2026-11-23T20:00:00Z, got \"\(text)\"")
        }
        return Date(unixMilliseconds: milliseconds)
    }

    func stringMap(_ value: YAMLValue, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> [(String, String)] {
        do { return try value.stringMap() } catch { throw wrap(error, origin, key) }
    }

    func level(_ value: YAMLValue?, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> PriorityRule.Level {
        let text = try string(value, origin, key)
        guard let level = PriorityRule.Level(rawValue: text) else {
            throw RuleError(file: origin.file, line: value?.line ?? origin.line, rule: origin.name, message: "\(key): expected high, medium or low, got \"\(text)\"")
        }
        return level
    }

    /// `{label: expression}` (Alertmanager's rule-file form), or one string in
    /// the brace form `{alertname="X", severity=~"crit.*"}`; absent matches all.
    func matchers(_ value: YAMLValue?, _ origin: RuleOrigin, _ key: String) throws(RuleError) -> Matchers {
        guard let value, !value.isNull else { return Matchers() }
        do {
            if let text = try? value.string() {
                return try Matchers(parsing: text)
            }
            return try Matchers(ruleMap: try stringMap(value, origin, key).map { (key: $0.0, value: $0.1) })
        } catch let error as MatcherError {
            throw RuleError(file: origin.file, line: value.line, rule: origin.name, message: "\(key): \(error)")
        } catch let error as RuleError {
            throw error
        } catch {
            throw RuleError(file: origin.file, line: value.line, rule: origin.name, message: "\(key): \(error)")
        }
    }

    func topology(_ path: String, line: Int, _ origin: RuleOrigin) throws(RuleError) -> Topology {
        let text: String
        do {
            text = try readFile(path)
        } catch {
            throw RuleError(file: origin.file, line: line, rule: origin.name, message: "topology: cannot read \(path): \(error)")
        }
        do {
            let root = try YAMLValue.parse(text, file: path)
            var items: [(name: String, dependsOn: [String])] = []
            for (_, value) in try root.mapping(allowedKeys: ["items"]) {
                for item in try value.sequence() {
                    var name: String?
                    var dependsOn: [String] = []
                    for (key, member) in try item.mapping(allowedKeys: ["name", "depends_on", "type", "description"]) {
                        switch key {
                        case "name": name = try member.string()
                        case "depends_on": dependsOn = try member.sequence().map { element throws(YAMLError) in try element.string() }
                        default: _ = try member.string()
                        }
                    }
                    guard let name, !name.isEmpty else { throw item.error("name: required") }
                    items.append((name, dependsOn))
                }
            }
            do {
                return try Topology(items: items)
            } catch {
                throw RuleError(file: path, line: root.line, rule: origin.name, message: error.message)
            }
        } catch let error as YAMLError {
            throw RuleError(file: error.file, line: error.line, rule: origin.name, message: error.path.isEmpty ? error.message : "\(error.path): \(error.message)")
        } catch let error as RuleError {
            throw error
        } catch {
            throw RuleError(file: path, line: 1, rule: origin.name, message: "\(error)")
        }
    }

    /// A YAML error inside a rule, with its full key path: `correlate[0].window: expected a duration…`.
    private func wrap(_ error: YAMLError, _ origin: RuleOrigin, _ key: String? = nil) -> RuleError {
        RuleError(file: error.file, line: error.line, rule: origin.name, message: error.path.isEmpty ? error.message : "\(error.path): \(error.message)")
    }
}
