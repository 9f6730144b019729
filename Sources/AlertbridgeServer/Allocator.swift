import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator, set up for a server that holds a large, long-lived
/// heap (a million alerts) between bursts of short-lived allocations
/// (requests, decoded batches). Both calls are found at run time: the Glibc
/// module does not import `<malloc.h>`. Elsewhere they do nothing.
public enum Allocator {
    /// Caps glibc's arenas at the number of cores, unless `MALLOC_ARENA_MAX`
    /// is set. Its default, eight per core, scatters long-lived alerts among
    /// arenas whose freed space the others cannot reuse: 1,111 bytes of RSS
    /// per active alert, 1,001 with two arenas on two cores, and intake no
    /// slower (batch 1 and 100, 64 connections, two runs each). Call it
    /// first thing, before the threads that allocate start.
    public static func limitArenas() {
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil, let mallopt = function("mallopt", as: Mallopt.self) else { return }
        let arenaMax: Int32 = -8  // M_ARENA_MAX in <malloc.h>
        _ = mallopt(arenaMax, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
    }

    /// Gives freed pages back to the system (`malloc_trim(0)`).
    public static func trim() {
        _ = mallocTrim?(0)
    }

    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private typealias MallocTrim = @convention(c) (Int) -> Int32

    private static let mallocTrim = function("malloc_trim", as: MallocTrim.self)

    private static func function<Function>(_ name: String, as type: Function.Type) -> Function? {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }
}
