import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The process's allocator, set up for a server that holds a large,
/// long-lived heap (a million alerts) between bursts of short-lived
/// allocations (requests, decoded batches, syslog frames).
///
/// The `alertbridge` executable links jemalloc on Linux: intake allocates a
/// batch on one thread and the engine or the commit loop frees it on
/// another, and glibc serialises such frees on its arenas' locks (5,754
/// context switches into `__lll_lock_wait_private` in 5 s of TCP syslog
/// load). With jemalloc, a million active alerts take 977 bytes of RSS
/// each; glibc needed its arenas capped at the number of cores to get to
/// 1,001. Anything else that links this module (tests, benchmarks) runs on
/// whatever allocator it has, so the calls are found at run time: neither
/// allocator's header is imported. Elsewhere they do nothing.
public enum Allocator {
    /// `jemalloc` when its `mallctl` is in the process, else `glibc` on Linux.
    public static var name: String {
        if jemallocControl != nil { return "jemalloc" }
        #if canImport(Glibc)
        return "glibc"
        #else
        return "system"
        #endif
    }

    /// Gives freed pages back to the system: jemalloc purges every arena at
    /// once rather than after its decay time; glibc trims (`malloc_trim(0)`).
    public static func trim() {
        if let mallctl = jemallocControl {
            // MALLCTL_ARENAS_ALL is 4096 in jemalloc 5.
            _ = "arena.4096.purge".withCString { mallctl($0, nil, nil, nil, 0) }
            return
        }
        _ = mallocTrim?(0)
    }

    /// Moves jemalloc's purging of freed pages onto its own background
    /// threads, unless `MALLOC_CONF` in the environment sets jemalloc up
    /// otherwise; true when they run. Without them the thread that frees
    /// (an event loop, the inbox's commit thread) purges inline now and
    /// then, and one-alert requests paced at 11,000/s had a p99 of 9.01 to
    /// 9.50 ms against 8.05 to 9.02 with them (five alternating pairs), at
    /// the same CPU a request.
    @discardableResult
    public static func purgeInBackground() -> Bool {
        guard let mallctl = jemallocControl, ProcessInfo.processInfo.environment["MALLOC_CONF"] == nil else { return false }
        var enable = true
        return "background_thread".withCString { name in
            mallctl(name, nil, nil, &enable, MemoryLayout<Bool>.size) == 0
        }
    }

    private typealias MallocTrim = @convention(c) (Int) -> Int32
    private typealias Mallctl = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
    ) -> Int32

    private static let mallocTrim = function("malloc_trim", as: MallocTrim.self)
    private static let jemallocControl = function("mallctl", as: Mallctl.self)

    private static func function<Function>(_ name: String, as type: Function.Type) -> Function? {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }
}
