import Foundation
import GRDB

/// How hard a commit tries to survive a power loss.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: a commit is on disk when it returns, even if the
    /// machine loses power. The default, and what a `202` promises.
    case full
    /// `synchronous=NORMAL`: survives a process crash but may lose the last
    /// transactions on power loss. An explicit opt-in, several times faster.
    case normal
}

/// Why the store refuses to open or to work.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The desk store on SQLite: the durable inbox, the engine's state, and the
/// tables dashboards read (`docs/schema.md`).
///
/// One file in WAL mode, written by one connection (GRDB serializes writes)
/// and read by several. `synchronous=FULL` is set after GRDB's own WAL setup
/// (which silently selects NORMAL) and read back at open: the store refuses to
/// start with a durability other than the one asked for.
public final class SQLiteDeskStore: Sendable {
    public let path: String
    public let durability: Durability
    let pool: DatabasePool
    /// The durable inbox; its commit loop must run (``Inbox/run()``) for
    /// appends to complete.
    public let inbox: Inbox
    /// Read-only queries for the API and CLI.
    public let queries: DeskQueries

    public init(path: String, durability: Durability = .full, keepRawPayloads: Bool = true) throws {
        self.path = path
        self.durability = durability
        var configuration = Configuration()
        configuration.label = "alertbridge"
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            // A larger WAL between checkpoints: fewer, longer checkpoints; measured
            // to double small-transaction throughput here (RELIABILITY.md §4).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        try SQLiteDeskStore.verify(pool, durability: durability)
        try Migrations.migrator.migrate(pool)
        let lastSequence = try pool.read(Inbox.highestSequence)
        inbox = Inbox(writer: pool, lastSequence: lastSequence, keepRawPayloads: keepRawPayloads)
        queries = DeskQueries(reader: pool)
    }

    /// Opens an existing store for reading only (the CLI), without migrating it.
    public static func openForReading(path: String) throws -> DeskQueries {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no desk store at \(path) (start `alertbridge serve` first, or pass --db)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return DeskQueries(reader: queue)
    }

    /// Checks `journal_mode` and `synchronous` on the writer connection.
    static func verify(_ pool: DatabasePool, durability: Durability) throws {
        let (journalMode, synchronous) = try pool.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
        guard journalMode.lowercased() == "wal" else {
            throw StoreError("desk store journal_mode is \(journalMode), expected wal")
        }
        let expected = durability == .full ? 2 : 1
        guard synchronous == expected else {
            throw StoreError("desk store synchronous is \(synchronous), expected \(expected) (\(durability.rawValue)); refusing to start")
        }
    }

    /// The `PRAGMA synchronous` value of the writer connection (2 = FULL).
    public func synchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}
