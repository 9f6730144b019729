import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeStore
import Benchmark
import Foundation
import NIOCore

// The hot path of an alert, stage by stage: fingerprint, decode, engine,
// store. Each benchmark measures one unit of work per scaled iteration, so
// the table reads as time per alert (or per request where named so).
// Run: cd Benchmarks && swift package benchmark (see docs/performance.md).

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 100_000)

    // MARK: - Model

    let labels: LabelSet = [
        "alertname": "HighRequestLatency", "instance": "api-3.example.com:8080", "job": "api", "service": "checkout",
        "env": "prod", "severity": "warning",
    ]
    Benchmark("fingerprint of 6 labels", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Fingerprint(labels)) }
    }
    let unsortedPairs = labels.labels.reversed().map { ($0.name, $0.value) }
    Benchmark("label set from 6 unsorted pairs", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(LabelSet(unsortedPairs)) }
    }

    // MARK: - Adapters

    let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)
    let apiAdapter = AlertmanagerAPIAdapter()
    let webhookAdapter = AlertmanagerWebhookAdapter()
    let genericAdapter = GenericAdapter()
    for count in [1, 100] {
        let apiBody = ByteBuffer(string: "[" + (0..<count).map(Payloads.apiV2Alert).joined(separator: ",") + "]")
        Benchmark("decode Alertmanager API v2, \(count) per request (per alert)", configuration: .init(scalingFactor: count == 1 ? .kilo : .one))
        { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try apiAdapter.decode(apiBody, receivedAt: receivedAt)) }
        }
        let webhookBody = ByteBuffer(string: Payloads.webhook(count: count))
        Benchmark("decode Alertmanager webhook, \(count) per request", configuration: .init(scalingFactor: count == 1 ? .kilo : .one))
        { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try webhookAdapter.decode(webhookBody, receivedAt: receivedAt)) }
        }
        let genericBody = ByteBuffer(string: "[" + (0..<count).map(Payloads.genericAlert).joined(separator: ",") + "]")
        Benchmark("decode generic, \(count) per request", configuration: .init(scalingFactor: count == 1 ? .kilo : .one)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try genericAdapter.decode(genericBody, receivedAt: receivedAt)) }
        }
    }

    // MARK: - Syslog

    // A ~200-byte RFC 5424 line (the size rsyslog's and loggen's figures use),
    // a Cisco RFC 3164 line, and a stream of them octet-counted.
    let reference = SyslogReferenceTime(unixMillis: 1_800_000_000_000)
    let rfc5424Line = Array(
        (#"<165>1 2026-11-23T10:00:00.123456+01:00 web-17.example.com nginx 4242 ACCESS [meta sequenceId="118" origin="lb-2"] "#
            + "upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.7").utf8)
    let rfc3164Line = Array("<187>Nov 23 10:00:00 core-sw1 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down".utf8)
    Benchmark("syslog: parse an RFC 5424 line of \(rfc5424Line.count) bytes", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SyslogParser.parse(rfc5424Line, reference: reference)) }
    }
    Benchmark("syslog: parse a Cisco RFC 3164 line", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SyslogParser.parse(rfc3164Line, reference: reference)) }
    }
    let stream = Array(repeating: Array("\(rfc5424Line.count) ".utf8) + rfc5424Line, count: 1000).flatMap { $0 }
    Benchmark("syslog: frame 1000 octet-counted lines (per line)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in 0..<(benchmark.scaledIterations.count / 1000) {
            var framer = SyslogFramer()
            framer.append(stream)
            while let frame = framer.nextFrame() { blackHole(frame) }
        }
    }
    // Messages of one app that vary in their numbers and addresses, as a
    // template miner sees them once warm.
    let messages = (0..<1000).map {
        "upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.\($0 % 250).\($0 % 7)"
    }
    Benchmark("syslog: template miner, a line of a known template", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var miner = TemplateMiner()
        for message in messages { _ = miner.add(message) }
        for index in benchmark.scaledIterations { blackHole(miner.add(messages[index % messages.count])) }
    }
    let parsed = SyslogParser.parse(rfc5424Line, reference: reference)
    var warmMiner = TemplateMiner()
    let match = warmMiner.add(parsed.message ?? "")
    Benchmark("syslog: a parsed line to an inbox event", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(SyslogEventAdapter.event(parsed, peerAddress: "10.0.0.1", template: match, receivedAt: receivedAt))
        }
    }

    // MARK: - Inbox encoding

    let hundred = try! apiAdapter.decode(ByteBuffer(string: "[" + (0..<100).map(Payloads.apiV2Alert).joined(separator: ",") + "]"), receivedAt: receivedAt)
    let encoded = AlertCodec.encode(hundred)
    Benchmark("inbox codec: encode 100 alerts") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(AlertCodec.encode(hundred)) }
    }
    Benchmark("inbox codec: decode 100 alerts") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try AlertCodec.decode(encoded)) }
    }

    // MARK: - Engine

    // 5,000 distinct alerts in a warm engine, then every receipt is a repeat:
    // the storm case.
    let storm = (0..<5_000).map { try! apiAdapter.decode(ByteBuffer(string: "[" + Payloads.apiV2Alert($0) + "]"), receivedAt: receivedAt)[0] }
    Benchmark("engine: a repeat of a known alert (per alert)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var engine = Engine()
        _ = engine.process(storm, at: receivedAt)
        var changes = DeskChanges()
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            engine.process([storm[index % storm.count]], at: receivedAt, into: &changes)
        }
        benchmark.stopMeasurement()
        blackHole(changes)
    }
    Benchmark("engine: a new alert opening or joining an incident (per alert)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var engine = Engine()
        var changes = DeskChanges()
        let alerts = (0..<benchmark.scaledIterations.count).map {
            try! apiAdapter.decode(ByteBuffer(string: "[" + Payloads.apiV2Alert($0 + 10_000_000) + "]"), receivedAt: receivedAt)[0]
        }
        benchmark.startMeasurement()
        for alert in alerts {
            engine.process([alert], at: receivedAt, into: &changes)
        }
        benchmark.stopMeasurement()
        blackHole(changes)
    }

    // Memory held per active alert: 100,000 distinct firing alerts in one
    // engine (read the resident-memory row; divide by 100,000).
    Benchmark(
        "engine: resident memory of 100,000 active alerts",
        configuration: .init(metrics: [.peakMemoryResidentDelta, .wallClock], maxDuration: .seconds(10), maxIterations: 3)
    ) { benchmark in
        let alerts = (0..<100_000).map {
            try! apiAdapter.decode(ByteBuffer(string: "[" + Payloads.apiV2Alert($0 + 20_000_000) + "]"), receivedAt: receivedAt)[0]
        }
        benchmark.startMeasurement()
        var engine = Engine()
        for chunk in stride(from: 0, to: alerts.count, by: 1_000) {
            blackHole(engine.process(Array(alerts[chunk..<chunk + 1_000]), at: receivedAt))
        }
        benchmark.stopMeasurement()
        blackHole(engine)
    }

    // MARK: - Store

    Benchmark(
        "store: apply one step of 1,000 repeats of distinct alerts (per step)",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ab-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteDeskStore(path: directory.appendingPathComponent("desk.sqlite").path)
        var engine = Engine()
        var sequence: Int64 = 1
        try await store.apply(engine.process(storm, at: receivedAt), through: sequence, marks: engine.marks)
        var offset = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let batch = (0..<1_000).map { storm[(offset + $0) % storm.count] }
            offset += 1_000
            sequence += 1
            try await store.apply(engine.process(batch, at: receivedAt), through: sequence, marks: engine.marks)
        }
        benchmark.stopMeasurement()
    }

    Benchmark(
        "inbox: 64 concurrent appends of 1 alert, durable (per wave)",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 500)
    ) { benchmark in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ab-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteDeskStore(path: directory.appendingPathComponent("desk.sqlite").path)
        let committer = Task { await store.inbox.run() }
        let body = Data(("[" + Payloads.apiV2Alert(1) + "]").utf8)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await store.inbox.append(source: "bench", alerts: [storm[index]], receivedAt: receivedAt, body: body)
                    }
                }
                for try await _ in group {}
            }
            store.inbox.markProcessed(through: store.inbox.committedSequence, alerts: 64)
        }
        benchmark.stopMeasurement()
        store.inbox.close()
        await committer.value
    }
}

/// Payloads shaped like what Prometheus and Alertmanager send.
enum Payloads {
    static func apiV2Alert(_ index: Int) -> String {
        """
        {"labels":{"alertname":"LoadTest\(index % 7)","env":"prod","instance":"host-\(index):9100","job":"node",\
        "service":"svc-\(index % 50)","severity":"\(["critical", "warning", "info"][index % 3])"},\
        "annotations":{"description":"generated by the benchmark","summary":"load test alert \(index)"},\
        "startsAt":"2026-01-01T00:00:00.000Z","generatorURL":"http://prometheus:9090/graph?g0.expr=up"}
        """
    }

    static func genericAlert(_ index: Int) -> String {
        """
        {"labels":{"alertname":"DiskFull","host":"db-\(index)","service":"db","env":"prod","severity":"major"},\
        "annotations":{"summary":"disk on db-\(index) is 95% full"},"status":"firing","startsAt":"2026-01-01T00:00:00Z"}
        """
    }

    static func webhook(count: Int) -> String {
        let alerts = (0..<count).map { index in
            """
            {"status":"firing","labels":{"alertname":"DiskRunningFull","dev":"sda\(index)","instance":"example\(index)",\
            "job":"node"},"annotations":{"summary":"disk is running full"},"startsAt":"2026-01-01T00:00:00.000Z",\
            "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"0000000000000000"}
            """
        }
        return """
            {"version":"4","groupKey":"{}:{alertname=\\"DiskRunningFull\\"}","truncatedAlerts":0,"status":"firing",\
            "receiver":"alertbridge","groupLabels":{"alertname":"DiskRunningFull"},"commonLabels":{"job":"node"},\
            "commonAnnotations":{},"externalURL":"http://alertmanager:9093","alerts":[\(alerts.joined(separator: ","))]}
            """
    }
}
