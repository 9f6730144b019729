import AlertbridgeTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Rules through the real server and the real command line: loaded at
/// start, reloaded without a restart (a broken set keeps the running one),
/// silences through the API, and `rules check`, `rules test`, `replay`.
@Suite(.serialized) struct RulesEndToEndTests {
    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("a broken rule set does not reload and the running one stays; a fixed one reloads and keeps every incident")
    func reload() async throws {
        let directory = TemporaryDirectory("alertbridge-rules")
        let rules = directory.path("rules")
        try Self.write("correlate: [{name: hosts, group_by: [host]}]", to: rules + "/10-correlate.yaml")
        let server = try await ServerProcess(directory: directory, arguments: ["--rules", rules])
        defer { Task { await server.stop() } }
        #expect(server.logText.contains("msg=\"rules loaded\""))

        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Down", "host": "a", "service": "x"}}"#).status == 202)
        _ = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [[String: Any]])?.first?["groupKey"] as? String == #"hosts:{host="a"}"# }

        try Self.write("correlate: [{name: hosts, group_by: [host], window: soon}]", to: rules + "/10-correlate.yaml")
        let refused = try await server.post("/-/reload", "")
        #expect(refused.status == 400)
        let message = try #require(refused.json["error"] as? String)
        #expect(message.contains("10-correlate.yaml:1: rule \"hosts\": correlate[0].window: expected a duration"))
        let metrics = try await server.get("/metrics").body
        #expect(metrics.contains(#"alertbridge_rules_reloads_total{result="failure"} 1"#))
        #expect(metrics.contains("alertbridge_rules_last_reload_successful 0"))

        // The running rules still group by host.
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Slow", "host": "b", "service": "x"}}"#).status == 202)
        _ = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [[String: Any]])?.first?["groupKey"] as? String == #"hosts:{host="b"}"# }

        try Self.write("correlate: [{name: services, group_by: [service]}]", to: rules + "/10-correlate.yaml")
        let reloaded = try await server.post("/-/reload", "")
        #expect(reloaded.status == 200 && reloaded.json["rules"] as? Int == 1)
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Full", "host": "c", "service": "x"}}"#).status == 202)
        let list = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [Any])?.count == 3 }
        let keys = (list["incidents"] as? [[String: Any]])?.compactMap { $0["groupKey"] as? String }
        #expect(keys == [#"services:{service="x"}"#, #"hosts:{host="b"}"#, #"hosts:{host="a"}"#])
        #expect(try await server.get("/metrics").body.contains("alertbridge_rules_last_reload_successful 1"))
    }

    @Test("SIGHUP reloads the rules, as in Prometheus")
    func hangup() async throws {
        let directory = TemporaryDirectory("alertbridge-rules")
        let rules = directory.path("rules")
        try Self.write("correlate: [{name: hosts, group_by: [host]}]", to: rules + "/10-correlate.yaml")
        let server = try await ServerProcess(directory: directory, arguments: ["--rules", rules])
        defer { Task { await server.stop() } }
        try Self.write("correlate: [{name: services, group_by: [service]}]", to: rules + "/10-correlate.yaml")
        server.signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(20)
        while !(try await server.get("/metrics").body.contains(#"alertbridge_rules_reloads_total{result="success"} 1"#)) {
            guard ContinuousClock.now < deadline else { Issue.record("no reload after SIGHUP:\n\(server.logText)"); return }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Full", "host": "c", "service": "x"}}"#).status == 202)
        _ = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [[String: Any]])?.first?["groupKey"] as? String == #"services:{service="x"}"# }
        #expect(server.isRunning)
        #expect(server.logText.contains("trigger=SIGHUP"))
    }

    @Test("a silence through the API keeps new alerts out of incidents; deleting it lets those still firing in")
    func silences() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let created = try await server.post(
            "/api/v1/silences", #"{"matchers": {"service": "db"}, "duration": "1h", "createdBy": "alice", "comment": "upgrade"}"#)
        #expect(created.status == 201)
        #expect(created.json["matchers"] as? String == #"{service="db"}"#)
        #expect(created.json["state"] as? String == "active")
        let id = try #require(created.json["id"] as? Int)

        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Lag", "service": "db"}}"#).status == 202)
        let suppressed = try await server.eventually("/api/v1/alerts?suppressed=true") { ($0["alerts"] as? [Any])?.count == 1 }
        let alert = try #require((suppressed["alerts"] as? [[String: Any]])?.first)
        #expect(alert["suppressedBy"] as? String == "silence #\(id)" && alert["incidentId"] == nil)
        let alertID = try #require(alert["id"] as? Int)
        let detail = try await server.get("/api/v1/alerts/\(alertID)").json
        let kinds = (detail["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds?.contains("alert_suppressed") == true)
        let incidents = try await server.get("/api/v1/incidents").json["incidents"] as? [Any]
        #expect(incidents?.isEmpty == true)
        let current = try await server.get("/api/v1/silences").json["silences"] as? [[String: Any]]
        #expect(current?.compactMap { $0["id"] as? Int } == [id])

        let ended = try await server.request(.DELETE, "/api/v1/silences/\(id)", body: #"{"by": "alice"}"#)
        #expect(ended.status == 200 && ended.json["state"] as? String == "expired")
        _ = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [Any])?.count == 1 }
        #expect(try await server.get("/api/v1/stats").json["alertsSuppressed"] as? Int == 1)

        #expect(try await server.request(.DELETE, "/api/v1/silences/\(id)").status == 409)
        #expect(try await server.request(.DELETE, "/api/v1/silences/999").status == 404)
        #expect(try await server.get("/api/v1/silences/999").status == 404)
        let bad = try await server.post("/api/v1/silences", #"{"matchers": {"service": "=~\"(db\""}, "duration": "1h"}"#)
        #expect(bad.status == 400 && (bad.json["error"] as? String)?.contains("matchers: ") == true)
        #expect(try await server.post("/api/v1/silences", #"{"matchers": {"service": "db"}}"#).status == 400)
        #expect(try await server.post("/api/v1/silences", #"{"matchers": {}, "duration": "1h"}"#).status == 400)
    }

    @Test("rules check: 0 with a summary for good rules, 1 with file:line:rule for bad ones")
    func check() throws {
        let directory = TemporaryDirectory("alertbridge-cli")
        try Self.write("correlate: [{name: hosts, group_by: [host]}]\nenrich: [{name: sev, normalize_severity: true}]", to: directory.path("good/a.yaml"))
        let good = try CommandLineRun(["rules", "check", directory.path("good")])
        #expect(good.status == 0)
        #expect(good.output.contains("2 rules in 1 files, 0 warnings"))

        try Self.write("correlate: [{name: hosts, group_by: [host], window: bad}]\nbogus: 1", to: directory.path("bad/a.yaml"))
        let bad = try CommandLineRun(["rules", "check", directory.path("bad")])
        #expect(bad.status == 1)
        #expect(bad.errorOutput.contains(#"a.yaml:1: rule "hosts": correlate[0].window: expected a duration"#))
        #expect(bad.errorOutput.contains("a.yaml:2: bogus: unknown key"))
        #expect(bad.errorOutput.contains("2 errors; the rules do not load"))
    }

    @Test("rules test: ok for a passing test, FAIL with expected and got for a failing one")
    func ruleTest() throws {
        let directory = TemporaryDirectory("alertbridge-cli")
        try Self.write("correlate: [{name: hosts, group_by: [host]}]", to: directory.path("rules/a.yaml"))
        try Self.write(
            """
            tests:
              - name: one host, one incident
                input:
                  - at: 0s
                    alerts: [{labels: {alertname: A, host: h1}}, {labels: {alertname: B, host: h1}}]
                expect:
                  - at: 1m
                    incidents: [{group: {host: h1}, alerts: 2}]
              - name: wrong on purpose
                input:
                  - at: 0s
                    alerts: [{labels: {alertname: A, host: h1}}]
                expect:
                  - at: 1m
                    incidents: [{group: {host: h2}}]
            """, to: directory.path("rules/tests/a.yaml"))
        let run = try CommandLineRun(["rules", "test", directory.path("rules/tests")])
        #expect(run.status == 1)
        #expect(run.output.contains("ok    \(directory.path("rules/tests/a.yaml")): one host, one incident"))
        #expect(run.output.contains("FAIL  \(directory.path("rules/tests/a.yaml")): wrong on purpose"))
        #expect(run.output.contains("expected:\n      {group: {host=\"h2\"}}"))
        #expect(run.output.contains(#"got:"#) && run.output.contains(#"#1 {host="h1"} open"#))
        #expect(run.output.contains("2 tests, 1 passed, 1 failed"))
    }

    @Test("replay: alerts in, incidents out, with --baseline showing what a rule change does")
    func replay() throws {
        let directory = TemporaryDirectory("alertbridge-cli")
        try Self.write("correlate: [{name: hosts, group_by: [host]}]", to: directory.path("by-host/a.yaml"))
        try Self.write("correlate: [{name: services, group_by: [service]}]", to: directory.path("by-service/a.yaml"))
        let lines = [
            #"{"labels": {"alertname": "A", "host": "h1", "service": "s"}, "receivedAt": "2026-01-01T00:00:00Z"}"#,
            #"{"labels": {"alertname": "B", "host": "h2", "service": "s"}, "receivedAt": "2026-01-01T00:00:30Z"}"#,
            #"{"labels": {"alertname": "A", "host": "h1", "service": "s"}, "receivedAt": "2026-01-01T00:01:00Z"}"#,
            "",
        ]
        try Self.write(lines.joined(separator: "\n"), to: directory.path("history.jsonl"))
        let run = try CommandLineRun([
            "replay", "--rules", directory.path("by-service"), "--baseline", directory.path("by-host"), "--json", directory.path("history.jsonl"),
        ])
        #expect(run.status == 0, "\(run.errorOutput)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let incidents = try #require(report["incidents"] as? [[String: Any]])
        #expect(incidents.count == 1 && (incidents.first?["alerts"] as? [Any])?.count == 2)
        let stats = try #require(report["stats"] as? [String: Any])
        #expect(stats["alertsIn"] as? Int == 3 && stats["duplicates"] as? Int == 1)
        let diff = try #require(report["diff"] as? [String: Any])
        #expect((diff["onlyCandidate"] as? [Any])?.count == 1 && (diff["onlyBaseline"] as? [Any])?.count == 2)

        try Self.write(#"{"labels": {"alertname": "A"}}"#, to: directory.path("no-time.jsonl"))
        let refused = try CommandLineRun(["replay", "--rules", directory.path("by-host"), directory.path("no-time.jsonl")])
        #expect(refused.status != 0 && refused.errorOutput.contains("no-time.jsonl:1: receivedAt: required in replay input"))

        // Lines are decoded as the replay reaches them: a bad line after good
        // ones (and a blank one) is still named by its number, and nothing is printed.
        try Self.write(lines[0] + "\n\n" + #"{"labels": {"alertname": 7}, "receivedAt": "2026-01-01T00:02:00Z"}"#, to: directory.path("bad.jsonl"))
        let bad = try CommandLineRun(["replay", "--rules", directory.path("by-host"), directory.path("bad.jsonl")])
        #expect(bad.status != 0 && bad.errorOutput.contains("bad.jsonl:3: labels.alertname: expected a string"), "\(bad.errorOutput)")
        #expect(bad.output.isEmpty)
    }
}

/// One run of the `alertbridge` command line, to its end.
struct CommandLineRun {
    var status: Int32
    var output: String
    var errorOutput: String

    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        output = String(decoding: outData, as: UTF8.self)
        errorOutput = String(decoding: errData, as: UTF8.self)
    }
}
