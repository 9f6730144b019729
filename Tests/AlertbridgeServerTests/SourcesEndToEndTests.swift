import AlertbridgeTestSupport
import Foundation
import Testing

/// The monitoring systems' endpoints on the real server: a firing and its
/// resolution, as each system sends them, open and resolve one incident.
@Suite(.serialized) struct SourcesEndToEndTests {
    /// Posts `firing`, waits for one open incident, posts `resolved`, waits
    /// for it to be resolved; returns the incident.
    private func openThenResolve(
        _ server: ServerProcess, firing: (path: String, body: String), resolved: (path: String, body: String),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let first = try await server.post(firing.path, firing.body)
        #expect(first.status == 202, "\(first.body)", sourceLocation: sourceLocation)
        #expect(first.json["accepted"] as? Int == 1, sourceLocation: sourceLocation)
        let open = try await server.eventually("/api/v1/incidents?status=open", sourceLocation: sourceLocation) {
            ($0["incidents"] as? [Any])?.count == 1
        }
        let incident = try #require((open["incidents"] as? [[String: Any]])?.first, sourceLocation: sourceLocation)
        let second = try await server.post(resolved.path, resolved.body)
        #expect(second.status == 202, "\(second.body)", sourceLocation: sourceLocation)
        let list = try await server.eventually("/api/v1/incidents?status=resolved", sourceLocation: sourceLocation) {
            ($0["incidents"] as? [Any])?.count == 1
        }
        let done = try #require((list["incidents"] as? [[String: Any]])?.first, sourceLocation: sourceLocation)
        #expect(done["id"] as? Int == incident["id"] as? Int, sourceLocation: sourceLocation)
        #expect(done["resolvedBy"] as? String == "engine", sourceLocation: sourceLocation)
        return incident
    }

    private func corpus(_ file: String, _ index: Int) throws -> String {
        String(decoding: try Fixture.corpusBodies(file)[index].body, as: UTF8.self)
    }

    @Test("Grafana: the corpus' firing and resolved notifications")
    func grafana() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let incident = try await openThenResolve(
            server, firing: ("/ingest/grafana", try corpus("grafana-webhook.json", 1)),
            resolved: ("/ingest/grafana", try corpus("grafana-webhook.json", 2)))
        #expect(incident["severity"] as? String == "critical")
        #expect(incident["title"] as? String == "CPU above 90% on web-1.example.com:9100")
    }

    @Test("PagerDuty: trigger then resolve by dedup_key, at /ingest/pagerduty and at /v2/enqueue")
    func pagerDuty() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let trigger = """
            {"routing_key": "00000000000000000000000000000000", "dedup_key": "db-7-disk", "event_action": "trigger",
             "payload": {"summary": "Disk sda1 almost full on db-7", "source": "db-7.example.com", "severity": "critical",
                         "component": "postgres"}}
            """
        let acknowledge = #"{"routing_key": "00000000000000000000000000000000", "dedup_key": "db-7-disk", "event_action": "acknowledge"}"#
        let resolve = #"{"routing_key": "00000000000000000000000000000000", "dedup_key": "db-7-disk", "event_action": "resolve"}"#
        // A sender's acknowledge is accepted and changes nothing.
        let incident = try await openThenResolve(server, firing: ("/ingest/pagerduty", trigger), resolved: ("/v2/enqueue", resolve))
        #expect(incident["title"] as? String == "Disk sda1 almost full on db-7")
        // The trigger's severity, host and service are labels, so the
        // incident has its severity and groups by its service.
        #expect(incident["severity"] as? String == "critical" && incident["priority"] as? String == "P1", "\(incident)")
        #expect(incident["groupKey"] as? String == #"{service="postgres"}"#, "\(incident)")
        let alerts = try await server.get("/api/v1/alerts").json["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.count == 1 && alerts.first?["status"] as? String == "resolved")
        #expect((alerts.first?["labels"] as? [String: String])?["host"] == "db-7.example.com")
        #expect(try await server.post("/v2/enqueue", acknowledge).json["accepted"] as? Int == 0)

        // The same through PagerDuty's own path only, as Alertmanager's `url:` sends it.
        let again = trigger.replacingOccurrences(of: "db-7-disk", with: "db-8-disk")
            .replacingOccurrences(of: #""component": "postgres""#, with: #""component": "mysql""#)
        #expect(try await server.post("/v2/enqueue", again).status == 202)
        _ = try await server.eventually("/api/v1/incidents?status=open") { ($0["incidents"] as? [Any])?.count == 1 }
        #expect(try await server.post("/v2/enqueue", resolve.replacingOccurrences(of: "db-7-disk", with: "db-8-disk")).status == 202)
        _ = try await server.eventually("/api/v1/incidents?status=resolved") { ($0["incidents"] as? [Any])?.count == 2 }
    }

    @Test("Zabbix: a problem and its recovery, by event id")
    func zabbix() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let incident = try await openThenResolve(
            server, firing: ("/ingest/zabbix", try corpus("zabbix-webhook.json", 1)),
            resolved: ("/ingest/zabbix", try corpus("zabbix-webhook.json", 2)))
        #expect(incident["severity"] as? String == "major")
        #expect(incident["title"] as? String == "High CPU utilization (over 90% for 5m)")
    }

    @Test("Zabbix: a recovery resolves its problem by event id even after the problem's severity changed")
    func zabbixSeverityChanged() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let recovery = try corpus("zabbix-webhook.json", 2).replacingOccurrences(of: #""severity":"4""#, with: #""severity":"5""#)
        #expect(recovery.contains(#""severity":"5""#))
        _ = try await openThenResolve(
            server, firing: ("/ingest/zabbix", try corpus("zabbix-webhook.json", 1)), resolved: ("/ingest/zabbix", recovery))
        let alerts = try await server.get("/api/v1/alerts").json["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.count == 1, "one alert, not a second one for the new severity: \(alerts)")
    }

    @Test("CloudWatch: a subscription confirmation over text/plain is accepted and opens nothing")
    func snsConfirmation() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let reply = try await server.post(
            "/ingest/cloudwatch", try corpus("aws-cloudwatch-sns.json", 3), contentType: "text/plain; charset=UTF-8")
        #expect(reply.status == 202 && reply.json["accepted"] as? Int == 0)
        let bad = try await server.post("/ingest/pagerduty", #"{"event_action": "resolve"}"#)
        #expect(bad.status == 400 && (bad.json["error"] as? String)?.contains("dedup_key") == true)
    }
}
