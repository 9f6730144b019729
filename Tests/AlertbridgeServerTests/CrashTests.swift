import AlertbridgeCore
import AlertbridgeStore
import AlertbridgeTestSupport
import Foundation
import Synchronization
import Testing

/// `202` means on disk: a SIGKILL at any moment loses nothing acknowledged,
/// and after a restart every inbox entry is processed exactly once.
@Suite(.serialized) struct CrashTests {
    @Test("SIGKILL while 8 clients post: every acknowledged alert is stored exactly once after restart")
    func killDuringIngest() async throws {
        let directory = TemporaryDirectory("alertbridge-crash")
        let server = try await ServerProcess(directory: directory)
        let acknowledged = Acknowledged()
        let clients = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var next = client
                        while !Task.isCancelled {
                            let numbers = (0..<5).map { next + $0 * 8 }
                            next += 40
                            let body = "[" + numbers.map {
                                #"{"labels": {"alertname": "Crash", "service": "svc-\#($0 % 10)", "seq": "\#($0)"}}"#
                            }.joined(separator: ",") + "]"
                            guard let reply = try? await server.post("/ingest/generic", body) else { return }
                            if reply.status == 202 { acknowledged.insert(numbers) }
                        }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while acknowledged.numbers.count < 1500, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        server.signal(SIGKILL)
        _ = try await server.waitForExit()
        clients.cancel()
        await clients.value
        let acked = acknowledged.numbers
        #expect(acked.count >= 1500)

        let restarted = try await ServerProcess(directory: directory)
        let stats = try await restarted.settled()
        await restarted.stop()

        let queries = try SQLiteDeskStore.openForReading(path: directory.path("desk.sqlite"))
        let alerts = try await queries.alerts(.init(limit: 1_000_000))
        var rowsPerNumber: [Int: Int] = [:]
        for alert in alerts {
            if let number = alert.labels["seq"].flatMap(Int.init) { rowsPerNumber[number, default: 0] += 1 }
        }
        let lost = acked.filter { rowsPerNumber[$0] == nil }
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.sorted().prefix(20))")
        #expect(rowsPerNumber.values.allSatisfy { $0 == 1 })
        // Processed exactly once: every received alert made exactly one row.
        #expect(stats["alertsReceived"] as? Int == alerts.count)
        #expect(stats["alertsDeduplicated"] as? Int == 0)
        #expect(try await queries.integrityCheck() == "ok")
    }
}

/// The alert numbers that got a 202, shared by the posting clients.
final class Acknowledged: Sendable {
    private let storage = Mutex<Set<Int>>([])
    func insert(_ numbers: [Int]) { storage.withLock { $0.formUnion(numbers) } }
    var numbers: Set<Int> { storage.withLock { $0 } }
}
