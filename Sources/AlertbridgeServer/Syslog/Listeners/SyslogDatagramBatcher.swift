import AlertbridgeIngest
import Logging
import NIOCore
import Prometheus

/// The datagrams of one read burst, grouped by sender IP in arrival order.
struct SyslogDatagramBatch: Sendable {
    struct Group: Sendable {
        var address: String
        var frames: [SyslogFramer.Frame]
    }

    var groups: [Group] = []
    var frameCount = 0
    var byteCount = 0
}

/// Turns each UDP datagram into one `.datagram` frame (RFC 5426: one
/// datagram, one message) and collects a read burst's worth into one
/// ``SyslogDatagramBatch``, so the listener awaits the sink once per burst
/// and per sender rather than once per datagram.
///
/// A batch is flushed at `channelReadComplete` once it holds `gatherFrames`
/// datagrams; a smaller one waits up to `gatherDelay` for the next bursts.
/// Each batch becomes an inbox entry and waits for a commit, and a busy
/// sender's bursts were small (37 datagrams at 100,000/s), so the per-entry
/// work was paid 37 messages at a time. It is flushed early at `maxFrames`
/// or `maxBytes` so that what waits for the sink stays bounded.
///
/// Read errors stop here: one bad receive must not end the listener's
/// stream. A socket that is really broken gets closed by NIO, which ends the
/// stream and makes the listener fail loudly.
final class SyslogDatagramBatcher: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = SyslogDatagramBatch

    private let maxMessageBytes: Int
    private let maxFrames: Int
    private let maxBytes: Int
    private let gatherFrames: Int
    private let gatherDelay: TimeAmount
    private var scheduledFlush: Scheduled<Void>?
    private let counters: SyslogListenerMetrics.Transport
    private let logger: Logger
    private var batch = SyslogDatagramBatch()
    /// The last sender and its formatted IP: consecutive datagrams usually
    /// come from the same relay, and formatting an address costs more than
    /// comparing one.
    private var lastSender: (address: SocketAddress, group: Int)?
    private var groupIndex: [String: Int] = [:]

    init(maxMessageBytes: Int, maxFrames: Int = 1000, maxBytes: Int = 1 << 20, gatherFrames: Int = 256,
         gatherDelay: TimeAmount = .milliseconds(2), counters: SyslogListenerMetrics.Transport, logger: Logger) {
        self.maxMessageBytes = maxMessageBytes
        self.maxFrames = maxFrames
        self.maxBytes = maxBytes
        self.gatherFrames = gatherFrames
        self.gatherDelay = gatherDelay
        self.counters = counters
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let payload = envelope.data.readableBytesView
        let isTruncated = payload.count > maxMessageBytes
        let frame = SyslogFramer.Frame(
            bytes: isTruncated ? Array(payload.prefix(maxMessageBytes)) : Array(payload), framing: .datagram,
            isTruncated: isTruncated)
        counters.bytes.increment(by: Int64(payload.count))

        let index: Int
        if let last = lastSender, last.address == envelope.remoteAddress {
            index = last.group
        } else {
            let ip = envelope.remoteAddress.ipAddress ?? "\(envelope.remoteAddress)"
            if let found = groupIndex[ip] {
                index = found
            } else {
                index = batch.groups.count
                batch.groups.append(.init(address: ip, frames: []))
                groupIndex[ip] = index
            }
            lastSender = (envelope.remoteAddress, index)
        }
        batch.groups[index].frames.append(frame)
        batch.frameCount += 1
        batch.byteCount += frame.bytes.count
        if batch.frameCount >= maxFrames || batch.byteCount >= maxBytes { flush(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if batch.frameCount >= gatherFrames {
            flush(context)
        } else if batch.frameCount > 0, scheduledFlush == nil {
            scheduledFlush = context.eventLoop.assumeIsolated().scheduleTask(in: gatherDelay) {
                self.scheduledFlush = nil
                self.flush(context)
                // The async channel hands reads over at read-complete.
                context.fireChannelReadComplete()
            }
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush(context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        scheduledFlush?.cancel()
        scheduledFlush = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("syslog udp receive failed", metadata: ["error": "\(error)"])
    }

    private func flush(_ context: ChannelHandlerContext) {
        scheduledFlush?.cancel()
        scheduledFlush = nil
        guard batch.frameCount > 0 else { return }
        let full = batch
        batch = SyslogDatagramBatch()
        lastSender = nil
        groupIndex.removeAll(keepingCapacity: true)
        for group in full.groups { counters.received(group.frames) }
        context.fireChannelRead(wrapInboundOut(full))
    }
}
