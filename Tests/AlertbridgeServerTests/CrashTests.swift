import AlertbridgeCore
import AlertbridgeStore
import AlertbridgeTestSupport
import Foundation
import NIOCore
import Synchronization
import Testing

/// `202` means on disk: a SIGKILL at any moment loses nothing acknowledged,
/// and after a restart every inbox entry is processed exactly once, into the
/// incidents an uninterrupted engine would have made.
@Suite(.serialized) struct CrashTests {
    @Test(
        "SIGKILL while 8 clients post: every acknowledged alert is stored exactly once, in the incidents a run without the crash makes",
        arguments: [1, 2])
    func killDuringIngest(run: Int) async throws {
        let directory = TemporaryDirectory("alertbridge-crash")
        let server = try await ServerProcess(directory: directory)
        let acknowledged = Acknowledged()
        let clients = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        for request in 0... {
                            guard !Task.isCancelled else { return }
                            // 900 distinct alerts, so most receipts are repeats;
                            // some resolve, so the engine also has resolutions
                            // and re-firings to get right. The request id is an
                            // annotation: it does not change the fingerprint.
                            let id = "\(client)-\(request)"
                            let body = "[" + (0..<5).map { index in
                                let number = (request * 40 + client * 5 + index) % 900
                                let status = (request + index) % 7 == 0 ? "resolved" : "firing"
                                return #"{"labels": {"alertname": "Crash", "service": "svc-\#(number % 10)", "seq": "\#(number)"}, "annotations": {"request": "\#(id)"}, "status": "\#(status)"}"#
                            }.joined(separator: ",") + "]"
                            guard let reply = try? await server.post("/ingest/generic", body) else { return }
                            if reply.status == 202 { acknowledged.insert(id) }
                        }
                    }
                }
            }
        }
        // Kill at a different point in each run.
        let target = 200 + run * 150
        let deadline = ContinuousClock.now + .seconds(30)
        while acknowledged.ids.count < target, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        server.signal(SIGKILL)
        _ = try await server.waitForExit()
        clients.cancel()
        await clients.value
        let acked = acknowledged.ids
        #expect(acked.count >= target)

        let restarted = try await ServerProcess(directory: directory)
        let stats = try await restarted.settled()
        await restarted.stop()

        // Every acknowledged request is in the inbox exactly once, and the
        // engine counted each of its alerts once.
        let store = try SQLiteDeskStore(path: directory.path("desk.sqlite"))
        let entries = try await store.inbox.entries(after: 0, maxAlerts: .max)
        let received = entries.flatMap(\.alerts)
        var entriesPerRequest: [String: Int] = [:]
        for entry in entries { entriesPerRequest[entry.alerts[0].annotations["request"]!, default: 0] += 1 }
        let lost = acked.filter { entriesPerRequest[$0] == nil }
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.sorted().prefix(20))")
        #expect(entriesPerRequest.values.allSatisfy { $0 == 1 })
        #expect(stats["alertsReceived"] as? Int == received.count)
        #expect(try await store.queries.integrityCheck() == "ok")

        // The same committed input, replayed without a crash, makes the same incidents.
        var uninterrupted = Engine()
        for entry in entries { _ = uninterrupted.process(entry.alerts, at: entry.receivedAt) }
        let stored = try await store.queries.incidents(.init(limit: 10_000)).sorted { $0.id < $1.id }
        let replayed = uninterrupted.liveIncidents
        #expect(stored.map(IncidentShape.init) == replayed.map(IncidentShape.init))
        let storedAlerts = try await store.queries.alerts(.init(limit: 1_000_000)).sorted { $0.id < $1.id }
        #expect(storedAlerts.map(AlertShape.init) == uninterrupted.liveAlerts.map(AlertShape.init))
    }

    @Test("SIGKILL during syslog TCP intake: what each connection kept is a gapless prefix of what it sent, each message once")
    func killDuringSyslogIntake() async throws {
        let directory = TemporaryDirectory("alertbridge-crash")
        let server = try await ServerProcess(directory: directory)
        let address = try SyslogEndToEndTests.address(server, "tcp")
        let connections = 4
        var channels: [any Channel] = []
        for _ in 0..<connections { channels.append(try await connect(to: address)) }
        let senders = Task { [channels] in
            await withTaskGroup(of: Void.self) { group in
                for (connection, channel) in channels.enumerated() {
                    group.addTask {
                        // Numbered lines, 50 a write, until the server is gone;
                        // paced, so that the (debug) engine is not far behind.
                        for write in 0... {
                            guard !Task.isCancelled else { return }
                            let lines = (0..<50).map { index in
                                let number = String(write * 50 + index)
                                let padded = String(repeating: "0", count: max(0, 8 - number.count)) + number
                                return octetCounted("<13>1 2026-11-24T04:00:00.000Z host-1 conn\(connection) - - - msgnum:\(padded)")
                            }.joined()
                            guard (try? await channel.send(Array(lines.utf8))) != nil else { return }
                            try? await Task.sleep(for: .milliseconds(5))
                        }
                    }
                }
            }
        }
        // Kill while all four are sending, once the engine has seen each.
        _ = try await server.eventually("/api/v1/syslog/counts") { answer in
            let sources = SyslogEndToEndTests.sources(answer)
            return (0..<connections).allSatisfy { connection in
                sources.contains { $0["app"] as? String == "conn\(connection)" && ($0["messages"] as? Int ?? 0) >= 1_000 }
            }
        }
        server.signal(SIGKILL)
        _ = try await server.waitForExit()
        senders.cancel()
        for channel in channels { try? await channel.close() }
        await senders.value

        let restarted = try await ServerProcess(directory: directory)
        let stats = try await restarted.settled()
        await restarted.stop()

        let store = try SQLiteDeskStore(path: directory.path("desk.sqlite"))
        let messages = try await store.inbox.entries(after: 0, maxAlerts: .max).filter { $0.source == "syslog" }.flatMap(\.alerts)
        var numbers: [String: [Int]] = [:]
        for message in messages {
            let text = try #require(message.annotations["message"])
            numbers[message.labels["app"] ?? "", default: []].append(try #require(Int(text.dropFirst("msgnum:".count))))
        }
        #expect(numbers.keys.sorted() == (0..<connections).map { "conn\($0)" })
        for (connection, kept) in numbers.sorted(by: { $0.key < $1.key }) {
            // Committed in the order read: a prefix, no gap, nothing twice.
            #expect(kept == Array(0..<kept.count), "\(connection): first out of place at \(kept.indices.first { kept[$0] != $0 } ?? -1)")
        }
        #expect(stats["syslogMessages"] as? Int == messages.count)
        #expect(try await store.queries.integrityCheck() == "ok")
    }
}

/// What must not depend on a crash: which incidents exist, what they group,
/// their state. (Timestamps differ by the milliseconds between the engine's
/// clock ticks and the receipts, in both runs alike.)
private struct IncidentShape: Equatable, CustomStringConvertible {
    var id: Int64, groupKey: String, status: Incident.Status, alertCount: Int, firingCount: Int, reopenCount: Int
    init(_ incident: Incident) {
        (id, groupKey, status) = (incident.id, incident.groupKey, incident.status)
        (alertCount, firingCount, reopenCount) = (incident.alertCount, incident.firingCount, incident.reopenCount)
    }
    var description: String { "#\(id) \(groupKey) \(status) alerts=\(alertCount) firing=\(firingCount) reopened=\(reopenCount)" }
}

private struct AlertShape: Equatable, CustomStringConvertible {
    var id: Int64, fingerprint: Fingerprint, incidentID: Int64?, status: AlertStatus, duplicateCount: Int, refireCount: Int
    init(_ alert: TrackedAlert) {
        (id, fingerprint, incidentID, status) = (alert.id, alert.fingerprint, alert.incidentID, alert.status)
        (duplicateCount, refireCount) = (alert.duplicateCount, alert.refireCount)
    }
    var description: String { "#\(id) \(fingerprint) in \(incidentID.map { "\($0)" } ?? "-") \(status) dup=\(duplicateCount) refired=\(refireCount)" }
}

/// The requests that got a 202, shared by the posting clients.
final class Acknowledged: Sendable {
    private let storage = Mutex<Set<String>>([])
    func insert(_ id: String) { storage.withLock { _ = $0.insert(id) } }
    var ids: Set<String> { storage.withLock { $0 } }
}
