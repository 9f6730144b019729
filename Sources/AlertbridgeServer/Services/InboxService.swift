import AlertbridgeStore
import ServiceLifecycle

/// Runs the inbox's commit loop for the life of the server.
///
/// On graceful shutdown the inbox stops accepting appends and returns once
/// everything it accepted is committed. It is the first service of the group,
/// so it shuts down last: after HTTP has answered its last request and the
/// engine has processed the last entry.
struct InboxService: Service {
    let inbox: Inbox

    func run() async throws {
        await withGracefulShutdownHandler {
            await inbox.run()
        } onGracefulShutdown: {
            inbox.close()
        }
    }
}
