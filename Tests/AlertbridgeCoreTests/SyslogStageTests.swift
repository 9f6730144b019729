import AlertbridgeCore
import AlertbridgeTestSupport
import Foundation
import Testing

private let t = AlertBuilder.time

/// A syslog event as intake appends it (without the parser, which is not
/// the core's): labels host, app, severity, template; the text as annotation.
private func message(
    _ text: String, host: String = "sw-1", app: String? = "%LINK-3-UPDOWN", severity: String? = "err", template: String = "t1",
    format: String = "rfc3164", at seconds: Double
) -> Alert {
    var labels: LabelSet = ["host": host, "format": format, "template": template, "facility": "local7"]
    if let app { labels.set("app", to: app) }
    if let severity { labels.set("severity", to: severity) }
    return Alert(
        source: "syslog", labels: labels, annotations: ["message": text, "template": "Interface <*>, changed state to <*>"],
        startsAt: t(seconds), receivedAt: t(seconds))
}

private func rules(_ text: String) throws -> RuleSet {
    try RuleSet.load(files: [("rules.yaml", text)], readFile: { _ in "" }).ruleSet
}

private let linkRule = """
    syslog:
      - name: link-down
        match: {app: '=~"%LINK-[0-9]-UPDOWN"'}
        severity: err
        message: 'Interface (?P<interface>[^,]+), changed state to down'
        alert: {alertname: LinkDown, summary: 'link ${interface} down on ${host}', labels: {team: network}}
        resolve: {message: 'Interface (?P<interface>[^,]+), changed state to up'}
    """

@Suite struct SyslogStageTests {
    @Test("severities read from keywords, synonyms in any case, and numbers; anything else is none")
    func severityKeywords() {
        for severity in SyslogSeverity.allCases {
            #expect(SyslogSeverity(keyword: severity.keyword) == severity)
            #expect(SyslogSeverity(keyword: severity.keyword.uppercased()) == severity)
            #expect(SyslogSeverity(keyword: "\(severity.rawValue)") == severity)
        }
        #expect(SyslogSeverity(keyword: "Emergency") == .emerg && SyslogSeverity(keyword: "panic") == .emerg)
        #expect(SyslogSeverity(keyword: "CRITICAL") == .crit && SyslogSeverity(keyword: "error") == .err)
        #expect(SyslogSeverity(keyword: "Warn") == .warning && SyslogSeverity(keyword: "informational") == .info)
        for other in ["", "8", "-1", "fatal", "errors", " err"] { #expect(SyslogSeverity(keyword: other) == nil, "\(other)") }
    }

    @Test("a selected message becomes an alert named by the rule, with the named groups as labels")
    func selected() throws {
        var engine = Engine(rules: try rules(linkRule))
        let changes = engine.process([message("Interface Gi0/1, changed state to down", at: 0)], at: t(0))
        let alert = try #require(changes.alerts.first)
        #expect(
            alert.labels == [
                "alertname": "LinkDown", "host": "sw-1", "app": "%LINK-3-UPDOWN", "interface": "Gi0/1", "team": "network", "severity": "major",
            ])
        #expect(alert.source == "syslog" && alert.status == .firing)
        #expect(alert.annotations["summary"] == "link Gi0/1 down on sw-1")
        #expect(alert.annotations["message"] == "Interface Gi0/1, changed state to down")
        guard case .opened = changes.verdicts.first else { Issue.record("expected an incident, got \(changes.verdicts)"); return }
        #expect(changes.counters.syslogMessages == 1 && changes.counters.received == 1)
    }

    @Test("the recovery message resolves the alert, though it is less severe and has another template")
    func recovery() throws {
        var engine = Engine(rules: try rules(linkRule))
        _ = engine.process([message("Interface Gi0/1, changed state to down", at: 0)], at: t(0))
        // Another interface's recovery resolves nothing.
        let other = engine.process([message("Interface Gi0/2, changed state to up", severity: "notice", template: "t2", at: 5)], at: t(5))
        #expect(other.alerts.first?.labels["interface"] == "Gi0/2")
        #expect(engine.liveAlerts.filter { $0.status == .firing }.count == 1)
        let up = engine.process([message("Interface Gi0/1, changed state to up", severity: "notice", template: "t2", at: 10)], at: t(10))
        let resolved = try #require(engine.liveAlerts.first { $0.labels["interface"] == "Gi0/1" })
        #expect(resolved.status == .resolved && resolved.resolution == .sender)
        #expect(up.verdicts == [.resolved(alert: resolved.id, incident: resolved.incidentID)])
        #expect(engine.incident(resolved.incidentID!)?.status == .resolved)
    }

    @Test("below the severity threshold, outside match, or not matching the regex: counted, no alert")
    func notSelected() throws {
        var engine = Engine(rules: try rules(linkRule))
        let changes = engine.process(
            [
                message("Interface Gi0/1, changed state to down", severity: "warning", at: 0),  // not severe enough
                message("Interface Gi0/1, changed state to down", app: "sshd", at: 0),  // another app
                message("Interface Gi0/1, changed state to administratively down", at: 0),  // the regex does not match
                message("no PRI at all", host: "10.0.0.9", app: nil, severity: nil, format: "unparsed", at: 0),
            ], at: t(0))
        #expect(changes.alerts.isEmpty && engine.liveIncidents.isEmpty)
        #expect(changes.verdicts == [.logged, .logged, .logged, .logged])
        #expect(changes.counters.syslogMessages == 4 && changes.counters.received == 0)
        let counts = changes.syslogCounts
        let link = try #require(counts[SyslogCountKey(minute: t(0).unixMilliseconds, host: "sw-1", app: "%LINK-3-UPDOWN", template: "t1")])
        #expect(link.messages == 2 && link.errors == 1 && link.worstSeverity == 3 && link.unparsed == 0)
        let unparsed = try #require(counts[SyslogCountKey(minute: t(0).unixMilliseconds, host: "10.0.0.9", app: "", template: "t1")])
        #expect(unparsed.messages == 1 && unparsed.unparsed == 1 && unparsed.worstSeverity == nil)
        #expect(counts.count == 3)
        #expect(changes.syslogTemplates[SyslogTemplateKey(app: "%LINK-3-UPDOWN", template: "t1")]?.messages == 2)
    }

    @Test("counts go by minute, host, app and template; repeats of an alert are duplicates; the timeout resolves")
    func countsAndTimeout() throws {
        var engine = Engine(
            rules: try rules(
                """
                syslog:
                  - name: errors
                    severity: err
                    alert: {alertname: SyslogError, labels: {template: '${template}'}}
                    timeout: 10m
                """))
        var changes = DeskChanges()
        for second in [0.0, 30, 61, 62] {
            changes.merge(engine.process([message("disk failure on sda", app: "kernel", severity: "crit", at: second)], at: t(second)))
        }
        #expect(changes.syslogCounts.count == 2)
        #expect(changes.syslogCounts.values.map(\.messages).sorted() == [2, 2])
        let alert = try #require(engine.liveAlerts.first)
        #expect(alert.labels == ["alertname": "SyslogError", "host": "sw-1", "app": "kernel", "template": "t1", "severity": "major"])
        #expect(alert.duplicateCount == 3 && alert.annotations["summary"] == "disk failure on sda")
        // Ten minutes after the last repeat the alert resolves by itself.
        _ = engine.advance(to: t(62 + 599))
        #expect(engine.alert(alert.id)?.status == .firing)
        _ = engine.advance(to: t(62 + 601))
        #expect(engine.alert(alert.id)?.status == .resolved && engine.alert(alert.id)?.resolution == .timeout)
    }

    @Test("the first rule that selects a message wins; alerts made from messages go through the other stages")
    func firstRuleWinsThenStages() throws {
        var engine = Engine(
            rules: try rules(
                """
                syslog:
                  - {name: oom, match: {app: kernel}, message: 'Out of memory: Killed process (?P<pid>[0-9]+)', alert: {alertname: OOMKill}, timeout: 30m}
                  - {name: any-error, severity: err, alert: {alertname: SyslogError}, timeout: 1h}
                enrich:
                  - {name: owner, match: {alertname: OOMKill}, set: {team: platform}}
                """))
        let changes = engine.process(
            [message("Out of memory: Killed process 4242 (java)", app: "kernel", severity: "err", at: 0)], at: t(0))
        let alert = try #require(changes.alerts.first)
        #expect(alert.labels["alertname"] == "OOMKill" && alert.labels["pid"] == "4242" && alert.labels["team"] == "platform")
        #expect(alert.labels["severity"] == "warning")  // no threshold, no alert.severity
    }

    @Test("syslog rules that do not load say why", arguments: [
        ("syslog: [{name: x, alert: {alertname: A}}]", "rule \"x\": selects every message: give match, severity or message"),
        ("syslog: [{name: x, severity: loud, alert: {alertname: A}}]", "rule \"x\": severity: expected a syslog severity"),
        ("syslog: [{name: x, severity: err}]", "rule \"x\": alert: required"),
        ("syslog: [{name: x, message: '(', alert: {alertname: A}}]", "rule \"x\": message: "),
        (
            "syslog: [{name: x, message: 'down (?P<port>.+)', alert: {alertname: A}, resolve: {message: 'up'}}]",
            "resolve.message captures [] but message captures [port]"
        ),
        (
            "syslog: [{name: x, message: 'down', alert: {alertname: A, labels: {t: '${template}'}}, resolve: {message: 'up'}}]",
            "alert.labels.t: ${template} differs between a problem and its recovery message"
        ),
        ("syslog: [{name: x, severity: err, alert: {alertname: A, severity: huge}}]", "alert.severity: expected one of"),
    ])
    func loadErrors(text: String, expected: String) {
        #expect {
            try rules(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test("a rule with neither resolve nor timeout is a warning")
    func noEndWarning() throws {
        let (_, warnings) = try RuleSet.load(
            files: [("rules.yaml", "syslog: [{name: x, severity: err, alert: {alertname: A}}]")], readFile: { _ in "" })
        #expect(warnings.map(\.message) == ["neither resolve nor timeout: its alerts fire until an operator resolves their incident"])
    }

    @Test("replaying the same messages gives the same alerts and counts")
    func deterministic() throws {
        var input: [Alert] = []
        for index in 0..<50 {
            let down = index % 3 == 0
            let text = "Interface Gi0/\(index % 4), changed state to " + (down ? "down" : "up")
            input.append(message(text, severity: down ? "err" : "notice", at: Double(index * 7)))
        }
        func run() throws -> ([TrackedAlert], [SyslogCountKey: SyslogTally]) {
            var engine = Engine(rules: try rules(linkRule))
            var changes = DeskChanges()
            for alert in input { engine.process([alert], at: alert.receivedAt, into: &changes) }
            return (engine.liveAlerts, changes.syslogCounts)
        }
        let (first, second) = (try run(), try run())
        #expect(first.0 == second.0 && first.1 == second.1)
        #expect(first.0.count == 4)
    }
}
