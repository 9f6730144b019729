import AlertbridgeStore
import Logging
import ServiceLifecycle

/// Checkpoints the desk store's and the inbox's WALs a few times a second,
/// off the commit path (see `Checkpointer`), for the life of the server.
struct CheckpointService: Service {
    let store: SQLiteDeskStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await store.checkpoint()
                if failing {
                    failing = false
                    logger.info("checkpoints succeed again")
                }
            } catch {
                // The WAL only grows meanwhile; commits are unaffected.
                if !failing { logger.warning("checkpoint failed", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try? await Task.sleep(for: interval)
        }
        // A last one, so a clean stop leaves little in the WALs.
        try? await store.checkpoint()
    }
}
