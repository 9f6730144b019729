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

/// The desk store on SQLite: the tables dashboards read (`docs/schema.md`),
/// the engine's state, and beside them the durable inbox.
///
/// Two files in WAL mode: the desk store at `path`, written by the engine,
/// and the inbox at ``inboxPath(for:)``, written by intake, each with its own
/// writer so neither waits for the other (see ``Inbox``). Both are opened
/// with the asked durability and refuse to start with another.
public final class SQLiteDeskStore: Sendable {
    public let path: String
    public let durability: Durability
    let pool: DatabasePool
    /// The durable inbox; its commit loop must run (``Inbox/run()``) for
    /// appends to complete.
    public let inbox: Inbox
    /// Read-only queries for the API and CLI.
    public let queries: DeskQueries
    private let checkpointers: [Checkpointer]

    public init(
        path: String, durability: Durability = .full, keepRawPayloads: Bool = true, inboxLimits: Inbox.Limits = Inbox.Limits()
    ) throws {
        self.path = path
        self.durability = durability
        pool = try SQLiteFile.open(path: path, durability: durability, migrator: Migrations.migrator)
        let cursor = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT inbox_seq FROM engine_state WHERE id = 1") ?? 0 }
        inbox = try Inbox(
            path: Self.inboxPath(for: path), durability: durability, keepRawPayloads: keepRawPayloads, limits: inboxLimits,
            processedThrough: cursor)
        queries = DeskQueries(reader: pool, inboxReader: inbox.pool)
        checkpointers = [
            try Checkpointer(path: path, durability: durability),
            try Checkpointer(path: inbox.path, durability: durability),
        ]
    }

    /// Copies what the desk store's and the inbox's WALs hold into their
    /// database files. Nothing else does (see ``Checkpointer``): the server
    /// calls it periodically, off the commit path.
    public func checkpoint() async throws {
        for checkpointer in checkpointers {
            try await checkpointer.checkpoint()
        }
    }

    /// The inbox file beside a desk store: `alertbridge.sqlite` keeps its
    /// inbox in `alertbridge.inbox.sqlite`.
    public static func inboxPath(for path: String) -> String {
        for suffix in [".sqlite", ".sqlite3", ".db"] where path.hasSuffix(suffix) && path.count > suffix.count {
            return String(path.dropLast(suffix.count)) + ".inbox" + suffix
        }
        return path + ".inbox"
    }

    /// Opens an existing store for reading only (the CLI), without migrating it.
    public static func openForReading(path: String) throws -> DeskQueries {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no desk store at \(path) (start `alertbridge serve` first, or pass --db)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let desk = try DatabaseQueue(path: path, configuration: configuration)
        let inboxPath = inboxPath(for: path)
        let inbox = FileManager.default.fileExists(atPath: inboxPath) ? try DatabaseQueue(path: inboxPath, configuration: configuration) : nil
        return DeskQueries(reader: desk, inboxReader: inbox)
    }

    /// The inbox entries kept beside a desk store (`inbox.retention`, 24h by
    /// default), read-only: the recorded history `alertbridge replay` runs.
    public static func recordedEntries(path: String) throws -> [Inbox.Entry] {
        let inboxPath = inboxPath(for: path)
        guard FileManager.default.fileExists(atPath: inboxPath) else {
            throw StoreError("no inbox beside \(path) (expected \(inboxPath))")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: inboxPath, configuration: configuration).read { db in
            try Inbox.readEntries(db, after: 0, maxAlerts: .max)
        }
    }

    /// The `PRAGMA synchronous` values of the desk and inbox writers (2 = FULL).
    public func synchronousSettings() throws -> (desk: Int, inbox: Int) {
        (try SQLiteFile.synchronousSetting(pool), try SQLiteFile.synchronousSetting(inbox.pool))
    }
}
