import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Prometheus

/// HTTP/1.1 as Hummingbird serves it, plus intake answered on the event
/// loop (``IntakeHandler``), a deadline on reading each request, and a
/// cheaper conversion of request heads (``OriginFormServerCodec``).
///
/// The deadline: a connection whose request has not arrived whole (head, body
/// and end) within `limits.request_read_timeout` of its first byte is closed.
///
/// The idle timeout only closes a connection that sends nothing; a sender
/// trickling a byte at a time, in the headers (slowloris) or the body,
/// stays under it for ever, holding a connection and an in-flight
/// reservation. This bounds the whole read, as nginx's
/// `client_header_timeout`/`client_body_timeout` and Go's `ReadTimeout` do.
/// The clock stops when the request's end is parsed: the time the server
/// takes to answer is not the sender's to answer for.
///
/// The connection is closed without a response. Nothing of the request has
/// been kept: intake keeps a request only once its body is whole.
struct AlertbridgeHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let intake: Intake
    let timeout: TimeAmount
    let expired: Counter
    let logger: Logger

    static func builder(
        configuration: HTTP1Channel.Configuration, intake: Intake, timeout: TimeAmount, expired: Counter, logger: Logger
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            AlertbridgeHTTP1Channel(
                http1: HTTP1Channel(responder: responder, configuration: configuration), intake: intake, timeout: timeout,
                expired: expired, logger: logger)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let deadline = ReadDeadline(timeout: timeout, expired: expired, logger: self.logger)
            let pipeline = channel.pipeline.syncOperations
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(OriginFormServerCodec(), position: .after(codec))
            pipeline.removeHandler(codec, promise: nil)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestBytesWatcher(deadline), position: .first)
            try pipeline.addHandler(RequestEndWatcher(deadline), position: .after(decoder))
            // After the connection state handler, so that its idle timeout and
            // graceful shutdown count intake's requests; before the router's channel.
            let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(IntakeHandler(intake: intake), position: .after(connectionState))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

/// One connection's deadline, shared by the two watchers (both on the
/// connection's event loop).
///
/// Cheap per request: a request's start is a clock read and its end a
/// flag. One timer per connection checks, and is re-armed only while a
/// request is being read, so a busy keep-alive connection costs one timer
/// per `timeout`, not one per request.
private final class ReadDeadline {
    private let timeout: TimeAmount
    private let expired: Counter
    private let logger: Logger
    /// When the request being read began; nil between requests.
    private var requestStartedAt: NIODeadline?
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount, expired: Counter, logger: Logger) {
        self.timeout = timeout
        self.expired = expired
        self.logger = logger
    }

    /// Starts the clock, unless a request is already being read.
    func requestBytesArrived(context: ChannelHandlerContext) {
        guard requestStartedAt == nil else { return }
        let now = NIODeadline.now()
        requestStartedAt = now
        if check == nil { arm(at: now + timeout, context: context) }
    }

    func requestEnded() {
        requestStartedAt = nil
    }

    func connectionClosed() {
        requestStartedAt = nil
        check?.cancel()
        check = nil
    }

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((deadline: self, context: context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) {
            let (deadline, context) = bound.value
            deadline.expire(context: context)
        }
    }

    /// The check: closes the connection if the request being read is late,
    /// re-arms for the request's own deadline if it is not yet.
    private func expire(context: ChannelHandlerContext) {
        check = nil
        guard let startedAt = requestStartedAt else { return }  // idle: re-armed by the next request
        let due = startedAt + timeout
        guard NIODeadline.now() >= due else {
            arm(at: due, context: context)
            return
        }
        expired.increment()
        logger.debug(
            "request not read in time; connection closed", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
        context.close(promise: nil)
    }
}

/// First in the pipeline: any bytes while no request is being read start a request's clock.
private final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let deadline: ReadDeadline

    init(_ deadline: ReadDeadline) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadline.requestBytesArrived(context: context)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.connectionClosed()
        context.fireChannelInactive()
    }
}

/// Right after the HTTP decoder (before pipelining holds requests back):
/// a request's end stops its clock.
private final class RequestEndWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    private let deadline: ReadDeadline

    init(_ deadline: ReadDeadline) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { deadline.requestEnded() }
        context.fireChannelRead(data)
    }
}
