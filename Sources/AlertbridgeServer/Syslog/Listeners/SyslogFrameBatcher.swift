import AlertbridgeIngest
import NIOCore

/// Collects the frames one read burst decoded (everything fired before
/// `channelReadComplete`) into a single `[Frame]`, so the connection's task
/// makes one `sink.accept` call per read rather than one per message.
///
/// The batch is also flushed at `maxFrames`, and when the channel goes
/// inactive: `decodeLast` fires the incomplete last frame from inside
/// `channelInactive`, with no `channelReadComplete` after it.
final class SyslogFrameBatcher: ChannelInboundHandler {
    typealias InboundIn = SyslogFramer.Frame
    typealias InboundOut = [SyslogFramer.Frame]

    private let maxFrames: Int
    private let counters: SyslogListenerMetrics.Transport
    private var batch: [SyslogFramer.Frame] = []

    init(maxFrames: Int = 1000, counters: SyslogListenerMetrics.Transport) {
        self.maxFrames = maxFrames
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        batch.append(unwrapInboundIn(data))
        if batch.count >= maxFrames { flush(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush(context)
        context.fireChannelInactive()
    }

    private func flush(_ context: ChannelHandlerContext) {
        guard !batch.isEmpty else { return }
        counters.received(batch)
        let frames = batch
        batch = []
        batch.reserveCapacity(min(frames.count, maxFrames))
        context.fireChannelRead(wrapInboundOut(frames))
    }
}
