import Synchronization

/// Bytes of request bodies the server holds at once, across connections.
///
/// Without it, memory under overload is connections × body limit (2048 ×
/// 1 MiB by default): a storm of large posts could take gigabytes before the
/// inbox refuses anything. A request reserves its declared length (or the
/// body limit when chunked) before its body is read, and a request that does
/// not fit is answered `503` with `Retry-After` without reading it.
final class InFlightBudget: Sendable {
    let limit: Int
    private let used = Mutex(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes `bytes` from the budget, or returns false when they do not fit.
    /// One request always fits into an empty budget, so a body under the
    /// body limit is never refused for its size alone.
    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used == 0 || used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        used.withLock { $0 -= bytes }
    }

    var inUse: Int { used.withLock { $0 } }
}
