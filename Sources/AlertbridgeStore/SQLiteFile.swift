import Foundation
import GRDB

/// Opens the store's SQLite files the one way they must be opened: WAL,
/// the asked durability verified after opening, migrated.
///
/// GRDB selects `synchronous=NORMAL` itself when it enables WAL, after any
/// setup hook, so a `PRAGMA synchronous = FULL` placed in `prepareDatabase`
/// is silently lost (RELIABILITY.md). The setting is made on the writer after
/// opening and read back: a file that does not report what a `202` promises
/// is refused.
enum SQLiteFile {
    static func open(path: String, durability: Durability, migrator: DatabaseMigrator) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.label = "alertbridge"
        configuration.busyMode = .callback(busyWait(upTo: .seconds(10)))
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            // No automatic checkpoints: SQLite runs them inside the commit that
            // crosses the threshold, so that commit's waiters stalled for the
            // whole copy (a p99 of 120 ms at 10k commits/s here). A
            // ``Checkpointer`` on a connection of its own does it instead.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // After a burst the WAL is reset, not kept at its largest size.
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        try verify(pool, path: path, durability: durability)
        try migrator.migrate(pool)
        return pool
    }

    /// A busy handler that tries again every 100 µs, for at least `limit`.
    ///
    /// SQLite's own (`busy_timeout`) sleeps 1, 2, 5, 10, 15 ms... between
    /// tries, so a wait only ends on one of those steps: the inbox's commit
    /// thread, finding the WAL being restarted, slept 1+2+5 = 8 ms for a
    /// lock held 3 to 8 ms, and 33 ms for one held 18 to 33 (`strace` under
    /// load). Polling ends a wait within about 0.1 ms of the lock's release.
    static func busyWait(upTo limit: Duration) -> Database.BusyCallback {
        let stepMicroseconds: UInt32 = 100
        let maxTries = Int((limit / .microseconds(stepMicroseconds)).rounded(.up))
        return { tries in
            guard tries < maxTries else { return false }
            usleep(stepMicroseconds)
            return true
        }
    }

    /// Checks `journal_mode` and `synchronous` on the writer connection.
    static func verify(_ pool: DatabasePool, path: String, durability: Durability) throws {
        let (journalMode, synchronous) = try pool.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
        guard journalMode.lowercased() == "wal" else {
            throw StoreError("\(path): journal_mode is \(journalMode), expected wal")
        }
        let expected = durability == .full ? 2 : 1
        guard synchronous == expected else {
            throw StoreError("\(path): synchronous is \(synchronous), expected \(expected) (\(durability.rawValue)); refusing to start")
        }
    }

    /// The `PRAGMA synchronous` value of the writer connection (2 = FULL).
    static func synchronousSetting(_ pool: DatabasePool) throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}

/// Copies committed WAL frames into the database file, on a connection of
/// its own so that writers do not wait for it.
///
/// A PASSIVE checkpoint takes no write lock: commits go on while it copies.
/// But SQLite starts the WAL over only when a writer finds every frame
/// copied, which never happens under continuous commits: the WAL grew past
/// 300 MB in ten seconds here. So once it is larger than
/// ``restartThreshold``, a RESTART follows the PASSIVE one at once, when
/// little is left to copy: it holds writers back for that little, and gives
/// up (to retry next time) rather than wait more than a few milliseconds for
/// a long reader.
final class Checkpointer: Sendable {
    /// WAL frames (pages) above which the WAL is restarted.
    static let restartThreshold = 8_192
    private let queue: DatabaseQueue

    init(path: String, durability: Durability) throws {
        var configuration = Configuration()
        configuration.label = "alertbridge.checkpoint"
        configuration.busyMode = .callback(SQLiteFile.busyWait(upTo: .milliseconds(5)))
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
    }

    /// Runs one checkpoint; returns the frames in the WAL and how many of
    /// them are in the database file now.
    @discardableResult
    func checkpoint() async throws -> (walFrames: Int, checkpointedFrames: Int) {
        try await queue.writeWithoutTransaction { db in
            var result = try db.checkpoint(.passive)
            if result.walFrameCount > Self.restartThreshold {
                // The RESTART copies, and syncs, whatever was committed
                // since the last pass while writers wait: a second pass
                // first leaves it only what came in during that short one,
                // not during the long first one.
                result = try db.checkpoint(.passive)
                do {
                    result = try db.checkpoint(.restart)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    // A reader still needs the WAL: next time.
                }
            }
            return (result.walFrameCount, result.checkpointedFrameCount)
        }
    }
}
