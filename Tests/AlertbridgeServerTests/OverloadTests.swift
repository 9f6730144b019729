import AlertbridgeStore
import AlertbridgeTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// Past its bounds the server refuses with `503` and `Retry-After` (the only
/// 5xx Alertmanager retries), keeps nothing it refused, stays within its
/// memory bound, and processes everything it accepted.
@Suite(.serialized) struct OverloadTests {
    @Test("driven far past its backlog bound: only 202 or 503 with Retry-After, bounded memory, every 202 processed")
    func overload() async throws {
        // A backlog bound of 800 alerts is a few engine steps' worth: two dozen
        // clients posting 200 alerts at a time overrun it many times over.
        let server = try await ServerProcess(
            config: """
                limits:
                  max_backlog_alerts: 800
                  max_inflight_bytes: 1048576
                """,
            directory: TemporaryDirectory("alertbridge-overload"))
        let tally = Tally()
        let peakRSS = Mutex<Int>(0)
        let sampler = Task {
            while !Task.isCancelled {
                if let rss = Self.residentKiB(of: server.pid) { peakRSS.withLock { $0 = max($0, rss) } }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let stopAt = ContinuousClock.now + .seconds(3)
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<24 {
                group.addTask {
                    var request = 0
                    while ContinuousClock.now < stopAt {
                        request += 1
                        // Distinct alerts: new occurrences are the engine's most expensive work.
                        let body = "[" + (0..<200).map { index in
                            #"{"labels": {"alertname": "Overload", "service": "svc-\#(index % 20)", "n": "\#(client)-\#(request)-\#(index)"}}"#
                        }.joined(separator: ",") + "]"
                        guard let reply = try? await server.post("/ingest/generic", body) else {
                            tally.record(status: -1, retryAfter: nil)
                            continue
                        }
                        tally.record(status: reply.status, retryAfter: reply.headers.first(name: "Retry-After"))
                    }
                }
            }
        }
        sampler.cancel()
        let counts = tally.counts
        #expect(counts.keys.allSatisfy { $0 == 202 || $0 == 503 }, "unexpected answers: \(counts)")
        #expect((counts[503] ?? 0) > 0, "the server was never overloaded: \(counts)")
        #expect((counts[202] ?? 0) > 0, "nothing was accepted: \(counts)")
        #expect(tally.refusalsWithoutRetryAfter == 0)
        let peak = peakRSS.withLock { $0 }
        #expect(peak > 0 && peak < 300 * 1024, "peak RSS \(peak) KiB")

        // Everything accepted, and nothing refused, is processed.
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == (counts[202] ?? 0) * 200)
        #expect(stats["alertOccurrences"] as? Int == (counts[202] ?? 0) * 200)
        await server.stop()
    }

    static func residentKiB(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
}

/// Answers by status, shared by the posting clients.
final class Tally: Sendable {
    private let storage = Mutex<(counts: [Int: Int], missingRetryAfter: Int)>(([:], 0))

    func record(status: Int, retryAfter: String?) {
        storage.withLock {
            $0.counts[status, default: 0] += 1
            if status == 503, retryAfter == nil { $0.missingRetryAfter += 1 }
        }
    }

    var counts: [Int: Int] { storage.withLock { $0.counts } }
    var refusalsWithoutRetryAfter: Int { storage.withLock { $0.missingRetryAfter } }
}
