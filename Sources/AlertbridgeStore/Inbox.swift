public import AlertbridgeCore
public import Foundation
import GRDB
import Synchronization

/// The durable, append-only queue between intake and the engine.
///
/// An append returns only after the transaction holding it has committed
/// (`synchronous=FULL`), which is what lets intake answer `202`. Appends that
/// arrive while a commit is in flight wait and go into the next commit
/// together (group commit): with fsync at about a millisecond, one commit per
/// request would cap intake near a thousand requests a second; one commit per
/// wave of concurrent requests does not.
///
/// The engine reads entries back in sequence order and records, in the same
/// transaction as its changes, the last sequence it processed: each entry is
/// processed exactly once, crash or not.
public final class Inbox: Sendable {
    /// One committed request: the alerts it carried and when it arrived.
    public struct Entry: Sendable {
        public var sequence: Int64
        public var receivedAt: Date
        public var source: String
        public var alerts: [Alert]
    }

    /// The inbox no longer accepts appends (the server is shutting down).
    public struct ClosedError: Error, CustomStringConvertible {
        public var description: String { "the inbox is closed: the server is shutting down" }
    }

    private struct Pending: Sendable {
        var receivedAt: Int64
        var source: String
        var alertCount: Int
        var alerts: Data
        var body: Data?
        var continuation: CheckedContinuation<Int64, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var committerWaiting: CheckedContinuation<Void, Never>?
        var isClosed = false
        var committedSequence: Int64
        var nextWaiterID = 0
        var commitWaiters: [Int: (after: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let writer: any DatabaseWriter
    private let keepRawPayloads: Bool
    private let state: Mutex<State>

    init(writer: any DatabaseWriter, lastSequence: Int64, keepRawPayloads: Bool) {
        self.writer = writer
        self.keepRawPayloads = keepRawPayloads
        self.state = Mutex(State(committedSequence: lastSequence))
    }

    // MARK: - Appending

    /// Appends the alerts of one request and returns its sequence number once
    /// it is durable. `body` is the raw payload, kept for audit.
    public func append(source: String, alerts: [Alert], receivedAt: Date, body: [UInt8]? = nil) async throws -> Int64 {
        // Encode on the caller's thread, so the committer only writes.
        let encoded = Data(AlertCodec.encode(alerts))
        let rawBody = keepRawPayloads ? body.map { Data($0) } : nil
        return try await withCheckedThrowingContinuation { continuation in
            let pending = Pending(
                receivedAt: receivedAt.unixMilliseconds, source: source, alertCount: alerts.count,
                alerts: encoded, body: rawBody, continuation: continuation)
            let (accepted, committer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.isClosed else { return (false, nil) }
                state.pending.append(pending)
                defer { state.committerWaiting = nil }
                return (true, state.committerWaiting)
            }
            if !accepted {
                continuation.resume(throwing: ClosedError())
            }
            committer?.resume()
        }
    }

    /// The highest sequence committed so far.
    public var committedSequence: Int64 {
        state.withLock { $0.committedSequence }
    }

    /// True once ``close()`` was called.
    public var isClosed: Bool {
        state.withLock { $0.isClosed }
    }

    /// Appends waiting for the next commit.
    public var pendingCount: Int {
        state.withLock { $0.pending.count }
    }

    // MARK: - Committing

    /// The commit loop: writes whatever is pending in one transaction, answers
    /// every waiting append, repeats. Returns after ``close()`` once everything
    /// accepted before it is committed.
    public func run() async {
        while let batch = await nextBatch() {
            do {
                let sequences = try await writer.write { db in
                    let statement = try db.cachedStatement(
                        sql: "INSERT INTO inbox (received_at, source, alert_count, alerts, body) VALUES (?, ?, ?, ?, ?)")
                    var sequences: [Int64] = []
                    sequences.reserveCapacity(batch.count)
                    for pending in batch {
                        try statement.execute(arguments: [pending.receivedAt, pending.source, pending.alertCount, pending.alerts, pending.body])
                        sequences.append(db.lastInsertedRowID)
                    }
                    return sequences
                }
                let waiters = state.withLock { state in
                    state.committedSequence = max(state.committedSequence, sequences.last ?? 0)
                    return takeCommitWaiters(&state)
                }
                for (pending, sequence) in zip(batch, sequences) {
                    pending.continuation.resume(returning: sequence)
                }
                for waiter in waiters { waiter.resume() }
            } catch {
                for pending in batch {
                    pending.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Stops accepting appends; ``run()`` returns once the pending ones are
    /// committed, and waiters for commits are released.
    public func close() {
        let (committer, waiters) = state.withLock { state in
            state.isClosed = true
            defer { state.committerWaiting = nil }
            let waiters = state.commitWaiters.values.map(\.continuation)
            state.commitWaiters = [:]
            return (state.committerWaiting, waiters)
        }
        committer?.resume()
        for waiter in waiters { waiter.resume() }
    }

    private func nextBatch() async -> [Pending]? {
        while true {
            enum Next { case batch([Pending]), finished, wait }
            let next = state.withLock { state -> Next in
                if !state.pending.isEmpty {
                    defer { state.pending = [] }
                    return .batch(state.pending)
                }
                return state.isClosed ? .finished : .wait
            }
            switch next {
            case .batch(let batch): return batch
            case .finished: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        if !state.pending.isEmpty || state.isClosed { return true }
                        state.committerWaiting = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }

    // MARK: - Reading

    /// The highest sequence ever committed, pruned entries included.
    ///
    /// `MAX(seq)` would fall back to 0 once retention has pruned every
    /// processed entry, while AUTOINCREMENT goes on counting from where it
    /// was: `sqlite_sequence` holds the true high-water mark.
    static func highestSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'inbox'") ?? 0
    }

    /// Waits until an entry after `sequence` is committed, the inbox closes,
    /// or the task is cancelled.
    public func waitForCommit(after sequence: Int64) async {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.committedSequence > sequence || state.isClosed || Task.isCancelled { return true }
                    state.commitWaiters[id] = (sequence, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.commitWaiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    private func takeCommitWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        var ready: [CheckedContinuation<Void, Never>] = []
        for (id, waiter) in state.commitWaiters where waiter.after < state.committedSequence {
            ready.append(waiter.continuation)
            state.commitWaiters[id] = nil
        }
        return ready
    }

    /// Committed entries after `sequence`, in order, at most `limit` of them.
    public func entries(after sequence: Int64, limit: Int) async throws -> [Entry] {
        try await writer.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, received_at, source, alerts FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit])
            var entries: [Entry] = []
            while let row = try rows.next() {
                let blob: Data = row["alerts"]
                entries.append(
                    Entry(
                        sequence: row["seq"], receivedAt: Date(unixMilliseconds: row["received_at"]),
                        source: row["source"], alerts: try AlertCodec.decode(blob)))
            }
            return entries
        }
    }
}
