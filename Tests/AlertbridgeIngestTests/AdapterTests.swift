import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeTestSupport
import Foundation
import NIOCore
import Testing

private let receivedAt = Date(unixMilliseconds: RFC3339.unixMilliseconds("2024-05-13T10:05:00Z")!)
private func date(_ text: String) -> Date { Date(unixMilliseconds: RFC3339.unixMilliseconds(text)!) }

@Suite struct AlertmanagerAPIAdapterTests {
    let adapter = AlertmanagerAPIAdapter()

    @Test("Prometheus' firing alert: firing until its endsAt, Alertmanager's fingerprint")
    func firing() throws {
        let bodies = try Fixture.corpusBodies("alertmanager-api-v2-alerts.json", unwrapBody: true)
        let alerts = try adapter.decode(bodies[0].body, receivedAt: receivedAt)
        #expect(alerts.count == 1)
        let alert = alerts[0]
        #expect(alert.source == "prometheus")
        #expect(alert.status == .firing)
        #expect(alert.startsAt == date("2024-05-13T10:02:41.227Z"))
        #expect(alert.endsAt == date("2024-05-13T10:06:41.227Z"))
        #expect(alert.receivedAt == receivedAt)
        #expect(alert.labels["replica"] == "prom-a")
        #expect(alert.annotations["summary"] == "api-3.example.com:8080 is down")
        #expect(alert.generatorURL?.hasPrefix("http://prometheus.example.com:9090/graph") == true)
        #expect(alert.fingerprint.hex == "050e3d0ad0053093")
    }

    @Test("the same alert received after its endsAt is resolved")
    func resolvedByTime() throws {
        let bodies = try Fixture.corpusBodies("alertmanager-api-v2-alerts.json", unwrapBody: true)
        let late = try adapter.decode(bodies[0].body, receivedAt: date("2024-05-13T10:07:00Z"))
        #expect(late[0].status == .resolved)
        let resolved = try adapter.decode(bodies[1].body, receivedAt: date("2024-05-13T10:10:00Z"))
        #expect(resolved[0].status == .resolved && resolved[0].endsAt == date("2024-05-13T10:09:41.227Z"))
    }

    @Test("hand-made alerts without times: start now, end after the resolve timeout")
    func handMade() throws {
        let bodies = try Fixture.corpusBodies("alertmanager-api-v2-alerts.json", unwrapBody: true)
        let alerts = try AlertmanagerAPIAdapter(resolveTimeout: .seconds(120)).decode(bodies[2].body, receivedAt: receivedAt)
        #expect(!alerts.isEmpty)
        for alert in alerts {
            #expect(alert.status == .firing)
            #expect(alert.startsAt == receivedAt)
            #expect(alert.endsAt == receivedAt.addingTimeInterval(120))
        }
    }

    @Test("an empty array is accepted and yields nothing")
    func empty() throws {
        #expect(try adapter.decode("[]", receivedAt: receivedAt).isEmpty)
    }
}

@Suite struct AlertmanagerWebhookAdapterTests {
    let adapter = AlertmanagerWebhookAdapter()

    @Test("every corpus payload decodes to alerts whose fingerprints are the ones Alertmanager sent")
    func corpusFingerprints() throws {
        let raw = try Fixture.json("corpus/alertmanager-webhook-v4.json") as! [[String: Any]]
        let bodies = try Fixture.corpusBodies("alertmanager-webhook-v4.json")
        var decoded = 0
        for (example, body) in zip(raw, bodies) {
            let expected = (example["alerts"] as! [[String: Any]]).map { $0["fingerprint"] as! String }
            if (example["alerts"] as! [[String: Any]]).contains(where: { ($0["startsAt"] as? String) == "<startTime>" }) { continue }
            let alerts = try adapter.decode(body.body, receivedAt: receivedAt)
            #expect(alerts.map(\.fingerprint.hex) == expected)
            decoded += 1
        }
        #expect(decoded == 4)
    }

    @Test("firing alerts have no end; resolved ones keep theirs")
    func statuses() throws {
        let bodies = try Fixture.corpusBodies("alertmanager-webhook-v4.json")
        let mixed = try adapter.decode(bodies[1].body, receivedAt: receivedAt)
        #expect(mixed.map(\.status) == [.firing, .resolved])
        #expect(mixed[0].endsAt == nil)
        #expect(mixed[1].endsAt == date("2024-05-13T09:41:56.227Z"))
        #expect(mixed[0].source == "alertmanager")
        #expect(mixed[0].annotations["runbook_url"] == "https://runbooks.example.com/disk-full")
    }

    @Test("the Go test's placeholder times are rejected, naming the field")
    func placeholders() throws {
        let bodies = try Fixture.corpusBodies("alertmanager-webhook-v4.json")
        #expect(throws: IngestError(path: "alerts[0].startsAt", "expected an RFC 3339 time, got \"<startTime>\"")) {
            try adapter.decode(bodies[4].body, receivedAt: receivedAt)
        }
    }
}

@Suite struct GenericAdapterTests {
    @Test("one object, defaults filled in")
    func single() throws {
        let alerts = try GenericAdapter().decode(#"{"labels": {"alertname": "DiskFull", "host": "db-1"}}"#, receivedAt: receivedAt)
        #expect(alerts.count == 1)
        #expect(alerts[0].status == .firing && alerts[0].startsAt == receivedAt && alerts[0].endsAt == nil)
        #expect(alerts[0].source == "generic")
    }

    @Test("resolved without endsAt ended on receipt; an endsAt in the past means resolved")
    func resolution() throws {
        let alerts = try GenericAdapter().decode(
            #"[{"labels": {"a": "1"}, "status": "resolved"}, {"labels": {"a": "2"}, "startsAt": "2024-05-13T10:00:00Z", "endsAt": "2024-05-13T10:01:00Z"}]"#,
            receivedAt: receivedAt)
        #expect(alerts[0].status == .resolved && alerts[0].endsAt == receivedAt)
        #expect(alerts[1].status == .resolved && alerts[1].endsAt == date("2024-05-13T10:01:00Z"))
    }

    @Test("receivedAt is honoured for replay only")
    func replayReceivedAt() throws {
        let line = #"{"labels": {"a": "1"}, "receivedAt": "2024-05-13T09:00:00Z"}"#
        #expect(try GenericAdapter().decode(line, receivedAt: receivedAt)[0].receivedAt == receivedAt)
        #expect(try GenericAdapter(acceptsReceivedAt: true).decode(line, receivedAt: receivedAt)[0].receivedAt == date("2024-05-13T09:00:00Z"))
    }

    @Test("identity: the sender's own key is carried; empty or too long, an error naming it")
    func identity() throws {
        let alerts = try GenericAdapter().decode(
            #"[{"labels": {"a": "1"}, "identity": "job-42"}, {"labels": {"a": "2"}}, {"labels": {"a": "3"}, "identity": null}]"#,
            receivedAt: receivedAt)
        #expect(alerts.map(\.identity) == ["job-42", nil, nil])
        #expect(throws: IngestError(path: "[1].identity", "must not be empty")) {
            try GenericAdapter().decode(#"[{"labels": {"a": "1"}}, {"labels": {"a": "2"}, "identity": ""}]"#, receivedAt: receivedAt)
        }
        #expect(throws: IngestError(path: "identity", "expected a string, got a number")) {
            try GenericAdapter().decode(#"{"labels": {"a": "1"}, "identity": 42}"#, receivedAt: receivedAt)
        }
        let long = String(repeating: "k", count: 16 * 1024 + 1)
        #expect(throws: IngestError(path: "identity", "is 16385 bytes; the limit is 16384")) {
            try GenericAdapter().decode(#"{"labels": {"a": "1"}, "identity": "\#(long)"}"#, receivedAt: receivedAt)
        }
    }
}

/// `docs/generic-alert.schema.json` against the adapter it documents: its
/// examples decode, it names exactly the members the adapter reads, and its
/// limits are the adapter's defaults. (Its examples and counter-examples were
/// also checked with Python's jsonschema, which CI does not install.)
@Suite struct GenericSchemaTests {
    static func schema() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/generic-alert.schema.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test("every example in the schema decodes")
    func examples() throws {
        let examples = try #require(try Self.schema()["examples"] as? [Any])
        #expect(examples.count == 3)
        for example in examples {
            let body = try JSONSerialization.data(withJSONObject: example)
            #expect(throws: Never.self) { try GenericAdapter().decode(ByteBuffer(bytes: body), receivedAt: receivedAt) }
        }
    }

    @Test("the schema names the members the adapter reads, with the adapter's limits")
    func membersAndLimits() throws {
        let definitions = try #require(try Self.schema()["$defs"] as? [String: Any])
        let alert = try #require(definitions["alert"] as? [String: Any])
        let properties = try #require(alert["properties"] as? [String: Any])
        #expect(
            Set(properties.keys) == ["labels", "annotations", "status", "startsAt", "endsAt", "generatorURL", "identity", "receivedAt"])
        #expect(alert["required"] as? [String] == ["labels"])
        let strings = try #require(definitions["strings"] as? [String: Any])
        let limits = IngestLimits()
        #expect(strings["maxProperties"] as? Int == limits.maxLabelsPerAlert)
        #expect((strings["propertyNames"] as? [String: Any])?["maxLength"] as? Int == limits.maxLabelNameBytes)
        let array = try #require((try Self.schema()["oneOf"] as? [[String: Any]])?.last)
        #expect(array["maxItems"] as? Int == limits.maxAlertsPerRequest)
        #expect((properties["status"] as? [String: Any])?["enum"] as? [String] == AlertStatus.allCases.map(\.rawValue))
    }
}

/// Malformed payloads: each gets an error naming the field, never a crash.
@Suite struct MalformedPayloadTests {
    static let limits = IngestLimits(maxAlertsPerRequest: 3, maxLabelsPerAlert: 4, maxLabelNameBytes: 16, maxLabelValueBytes: 32)

    @Test(
        "API v2",
        arguments: [
            (#"{"labels": {}}"#, "body: expected a JSON array of alerts, got an object"),
            (#"[1]"#, "[0]: expected an alert object, got a number"),
            (#"[{}]"#, "[0].labels: required, expected an object of strings"),
            (#"[{"labels": {}}]"#, "[0].labels: at least one label is required"),
            (#"[{"labels": ["a"]}]"#, "[0].labels: expected an object of strings, got an array"),
            (#"[{"labels": {"a": "b"}}, {"labels": {"severity": 3}}]"#, "[1].labels.severity: expected a string, got a number"),
            (#"[{"labels": {"a": null}}]"#, "[0].labels.a: expected a string, got null"),
            (#"[{"labels": {"": "b"}}]"#, "[0].labels: a label name must not be empty"),
            (#"[{"labels": {"a": "b"}, "annotations": "x"}]"#, "[0].annotations: expected an object of strings, got a string"),
            (#"[{"labels": {"a": "b"}, "startsAt": "yesterday"}]"#, "[0].startsAt: expected an RFC 3339 time, got \"yesterday\""),
            (#"[{"labels": {"a": "b"}, "startsAt": 5}]"#, "[0].startsAt: expected a string, got a number"),
            (
                #"[{"labels": {"a": "b"}, "startsAt": "2024-05-13T10:00:00Z", "endsAt": "2024-05-13T09:00:00Z"}]"#,
                "[0].endsAt: must not be before startsAt"
            ),
            (#"[{"labels": {"a": "b"}, "generatorURL": 1}]"#, "[0].generatorURL: expected a string, got a number"),
            (#"[{"labels":{"a":"1"}},{"labels":{"a":"2"}},{"labels":{"a":"3"}},{"labels":{"a":"4"}}]"#, "body: 4 alerts; the limit is 3 per request"),
            (#"[{"labels": {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}}]"#, "[0].labels: 5 entries; the limit is 4"),
            (#"[{"labels": {"a": "0123456789012345678901234567890123"}}]"#, "[0].labels.a: 34 bytes; the limit is 32"),
            (#"[{"labels": {"abcdefghijklmnopq": "x"}}]"#, "[0].labels: a label name is 17 bytes; the limit is 16"),
            (#"[{"labels": {"a": "b"}}"#, "invalid JSON at byte 23: expected ',' or ']', found the end of the document"),
        ])
    func apiV2(_ body: String, _ message: String) {
        #expect(throws: Self.error(message)) {
            try AlertmanagerAPIAdapter(limits: Self.limits).decode(body, receivedAt: receivedAt)
        }
    }

    @Test(
        "Alertmanager webhook",
        arguments: [
            (#"[]"#, "body: expected a JSON object (an Alertmanager webhook payload), got an array"),
            (#"{"version": "3", "alerts": []}"#, "version: expected \"4\", got \"3\""),
            (#"{"version": 4, "alerts": []}"#, "version: expected \"4\", got a number"),
            (#"{"version": "4"}"#, "alerts: expected an array of alerts, got nothing (the field is missing)"),
            (#"{"alerts": [{"labels": {"a": "b"}}]}"#, "alerts[0].status: required, expected \"firing\" or \"resolved\""),
            (#"{"alerts": [{"status": "burning", "labels": {"a": "b"}}]}"#, "alerts[0].status: expected \"firing\" or \"resolved\", got \"burning\""),
            (#"{"alerts": [{"status": "firing", "labels": "x"}]}"#, "alerts[0].labels: expected an object of strings, got a string"),
        ])
    func webhook(_ body: String, _ message: String) {
        #expect(throws: Self.error(message)) {
            try AlertmanagerWebhookAdapter(limits: Self.limits).decode(body, receivedAt: receivedAt)
        }
    }

    @Test(
        "generic",
        arguments: [
            ("\"x\"", "body: expected an alert object or an array of them, got a string"),
            (#"{"labels": {"a": "b"}, "status": "burning"}"#, "status: expected \"firing\" or \"resolved\", got \"burning\""),
            (#"[{"labels": {"a": "b"}}, {"status": "firing"}]"#, "[1].labels: required, expected an object of strings"),
            (#"{"labels": {"a": "b"}, "endsAt": "soon"}"#, "endsAt: expected an RFC 3339 time, got \"soon\""),
        ])
    func generic(_ body: String, _ message: String) {
        #expect(throws: Self.error(message)) {
            try GenericAdapter(limits: Self.limits).decode(body, receivedAt: receivedAt)
        }
    }

    @Test("hostile bodies: deep nesting, invalid UTF-8, huge numbers, truncation")
    func hostile() {
        let adapter = AlertmanagerAPIAdapter()
        #expect(throws: IngestError.self) { try adapter.decode(String(repeating: "[", count: 100_000), receivedAt: receivedAt) }
        #expect(throws: IngestError.self) { try adapter.decode(Array(#"[{"labels": {"a": ""#.utf8) + [0xFF, 0x22, 0x7D, 0x7D, 0x5D], receivedAt: receivedAt) }
        #expect(throws: IngestError.self) { try adapter.decode("[" + String(repeating: "9", count: 10_000) + "]", receivedAt: receivedAt) }
        let valid = Array(#"[{"labels": {"alertname": "x"}, "annotations": {"summary": "s"}}]"#.utf8)
        for length in 0..<valid.count {
            #expect(throws: IngestError.self) { try adapter.decode(Array(valid.prefix(length)), receivedAt: receivedAt) }
        }
    }

    static func error(_ description: String) -> IngestError {
        // Split "path: message" the way IngestError prints it.
        if description.hasPrefix("invalid JSON") { return IngestError(path: "", description) }
        let colon = description.range(of: ": ")!
        return IngestError(path: String(description[..<colon.lowerBound]), String(description[colon.upperBound...]))
    }
}
