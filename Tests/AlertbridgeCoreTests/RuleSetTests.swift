import AlertbridgeCore
import Foundation
import Testing

/// Compiles rule files given as text; topology files come from `files` too.
func ruleSet(_ files: [(String, String)], extra: [String: String] = [:]) throws(RuleErrors) -> (ruleSet: RuleSet, warnings: [RuleError]) {
    try RuleSet.load(files: files.map { (name: $0.0, text: $0.1) }) { path in
        guard let text = extra[path] else { throw CocoaError(.fileNoSuchFile) }
        return text
    }
}

func ruleSet(_ text: String) throws(RuleErrors) -> RuleSet {
    try ruleSet([("rules.yaml", text)]).ruleSet
}

@Suite struct RuleSetLoadingTests {
    @Test("every stage compiles from its YAML")
    func everyStage() throws {
        let (rules, warnings) = try ruleSet(
            [
                (
                    "00-all.yaml",
                    """
                    enrich:
                      - name: severity
                        match: {severity: '=~"crit|disaster"'}
                        normalize_severity: true
                      - name: host-from-instance
                        capture: [{from: instance, regex: '(?P<host>[^:]+)(:\\d+)?'}]
                        drop: [replica]
                        set: {origin: "${host}/$${literal}"}
                    dedup:
                      - {name: syslog, match: {source: syslog}, key: [host, app]}
                    flapping: {transitions: 4, within: 15m}
                    silence:
                      - {name: nightly, match: {service: db}, cron: "0 2 * * *", time_zone: Europe/Berlin, duration: 1h}
                      - {name: migration, match: {env: staging}, start: 2026-11-23T20:00:00Z, end: 2026-11-23T22:00:00Z}
                    inhibit:
                      - {name: node-down, source: {alertname: NodeDown}, target: {severity: '=~"warning|info"'}, equal: [host]}
                    correlate:
                      - {name: k8s, match: {namespace: '!=""'}, group_by: [cluster, namespace], window: 5m}
                      - {name: deps, topology: topology.yaml, ci_label: host}
                    priority:
                      impact: [{match: {tier: "1"}, value: high}, {value: medium}]
                      urgency: [{match: {severity: critical}, value: high}, {value: low}]
                      matrix: {high: {high: P1}}
                    heartbeat:
                      - {name: watchdog, match: {alertname: Watchdog}, interval: 5m, group_by: [prometheus]}
                    """
                )
            ], extra: ["topology.yaml": "items: [{name: sw-1}, {name: db-1, depends_on: [sw-1]}]"])
        #expect(warnings.isEmpty)
        #expect(rules.enrich.map(\.origin.name) == ["severity", "host-from-instance"])
        #expect(rules.enrich[1].captures.first?.pattern.groupNames == ["host"])
        #expect(rules.enrich[1].set.first?.value.render { $0 == "host" ? "db-1" : nil } == "db-1/$${literal}".replacingOccurrences(of: "$$", with: "$"))
        #expect(rules.dedup.first?.key == ["host", "app"])
        #expect(rules.flapping?.transitions == 4 && rules.flapping?.quiet == .seconds(900))
        #expect(rules.silences.count == 2)
        #expect(rules.inhibit.first?.equal == ["host"])
        #expect(rules.correlate.map(\.origin.name) == ["k8s", "deps"])
        #expect(rules.correlate[0].window == .seconds(300) && rules.correlate[1].window == .seconds(600))
        #expect(rules.priority?.matrix[.high]?[.high] == .p1 && rules.priority?.matrix[.low]?[.low] == .p5)
        #expect(rules.heartbeats.first?.groupBy == ["prometheus"] && rules.heartbeats.first?.severity == .critical)
        #expect(rules.count == 11)
    }

    @Test("stages concatenate across files in the order given")
    func acrossFiles() throws {
        let rules = try ruleSet([
            ("00-a.yaml", "correlate: [{name: a, group_by: [service], match: {service: api}}]"),
            ("10-b.yaml", "correlate: [{name: b, group_by: [host]}]"),
        ]).ruleSet
        #expect(rules.correlate.map(\.origin.name) == ["a", "b"])
        #expect(rules.correlate.map(\.origin.file) == ["00-a.yaml", "10-b.yaml"])
    }

    @Test(
        "an error names file, line, rule and what is wrong",
        arguments: [
            ("bogus: []", #"rules.yaml:1: bogus: unknown key (allowed here: syslog, enrich, dedup, flapping, silence, inhibit, correlate, priority, heartbeat)"#),
            ("correlate:\n  - {name: x, group_by: [a], windw: 5m}", #"rules.yaml:2: rule "x": correlate[0].windw: unknown key"#),
            ("correlate:\n  - name: x\n    group_by: [a]\n    window: ten", #"rules.yaml:4: rule "x": correlate[0].window: expected a duration like 30s, 10m or 1h30m, got "ten""#),
            ("dedup:\n  - name: d\n    match: {app: '=~\"(a\"'}\n    key: [host]", #"rules.yaml:3: rule "d": match: app: 0:6: =~"(a": invalid regular expression: missing ): (a"#),
            ("enrich:\n  - name: e\n    capture: [{from: instance, regex: '[^:]+'}]", #"rule "e": capture.regex "[^:]+" has no named group"#),
            ("enrich:\n  - name: e\n    match: {a: b}", #"rules.yaml:2: rule "e": does nothing"#),
            ("correlate:\n  - {name: c, group_by: [a], topology: t.yaml}", #"rules.yaml:2: rule "c": give either group_by"#),
            ("silence:\n  - {name: s, cron: '0 25 * * *', duration: 1h}", #"rule "s": cron: field 2 (hour)"#),
            ("silence:\n  - {name: s, cron: '0 2 * * *', duration: 1h, time_zone: Mars/Olympus}", #"rule "s": cron: "#),
            ("silence:\n  - {name: s, start: 2026-01-02T00:00:00Z, end: 2026-01-01T00:00:00Z}", #"rules.yaml:2: rule "s": end must be after start"#),
            ("flapping: {transitions: 1, within: 5m}", #"rules.yaml:1: rule "rules/flapping": transitions: must be at least 2, got 1"#),
            ("heartbeat:\n  - {name: h, interval: 5m}", #"rules.yaml:2: rule "h": match: required"#),
            ("correlate:\n  - {name: same, group_by: [a], match: {a: x}}\n  - {name: same, group_by: [b]}", #"rules.yaml:3: rule "same": another correlate rule has this name"#),
            ("priority:\n  impact: [{value: huge}]", #"rule "rules/priority": impact.value: expected high, medium or low, got "huge""#),
        ])
    func errors(text: String, expected: String) {
        #expect {
            try ruleSet(text)
        } throws: { error in
            let description = "\(error)"
            return description.contains(expected)
        }
    }

    @Test("a topology with a cycle or an unknown item is refused, naming it")
    func badTopology() {
        for (topology, expected) in [
            ("items: [{name: a, depends_on: [b]}, {name: b, depends_on: [a]}]", "dependency cycle: a -> b -> a"),
            ("items: [{name: a, depends_on: [nope]}]", #"item "a" depends on "nope", which is not an item"#),
            ("items: [{name: a}, {name: a}]", #"item "a" is listed twice"#),
        ] {
            #expect {
                try ruleSet([("r.yaml", "correlate: [{name: deps, topology: t.yaml}]")], extra: ["t.yaml": topology])
            } throws: { error in
                "\(error)".contains("rule \"deps\": \(expected)")
            }
        }
        #expect {
            try ruleSet([("r.yaml", "correlate: [{name: deps, topology: missing.yaml}]")])
        } throws: { "\($0)".contains("r.yaml:1: rule \"deps\": topology: cannot read missing.yaml") }
    }

    @Test("every error is reported at once, not only the first")
    func allErrors() {
        #expect {
            try ruleSet([
                ("a.yaml", "correlate: [{name: x, group_by: [a], window: bad}]"),
                ("b.yaml", "inhibit: [{name: y, source: {a: b}}]\nbogus: 1"),
            ])
        } throws: { error in
            (error as? RuleErrors)?.errors.count == 3
        }
    }

    @Test("rules that can never act are warnings, not errors")
    func warnings() throws {
        let (_, warnings) = try ruleSet([
            (
                "r.yaml",
                """
                inhibit:
                  - {name: dead, source: {a: x}, target: '{b="x", b="y"}'}
                silence:
                  - {name: feb-30, cron: '0 0 30 2 *', duration: 1h}
                correlate:
                  - {name: everything, group_by: [service]}
                  - {name: shadowed, group_by: [host], match: {host: '!=""'}}
                """
            )
        ])
        let messages = warnings.map(\.description)
        #expect(messages.contains { $0.contains(#"rule "shadowed": can never apply: rule "everything" before it matches every alert"#) })
        #expect(messages.contains { $0.contains(#"rule "dead": target can never match"#) })
        #expect(messages.contains { $0.contains(#"rule "feb-30": cron "0 0 30 2 *" never comes round"#) })
    }

    @Test("label templates: ${name} references, $$ for a dollar, a lone $ refused")
    func templates() throws {
        let template = try LabelTemplate(parsing: "${host}.${zone}:$$9")
        #expect(template.references == ["host", "zone"])
        #expect(template.render { ["host": "db-1", "zone": "eu"][$0] } == "db-1.eu:$9")
        #expect(template.render { _ in nil } == ".:$9")
        #expect(throws: RuleTemplateError.self) { try LabelTemplate(parsing: "cost: $5") }
        #expect(throws: RuleTemplateError.self) { try LabelTemplate(parsing: "${}") }
    }
}

@Suite struct TopologyTests {
    let topology = try! Topology(items: [
        ("core-switch", []), ("storage", ["core-switch"]), ("db-1", ["storage", "core-switch"]), ("api-1", ["db-1"]),
        ("api-2", ["db-1"]), ("lonely", []),
    ])

    @Test("connected items share a component named by the first of them")
    func components() {
        #expect(topology.componentName(of: "api-2") == "core-switch")
        #expect(topology.componentName(of: "lonely") == "lonely")
        #expect(topology.componentName(of: "nope") == nil)
    }

    @Test(
        "the root cause candidate is the alerting item the others depend on",
        arguments: [
            (["api-1", "db-1"], "db-1"), (["api-1", "api-2", "db-1", "core-switch"], "core-switch"), (["api-1"], "api-1"),
            (["api-1", "api-2"], "api-1"), (["api-1", "api-2", "storage"], "storage"),
        ])
    func rootCause(alerting: [String], expected: String) {
        #expect(topology.rootCause(among: Set(alerting)) == expected)
    }
}
