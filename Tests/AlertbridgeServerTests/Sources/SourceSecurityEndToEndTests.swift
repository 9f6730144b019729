import AlertbridgeCore
import AlertbridgeTestSupport
import Foundation
import NIOHTTP1
import Testing

@testable import AlertbridgeServer

/// Per-source authentication and limits on the real server, and what
/// `GET /api/v1/sources` reports about them.
@Suite(.serialized) struct SourceSecurityEndToEndTests {
    static let token = "e2e-bearer-token-7f3a"
    static let hmacKey = "e2e-hmac-key-91c2"

    /// A server whose `generic` source needs a bearer token, `datadog` an
    /// HMAC signature, `zabbix` is held to 2 requests then one per 100 s,
    /// and `grafana` takes bodies of at most 300 bytes.
    static func start() async throws -> ServerProcess {
        let directory = TemporaryDirectory("alertbridge-sources-e2e")
        try "\(hmacKey)\n".write(toFile: directory.path("dd.key"), atomically: true, encoding: .utf8)
        let config = """
            sources:
              generic:
                auth: {bearer_token: {value: \(token)}}
              datadog:
                auth: {hmac_sha256: {secret: {file: \(directory.path("dd.key"))}, header: X-Signature, prefix: "sha256="}}
              zabbix:
                rate: {per_second: 0.01, burst: 2}
              grafana:
                max_body_bytes: 300
              gcp:
                auth: {basic: {username: monitoring, password: {env: AB_E2E_GCP_PASSWORD}}}
            """
        return try await ServerProcess(config: config, directory: directory, environment: ["AB_E2E_GCP_PASSWORD": basicPassword])
    }

    static let basicPassword = "pä55:word"

    static let generic = #"{"labels": {"alertname": "DiskFull", "service": "db"}}"#

    static func signature(_ body: String, key: String = hmacKey) -> String {
        "sha256=" + CryptoTests.hex(HMACSHA256.authenticationCode(for: Array(body.utf8), key: Array(key.utf8)))
    }

    @Test("bearer token: missing and wrong get the same 401 and keep nothing; the right one is accepted")
    func bearer() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let missing = try await server.post("/ingest/generic", Self.generic)
        let wrong = try await server.request(
            .POST, "/ingest/generic", body: Self.generic, headers: [("Authorization", "Bearer e2e-bearer-token-7f3b")])
        let otherScheme = try await server.request(.POST, "/ingest/generic", body: Self.generic, headers: [("Authorization", "Basic \(Self.token)")])
        for reply in [missing, wrong, otherScheme] {
            #expect(reply.status == 401)
            #expect(reply.body == "{\"error\":\"authentication required\"}\n")
            #expect(reply.headers.first(name: "WWW-Authenticate") == "Bearer realm=\"alertbridge\"")
        }
        let right = try await server.request(.POST, "/ingest/generic", body: Self.generic, headers: [("Authorization", "Bearer \(Self.token)")])
        #expect(right.status == 202 && right.json["accepted"] as? Int == 1, "\(right.body)")
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == 1)
        #expect(!server.logText.contains(Self.token) && !server.logText.contains("e2e-bearer-token-7f3b"))
    }

    @Test("basic auth: challenged with WWW-Authenticate: Basic (as SNS and Google Cloud expect); wrong user or password, 401")
    func basic() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let body = String(decoding: try Fixture.corpusBodies("gcp-cloud-monitoring-webhook.json")[0].body, as: UTF8.self)
        func authorization(_ credentials: String) -> [(String, String)] {
            [("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString())]
        }
        for headers in [
            [], authorization("monitoring:pä55:wore"), authorization("monitor:\(Self.basicPassword)"), authorization("monitoring"),
            [("Authorization", "Basic not-base64")], [("Authorization", "Bearer \(Self.basicPassword)")],
        ] {
            let reply = try await server.request(.POST, "/ingest/gcp", body: body, headers: headers)
            #expect(reply.status == 401 && reply.body == "{\"error\":\"authentication required\"}\n", "\(headers)")
            #expect(reply.headers.first(name: "WWW-Authenticate") == "Basic realm=\"alertbridge\", charset=\"UTF-8\"")
        }
        let right = try await server.request(.POST, "/ingest/gcp", body: body, headers: authorization("monitoring:\(Self.basicPassword)"))
        #expect(right.status == 202 && right.json["accepted"] as? Int == 1, "\(right.body)")
        let gcp = try #require(try await Self.sources(server)["gcp"])
        #expect(gcp["auth"] as? String == "basic" && (gcp["rejected"] as? [String: Int])?["auth"] == 6)
        #expect(!server.logText.contains(Self.basicPassword))
    }

    @Test("HMAC-SHA256 over the raw body: a good signature is accepted; a wrong key, an altered body or none get 401")
    func hmac() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let body = #"{"id": "e-1", "title": "[Triggered] CPU high", "alert_transition": "Triggered", "tags": "host:web-1"}"#
        let good = try await server.request(.POST, "/ingest/datadog", body: body, headers: [("X-Signature", Self.signature(body))])
        #expect(good.status == 202, "\(good.body)")
        let upper = try await server.request(
            .POST, "/ingest/datadog", body: body, headers: [("X-Signature", "sha256=" + Self.signature(body).dropFirst(7).uppercased())])
        #expect(upper.status == good.status)
        for headers in [
            [("X-Signature", Self.signature(body, key: "another-key"))], [("X-Signature", Self.signature(body + " "))],
            [("X-Signature", String(Self.signature(body).dropFirst(7)))], [("X-Signature", "sha256=zz")], [],
        ] {
            let reply = try await server.request(.POST, "/ingest/datadog", body: body, headers: headers)
            #expect(reply.status == 401 && reply.body == "{\"error\":\"authentication required\"}\n", "\(headers): \(reply.body)")
            #expect(reply.headers.first(name: "WWW-Authenticate") == nil)
        }
        let sources = try await Self.sources(server)
        #expect((sources["datadog"]?["rejected"] as? [String: Int])?["auth"] == 5)
        #expect(sources["datadog"]?["auth"] as? String == "hmac_sha256")
        #expect(!server.logText.contains(Self.hmacKey))
    }

    @Test("rate: past the burst, 503 with Retry-After, counted; other sources unaffected")
    func rate() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let body = "{}"
        var statuses: [Int] = []
        for _ in 0..<2 { statuses.append(try await server.post("/ingest/zabbix", body).status) }
        #expect(!statuses.contains(503))
        let refused = try await server.post("/ingest/zabbix", body)
        #expect(refused.status == 503)
        let retryAfter = Int(refused.headers.first(name: "Retry-After") ?? "")
        #expect(retryAfter.map { $0 > 1 && $0 <= 100 } == true, "\(refused.headers)")
        #expect(try await server.post("/ingest/zabbix", body).status == 503)
        #expect(try await server.post("/ingest/grafana", body).status != 503)
        let sources = try await Self.sources(server)
        #expect((sources["zabbix"]?["rejected"] as? [String: Int])?["rate"] == 2)
        #expect((sources["zabbix"]?["rate"] as? [String: Any])?["burst"] as? Int == 2)
    }

    @Test("body limit per source: 413 for grafana over 300 bytes, while generic takes the same body")
    func bodyLimit() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let padding = String(repeating: "x", count: 400)
        let big = #"{"labels": {"alertname": "Big", "pad": "\#(padding)"}}"#
        let grafana = try await server.post("/ingest/grafana", big)
        #expect(grafana.status == 413, "\(grafana.body)")
        let generic = try await server.request(.POST, "/ingest/generic", body: big, headers: [("Authorization", "Bearer \(Self.token)")])
        #expect(generic.status == 202)
        let sources = try await Self.sources(server)
        #expect((sources["grafana"]?["rejected"] as? [String: Int])?["too_large"] == 1)
        #expect(sources["grafana"]?["maxBodyBytes"] as? Int == 300)
        #expect(sources["generic"]?["maxBodyBytes"] as? Int == 1 << 20)
    }

    @Test("/api/v1/sources: alerts, rejections by reason, last seen; a silent source has no lastSeen")
    func sourcesList() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let before = Date().addingTimeInterval(-1)
        #expect(try await server.post("/ingest/generic", Self.generic).status == 401)
        let batch = "[" + (0..<3).map { #"{"labels": {"alertname": "A\#($0)"}}"# }.joined(separator: ",") + "]"
        #expect(try await server.request(.POST, "/ingest/generic", body: batch, headers: [("Authorization", "Bearer \(Self.token)")]).status == 202)
        #expect(try await server.post("/api/v2/alerts", "not json").status == 400)
        #expect(try await server.post("/ingest/pagerduty", "{}", contentType: "application/x-www-form-urlencoded").status == 415)

        let reply = try await server.get("/api/v1/sources")
        #expect(reply.status == 200)
        let sources = try await Self.sources(server)
        #expect(Set(sources.keys) == Set(SourceSettings.knownSources))
        let generic = try #require(sources["generic"])
        #expect(generic["alertsReceived"] as? Int == 3)
        #expect(generic["requestsAccepted"] as? Int == 1)
        #expect(generic["auth"] as? String == "bearer_token")
        #expect(generic["rejected"] as? [String: Int] == ["auth": 1, "rate": 0, "too_large": 0, "malformed": 0, "overloaded": 0, "unverifiable": 0])
        let lastSeen = try #require((generic["lastSeen"] as? String).flatMap { RFC3339.date($0) })
        #expect(lastSeen >= before && lastSeen <= Date().addingTimeInterval(1))
        #expect((generic["lastSeen"] as? String)?.hasSuffix("Z") == true)
        #expect((sources["prometheus"]?["rejected"] as? [String: Int])?["malformed"] == 1)
        #expect(sources["prometheus"]?["lastAccepted"] == nil && sources["prometheus"]?["lastSeen"] != nil)
        #expect((sources["pagerduty"]?["paths"] as? [String]) == ["/ingest/pagerduty", "/v2/enqueue"])
        #expect((sources["pagerduty"]?["rejected"] as? [String: Int])?["malformed"] == 1)
        #expect(sources["azure"]?["lastSeen"] == nil && sources["azure"]?["auth"] as? String == "none")
        #expect(sources["gcp"]?["auth"] as? String == "basic")
        // The API shows how a source is secured, never the secret.
        #expect(!reply.body.contains(Self.token))
    }

    @Test("CloudWatch: a subscription confirmation is logged at notice and shown, its URL not visited")
    func snsConfirmation() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let body = String(decoding: try Fixture.corpusBodies("aws-cloudwatch-sns.json")[3].body, as: UTF8.self)
        let reply = try await server.post("/ingest/cloudwatch", body, contentType: "text/plain; charset=UTF-8")
        #expect(reply.status == 202 && reply.json["accepted"] as? Int == 0)
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let url = try #require(envelope["SubscribeURL"] as? String)
        let confirmation = try #require((try await Self.sources(server))["cloudwatch"]?["subscriptionConfirmation"] as? [String: Any])
        #expect(confirmation["subscribeURL"] as? String == url)
        #expect(confirmation["topicArn"] as? String == envelope["TopicArn"] as? String)
        #expect(confirmation["receivedAt"] as? String != nil)
        #expect(confirmation["state"] as? String == "awaiting_operator")
        let line = server.logText.split(separator: "\n").first { $0.contains("sns subscription confirmation") }
        #expect(line?.contains("level=notice") == true && line?.contains("subscribe_url=") == true, "\(server.logText)")
    }

    /// `/api/v1/sources` keyed by source name.
    static func sources(_ server: ServerProcess) async throws -> [String: [String: Any]] {
        let list = try #require(try await server.get("/api/v1/sources").json["sources"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["source"] as? String ?? "", $0) })
    }
}
