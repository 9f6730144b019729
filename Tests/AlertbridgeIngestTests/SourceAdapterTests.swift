import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeTestSupport
import Foundation
import NIOCore
import Testing

private let receivedAt = Date(unixMilliseconds: RFC3339.unixMilliseconds("2024-05-13T10:05:00Z")!)
private func date(_ text: String) -> Date { Date(unixMilliseconds: RFC3339.unixMilliseconds(text)!) }

/// The monitoring systems' adapters against the reference corpus: every
/// example decodes to the alerts (or the error) written in
/// `Fixtures/golden/sources/<corpus file>`.
///
/// To regenerate after a deliberate change, run the suite with
/// `ALERTBRIDGE_UPDATE_GOLDEN=1` and review the diff: the golden files are
/// the specification of each mapping, not a snapshot to accept blindly.
@Suite struct SourceGoldenTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var corpus: String
        var adapter: any IngestAdapter
        var testDescription: String { corpus }
    }

    static let cases: [Case] = [
        Case(corpus: "grafana-webhook.json", adapter: GrafanaAdapter()),
        Case(corpus: "pagerduty-events-v2.json", adapter: PagerDutyAdapter()),
        Case(corpus: "zabbix-webhook.json", adapter: ZabbixAdapter()),
        Case(corpus: "datadog-webhook.json", adapter: DatadogAdapter()),
        Case(corpus: "aws-cloudwatch-sns.json", adapter: CloudWatchAdapter()),
        Case(corpus: "azure-monitor-common-alert-schema.json", adapter: AzureMonitorAdapter()),
        Case(corpus: "gcp-cloud-monitoring-webhook.json", adapter: GoogleCloudMonitoringAdapter()),
    ]

    @Test("every corpus example decodes to its golden result", arguments: cases)
    func golden(_ testCase: Case) throws {
        let bodies = try Fixture.corpusBodies(testCase.corpus)
        #expect(!bodies.isEmpty)
        let results: [Any] = bodies.map { example in
            var entry = Self.render(example.body, with: testCase.adapter)
            entry["note"] = String(example.note.prefix(80))
            return entry
        }
        let actual = try Self.text(results)
        let name = "golden/sources/\(testCase.corpus)"
        if ProcessInfo.processInfo.environment["ALERTBRIDGE_UPDATE_GOLDEN"] == "1" {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("AlertbridgeTestSupport/Fixtures").appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try Self.text(Fixture.json(name))
        #expect(actual == expected, "\(testCase.corpus) differs from \(name)")
    }

    /// One example's result as JSON: its alerts, or the error, or (SNS) the
    /// subscription confirmation.
    static func render(_ body: [UInt8], with adapter: any IngestAdapter) -> [String: Any] {
        do {
            if let cloudWatch = adapter as? CloudWatchAdapter {
                switch try cloudWatch.decodeDelivery(ByteBuffer(bytes: body), receivedAt: receivedAt) {
                case .notifications(let alerts): return ["alerts": alerts.map(render)]
                case .subscriptionConfirmation(let confirmation): return ["subscriptionConfirmation": render(confirmation)]
                case .unsubscribeConfirmation(let confirmation): return ["unsubscribeConfirmation": render(confirmation)]
                }
            }
            return ["alerts": try adapter.decode(body, receivedAt: receivedAt).map(render)]
        } catch {
            return ["error": "\(error)"]
        }
    }

    static func render(_ alert: Alert) -> [String: Any] {
        var rendered: [String: Any] = [
            "source": alert.source, "status": alert.status.rawValue, "fingerprint": alert.fingerprint.hex,
            "labels": alert.labels.dictionary, "annotations": alert.annotations.dictionary,
            "startsAt": RFC3339.string(alert.startsAt), "endsAt": alert.endsAt.map(RFC3339.string) ?? NSNull(),
            "receivedAt": RFC3339.string(alert.receivedAt), "generatorURL": alert.generatorURL ?? NSNull(),
        ]
        if let identity = alert.identity { rendered["identity"] = identity }
        return rendered
    }

    static func render(_ confirmation: SNSSubscriptionConfirmation) -> [String: Any] {
        [
            "topicARN": confirmation.topicARN, "subscribeURL": confirmation.subscribeURL, "messageID": confirmation.messageID,
            "message": confirmation.message, "timestamp": confirmation.timestamp.map(RFC3339.string) ?? NSNull(),
        ]
    }

    static func text(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

// MARK: - Behaviour per source

@Suite struct GrafanaAdapterTests {
    @Test("a firing alert and its resolution share a fingerprint; links become *_url annotations")
    func firingThenResolved() throws {
        let bodies = try Fixture.corpusBodies("grafana-webhook.json")
        let firing = try GrafanaAdapter().decode(bodies[1].body, receivedAt: receivedAt)
        let resolved = try GrafanaAdapter().decode(bodies[2].body, receivedAt: receivedAt)
        #expect(firing[0].status == .firing && firing[0].endsAt == nil)
        #expect(resolved[0].status == .resolved && resolved[0].endsAt == date("2024-05-13T09:35:10Z"))
        #expect(firing[0].fingerprint == resolved[0].fingerprint)
        #expect(firing[0].annotations["panel_url"] == "https://grafana.example.com/d/rYdddlPWk?orgId=1&viewPanel=20")
        #expect(firing[0].labels["severity"] == "critical")
    }

    @Test("a severity word off the canonical scale is mapped, the original kept")
    func severity() throws {
        let body = #"{"version": "1", "alerts": [{"status": "firing", "labels": {"alertname": "X", "severity": "P2"}}]}"#
        let alert = try GrafanaAdapter().decode(body, receivedAt: receivedAt)[0]
        #expect(alert.labels["severity"] == "major" && alert.annotations["source_severity"] == "P2")
        #expect(alert.startsAt == receivedAt)
    }
}

@Suite struct PagerDutyAdapterTests {
    @Test("trigger, acknowledge and resolve of one dedup_key: one identity, the trigger's labels say more; acknowledge yields nothing")
    func lifecycle() throws {
        let bodies = try Fixture.corpusBodies("pagerduty-events-v2.json")
        let adapter = PagerDutyAdapter()
        let trigger = try adapter.decode(bodies[6].body, receivedAt: receivedAt)  // Zabbix's trigger, dedup_key 4251
        let acknowledge = try adapter.decode(bodies[7].body, receivedAt: receivedAt)
        let resolve = try adapter.decode(#"{"routing_key": "k", "dedup_key": "4251", "event_action": "resolve"}"#, receivedAt: receivedAt)
        #expect(trigger.count == 1 && trigger[0].status == .firing)
        #expect(trigger[0].labels == ["alertname": "4251", "dedup_key": "4251", "severity": "major", "host": "web-1 : 192.0.2.15"])
        #expect(trigger[0].annotations["severity"] == "major" && trigger[0].annotations["source"] == "web-1 : 192.0.2.15")
        #expect(acknowledge.isEmpty)
        #expect(resolve.count == 1 && resolve[0].status == .resolved && resolve[0].endsAt == receivedAt)
        #expect(resolve[0].labels == ["alertname": "4251", "dedup_key": "4251"])
        #expect(resolve[0].identity == "4251" && trigger[0].identity == "4251")
    }

    @Test("the +0000 timestamp is read; a trigger without dedup_key gets a stable one")
    func keyless() throws {
        let bodies = try Fixture.corpusBodies("pagerduty-events-v2.json")
        let documented = try PagerDutyAdapter().decode(bodies[0].body, receivedAt: receivedAt)
        #expect(documented[0].startsAt == date("2015-07-17T08:42:58.315Z"))
        let first = try PagerDutyAdapter().decode(bodies[3].body, receivedAt: receivedAt)
        let again = try PagerDutyAdapter().decode(bodies[3].body, receivedAt: receivedAt.addingTimeInterval(60))
        #expect(first[0].labels["dedup_key"] == "db-7.example.com/Disk sda1 almost full on db-7")
        #expect(first[0].fingerprint == again[0].fingerprint)
    }

    @Test("a change event is not an alert")
    func change() throws {
        let bodies = try Fixture.corpusBodies("pagerduty-events-v2.json")
        #expect(try PagerDutyAdapter().decode(bodies[8].body, receivedAt: receivedAt).isEmpty)
    }
}

@Suite struct ZabbixAdapterTests {
    @Test("problem and recovery share the identity, in both parameter shapes")
    func problemAndRecovery() throws {
        let bodies = try Fixture.corpusBodies("zabbix-webhook.json")
        let adapter = ZabbixAdapter()
        let ansible = try adapter.decode(bodies[0].body, receivedAt: receivedAt)[0]
        let problem = try adapter.decode(bodies[1].body, receivedAt: receivedAt)[0]
        let recovery = try adapter.decode(bodies[2].body, receivedAt: receivedAt)[0]
        #expect(problem.labels == ["alertname": "High CPU utilization (over 90% for 5m)", "event_id": "4251", "host": "web-1", "severity": "major"])
        #expect(ansible.fingerprint == problem.fingerprint && recovery.fingerprint == problem.fingerprint)
        #expect(problem.status == .firing && problem.startsAt == date("2024-05-13T09:20:10Z"))
        #expect(recovery.status == .resolved && recovery.startsAt == problem.startsAt && recovery.endsAt == date("2024-05-13T09:41:55Z"))
        #expect(problem.annotations["event_url"] == "https://zabbix.example.com/tr_events.php?triggerid=23511&eventid=4251")
    }

    @Test("an update (acknowledgement) yields nothing")
    func update() throws {
        let bodies = try Fixture.corpusBodies("zabbix-webhook.json")
        #expect(try ZabbixAdapter().decode(bodies[3].body, receivedAt: receivedAt).isEmpty)
    }

    @Test(
        "severity names and numbers map to the canonical scale",
        arguments: [
            ("Not classified", "info"), ("Information", "info"), ("Warning", "warning"), ("Average", "minor"), ("High", "major"),
            ("Disaster", "critical"), ("0", "info"), ("3", "minor"), ("5", "critical"),
        ])
    func severity(_ word: String, _ canonical: String) throws {
        let body = #"{"event_id": "1", "event_value": "1", "event_name": "X", "event_severity": "\#(word)"}"#
        #expect(try ZabbixAdapter().decode(body, receivedAt: receivedAt)[0].labels["severity"] == canonical)
    }

    @Test("dates are read in the configured time zone; the media type's Unix timestamps win")
    func timeZones() throws {
        let body = #"{"event_id": "1", "event_value": "1", "event_name": "X", "event_date": "2024.05.13", "event_time": "11:20:10"}"#
        let berlin = ZabbixAdapter(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(try berlin.decode(body, receivedAt: receivedAt)[0].startsAt == date("2024-05-13T09:20:10Z"))
        let stamped = #"{"event_id": "1", "event_value": "1", "event_name": "X", "event_date": "2024.05.13", "event_time": "11:20:10", "event_timestamp": "1715591810"}"#
        #expect(try berlin.decode(stamped, receivedAt: receivedAt)[0].startsAt == date("2024-05-13T09:16:50Z"))
    }

    @Test("the body of alertbridge's media type (examples/zabbix/alertbridge.js, run on a recovery)")
    func mediaType() throws {
        // What the script posted when run under Node with TZ=UTC and the macros of a recovery expanded.
        let body = """
            {"event_id":"4251","event_value":"0","event_update":"0","event_name":"High CPU","event_nseverity":"4","event_severity":"High",\
            "event_date":"2024.05.13","event_time":"09:20:10","event_recovery_id":"4388","event_recovery_date":"2024.05.13",\
            "event_recovery_time":"09:41:55","event_tags":"class:os, service:web","event_source":"0","host_host":"web-1","host_name":"Web 1",\
            "host_ip":"192.0.2.15","trigger_id":"23511","trigger_description":"","operational_data":"41 %","event_timestamp":"1715592010",\
            "event_recovery_timestamp":"1715593315"}
            """
        let alert = try ZabbixAdapter(timeZone: TimeZone(identifier: "Asia/Tokyo")!).decode(body, receivedAt: receivedAt)[0]
        #expect(alert.labels == ["alertname": "High CPU", "event_id": "4251", "host": "web-1", "service": "web", "severity": "major"])
        #expect(alert.status == .resolved && alert.startsAt == date("2024-05-13T09:20:10Z") && alert.endsAt == date("2024-05-13T09:41:55Z"))
        #expect(alert.annotations["recovery_event_id"] == "4388" && alert.annotations["tags"] == "class:os, service:web")
    }

    @Test("a service tag becomes the service label")
    func serviceTag() throws {
        let body = #"{"event_id": "1", "event_value": "1", "event_name": "X", "event_tags": [{"tag": "service", "value": "checkout"}]}"#
        #expect(try ZabbixAdapter().decode(body, receivedAt: receivedAt)[0].labels["service"] == "checkout")
    }
}

@Suite struct DatadogAdapterTests {
    @Test("Triggered and Recovered of one monitor group share the identity")
    func triggeredAndRecovered() throws {
        let bodies = try Fixture.corpusBodies("datadog-webhook.json")
        let triggered = try DatadogAdapter().decode(bodies[1].body, receivedAt: receivedAt)[0]
        let recovered = try DatadogAdapter().decode(bodies[2].body, receivedAt: receivedAt)[0]
        #expect(triggered.status == .firing && recovered.status == .resolved)
        #expect(triggered.fingerprint == recovered.fingerprint)
        #expect(triggered.labels["alertname"] == "High CPU on web-1" && triggered.labels["severity"] == "major")
        #expect(triggered.labels["env"] == "prod" && triggered.labels["host"] == "web-1")
        #expect(triggered.startsAt == date("2024-05-13T09:20:10Z") && recovered.endsAt == date("2024-05-13T09:42:10Z"))
    }

    @Test("the default payload: state and scope from the title")
    func defaultPayload() throws {
        let bodies = try Fixture.corpusBodies("datadog-webhook.json")
        let alert = try DatadogAdapter().decode(bodies[0].body, receivedAt: receivedAt)[0]
        #expect(alert.status == .firing && alert.labels == ["alertname": "High CPU on web-1", "host": "web-1"])
        let recovered = #"{"title": "[Recovered on {host:web-1}] High CPU on web-1", "date": "1715593330000"}"#
        let resolution = try DatadogAdapter().decode(recovered, receivedAt: receivedAt)[0]
        #expect(resolution.status == .resolved && resolution.fingerprint == alert.fingerprint)
    }
}

@Suite struct CloudWatchAdapterTests {
    @Test("ALARM fires and OK resolves the same alarm")
    func alarmAndOK() throws {
        let bodies = try Fixture.corpusBodies("aws-cloudwatch-sns.json")
        let alarm = try CloudWatchAdapter().decode(bodies[0].body, receivedAt: receivedAt)[0]
        let ok = try CloudWatchAdapter().decode(bodies[1].body, receivedAt: receivedAt)[0]
        #expect(alarm.status == .firing && alarm.startsAt == date("2024-05-13T09:20:10.481Z"))
        #expect(ok.status == .resolved && ok.endsAt == date("2024-05-13T09:45:10.102Z"))
        #expect(alarm.fingerprint == ok.fingerprint)
        #expect(alarm.labels["region"] == "us-east-1" && alarm.labels["host"] == "i-0123456789abcdef0")
    }

    @Test("a subscription confirmation is its own result, with the URL to visit, and no alert")
    func subscriptionConfirmation() throws {
        let bodies = try Fixture.corpusBodies("aws-cloudwatch-sns.json")
        let delivery = try CloudWatchAdapter().decodeDelivery(ByteBuffer(bytes: bodies[3].body), receivedAt: receivedAt)
        guard case .subscriptionConfirmation(let confirmation) = delivery else {
            Issue.record("expected a subscription confirmation, got \(delivery)")
            return
        }
        #expect(confirmation.subscribeURL.hasPrefix("https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn="))
        #expect(confirmation.topicARN == "arn:aws:sns:us-west-2:123456789012:MyTopic")
        #expect(try CloudWatchAdapter().decode(bodies[3].body, receivedAt: receivedAt).isEmpty)
    }

    @Test("INSUFFICIENT_DATA neither fires nor resolves")
    func insufficientData() throws {
        let message = #"{\"AlarmName\":\"a\",\"NewStateValue\":\"INSUFFICIENT_DATA\"}"#
        let body = #"{"Type": "Notification", "Message": "\#(message)"}"#
        #expect(try CloudWatchAdapter().decode(body, receivedAt: receivedAt).isEmpty)
    }
}

@Suite struct AzureAndGoogleCloudAdapterTests {
    @Test("Azure: Fired and Resolved of one alertId share the identity")
    func azure() throws {
        let bodies = try Fixture.corpusBodies("azure-monitor-common-alert-schema.json")
        let fired = try AzureMonitorAdapter().decode(bodies[0].body, receivedAt: receivedAt)[0]
        let resolved = try AzureMonitorAdapter().decode(bodies[1].body, receivedAt: receivedAt)[0]
        #expect(fired.fingerprint == resolved.fingerprint)
        #expect(fired.startsAt == date("2019-03-22T13:58:24.371Z") && resolved.endsAt == date("2019-03-22T14:03:16.224Z"))
        #expect(fired.labels["severity"] == "info" && fired.labels["host"] == "wcus-r2-gen2")
    }

    @Test("Google Cloud: open and closed of one incident share the identity; the test notification is dropped")
    func googleCloud() throws {
        let bodies = try Fixture.corpusBodies("gcp-cloud-monitoring-webhook.json")
        let open = try GoogleCloudMonitoringAdapter().decode(bodies[0].body, receivedAt: receivedAt)[0]
        let closed = try GoogleCloudMonitoringAdapter().decode(bodies[1].body, receivedAt: receivedAt)[0]
        #expect(open.fingerprint == closed.fingerprint)
        #expect(open.startsAt == Date(timeIntervalSince1970: 1_715_591_999) && closed.endsAt == Date(timeIntervalSince1970: 1_715_593_204))
        #expect(open.labels["severity"] == "critical" && open.labels["host"] == "web-1" && open.labels["env"] == "prod")
        #expect(try GoogleCloudMonitoringAdapter().decode(bodies[2].body, receivedAt: receivedAt).isEmpty)
    }
}

// MARK: - Malformed payloads

/// Each adapter rejects what it cannot decode with an error naming the field.
@Suite struct MalformedSourcePayloadTests {
    static func check(_ adapter: some IngestAdapter, _ body: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: MalformedPayloadTests.error(message), sourceLocation: sourceLocation) {
            try adapter.decode(body, receivedAt: receivedAt)
        }
    }

    @Test(
        "Grafana",
        arguments: [
            (#"[]"#, "body: expected a JSON object (a Grafana webhook payload), got an array"),
            (#"{"version": "4", "alerts": []}"#, "version: expected \"1\" (Grafana's webhook payload), got \"4\""),
            (#"{"version": "1"}"#, "alerts: expected an array of alerts, got nothing (the field is missing)"),
            (#"{"alerts": [{"labels": {"a": "b"}}]}"#, "alerts[0].status: required, expected \"firing\" or \"resolved\""),
            (#"{"alerts": [{"status": "firing", "labels": {"a": 1}}]}"#, "alerts[0].labels.a: expected a string, got a number"),
            (#"{"alerts": [{"status": "firing", "labels": {"a": "b"}, "panelURL": 3}]}"#, "alerts[0].panelURL: expected a string, got a number"),
        ])
    func grafana(_ body: String, _ message: String) { Self.check(GrafanaAdapter(), body, message) }

    @Test(
        "PagerDuty",
        arguments: [
            (#"{"dedup_key": "k"}"#, "event_action: required, expected \"trigger\", \"acknowledge\" or \"resolve\""),
            (#"{"event_action": "escalate"}"#, "event_action: expected \"trigger\", \"acknowledge\" or \"resolve\", got \"escalate\""),
            (#"{"event_action": "resolve"}"#, "dedup_key: required for resolve, expected a string"),
            (#"{"event_action": "acknowledge", "dedup_key": 5}"#, "dedup_key: expected a string, got a number"),
            (#"{"event_action": "trigger"}"#, "payload: expected an object (required for trigger), got nothing (the field is missing)"),
            (#"{"event_action": "trigger", "payload": {"source": "h", "severity": "info"}}"#, "payload.summary: required, expected a string"),
            (
                #"{"event_action": "trigger", "payload": {"summary": "s", "source": "h", "severity": "high"}}"#,
                "payload.severity: expected \"critical\", \"error\", \"warning\" or \"info\", got \"high\""
            ),
            (
                #"{"event_action": "trigger", "payload": {"summary": "s", "source": "h", "severity": "info", "timestamp": "today"}}"#,
                "payload.timestamp: expected an RFC 3339 time, got \"today\""
            ),
            (
                #"{"event_action": "trigger", "payload": {"summary": "s", "source": "h", "severity": "info"}, "links": [{"text": "x"}]}"#,
                "links[0].href: required, expected a string"
            ),
        ])
    func pagerDuty(_ body: String, _ message: String) { Self.check(PagerDutyAdapter(), body, message) }

    @Test(
        "Zabbix",
        arguments: [
            (#"{"event_value": "1", "event_name": "X"}"#, "event_id: required, expected the problem's {EVENT.ID}"),
            (#"{"eventid": "{EVENT.ID}", "eventvalue": "1", "eventname": "X"}"#, "eventid: expected an event id (digits), got \"{EVENT.ID}\""),
            (#"{"event_id": 1, "event_name": "X"}"#, "event_value: required, expected 1 (problem) or 0 (recovery)"),
            (#"{"event_id": 1, "event_value": "yes", "event_name": "X"}"#, "event_value: expected 1 or 0, got \"yes\""),
            (#"{"event_id": 1, "event_value": 1}"#, "event_name: required, expected the problem name {EVENT.NAME}"),
            (
                #"{"event_id": 1, "event_value": 1, "event_name": "X", "event_severity": "Severe"}"#,
                "event_severity: expected a Zabbix severity (0-5, or Not classified, Information, Warning, Average, High, Disaster), got \"Severe\""
            ),
            (
                #"{"event_id": 1, "event_value": 1, "event_name": "X", "event_date": "13/05/2024", "event_time": "09:20:10"}"#,
                "event_date, event_time: expected a Zabbix date and time (2024.05.13 09:20:10), got \"13/05/2024 09:20:10\""
            ),
            (#"{"event_id": 1, "event_value": 1, "event_name": "X", "event_tags": 7}"#, "event_tags: expected a string, an object or an array of tags, got a number"),
            (#"{"event_id": 1, "event_value": 1, "event_name": "X", "event_tags": {"a": [1]}}"#, "event_tags.a[0]: expected a string, got a number"),
        ])
    func zabbix(_ body: String, _ message: String) { Self.check(ZabbixAdapter(), body, message) }

    @Test(
        "Datadog",
        arguments: [
            (#"{"alert_transition": "Triggered"}"#, "alert_title: required, expected the monitor's title ($ALERT_TITLE or $EVENT_TITLE)"),
            (#"{"title": "CPU high"}"#, "alert_transition: required: the payload has no $ALERT_TRANSITION and the title no [Triggered]/[Recovered] prefix"),
            (#"{"alert_title": "X", "alert_transition": "Exploded"}"#, "alert_transition: expected a monitor transition (Triggered, Warn, No Data, Recovered, …), got \"Exploded\""),
            (#"{"alert_title": "X", "alert_transition": "Triggered", "alert_priority": "urgent"}"#, "alert_priority: expected P1 to P5, got \"urgent\""),
            (#"{"alert_title": "X", "alert_transition": "Triggered", "date": "yesterday"}"#, "date: expected Unix milliseconds as an integer, got \"yesterday\""),
            (#"{"alert_title": "X", "alert_transition": "Triggered", "tags": {"env": "prod"}}"#, "tags: expected a string or an array of strings, got an object"),
        ])
    func datadog(_ body: String, _ message: String) { Self.check(DatadogAdapter(), body, message) }

    @Test(
        "CloudWatch",
        arguments: [
            (#"{"Message": "{}"}"#, "Type: required, expected a string"),
            (#"{"Type": "Gossip"}"#, "Type: expected \"Notification\", \"SubscriptionConfirmation\" or \"UnsubscribeConfirmation\", got \"Gossip\""),
            (#"{"Type": "Notification", "Message": "Hello world!"}"#, "Message: expected a CloudWatch alarm (a JSON document in a string); invalid JSON at byte 0: expected a value, found 'H'"),
            (#"{"Type": "Notification", "Message": {"AlarmName": "a"}}"#, "Message: expected a string, got an object"),
            (#"{"Type": "Notification", "Message": "{\"NewStateValue\": \"ALARM\"}"}"#, "Message.AlarmName: required, expected a string"),
            (#"{"Type": "Notification", "Message": "{\"AlarmName\": \"a\", \"NewStateValue\": \"ON\"}"}"#, "Message.NewStateValue: expected \"ALARM\", \"OK\" or \"INSUFFICIENT_DATA\", got \"ON\""),
            (
                #"{"Type": "Notification", "Message": "{\"AlarmName\": \"a\", \"NewStateValue\": \"OK\", \"Trigger\": {\"Dimensions\": [{\"name\": \"InstanceId\"}]}}"}"#,
                "Message.Trigger.Dimensions[0].value: required, expected a string"
            ),
            (#"{"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:x"}"#, "SubscribeURL: required, expected a string"),
        ])
    func cloudWatch(_ body: String, _ message: String) { Self.check(CloudWatchAdapter(), body, message) }

    static let azureEssentials = #""alertId": "a", "alertRule": "r", "severity": "Sev1", "monitorCondition": "Fired", "firedDateTime": "2024-05-13T09:00:00Z""#

    @Test(
        "Azure",
        arguments: [
            (#"{"data": {}}"#, "schemaId: required, expected a string"),
            (#"{"schemaId": "Microsoft.Insights/activityLogs", "data": {}}"#, "schemaId: expected \"azureMonitorCommonAlertSchema\" (enable the common alert schema in the action group), got \"Microsoft.Insights/activityLogs\""),
            (#"{"schemaId": "azureMonitorCommonAlertSchema", "data": {}}"#, "data.essentials: expected an object, got nothing (the field is missing)"),
            (#"{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {\#(azureEssentials.replacingOccurrences(of: "Sev1", with: "Sev9"))}}}"#, "data.essentials.severity: expected Sev0 to Sev4, got \"Sev9\""),
            (#"{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {\#(azureEssentials.replacingOccurrences(of: "Fired", with: "Firing"))}}}"#, "data.essentials.monitorCondition: expected \"Fired\" or \"Resolved\", got \"Firing\""),
            (#"{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {\#(azureEssentials), "configurationItems": "vm"}}}"#, "data.essentials.configurationItems: expected an array of strings, got a string"),
            (#"{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {"alertId": "a", "alertRule": "r", "severity": "Sev1", "monitorCondition": "Fired"}}}"#, "data.essentials.firedDateTime: required, expected an RFC 3339 time"),
        ])
    func azure(_ body: String, _ message: String) { Self.check(AzureMonitorAdapter(), body, message) }

    @Test(
        "Google Cloud",
        arguments: [
            (#"{"version": "1.2"}"#, "incident: expected an object, got nothing (the field is missing)"),
            (#"{"incident": {"policy_name": "p", "state": "open"}}"#, "incident.incident_id: required, expected a string"),
            (#"{"incident": {"incident_id": "i", "policy_name": "p", "state": "firing"}}"#, "incident.state: expected \"open\" or \"closed\", got \"firing\""),
            (#"{"incident": {"incident_id": "i", "policy_name": "p", "state": "open", "started_at": "noon"}}"#, "incident.started_at: expected Unix seconds as an integer, got \"noon\""),
            (#"{"incident": {"incident_id": "i", "policy_name": "p", "state": "open", "severity": "Severe"}}"#, "incident.severity: expected Critical, Error, Warning or No severity, got \"Severe\""),
            (#"{"incident": {"incident_id": "i", "policy_name": "p", "state": "open", "policy_user_labels": {"team": 1}}}"#, "incident.policy_user_labels.team: expected a string, got a number"),
        ])
    func googleCloud(_ body: String, _ message: String) { Self.check(GoogleCloudMonitoringAdapter(), body, message) }
}
