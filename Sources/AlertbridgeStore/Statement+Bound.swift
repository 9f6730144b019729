import Foundation
import GRDB
import GRDBSQLite

/// A value for ``GRDB/Statement/execute(bound:)``, bound straight to SQLite.
enum BoundValue {
    case integer(Int64)
    case text(String)
    case blob(Data)
    case null

    static func integer(_ value: Int64?) -> BoundValue { value.map(BoundValue.integer) ?? .null }
    static func text(_ value: String?) -> BoundValue { value.map(BoundValue.text) ?? .null }
    static func blob(_ value: Data?) -> BoundValue { value.map(BoundValue.blob) ?? .null }
}

extension Statement {
    /// Runs the statement once with `values` bound straight to SQLite.
    ///
    /// GRDB's `execute(arguments:)` boxes every argument in an existential
    /// inside an array and runs its per-statement bookkeeping. Three
    /// statements run once per alert, request or step's incident under
    /// load: the engine's refresh of a repeat's receipt, its update of a
    /// touched incident (sixteen values), and the inbox's insert of a
    /// request. Bound here, per one-alert request of the load test, the
    /// engine's writer thread spent about 1.5 µs less with the receipts
    /// (8.7–9.3 µs against 10.3–12.7) and the inbox's commit thread 0.1–1.1
    /// µs less (alternating runs).
    /// Only for statements that write and return no rows, in a transaction
    /// GRDB opened: nothing here reports the change to GRDB's observers, and
    /// the store registers none.
    func execute(bound values: BoundValue...) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32 =
                switch value {
                case .integer(let integer): sqlite3_bind_int64(handle, index, integer)
                case .text(let text) where text.isEmpty:
                    // Not through the UTF-8 buffer: an empty one may have no address, which binds NULL.
                    sqlite3_bind_text(handle, index, "", 0, transient)
                case .text(var text):
                    // By length, not as a C string: a NUL inside is kept.
                    text.withUTF8 { utf8 in
                        utf8.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), transient) }
                    }
                case .blob(let data) where data.isEmpty:
                    // A zero-length blob, not NULL (a nil base address binds NULL).
                    sqlite3_bind_zeroblob(handle, index, 0)
                case .blob(let data):
                    data.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
                case .null: sqlite3_bind_null(handle, index)
                }
            guard code == SQLITE_OK else { throw failure(code) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))),
            sql: sql)
    }
}

/// SQLite copies the value before the bind returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
