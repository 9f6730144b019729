@testable import AlertbridgeServer
import AlertbridgeTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Intake is answered on the connection's event loop, beside the router
/// (IntakeHandler): these hold it to what HTTP/1.1 asks of a connection.
@Suite(.serialized) struct IntakeConnectionTests {
    @Test("pipelined requests are answered in the order they came, intake and router requests mixed")
    func pipelined() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let connection = try RawHTTPConnection(to: server.baseURL)
        let alert = { (name: String) in #"[{"labels": {"alertname": "\#(name)", "instance": "db1"}}]"# }
        // All in one write: each must wait for the answer before it.
        try connection.send(
            RawHTTPConnection.post("/api/v2/alerts", alert("First"))
                + RawHTTPConnection.get("/healthz")
                + RawHTTPConnection.post("/api/v2/alerts", alert("Second"))
                + RawHTTPConnection.post("/api/v2/alerts/", #"[{"labels": {"alertname": "#)
                + RawHTTPConnection.get("/api/v1/stats")
                + RawHTTPConnection.post("/ingest/generic", #"{"labels": {"alertname": "Third", "service": "db"}}"#)
                + RawHTTPConnection.get("/nowhere"))
        let responses = try connection.responses(7)
        #expect(responses.map(\.status) == [202, 200, 202, 400, 200, 202, 404])
        #expect(responses.first?.body == "{\"accepted\":1}\n")
        #expect(responses[3].body.contains("invalid JSON"))
        #expect(responses[4].body.contains("\"inbox\""))
        for response in responses {
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            #expect(response.header("Date")?.hasSuffix(" GMT") == true)
        }
        #expect(!connection.peerClosed)
        let stats = try await server.settled()
        #expect((stats["inbox"] as? [String: Any])?["committed"] as? Int == 3)
    }

    @Test("absolute-form request targets reach intake and the router as their paths")
    func absoluteForm() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let connection = try RawHTTPConnection(to: server.baseURL)
        // What a client sends through a forward proxy (RFC 9112, section 3.2.2).
        try connection.send(
            RawHTTPConnection.post("http://alertbridge/api/v2/alerts", #"[{"labels": {"alertname": "Proxied"}}]"#)
                + RawHTTPConnection.get("http://alertbridge/api/v1/stats?x=1")
                + RawHTTPConnection.get("http://alertbridge/nowhere"))
        let responses = try connection.responses(3)
        #expect(responses.map(\.status) == [202, 200, 404], "\(responses.map(\.body))")
        #expect(responses.first?.body == "{\"accepted\":1}\n")
        let stats = try await server.settled()
        #expect((stats["inbox"] as? [String: Any])?["committed"] as? Int == 1)
    }

    @Test("an intake request with Connection: close gets its answer, then the connection closes")
    func connectionClose() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let connection = try RawHTTPConnection(to: server.baseURL)
        try connection.send(
            RawHTTPConnection.post("/api/v2/alerts", #"[{"labels": {"alertname": "Last"}}]"#, headers: "Connection: close\r\n")
                + RawHTTPConnection.get("/healthz"))
        let responses = try connection.responses(2)
        #expect(responses.map(\.status) == [202], "\(responses.map(\.body))")
        try connection.waitForClose()
    }

    @Test("a chunked body over the limit gets 413, and the connection goes on to the next request")
    func tooLargeThenNext() async throws {
        let server = try await ServerProcess(config: "limits:\n  max_body_bytes: 1024\n")
        defer { Task { await server.stop() } }
        let connection = try RawHTTPConnection(to: server.baseURL)
        let chunk = String(repeating: " ", count: 300)
        var chunked = "POST /api/v2/alerts HTTP/1.1\r\nHost: alertbridge\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        chunked += "1\r\n[\r\n" + String(repeating: "12c\r\n\(chunk)\r\n", count: 5) + "1\r\n]\r\n0\r\n\r\n"
        try connection.send(chunked + RawHTTPConnection.post("/api/v2/alerts", #"[{"labels": {"alertname": "After"}}]"#))
        let responses = try connection.responses(2)
        #expect(responses.map(\.status) == [413, 202])
        #expect(responses.first?.body.contains("limit of 1024 bytes") == true)
        #expect(!connection.peerClosed)
    }

    @Test("a sender that disconnects in the middle of a body gives back its share of the in-flight budget")
    func disconnectMidBody() async throws {
        let server = try await ServerProcess(config: "limits:\n  max_inflight_bytes: 10000\n")
        defer { Task { await server.stop() } }
        let small = #"[{"labels": {"alertname": "Small"}}]"#
        do {
            // Declares 9,000 of the 10,000 bytes, sends a little, and leaves.
            let connection = try RawHTTPConnection(to: server.baseURL)
            try connection.send(
                "POST /api/v2/alerts HTTP/1.1\r\nHost: alertbridge\r\nContent-Type: application/json\r\nContent-Length: 9000\r\n\r\n[{\"labels\":")
            // While it is held, a second request that needs more is refused.
            try await Task.sleep(for: .milliseconds(200))
            let refused = try await server.post("/api/v2/alerts", small + String(repeating: " ", count: 2000))
            #expect(refused.status == 503)
            #expect(refused.headers["Retry-After"].first == "1")
        }
        // The connection is closed (deinit); its reservation goes back.
        var status = 0
        for _ in 0..<100 {
            status = try await server.post("/api/v2/alerts", small + String(repeating: " ", count: 2000)).status
            if status == 202 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 202)
    }

    @Test("a body above the size decoded on the event loop is decoded off it, whole, pipelined or not")
    func largeBody() async throws {
        let server = try await ServerProcess()
        defer { Task { await server.stop() } }
        let alerts = (0..<1000).map { #"{"labels": {"alertname": "Large\#($0)", "instance": "host\#($0):9100", "job": "node"}}"# }
        let body = "[" + alerts.joined(separator: ",") + "]"
        #expect(body.utf8.count > 64 << 10)
        let connection = try RawHTTPConnection(to: server.baseURL)
        try connection.send(
            RawHTTPConnection.post("/api/v2/alerts", body) + RawHTTPConnection.post("/api/v2/alerts", #"[{"labels": {"alertname": "Small"}}]"#))
        let responses = try connection.responses(2)
        #expect(responses.map(\.status) == [202, 202])
        #expect(responses.map(\.body) == ["{\"accepted\":1000}\n", "{\"accepted\":1}\n"])
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == 1001)
    }

    @Test("the Date header is an IMF-fixdate in GMT")
    func dateHeader() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_795_488_245) == "Tue, 24 Nov 2026 02:44:05 GMT")
    }
}
