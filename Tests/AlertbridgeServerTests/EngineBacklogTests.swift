import AlertbridgeCore
import AlertbridgeStore
import AlertbridgeTestSupport
import Foundation
import Testing

/// The engine works off whatever is committed, however the inbox's entries
/// are sized.
@Suite struct EngineBacklogTests {
    @Test("a backlog of entries that do not fill a step's budget is worked off at once, not a step per tick")
    func backlogOfLargeEntries() async throws {
        // 33,000 alerts in three entries: a step's read (20,000 alerts at
        // most, entries whole) takes one entry at a time.
        let directory = TemporaryDirectory("alertbridge-backlog")
        do {
            let store = try SQLiteDeskStore(path: directory.path("desk.sqlite"))
            let committer = Task { await store.inbox.run() }
            for entry in 0..<3 {
                let alerts = (0..<11_000).map { index in
                    AlertBuilder.alert(["alertname": "Backlog", "entry": "\(entry)", "n": "\(index)"], at: 0)
                }
                _ = try await store.inbox.append(source: "generic", alerts: alerts, receivedAt: Date())
            }
            store.inbox.close()
            await committer.value
        }
        // With a tick a minute away, only commits and the first step ring.
        let server = try await ServerProcess(config: "engine:\n  tick_interval: 60s\n", directory: directory)
        defer { Task { await server.stop() } }
        let stats = try await server.eventually("/api/v1/stats", timeout: .seconds(20)) { ($0["alertsReceived"] as? Int) == 33_000 }
        #expect((stats["inbox"] as? [String: Any])?["backlog"] as? Int == 0)
    }
}
