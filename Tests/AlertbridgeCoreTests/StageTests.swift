import AlertbridgeCore
import AlertbridgeTestSupport
import Foundation
import Testing

private let t = AlertBuilder.time

/// An engine with rules, driven by seconds after the test epoch
/// (2024-05-13T10:00:00Z, a Monday).
private struct Timeline {
    var engine: Engine
    var changes = DeskChanges()

    init(_ rules: String, configuration: EngineConfiguration = EngineConfiguration(), extra: [String: String] = [:]) throws {
        engine = Engine(configuration: configuration, rules: try ruleSet([("rules.yaml", rules)], extra: extra).ruleSet)
    }

    @discardableResult
    mutating func receive(
        _ labels: LabelSet, status: AlertStatus = .firing, annotations: LabelSet = .empty, endsIn: Double? = nil, at seconds: Double,
        source: String = "test", identity: String? = nil
    ) -> DeskChanges {
        var alert = AlertBuilder.alert(
            labels, annotations: annotations, status: status, endsAt: status == .resolved ? seconds : endsIn.map { seconds + $0 }, at: seconds,
            source: source)
        alert.identity = identity
        let step = engine.process([alert], at: t(seconds))
        changes.merge(step)
        return step
    }

    @discardableResult
    mutating func advance(to seconds: Double) -> DeskChanges {
        let step = engine.advance(to: t(seconds))
        changes.merge(step)
        return step
    }

    func alert(_ labels: LabelSet) -> TrackedAlert? {
        engine.liveAlerts.last { alert in labels.allSatisfy { alert.labels[$0.name] == $0.value } }
    }

    func incident(of labels: LabelSet) -> Incident? {
        alert(labels)?.incidentID.flatMap(engine.incident)
    }
}

@Suite struct EnrichStageTests {
    @Test("severity words are normalized, the host is captured from the instance, a template fills a label")
    func enrich() throws {
        var timeline = try Timeline(
            """
            enrich:
              - {name: severity, normalize_severity: true}
              - name: host
                match: {instance: '=~".+:[0-9]+"'}
                capture: [{from: instance, regex: '(?P<host>[^:]+):(?P<port>[0-9]+)'}]
                set: {endpoint: "${host} port ${port}"}
            """)
        let step = timeline.receive(["alertname": "Down", "instance": "db-1:9100", "severity": "disaster"], at: 0)
        let alert = try #require(timeline.alert(["alertname": "Down"]))
        #expect(alert.labels["severity"] == "critical")
        #expect(alert.labels["host"] == "db-1" && alert.labels["port"] == "9100" && alert.labels["endpoint"] == "db-1 port 9100")
        #expect(alert.priority == .p1)
        let notes = step.events.filter { $0.kind == .alertEnriched }.map(\.detail)
        #expect(notes == ["rule severity: severity disaster -> critical", "rule host: host=db-1 from instance, port=9100 from instance, set endpoint=db-1 port 9100"])
        // The timeline entry belongs to the incident the alert joined, and to the alert.
        #expect(step.events.filter { $0.kind == .alertEnriched }.allSatisfy { $0.incidentID == alert.incidentID && $0.alertID == alert.id })
    }

    @Test("a label set seen before is enriched as the first time, and by the new rules after a reload")
    func repeatsAndReload() throws {
        var timeline = try Timeline("enrich: [{name: tier, match: {service: api}, set: {tier: '1'}}]")
        let labels: LabelSet = ["alertname": "Down", "service": "api"]
        timeline.receive(labels, at: 0)
        timeline.receive(labels, status: .resolved, at: 10)
        timeline.receive(labels, at: 20)  // fires again: the same identity, so enriched the same way
        #expect(timeline.engine.liveAlerts.count == 1)
        #expect(timeline.engine.alert(1)?.labels["tier"] == "1" && timeline.engine.alert(1)?.refireCount == 1)
        // Other rules: the same labels now make another alert, with the new label.
        _ = timeline.engine.reload(try ruleSet("enrich: [{name: tier, match: {service: api}, set: {tier: '2'}}]"), at: t(30))
        timeline.receive(labels, at: 40)
        #expect(timeline.engine.liveAlerts.map { $0.labels["tier"] } == ["1", "2"])
        // The same labels from another source are enriched for that source.
        _ = timeline.engine.reload(try ruleSet("enrich: [{name: src, match: {source: zabbix}, set: {via: zabbix}}]"), at: t(50))
        timeline.receive(labels, at: 60, source: "zabbix")
        timeline.receive(labels, at: 61, source: "test")
        #expect(timeline.engine.liveAlerts.filter { $0.labels["via"] == "zabbix" }.map(\.source) == ["zabbix"])
    }

    @Test("a template that renders empty sets nothing: no empty label splits or merges alerts")
    func emptyTemplate() throws {
        var timeline = try Timeline("enrich: [{name: svc, match: {namespace: '!=\"\"'}, set: {service: '${deployment}'}}]")
        timeline.receive(["alertname": "A", "namespace": "x"], at: 0)
        timeline.receive(["alertname": "B", "namespace": "x"], at: 1)
        timeline.receive(["alertname": "C", "namespace": "x", "service": "kept", "deployment": ""], at: 2)
        #expect(timeline.alert(["alertname": "A"])?.labels["service"] == nil)
        #expect(timeline.alert(["alertname": "C"])?.labels["service"] == "kept")
        // Grouped by alertname, as alerts without a service are.
        #expect(timeline.engine.liveIncidents.count == 3)
    }

    @Test("dropping the replica label makes an HA pair of Prometheus servers one alert")
    func haPair() throws {
        var timeline = try Timeline("enrich: [{name: ha, drop: [replica]}]")
        timeline.receive(["alertname": "Down", "job": "node", "replica": "prom-a"], at: 0)
        let second = timeline.receive(["alertname": "Down", "job": "node", "replica": "prom-b"], at: 5)
        #expect(second.verdicts == [.duplicate(alert: 1, incident: 1)])
        #expect(timeline.engine.liveAlerts.count == 1)
        #expect(timeline.engine.alert(1)?.labels["replica"] == nil)
        #expect(timeline.engine.alert(1)?.fingerprint == Fingerprint(["alertname": "Down", "job": "node"]))
    }
}

@Suite struct DedupStageTests {
    @Test("a dedup key makes alerts that differ outside it one alert; others keep their full identity")
    func key() throws {
        var timeline = try Timeline("dedup: [{name: syslog, match: {source: syslog}, key: [host, app]}]")
        timeline.receive(["alertname": "LinkDown", "host": "sw-1", "app": "lldp", "message": "port 1"], at: 0, source: "syslog")
        let repeatStep = timeline.receive(["alertname": "LinkDown", "host": "sw-1", "app": "lldp", "message": "port 2"], at: 1, source: "syslog")
        #expect(repeatStep.verdicts == [.duplicate(alert: 1, incident: 1)])
        #expect(timeline.engine.alert(1)?.duplicateCount == 1)
        // Not from syslog: every label counts.
        timeline.receive(["alertname": "LinkDown", "host": "sw-1", "app": "lldp", "message": "port 1"], at: 2, source: "prometheus")
        timeline.receive(["alertname": "LinkDown", "host": "sw-1", "app": "lldp", "message": "port 2"], at: 3, source: "prometheus")
        #expect(timeline.engine.liveAlerts.count == 3)
        #expect(timeline.changes.events.contains { $0.kind == .alertEnriched && $0.detail == "rule syslog: identity from host, app" })
    }
}

@Suite struct SenderIdentityTests {
    @Test("a sender's identity: a resolve with fewer labels resolves its trigger, which keeps its labels and severity")
    func resolveByIdentity() throws {
        var timeline = try Timeline("")
        let trigger: LabelSet = ["alertname": "k-1", "dedup_key": "k-1", "severity": "critical", "host": "db-1", "service": "db"]
        timeline.receive(trigger, at: 0, source: "pagerduty", identity: "k-1")
        #expect(timeline.engine.incident(1)?.severity == .critical)
        let resolve = timeline.receive(["alertname": "k-1", "dedup_key": "k-1"], status: .resolved, at: 60, source: "pagerduty", identity: "k-1")
        #expect(resolve.verdicts == [.resolved(alert: 1, incident: 1)])
        #expect(timeline.engine.alert(1)?.labels == trigger && timeline.engine.alert(1)?.status == .resolved)
        #expect(timeline.engine.incident(1)?.status == .resolved)
        // The same labels under another key, or the same key from another source, are other alerts.
        timeline.receive(trigger, at: 120, source: "pagerduty", identity: "k-2")
        timeline.receive(trigger, at: 120, source: "zabbix", identity: "k-1")
        #expect(timeline.engine.liveAlerts.count == 3)
    }

    @Test("a sender's identity is not narrowed by a dedup rule: its later events could not match the rule's key")
    func identityBeatsDedupRules() throws {
        var timeline = try Timeline("dedup: [{name: by-name, key: [alertname]}]")
        timeline.receive(["alertname": "Disk", "host": "a"], at: 0, source: "zabbix", identity: "1")
        timeline.receive(["alertname": "Disk", "host": "b"], at: 1, source: "zabbix", identity: "2")
        #expect(timeline.engine.liveAlerts.count == 2)
        timeline.receive(["alertname": "Disk", "host": "a"], at: 2, source: "test")
        let rule = timeline.receive(["alertname": "Disk", "host": "b"], at: 3, source: "test")
        #expect(rule.verdicts.count == 1 && timeline.engine.liveAlerts.count == 3, "without an identity the rule still applies")
    }
}

@Suite struct FlappingStageTests {
    @Test("a flapping alert keeps its incident open instead of resolving and reopening it; quiet again, it resolves")
    func flapping() throws {
        var timeline = try Timeline("flapping: {name: flaps, transitions: 3, within: 10m, quiet: 5m}")
        let labels: LabelSet = ["alertname": "Flaky", "service": "api"]
        timeline.receive(labels, at: 0)
        timeline.receive(labels, status: .resolved, at: 60)  // change 1: the incident resolves
        #expect(timeline.engine.incident(1)?.status == .resolved)
        timeline.receive(labels, at: 120)  // change 2: it reopens
        #expect(timeline.engine.incident(1)?.status == .open && timeline.engine.incident(1)?.reopenCount == 1)
        timeline.receive(labels, status: .resolved, at: 180)  // change 3: flapping; counts as firing
        #expect(timeline.engine.alert(1)?.flapping == true)
        #expect(timeline.engine.incident(1)?.status == .open && timeline.engine.incident(1)?.firingCount == 1)
        timeline.receive(labels, at: 240)
        timeline.receive(labels, status: .resolved, at: 300)
        #expect(timeline.engine.incident(1)?.status == .open && timeline.engine.incident(1)?.reopenCount == 1)
        // Quiet for 5 minutes after the last change at 300s: flapping ends and the resolution counts.
        timeline.advance(to: 599)
        #expect(timeline.engine.incident(1)?.status == .open)
        timeline.advance(to: 600)
        #expect(timeline.engine.alert(1)?.flapping == false)
        #expect(timeline.engine.incident(1)?.status == .resolved && timeline.engine.incident(1)?.resolvedAt == t(600))
        let kinds = timeline.changes.events.map(\.kind)
        #expect(kinds.contains(.flappingStarted) && kinds.contains(.flappingStopped))
    }
}

@Suite struct SuppressionStageTests {
    @Test("in a maintenance window an alert is recorded without an incident, and joins one when the window ends while it fires")
    func oneOffWindow() throws {
        var timeline = try Timeline(
            "silence: [{name: upgrade, match: {service: db}, start: 2024-05-13T10:00:00Z, end: 2024-05-13T10:30:00Z}]")
        let step = timeline.receive(["alertname": "Down", "service": "db"], at: 60)
        #expect(step.verdicts == [.suppressed(alert: 1, reason: "maintenance window upgrade")])
        #expect(timeline.engine.liveIncidents.isEmpty)
        #expect(timeline.engine.alert(1)?.suppression == .maintenance(rule: "upgrade"))
        // A resolved alert in the window never becomes an incident.
        timeline.receive(["alertname": "Slow", "service": "db"], at: 70)
        timeline.receive(["alertname": "Slow", "service": "db"], status: .resolved, at: 80)
        // Other services are not in the window.
        timeline.receive(["alertname": "Down", "service": "api"], at: 90)
        #expect(timeline.engine.liveIncidents.map(\.groupKey) == [#"{service="api"}"#])
        timeline.advance(to: 1800)
        let released = try #require(timeline.incident(of: ["alertname": "Down", "service": "db"]))
        #expect(released.groupKey == #"{service="db"}"# && released.alertCount == 1 && released.openedAt == t(1800))
        #expect(timeline.alert(["alertname": "Slow"])?.incidentID == nil)
        #expect(timeline.changes.events.contains { $0.kind == .alertReleased && $0.detail.hasPrefix("opened by a released alert: released (maintenance window upgrade ended)") })
    }

    @Test("a cron window in a time zone: 02:00 Berlin for an hour is 00:00 to 01:00 UTC in May")
    func cronWindow() throws {
        // The test epoch is 10:00 UTC: start the timeline at 23:55 UTC the day before.
        var timeline = try Timeline(
            "silence: [{name: nightly, match: {service: db}, cron: '0 2 * * *', time_zone: Europe/Berlin, duration: 1h}]")
        let before = -36_300.0  // 23:55 UTC
        timeline.receive(["alertname": "A", "service": "db"], at: before)
        #expect(timeline.alert(["alertname": "A"])?.incidentID != nil)
        timeline.receive(["alertname": "B", "service": "db"], at: before + 600)  // 00:05 UTC, 02:05 Berlin
        #expect(timeline.alert(["alertname": "B"])?.suppression == .maintenance(rule: "nightly"))
        timeline.advance(to: before + 3899)  // 00:59:59 UTC
        #expect(timeline.alert(["alertname": "B"])?.incidentID == nil)
        timeline.advance(to: before + 3900)  // 01:00 UTC
        #expect(timeline.alert(["alertname": "B"])?.incidentID == timeline.alert(["alertname": "A"])?.incidentID)
    }

    @Test("an alert already in an incident stays there under a silence, and its resolution resolves the incident (Alertmanager #226)")
    func silenceKeepsResolution() throws {
        var timeline = try Timeline("")
        timeline.receive(["alertname": "Down", "service": "db"], at: 0)
        _ = try timeline.engine.createSilence(
            matchers: try Matchers(parsing: #"{service="db"}"#), startsAt: nil, endsAt: t(3600), by: "alice", comment: "upgrade", at: t(10))
        // A new alert of the silenced service is kept out...
        let step = timeline.receive(["alertname": "Slow", "service": "db"], at: 20)
        #expect(step.verdicts == [.suppressed(alert: 2, reason: "silence #1")])
        // ...but the one already in the incident resolves it.
        timeline.receive(["alertname": "Down", "service": "db"], status: .resolved, at: 30)
        #expect(timeline.engine.incident(1)?.status == .resolved)
        // Ending the silence releases the alert that still fires.
        let expired = try timeline.engine.expireSilence(1, by: "alice", at: t(40))
        #expect(expired.silences.first?.endsAt == t(40))
        #expect(timeline.engine.alert(2)?.incidentID == 1)
        #expect(timeline.engine.incident(1)?.status == .open)
        #expect(throws: SilenceError.self) { try timeline.engine.expireSilence(1, by: "alice", at: t(50)) }
    }

    @Test("silences are refused without matchers or with an end before the start")
    func silenceValidation() throws {
        var engine = Engine()
        #expect(throws: SilenceError.self) {
            try engine.createSilence(matchers: Matchers(), startsAt: nil, endsAt: t(60), by: "a", comment: "", at: t(0))
        }
        #expect(throws: SilenceError.self) {
            try engine.createSilence(matchers: try Matchers(parsing: "a=b"), startsAt: t(100), endsAt: t(60), by: "a", comment: "", at: t(0))
        }
        // A silence ends by itself at its end, and the engine forgets it.
        _ = try engine.createSilence(matchers: try Matchers(parsing: "a=b"), startsAt: nil, endsAt: t(60), by: "a", comment: "", at: t(0))
        #expect(engine.activeSilences.count == 1)
        _ = engine.advance(to: t(60))
        #expect(engine.activeSilences.isEmpty)
    }

    @Test("a firing source inhibits targets with equal labels; when it resolves they join an incident")
    func inhibition() throws {
        var timeline = try Timeline(
            "inhibit: [{name: node-down, source: {alertname: NodeDown}, target: {severity: warning}, equal: [host]}]")
        timeline.receive(["alertname": "NodeDown", "host": "db-1", "severity": "critical"], at: 0)
        let inhibited = timeline.receive(["alertname": "DiskSlow", "host": "db-1", "severity": "warning"], at: 10)
        #expect(inhibited.verdicts == [.suppressed(alert: 2, reason: "inhibited by alert #1 (rule node-down)")])
        // Another host, or a critical alert on the same host: not inhibited.
        timeline.receive(["alertname": "DiskSlow", "host": "db-2", "severity": "warning"], at: 20)
        timeline.receive(["alertname": "DiskFull", "host": "db-1", "severity": "critical"], at: 30)
        #expect(timeline.alert(["host": "db-2"])?.incidentID != nil)
        #expect(timeline.alert(["alertname": "DiskFull"])?.incidentID != nil)
        #expect(timeline.engine.alert(2)?.incidentID == nil)
        // The source resolves: the target is evaluated again and, still firing, joins.
        timeline.receive(["alertname": "NodeDown", "host": "db-1", "severity": "critical"], status: .resolved, at: 60)
        #expect(timeline.engine.alert(2)?.incidentID != nil && timeline.engine.alert(2)?.suppression == nil)
        #expect(timeline.changes.events.contains { $0.alertID == 2 && $0.kind == .alertSuppressed && $0.detail.contains("inhibited by alert #1") })
    }

    @Test("an operator resolves the inhibitor's incident: when it closes, the target is released into an incident of its own")
    func inhibitorClosedByOperator() throws {
        var timeline = try Timeline(
            """
            inhibit: [{name: node-down, source: {alertname: NodeDown}, target: {severity: warning}, equal: [host]}]
            correlate: [{name: hosts, group_by: [host], window: 1h}]
            """,
            configuration: EngineConfiguration(closeAfter: .seconds(20)))
        timeline.receive(["alertname": "NodeDown", "host": "db-1", "service": "db"], at: 0)
        timeline.receive(["alertname": "NodeLoadHigh", "host": "db-1", "service": "db", "severity": "warning"], at: 1)
        #expect(timeline.engine.alert(2)?.suppression == .inhibition(source: 1, rule: "node-down"))
        let first = try #require(timeline.engine.alert(1)?.incidentID)
        timeline.changes.merge(try timeline.engine.resolve(incident: first, at: t(2), by: "alice"))
        timeline.advance(to: 30)
        // The first incident closed; the target, still firing, is in a new one.
        #expect(timeline.engine.incident(first) == nil)
        let released = try #require(timeline.engine.alert(2))
        #expect(released.suppression == nil)
        let second = try #require(released.incidentID)
        #expect(second != first && timeline.engine.incident(second)?.status == .open)
        #expect(timeline.changes.incident(first)?.status == .closed)
        #expect(timeline.changes.alert(2)?.incidentID == second)
    }

    @Test("an inhibited target that resolved before its source stays out of incidents")
    func inhibitedThenResolved() throws {
        var timeline = try Timeline("inhibit: [{name: i, source: {alertname: Up}, target: {alertname: Down}}]")
        timeline.receive(["alertname": "Up"], at: 0)
        timeline.receive(["alertname": "Down"], at: 1)
        timeline.receive(["alertname": "Down"], status: .resolved, at: 2)
        timeline.receive(["alertname": "Up"], status: .resolved, at: 3)
        #expect(timeline.engine.alert(2)?.incidentID == nil)
        #expect(timeline.engine.liveIncidents.map(\.alertCount) == [1])
    }
}

@Suite struct CorrelationRuleTests {
    @Test("the first correlate rule that matches decides the group and its window")
    func firstMatch() throws {
        var timeline = try Timeline(
            """
            correlate:
              - {name: k8s, match: {namespace: '!=""'}, group_by: [cluster, namespace], window: 1m}
              - {name: hosts, group_by: [host]}
            """)
        let first = timeline.receive(["alertname": "PodCrash", "cluster": "c1", "namespace": "shop", "host": "n1"], at: 0)
        timeline.receive(["alertname": "PodOOM", "cluster": "c1", "namespace": "shop", "host": "n2"], at: 1)
        timeline.receive(["alertname": "Disk", "host": "n1"], at: 2)
        #expect(first.verdicts == [.opened(alert: 1, incident: 1, reason: "rule k8s: group_by cluster=c1 namespace=shop")])
        #expect(timeline.engine.incident(1)?.alertCount == 2 && timeline.engine.incident(1)?.rule == "k8s")
        #expect(timeline.engine.incident(2)?.groupKey == #"hosts:{host="n1"}"#)
        // The k8s rule's window is a minute: after it, a repeat opens a new incident.
        timeline.receive(["alertname": "PodCrash", "cluster": "c1", "namespace": "shop", "host": "n1"], status: .resolved, at: 10)
        timeline.receive(["alertname": "PodOOM", "cluster": "c1", "namespace": "shop", "host": "n2"], status: .resolved, at: 10)
        timeline.receive(["alertname": "PodCrash", "cluster": "c1", "namespace": "shop", "host": "n1"], at: 71)
        #expect(timeline.alert(["alertname": "PodCrash"])?.incidentID == 3)
    }

    @Test("topology: alerts on connected items join one incident whose root cause is the deepest alerting dependency")
    func topology() throws {
        var timeline = try Timeline(
            "correlate: [{name: deps, topology: topology.yaml, ci_label: host}]",
            extra: [
                "topology.yaml": """
                items:
                  - {name: core-switch}
                  - {name: db-1, depends_on: [core-switch]}
                  - {name: api-1, depends_on: [db-1]}
                  - {name: elsewhere}
                """
            ])
        timeline.receive(["alertname": "Slow", "host": "api-1"], at: 0)
        #expect(timeline.engine.incident(1)?.rootCause == "api-1")
        timeline.receive(["alertname": "Down", "host": "db-1"], at: 10)
        #expect(timeline.engine.incident(1)?.rootCause == "db-1")
        timeline.receive(["alertname": "PortDown", "host": "core-switch"], at: 20)
        let incident = try #require(timeline.engine.incident(1))
        #expect(incident.alertCount == 3 && incident.rootCause == "core-switch" && incident.groupKey == #"deps:{component="core-switch"}"#)
        #expect(timeline.changes.events.last { $0.kind == .rootCause }?.detail == "root cause candidate: core-switch (api-1, db-1 depend on it)")
        // Unconnected items, and hosts the topology does not know, go elsewhere.
        timeline.receive(["alertname": "Down", "host": "elsewhere"], at: 30)
        timeline.receive(["alertname": "Down", "host": "unknown", "service": "x"], at: 30)
        #expect(timeline.engine.liveIncidents.count == 3)
        #expect(timeline.incident(of: ["host": "unknown"])?.groupKey == #"{service="x"}"#)
        // The root cause resolves: the next alerting dependency is the candidate.
        timeline.receive(["alertname": "PortDown", "host": "core-switch"], status: .resolved, at: 40)
        #expect(timeline.engine.incident(1)?.rootCause == "db-1")
    }
}

@Suite struct PriorityStageTests {
    @Test("impact × urgency gives each alert a priority; an incident takes its firing alerts' best, recomputed as they change")
    func matrix() throws {
        var timeline = try Timeline(
            """
            priority:
              impact: [{match: {tier: "1"}, value: high}, {value: low}]
              urgency: [{match: {severity: critical}, value: high}, {value: medium}]
            """)
        timeline.receive(["alertname": "Slow", "service": "shop", "tier": "1", "severity": "warning"], at: 0)  // high × medium = P2
        #expect(timeline.engine.incident(1)?.priority == .p2)
        timeline.receive(["alertname": "Down", "service": "shop", "tier": "1", "severity": "critical"], at: 10)  // high × high = P1
        #expect(timeline.engine.incident(1)?.priority == .p1)
        timeline.receive(["alertname": "Down", "service": "shop", "tier": "1", "severity": "critical"], status: .resolved, at: 20)
        #expect(timeline.engine.incident(1)?.priority == .p2)
        timeline.receive(["alertname": "Odd", "service": "other", "severity": "critical"], at: 30)  // low × high = P3
        #expect(timeline.engine.incident(2)?.priority == .p3)
        #expect(timeline.changes.events.filter { $0.kind == .priorityChanged }.map(\.detail) == ["priority P2 -> P1", "priority P1 -> P2"])
        #expect(timeline.changes.events.contains { $0.detail == "rule rules/priority: impact high × urgency medium = P2" })
    }
}

@Suite struct HeartbeatStageTests {
    @Test("a heartbeat that stops opens an incident naming the silent source; its return resolves it")
    func heartbeat() throws {
        var timeline = try Timeline(
            "heartbeat: [{name: watchdog, match: {alertname: Watchdog}, interval: 5m, group_by: [prometheus]}]")
        for minute in 0..<3 {
            timeline.receive(["alertname": "Watchdog", "prometheus": "prom-a"], at: Double(minute * 60))
            timeline.receive(["alertname": "Watchdog", "prometheus": "prom-b"], at: Double(minute * 60))
        }
        // The Watchdog itself is absorbed, never an incident.
        #expect(timeline.engine.liveIncidents.isEmpty)
        #expect(timeline.engine.alert(1)?.suppression == .heartbeat(rule: "watchdog"))
        // prom-b keeps sending; prom-a goes silent after 120s: missing at 420s.
        for minute in 3..<10 { timeline.receive(["alertname": "Watchdog", "prometheus": "prom-b"], at: Double(minute * 60)) }
        #expect(timeline.engine.liveIncidents.count == 1)
        let missing = try #require(timeline.alert(["alertname": "HeartbeatMissing"]))
        #expect(missing.labels["prometheus"] == "prom-a" && missing.labels["severity"] == "critical" && missing.firstSeenAt == t(420))
        #expect(missing.annotations["summary"]?.hasPrefix("heartbeat watchdog: nothing from prometheus=prom-a since 2024-05-13T10:02:00.000Z") == true)
        #expect(timeline.engine.incident(missing.incidentID!)?.priority == .p1)
        // It comes back: resolved.
        timeline.receive(["alertname": "Watchdog", "prometheus": "prom-a"], at: 600)
        #expect(timeline.alert(["alertname": "HeartbeatMissing"])?.status == .resolved)
        #expect(timeline.engine.incident(missing.incidentID!)?.status == .resolved)
        #expect(timeline.changes.events.map(\.kind).contains(.heartbeatResumed))
    }

    @Test("an enrich rule that relabels HeartbeatMissing does not keep the heartbeat from resolving it")
    func enrichedMissing() throws {
        var timeline = try Timeline(
            """
            heartbeat: [{name: watchdog, match: {alertname: Watchdog}, interval: 5m}]
            enrich: [{name: team, set: {team: sre}}]
            """)
        timeline.receive(["alertname": "Watchdog"], at: 0)
        timeline.advance(to: 600)
        let missing = try #require(timeline.alert(["alertname": "HeartbeatMissing"]))
        #expect(missing.labels["team"] == "sre" && missing.status == .firing)
        timeline.receive(["alertname": "Watchdog"], at: 1200)
        #expect(timeline.engine.alert(missing.id)?.status == .resolved)
        #expect(timeline.changes.events.contains { $0.kind == .heartbeatMissing && $0.alertID == missing.id })
    }
}

@Suite struct ReloadTests {
    @Test("reloading keeps all state, and a maintenance window that is gone releases what it kept out")
    func reload() throws {
        var timeline = try Timeline(
            "silence: [{name: upgrade, match: {service: db}, start: 2024-05-13T10:00:00Z, end: 2024-05-13T12:00:00Z}]")
        timeline.receive(["alertname": "Down", "service": "db"], at: 0)
        timeline.receive(["alertname": "Down", "service": "api"], at: 0)
        let before = timeline.engine.snapshot
        let changes = timeline.engine.reload(try ruleSet(""), at: t(60))
        #expect(timeline.engine.alert(1)?.incidentID == 2)
        #expect(timeline.engine.liveIncidents.count == 2)
        #expect(changes.events.contains { $0.kind == .alertReleased })
        #expect(timeline.engine.snapshot.alerts.count == before.alerts.count)
    }
}

@Suite struct RulesDeterminismTests {
    /// Storms with every stage at work, an operator acknowledging, and
    /// silences created and ended early: at every 25th step the engine is
    /// rebuilt from its snapshot and must go on exactly as the original.
    /// (Written after a 60-seed sweep found inhibition state that a restore
    /// rebuilt differently; these seeds cover the cases it found.)
    @Test("with every stage in use, an engine restored mid-storm goes on exactly as the original", arguments: [3, 6, 10, 13, 16, 18])
    func restoreContinues(seed: Int) throws {
        let rules = try StormFixture.ruleSet()
        let configuration = EngineConfiguration(closeAfter: .seconds(600))
        var engine = Engine(configuration: configuration, rules: rules)
        var suppressedSeen = false
        for (index, (at, alerts)) in StormFixture.storm(seed: UInt64(seed), count: 250).enumerated() {
            _ = engine.process(alerts, at: t(at))
            if index % 40 == 39, let open = engine.liveIncidents.first(where: { $0.status == .open }) {
                _ = try engine.acknowledge(incident: open.id, at: t(at), by: "alice")
            }
            if index % 37 == 5 {
                let (silence, _) = try engine.createSilence(
                    matchers: try Matchers(parsing: #"{service="web"}"#), startsAt: nil, endsAt: t(at + 300), by: "bob", comment: "", at: t(at))
                if index % 74 == 5 { _ = try engine.expireSilence(silence.id, by: "bob", at: t(at + 1)) }
            }
            suppressedSeen = suppressedSeen || engine.liveAlerts.contains { $0.suppression != nil }
            guard index % 25 == 0 else { continue }
            var restored = Engine(configuration: configuration, rules: rules, restoring: engine.snapshot)
            var original = engine
            for (nextAt, nextAlerts) in StormFixture.storm(seed: UInt64(seed) &+ 100, count: 40).map({ (at + $0.0, $0.1) }) {
                #expect(restored.process(nextAlerts, at: t(nextAt)).verdicts == original.process(nextAlerts, at: t(nextAt)).verdicts)
            }
            #expect(restored.snapshot == original.snapshot, "restored at step \(index)")
        }
        #expect(suppressedSeen)
    }

    @Test("the same input and rules give the same incidents, twice")
    func sameTwice() throws {
        let rules = try StormFixture.ruleSet()
        let alerts = StormFixture.storm(seed: 21, count: 300).flatMap(\.1)
        let first = Replay.run(alerts, rules: rules, settle: .seconds(3600))
        let second = Replay.run(alerts, rules: rules, settle: .seconds(3600))
        #expect(first.incidents == second.incidents && first.alerts == second.alerts)
        #expect(!first.incidents.isEmpty && first.counters.suppressed > 0)
    }
}
