import Logging
import NIOCore

/// Closes a connection whose peer sent nothing for `timeout` while we were
/// waiting for it.
///
/// Not NIO's `IdleStateHandler(readTimeout:)`: that one measures time since
/// the last read, and so counts the time we deliberately do not read (the
/// sink is applying backpressure) as the peer's silence. A stalled inbox
/// would then disconnect every healthy sender. This handler sits next to the
/// socket and arms its timer only when a `read()` actually reaches the socket
/// (the async channel above withholds `read()` under backpressure) and disarms
/// it on the next `channelRead`. A TLS handshake that never starts counts as
/// silence too.
final class SyslogIdleHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func read(context: ChannelHandlerContext) {
        if timer == nil {
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                timer = nil
                logger.debug(
                    "syslog connection idle, closing",
                    metadata: ["peer": "\(context.channel.remoteAddress?.ipAddress ?? "?")", "timeout": "\(timeout)"])
                context.close(promise: nil)
            }
        }
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        cancelTimer()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
