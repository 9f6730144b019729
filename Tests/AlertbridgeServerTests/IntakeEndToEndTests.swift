import AlertbridgeTestSupport
import Foundation
import Testing

/// The real server on port 0, over HTTP: what Prometheus, Alertmanager and
/// curl users see.
@Suite(.serialized) struct IntakeEndToEndTests {
    @Test("Prometheus' API v2 alerts become an incident with a reason per alert")
    func apiV2() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let body = """
            [{"labels": {"alertname": "InstanceDown", "service": "api", "env": "prod", "instance": "api-1", "severity": "critical"},
              "annotations": {"summary": "api-1 is down"}, "generatorURL": "http://prometheus/graph"},
             {"labels": {"alertname": "HighLatency", "service": "api", "env": "prod", "severity": "warning"}}]
            """
        let reply = try await server.post("/api/v2/alerts", body)
        #expect(reply.status == 202)
        #expect(reply.json["accepted"] as? Int == 2)

        let list = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [Any])?.count == 1 }
        let incident = try #require((list["incidents"] as? [[String: Any]])?.first)
        #expect(incident["status"] as? String == "open")
        #expect(incident["severity"] as? String == "critical")
        #expect(incident["priority"] as? String == "P1")
        #expect(incident["title"] as? String == "api-1 is down")
        #expect(incident["groupKey"] as? String == "{service=\"api\",env=\"prod\"}")
        let id = try #require(incident["id"] as? Int)

        let detail = try await server.eventually("/api/v1/incidents/\(id)") { ($0["alerts"] as? [Any])?.count == 2 }
        let alerts = try #require(detail["alerts"] as? [[String: Any]])
        #expect(alerts.allSatisfy { $0["joinReason"] as? String == "group_by service=api env=prod" })
        #expect(alerts.first?["status"] as? String == "firing")
        let timeline = try #require(detail["timeline"] as? [[String: Any]])
        #expect(timeline.compactMap { $0["kind"] as? String } == ["opened", "alert_joined"])

        // Prometheus re-sends: a duplicate, counted on the alert.
        #expect(try await server.post("/api/v2/alerts", body).status == 202)
        let fingerprint = try #require(alerts.first?["fingerprint"] as? String)
        let resent = try await server.eventually("/api/v1/alerts?fingerprint=\(fingerprint)") {
            (($0["alerts"] as? [[String: Any]])?.first?["duplicateCount"] as? Int) == 1
        }
        #expect((resent["alerts"] as? [Any])?.count == 1)
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == 4)
        #expect(stats["alertsDeduplicated"] as? Int == 2)
        #expect(stats["incidentsOpened"] as? Int == 1)
        #expect(stats["noiseReduction"] as? Double == 0.75)
    }

    @Test("an API v2 alert with endsAt in the past resolves its incident")
    func apiV2Resolution() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let labels = #"{"alertname": "DiskFull", "instance": "web-1"}"#
        #expect(try await server.post("/api/v2/alerts", #"[{"labels": \#(labels), "startsAt": "2024-05-13T10:00:00Z"}]"#).status == 202)
        _ = try await server.eventually("/api/v1/incidents?status=open") { ($0["incidents"] as? [Any])?.count == 1 }
        let resolved = #"[{"labels": \#(labels), "startsAt": "2024-05-13T10:00:00Z", "endsAt": "2024-05-13T10:05:00Z"}]"#
        #expect(try await server.post("/api/v2/alerts", resolved).status == 202)
        let list = try await server.eventually("/api/v1/incidents?status=resolved") { ($0["incidents"] as? [Any])?.count == 1 }
        #expect((list["incidents"] as? [[String: Any]])?.first?["resolvedBy"] as? String == "engine")
    }

    @Test("the Alertmanager webhook: firing, then resolved, by the corpus payloads")
    func alertmanagerWebhook() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let examples = try Fixture.corpusBodies("alertmanager-webhook-v4.json")
        #expect(try await server.post("/ingest/alertmanager", String(decoding: examples[0].body, as: UTF8.self)).status == 202)
        let open = try await server.eventually("/api/v1/incidents?status=open") { ($0["incidents"] as? [Any])?.count == 1 }
        let incident = try #require((open["incidents"] as? [[String: Any]])?.first)
        #expect(incident["alertCount"] as? Int == 2)
        #expect(incident["groupKey"] as? String == "{alertname=\"DiskRunningFull\"}")
        #expect(try await server.post("/ingest/alertmanager", String(decoding: examples[2].body, as: UTF8.self)).status == 202)
        _ = try await server.eventually("/api/v1/incidents?status=resolved") { ($0["incidents"] as? [Any])?.count == 1 }
        let alerts = try await server.get("/api/v1/alerts?status=resolved").json["alerts"] as? [[String: Any]]
        // The fingerprints are the ones Alertmanager put in the payload.
        #expect(Set(alerts?.compactMap { $0["fingerprint"] as? String } ?? []) == ["7bd069f63a3f2685", "46d5b4e1cf09ffe3"])
    }

    @Test("generic alerts: one object or an array, filtered by service")
    func generic() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Down", "service": "db", "env": "prod"}}"#).status == 202)
        let array = #"[{"labels": {"alertname": "Down", "service": "web"}}, {"labels": {"alertname": "Slow", "service": "web"}, "status": "firing"}]"#
        #expect(try await server.post("/ingest/generic", array).json["accepted"] as? Int == 2)
        _ = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [Any])?.count == 2 }
        let web = try await server.get("/api/v1/incidents?service=web").json["incidents"] as? [[String: Any]]
        #expect(web?.count == 1 && web?.first?["alertCount"] as? Int == 2)
        let none = try await server.get("/api/v1/incidents?service=nope").json["incidents"] as? [Any]
        #expect(none?.isEmpty == true)
    }

    @Test("a body that does not decode gets 400 naming the field, and nothing is kept")
    func malformed() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let cases: [(String, String, String)] = [
            ("/api/v2/alerts", "{not json", "invalid JSON"),
            ("/api/v2/alerts", #"{"labels": {}}"#, "expected a JSON array"),
            ("/api/v2/alerts", #"[{"labels": {"a": "b"}}, {"labels": {"severity": 3}}]"#, "[1].labels.severity"),
            ("/ingest/alertmanager", #"{"version": "4", "alerts": [{"status": "firing", "labels": "x"}]}"#, "alerts[0].labels"),
            ("/ingest/generic", #"{"labels": {"a": "b"}, "status": "burning"}"#, "status"),
        ]
        for (path, body, fragment) in cases {
            let reply = try await server.post(path, body)
            #expect(reply.status == 400, "\(path) \(body)")
            let message = reply.json["error"] as? String ?? ""
            #expect(message.contains(fragment), "\(message) should contain \(fragment)")
        }
        let stats = try await server.get("/api/v1/stats").json
        #expect((stats["inbox"] as? [String: Any])?["committed"] as? Int == 0)
        #expect(stats["alertsReceived"] as? Int == 0)
    }

    @Test("over the body limit: 413 from Content-Length, and from a chunked body")
    func bodyLimit() async throws {
        let server = try await ServerProcess(config: "limits:\n  max_body_bytes: 1024\n")
        defer { Task { await server.stop() } }
        let big = "[" + String(repeating: #"{"labels": {"alertname": "x"}},"#, count: 100) + #"{"labels": {"a": "b"}}]"#
        let reply = try await server.post("/api/v2/alerts", big)
        #expect(reply.status == 413)
        #expect((reply.json["error"] as? String)?.contains("limit") == true)
        #expect(try await server.post("/api/v2/alerts", #"[{"labels": {"a": "b"}}]"#).status == 202)
        let chunked = try await ChunkedPost.post(to: server.baseURL + "/api/v2/alerts", body: big)
        #expect(chunked == 413)
    }

    @Test("a form body gets 415, not a parse error; media types are read case-insensitively")
    func mediaType() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let reply = try await server.post("/ingest/generic", "a=b", contentType: "application/x-www-form-urlencoded")
        #expect(reply.status == 415)
        // Media types are case-insensitive, parameters and blanks aside.
        let shouted = try await server.post("/ingest/generic", "a=b", contentType: " Application/X-WWW-Form-Urlencoded ; Charset=UTF-8")
        #expect(shouted.status == 415)
        #expect((shouted.json["error"] as? String)?.contains("application/x-www-form-urlencoded") == true, "\(shouted.body)")
        let json = try await server.post(
            "/api/v2/alerts", #"[{"labels":{"alertname":"CaseTest"}}]"#, contentType: "Application/JSON; charset=utf-8")
        #expect(json.status == 202, "\(json.body)")
    }

    @Test("unknown routes and ids get 404 with a JSON error")
    func notFound() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        for path in ["/api/v1/incidents/42", "/api/v1/incidents/abc", "/nope"] {
            let reply = try await server.get(path)
            #expect(reply.status == 404, "\(path)")
            #expect(reply.json["error"] is String, "\(path): \(reply.body)")
        }
        #expect(try await server.get("/api/v1/incidents?limit=0").status == 400)
        #expect(try await server.get("/api/v1/alerts?fingerprint=zz").status == 400)
        #expect(try await server.get("/healthz").status == 200)
        _ = try await server.eventually("/readyz") { $0["status"] as? String == "ready" }
    }

    #if os(Linux)
    @Test("the server allocates with jemalloc, and says so when it starts")
    func allocator() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        // Read to the end: procfs files have no size, and `String(contentsOfFile:)`
        // stopped partway once jemalloc's threads made the map longer.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/\(server.pid)/maps"))
        defer { try? file.close() }
        let maps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        #expect(maps.contains("libjemalloc"), "jemalloc is not mapped into the server")
        #expect(server.logText.contains("malloc=jemalloc"), "\(server.logText)")
    }

    @Test("jemalloc purges freed pages on threads of its own, unless MALLOC_CONF sets it up otherwise")
    func backgroundPurging() async throws {
        func purgers(_ server: ServerProcess) -> Int {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/task")) ?? []
            return tasks.filter { task in
                let name = try? String(contentsOfFile: "/proc/\(server.pid)/task/\(task)/comm", encoding: .utf8)
                return name?.hasPrefix("jemalloc_bg_thd") == true
            }.count
        }
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        #expect(purgers(server) > 0, "no jemalloc_bg_thd thread in the server")
        let configured = try await ServerProcess(environment: ["MALLOC_CONF": "background_thread:false"])
        defer { Task { await configured.stop() } }
        #expect(purgers(configured) == 0)
    }
    #endif
}

@Suite(.serialized) struct OperatorEndToEndTests {
    @Test("acknowledge and resolve through the API; wrong ids and states are refused")
    func acknowledgeAndResolve() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Down", "service": "api"}}"#).status == 202)
        _ = try await server.eventually("/api/v1/incidents") { ($0["incidents"] as? [Any])?.count == 1 }

        let ack = try await server.post("/api/v1/incidents/1/acknowledge", #"{"by": "alice", "note": "looking"}"#)
        #expect(ack.status == 200)
        #expect(ack.json["status"] as? String == "acknowledged" && ack.json["acknowledgedBy"] as? String == "alice")
        let resolve = try await server.post("/api/v1/incidents/1/resolve", "")
        #expect(resolve.status == 200 && resolve.json["status"] as? String == "resolved" && resolve.json["resolvedBy"] as? String == "api")
        #expect(try await server.post("/api/v1/incidents/1/acknowledge", "").status == 409)
        #expect(try await server.post("/api/v1/incidents/7/acknowledge", "").status == 404)
        #expect(try await server.post("/api/v1/incidents/1/acknowledge", #"{"who": "x"}"#).status == 400)

        let detail = try await server.get("/api/v1/incidents/1").json
        let kinds = (detail["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == ["opened", "acknowledged", "resolved"])
        let acknowledged = (detail["timeline"] as? [[String: Any]])?[1]
        #expect(acknowledged?["actor"] as? String == "alice" && acknowledged?["detail"] as? String == "looking")
    }

    @Test(
        "SIGTERM drains: exit 0, and an alert accepted just before is processed (with and without syslog listeners)",
        arguments: [[], ["--syslog-udp", "off", "--syslog-tcp", "off"]])
    func gracefulShutdown(_ arguments: [String]) async throws {
        let directory = TemporaryDirectory("alertbridge-e2e")
        let server = try await ServerProcess(directory: directory, arguments: arguments)
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Last", "service": "api"}}"#).status == 202)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        #expect(server.logText.contains("msg=\"engine stopped\""))

        let restarted = try await ServerProcess(directory: directory)
        defer { Task { await restarted.stop() } }
        let stats = try await restarted.get("/api/v1/stats").json
        #expect(stats["alertsReceived"] as? Int == 1)
        #expect((stats["inbox"] as? [String: Any])?["backlog"] as? Int == 0)
    }

    @Test("the CLI reads the store: a table, and the API's JSON")
    func cli() async throws {
        let directory = TemporaryDirectory("alertbridge-e2e")
        let server = try await ServerProcess(directory: directory)
        #expect(try await server.post("/ingest/generic", #"{"labels": {"alertname": "Down", "service": "api", "severity": "critical"}}"#).status == 202)
        _ = try await server.settled()
        let table = try CLI.run(["incidents", "--db", directory.path("desk.sqlite")])
        #expect(table.status == 0)
        #expect(table.output.contains("ID") && table.output.contains("open") && table.output.contains("P1"))
        let json = try CLI.run(["incidents", "--db", directory.path("desk.sqlite"), "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect((object?["incidents"] as? [[String: Any]])?.first?["priority"] as? String == "P1")
        let alerts = try CLI.run(["alerts", "--db", directory.path("desk.sqlite"), "--status", "firing"])
        #expect(alerts.output.contains("Down"))
        let missing = try CLI.run(["incidents", "--db", directory.path("absent.sqlite")])
        #expect(missing.status != 0 && missing.error.contains("no desk store"))
        await server.stop()
    }
}

/// Runs the `alertbridge` executable to completion.
enum CLI {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self))
    }
}
