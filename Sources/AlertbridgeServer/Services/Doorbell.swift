/// Wakes one waiting loop; rings while nobody waits are coalesced into one.
///
/// The engine loop has several reasons to wake (new inbox entries, an operator
/// command, a clock tick) and handles all of them in one pass, so it only
/// needs to know that something happened, not what or how often.
struct Doorbell: Sendable {
    let rings: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (rings, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func ring() {
        continuation.yield()
    }

    func finish() {
        continuation.finish()
    }
}
