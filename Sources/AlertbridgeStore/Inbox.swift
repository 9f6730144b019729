public import AlertbridgeCore
public import Foundation
import DequeModule
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
/// The inbox is its own SQLite file with its own writer. In one shared file
/// every inbox commit queued behind the engine's transactions (measured here:
/// 20 ms of random page writes between 1 ms commits), so intake latency was
/// the engine's write time. The engine's cursor still lives in the desk
/// store, committed with the changes it covers: each entry is processed
/// exactly once, crash or not, without a transaction spanning both files.
///
/// Appends are refused, not queued without bound: when the engine is more
/// than ``Limits/maxBacklogAlerts`` behind, ``append(source:alerts:receivedAt:body:)``
/// throws ``OverloadedError`` and intake answers `503` with `Retry-After`.
/// (Memory held by requests in flight is bounded by intake, before a body
/// is read.)
///
/// Committed entries also stay in memory for a while (at most
/// ``Limits/maxRecentAlerts`` alerts), so the engine takes what intake just
/// appended without reading it back and decoding it; it reads the file only
/// after a restart or when it has fallen further behind than that.
public final class Inbox: Sendable {
    /// One committed request: the alerts it carried and when it arrived.
    public struct Entry: Sendable {
        public var sequence: Int64
        public var receivedAt: Date
        public var source: String
        public var alerts: [Alert]
    }

    /// Bounds that turn overload into refusals instead of unbounded lag.
    public struct Limits: Sendable, Equatable {
        /// Committed alerts the engine has not processed yet.
        public var maxBacklogAlerts: Int
        /// Committed alerts kept in memory for the engine to take without
        /// reading them back. Past it the engine reads the file, which is
        /// slower than intake: at 50,000 a storm's engine fell behind and
        /// stayed behind (11.5 s for a million alerts instead of 8). At most
        /// about 1 KiB an alert when every label set is distinct; a storm's
        /// repeats share theirs.
        public var maxRecentAlerts: Int

        public init(maxBacklogAlerts: Int = 1_000_000, maxRecentAlerts: Int = 250_000) {
            self.maxBacklogAlerts = maxBacklogAlerts
            self.maxRecentAlerts = maxRecentAlerts
        }
    }

    /// The inbox no longer accepts appends (the server is shutting down).
    public struct ClosedError: Error, CustomStringConvertible {
        public var description: String { "the inbox is closed: the server is shutting down" }
    }

    /// The inbox refuses an append it could not make durable in time.
    public struct OverloadedError: Error, CustomStringConvertible {
        public var description: String
    }

    private struct Pending: Sendable {
        var receivedAt: Int64
        var source: String
        var alertCount: Int
        var alerts: [Alert]
        var encoded: Data
        var body: Data?
        var reply: @Sendable (Result<Int64, any Error>) -> Void
    }

    private struct State {
        var pending: [Pending] = []
        /// The commit thread sleeps on ``Inbox/committerWakeup`` until an append (or close) signals it.
        var committerWaiting = false
        var isClosed = false
        var committedSequence: Int64
        /// Committed alerts not yet reported processed (``markProcessed(through:alerts:)``).
        var backlogAlerts: Int
        /// Committed entries not yet reported processed, newest last; a
        /// contiguous run of sequences, possibly with a gap before it.
        var recent: Deque<Entry> = []
        var recentAlerts = 0
        var nextWaiterID = 0
        var commitWaiters: [Int: (after: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    public let path: String
    public let limits: Limits
    let pool: DatabasePool
    private let keepRawPayloads: Bool
    private let state: Mutex<State>
    private let committerWakeup = DispatchSemaphore(value: 0)
    /// The engine's label sets read back from the file (``storedEntries(after:maxAlerts:)``).
    private let storedLabelSets = Mutex(LabelSetMemo())

    /// Opens (creating if needed) the inbox file at `path`. `processedThrough`
    /// is the engine's cursor from the desk store: the inbox never hands out
    /// a sequence at or below it, even if its own file was replaced.
    init(path: String, durability: Durability, keepRawPayloads: Bool, limits: Limits, processedThrough cursor: Int64) throws {
        self.path = path
        self.limits = limits
        self.keepRawPayloads = keepRawPayloads
        pool = try SQLiteFile.open(path: path, durability: durability, migrator: Self.migrator)
        let (committed, backlog) = try pool.write { db in
            var highest = try Self.highestSequence(db)
            if highest < cursor {
                // A fresh or older inbox file beside a desk store that has seen
                // more: continue numbering after the cursor, or new entries
                // would be skipped as already processed.
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'inbox'")
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('inbox', ?)", arguments: [cursor])
                highest = cursor
            }
            let backlog = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(alert_count), 0) FROM inbox WHERE seq > ?", arguments: [cursor]) ?? 0
            return (highest, backlog)
        }
        state = Mutex(State(committedSequence: committed, backlogAlerts: backlog))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: inbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        received_at INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        alert_count INTEGER NOT NULL CHECK (alert_count >= 0),
                        alerts BLOB NOT NULL,
                        body BLOB
                    );
                    """)
        }
        return migrator
    }

    // MARK: - Appending

    /// Whether raw request bodies are kept for audit (`inbox.keep_raw_payloads`);
    /// when not, callers need not copy them for ``append(source:alerts:receivedAt:body:)``.
    public var keepsRawPayloads: Bool { keepRawPayloads }

    /// Appends the alerts of one request and returns its sequence number once
    /// it is durable. `body` is the raw payload, kept for audit.
    ///
    /// Throws ``OverloadedError`` without keeping anything when the inbox is
    /// past its limits, and ``ClosedError`` once the server is shutting down.
    public func append(source: String, alerts: [Alert], receivedAt: Date, body: Data? = nil) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            append(source: source, alerts: alerts, receivedAt: receivedAt, body: body) { continuation.resume(with: $0) }
        }
    }

    /// ``append(source:alerts:receivedAt:body:)`` for callers that cannot
    /// wait in a task: `reply` is called once, on the commit loop's thread,
    /// with the sequence once durable or the error that failed the commit.
    /// A refusal (``OverloadedError``, ``ClosedError``) is replied at once,
    /// on the caller's thread, before this returns. Appends are committed
    /// in the order of these calls.
    public func append(
        source: String, alerts: [Alert], receivedAt: Date, body: Data? = nil,
        reply: @escaping @Sendable (Result<Int64, any Error>) -> Void
    ) {
        // Encode on the caller's thread, so the committer only writes.
        let encoded = AlertCodec.encodeData(alerts)
        let rawBody = keepRawPayloads ? body : nil
        let pending = Pending(
            receivedAt: receivedAt.unixMilliseconds, source: source, alertCount: alerts.count,
            alerts: alerts, encoded: encoded, body: rawBody, reply: reply)
        let (refusal, wakeCommitter) = state.withLock { state -> ((any Error)?, Bool) in
            if state.isClosed { return (ClosedError(), false) }
            // An engine that has caught up takes any batch, so that one
            // larger than the limit is not refused for ever.
            if state.backlogAlerts > 0, state.backlogAlerts + alerts.count > limits.maxBacklogAlerts {
                return (
                    OverloadedError(
                        description: "the engine is \(state.backlogAlerts) alerts behind (limit \(limits.maxBacklogAlerts))"), false
                )
            }
            state.pending.append(pending)
            defer { state.committerWaiting = false }
            return (nil, state.committerWaiting)
        }
        if let refusal {
            reply(.failure(refusal))
        }
        if wakeCommitter { committerWakeup.signal() }
    }

    /// The highest sequence committed so far.
    public var committedSequence: Int64 {
        state.withLock { $0.committedSequence }
    }

    /// Committed alerts the engine has not yet reported processed.
    public var backlogAlerts: Int {
        state.withLock { $0.backlogAlerts }
    }

    /// True once ``close()`` was called.
    public var isClosed: Bool {
        state.withLock { $0.isClosed }
    }

    /// Appends waiting for the next commit.
    public var pendingCount: Int {
        state.withLock { $0.pending.count }
    }

    /// The engine reports that the entries through `sequence`, holding
    /// `alerts` alerts, are processed and committed in the desk store: they
    /// no longer count against the backlog, nor are they kept in memory.
    public func markProcessed(through sequence: Int64, alerts: Int) {
        // Taken out under the lock, freed after it: freeing a read's worth of
        // alerts (2% of the CPU under syslog load) held up every append.
        var released: [Entry] = []
        state.withLock { state in
            state.backlogAlerts = max(0, state.backlogAlerts - alerts)
            while let first = state.recent.first, first.sequence <= sequence {
                state.recentAlerts -= first.alerts.count
                released.append(state.recent.removeFirst())
            }
        }
    }

    // MARK: - Committing

    /// The commit loop: writes whatever is pending in one transaction, answers
    /// every waiting append, repeats. Returns after ``close()`` once everything
    /// accepted before it is committed.
    ///
    /// The loop runs on a thread of its own, writing synchronously: a task
    /// awaiting GRDB's asynchronous write woke another thread to write and
    /// the pool again to go on, twice per commit, and a one-alert request
    /// waits for one or two commits.
    public func run() async {
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            // Named from inside: a thread set off from a pool thread would
            // otherwise carry that pool's name in `top -H` and profiles.
            let thread = Thread { [self] in
                Thread.current.name = "inbox-commit"
                commitLoop()
                finished.resume()
            }
            thread.start()
        }
    }

    private func commitLoop() {
        while let batch = nextBatch() {
            do {
                let sequences = try pool.write { db in
                    let statement = try db.cachedStatement(
                        sql: "INSERT INTO inbox (received_at, source, alert_count, alerts, body) VALUES (?, ?, ?, ?, ?)")
                    var sequences: [Int64] = []
                    sequences.reserveCapacity(batch.count)
                    for pending in batch {
                        try statement.execute(
                            bound: .integer(pending.receivedAt), .text(pending.source), .integer(Int64(pending.alertCount)),
                            .blob(pending.encoded), .blob(pending.body))
                        sequences.append(db.lastInsertedRowID)
                    }
                    return sequences
                }
                let waiters = state.withLock { state in
                    state.committedSequence = max(state.committedSequence, sequences.last ?? 0)
                    for (pending, sequence) in zip(batch, sequences) {
                        state.backlogAlerts += pending.alertCount
                        // Past the memory bound an entry is left to the file; the
                        // engine finds the gap and reads from there.
                        guard state.recentAlerts + pending.alertCount <= limits.maxRecentAlerts else { continue }
                        state.recent.append(
                            Entry(
                                sequence: sequence, receivedAt: Date(unixMilliseconds: pending.receivedAt), source: pending.source,
                                alerts: pending.alerts))
                        state.recentAlerts += pending.alertCount
                    }
                    return takeCommitWaiters(&state)
                }
                for (pending, sequence) in zip(batch, sequences) {
                    pending.reply(.success(sequence))
                }
                for waiter in waiters { waiter.resume() }
            } catch {
                for pending in batch {
                    pending.reply(.failure(error))
                }
            }
        }
    }

    /// Stops accepting appends; ``run()`` returns once the pending ones are
    /// committed, and waiters for commits are released.
    public func close() {
        let (wakeCommitter, waiters) = state.withLock { state in
            state.isClosed = true
            defer { state.committerWaiting = false }
            let waiters = state.commitWaiters.values.map(\.continuation)
            state.commitWaiters = [:]
            return (state.committerWaiting, waiters)
        }
        if wakeCommitter { committerWakeup.signal() }
        for waiter in waiters { waiter.resume() }
    }

    private func nextBatch() -> [Pending]? {
        while true {
            enum Next { case batch([Pending]), finished, wait }
            let next = state.withLock { state -> Next in
                if !state.pending.isEmpty {
                    defer { state.pending = [] }
                    return .batch(state.pending)
                }
                if state.isClosed { return .finished }
                state.committerWaiting = true
                return .wait
            }
            switch next {
            case .batch(let batch): return batch
            case .finished: return nil
            case .wait: committerWakeup.wait()
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

    /// Committed entries after `sequence`, in order: at least one when there
    /// is one, then more while they hold at most `maxAlerts` alerts together.
    /// From memory when it holds the next entries, else from the file.
    public func entries(after sequence: Int64, maxAlerts: Int) async throws -> [Entry] {
        if let recent = recentEntries(after: sequence, maxAlerts: maxAlerts) { return recent }
        return try await storedEntries(after: sequence, maxAlerts: maxAlerts)
    }

    /// The entries following `sequence` from memory, or nil when memory
    /// does not hold the next one.
    private func recentEntries(after sequence: Int64, maxAlerts: Int) -> [Entry]? {
        state.withLock { state in
            guard let start = state.recent.firstIndex(where: { $0.sequence > sequence }),
                state.recent[start].sequence == sequence + 1
            else { return nil }
            var entries: [Entry] = []
            var alertCount = 0
            var expected = sequence + 1
            for entry in state.recent[start...] {
                guard entry.sequence == expected else { break }
                if !entries.isEmpty, alertCount + entry.alerts.count > maxAlerts { break }
                alertCount += entry.alerts.count
                entries.append(entry)
                expected += 1
            }
            return entries
        }
    }

    /// The entries following `sequence`, read back from the file.
    func storedEntries(after sequence: Int64, maxAlerts: Int) async throws -> [Entry] {
        try await pool.read { db in
            var labelSets = self.storedLabelSets.withLock { memo in
                defer { memo = LabelSetMemo() }
                return memo
            }
            defer { self.storedLabelSets.withLock { $0 = labelSets } }
            return try Self.readEntries(db, after: sequence, maxAlerts: maxAlerts, labelSets: &labelSets)
        }
    }

    static func readEntries(_ db: Database, after sequence: Int64, maxAlerts: Int) throws -> [Entry] {
        var labelSets = LabelSetMemo()
        return try readEntries(db, after: sequence, maxAlerts: maxAlerts, labelSets: &labelSets)
    }

    /// `labelSets` carries label sets from one read to the next, as intake
    /// remembers them: an engine catching up reads a storm's few thousand
    /// label sets over and over.
    static func readEntries(
        _ db: Database, after sequence: Int64, maxAlerts: Int, labelSets: inout LabelSetMemo
    ) throws -> [Entry] {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT seq, received_at, source, alert_count, alerts FROM inbox WHERE seq > ? ORDER BY seq",
            arguments: [sequence])
        var entries: [Entry] = []
        var alertCount = 0
        while let row = try rows.next() {
            let count: Int = row["alert_count"]
            if !entries.isEmpty, alertCount + count > maxAlerts { break }
            alertCount += count
            let blob: Data = row["alerts"]
            entries.append(
                Entry(
                    sequence: row["seq"], receivedAt: Date(unixMilliseconds: row["received_at"]),
                    source: row["source"], alerts: try AlertCodec.decode(blob, memo: &labelSets)))
        }
        return entries
    }

    /// Deletes processed entries received before `cutoff`; returns how many.
    @discardableResult
    public func prune(processedThrough sequence: Int64, receivedBefore cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM inbox WHERE seq <= ? AND received_at < ?", arguments: [sequence, cutoff.unixMilliseconds])
            return db.changesCount
        }
    }

    /// Committed entries and the highest sequence, for readers of the file
    /// (stats, the CLI) that do not hold an `Inbox`.
    static func counts(_ db: Database, after cursor: Int64) throws -> (sequence: Int64, backlogEntries: Int, backlogAlerts: Int) {
        let row = try Row.fetchOne(
            db, sql: "SELECT COUNT(*) AS entries, COALESCE(SUM(alert_count), 0) AS alerts FROM inbox WHERE seq > ?",
            arguments: [cursor])
        return (try highestSequence(db), row?["entries"] ?? 0, row?["alerts"] ?? 0)
    }
}
