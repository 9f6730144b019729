import Foundation
import Glibc
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `POST`s to the intake paths on the connection's event loop, in
/// front of Hummingbird's router, which gets every other request.
///
/// A one-alert request spends most of its time outside the work it asks
/// for: as a Hummingbird route it woke a task on Swift's global executor to
/// read it, another to resume it after the commit, and the event loop again
/// to write. Here the event loop reads the body, decodes it and appends it,
/// and the commit's callback writes the answer: 62 instead of 81 µs of
/// server CPU per one-alert request, and 1.15× the requests per second at
/// 64 connections (docs/performance.md).
///
/// It sits after Hummingbird's connection state handler, which therefore
/// sees these requests too: the idle timeout and graceful shutdown wait for
/// their answers as for the router's. Answers leave in the order requests
/// came (HTTP/1.1 pipelining): a request that arrives while an earlier one
/// is still unanswered is held, and no more is read, until that answer is
/// written, except that the router's own requests follow each other as
/// they always did.
final class IntakeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Reading {
        /// Between requests.
        case idle
        /// A request for the router: its parts pass on.
        case forwarding
        /// An admitted intake request's body (in ``body``), up to its source's limit.
        case collecting(Intake.Admission)
        /// A refused intake request: its body is read and dropped, as the
        /// router did, so that the connection can go on.
        case refusing(Intake.Route, Rejection)
    }

    private let intake: Intake
    private var reading = Reading.idle
    /// The body of the request being collected, outside `reading` so that
    /// appending to it does not copy it.
    private var body: ByteBuffer?
    /// An intake request is read whole and its answer not yet written.
    private var answering = false
    /// Requests passed to the router and not answered yet.
    private var routerRequests = 0
    /// Parts that arrived while an earlier request's answer was due, in order.
    private var held = CircularBuffer<HTTPRequestPart>()
    /// A `read` held back while parts are held.
    private var readHeld = false
    /// The intake request being read or answered asked to close the connection.
    private var closeAfterAnswer = false
    /// The peer's half-close, passed on once what came before it is answered.
    private var inputClosedHeld = false
    /// A parse error, passed on once what came before it is answered.
    private var errorHeld: (any Error)?
    private var context: ChannelHandlerContext?
    private var date = HTTPDate()

    init(intake: Intake) {
        self.intake = intake
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        abandonIntakeRequest()
        held.removeAll()
    }

    /// Drops the intake request being read, if any, giving its budget back:
    /// the connection closed or the parser failed before its end.
    private func abandonIntakeRequest() {
        switch reading {
        case .collecting(let admission):
            intake.release(admission)
            body = nil
            reading = .idle
        case .refusing:
            reading = .idle
        case .idle, .forwarding:
            break
        }
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !held.isEmpty || mustWait(part) {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    /// Whether `part`, the head of a new request, must wait for an earlier
    /// request's answer: any request after an intake one, and an intake
    /// request after the router's (which answers its own in order).
    private func mustWait(_ part: HTTPRequestPart) -> Bool {
        guard case .head(let request) = part else { return false }
        return answering || (routerRequests > 0 && intake.route(for: request) != nil)
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let request):
            guard let route = intake.route(for: request) else {
                routerRequests += 1
                reading = .forwarding
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            // As the router's connection loop does: the answer to a request
            // that asks for it is the connection's last.
            closeAfterAnswer = request.headerFields.contains { $0.name == .connection && $0.value.lowercased().contains("close") }
            switch intake.admit(request, route: route) {
            case .success(let admission): reading = .collecting(admission)
            case .failure(let rejection): reading = .refusing(route, rejection)
            }
        case .body(var chunk):
            switch reading {
            case .collecting(let admission):
                guard (body?.readableBytes ?? 0) + chunk.readableBytes <= admission.route.gate.maxBodyBytes else {
                    body = nil
                    reading = .refusing(admission.route, intake.tooLarge(admission))
                    return
                }
                if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
            case .refusing:
                break
            case .idle, .forwarding:
                context.fireChannelRead(wrapInboundOut(part))
            }
        case .end:
            let current = reading
            reading = .idle
            switch current {
            case .collecting(let admission):
                let whole = body ?? context.channel.allocator.buffer(capacity: 0)
                body = nil
                answering = true
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                intake.accept(admission, body: whole) { answer in
                    if eventLoop.inEventLoop {
                        handler.value.write(answer)
                    } else {
                        eventLoop.execute { handler.value.write(answer) }
                    }
                }
            case .refusing(let route, let rejection):
                answering = true
                write(intake.answer(rejection, for: route.gate))
            case .idle, .forwarding:
                context.fireChannelRead(wrapInboundOut(part))
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, answering || !held.isEmpty {
            inputClosedHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A parse error ends the connection: the router answers it with a 400
    /// and closes. It waits, as a request would, for the answers due before
    /// it; after a request that asked to close, it is not passed on at all
    /// (the parser refuses any bytes after such a request).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        abandonIntakeRequest()
        if answering || !held.isEmpty {
            if !closeAfterAnswer, errorHeld == nil { errorHeld = error }
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandonIntakeRequest()
        context.fireChannelInactive()
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let answered: Bool
        if case .end = unwrapOutboundIn(data) { answered = true } else { answered = false }
        context.write(data, promise: promise)
        if answered {
            // Never below zero: the router also answers a request the HTTP
            // parser refused, whose head never passed here.
            routerRequests = max(0, routerRequests - 1)
            if routerRequests == 0 { resumeHeld() }
        }
    }

    func read(context: ChannelHandlerContext) {
        if held.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    // MARK: - Answering

    private func write(_ answer: IntakeAnswer) {
        answering = false
        guard let context else { return }  // the connection is gone; the budget went back already
        // Appended, not set: an answer carries neither (setting a field
        // searches and rebuilds the list).
        var headers = answer.headerFields
        headers.append(HTTPField(name: .contentLength, value: "\(answer.body.utf8.count)"))
        headers.append(HTTPField(name: .date, value: date.now()))
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: answer.body))), promise: nil)
        guard closeAfterAnswer else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            resumeHeld()
            return
        }
        held.removeAll()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Handles the held parts in order until one must wait again; then
    /// passes on the `read` and the half-close held behind them.
    private func resumeHeld() {
        guard let context else { return }
        var handled = false
        while let part = held.first, !mustWait(part) {
            held.removeFirst()
            handle(part, context: context)
            handled = true
        }
        // The router's channel takes what was read at the end of each read.
        if handled { context.fireChannelReadComplete() }
        guard held.isEmpty else { return }
        if readHeld {
            readHeld = false
            context.read()
        }
        guard !answering else { return }
        if let error = errorHeld {
            errorHeld = nil
            context.fireErrorCaught(error)
        }
        if inputClosedHeld {
            inputClosedHeld = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }
}

/// The `Date` header (RFC 9110, IMF-fixdate), formatted once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        let current = Int(time(nil))
        if current != second {
            second = current
            text = Self.format(current)
        }
        return text
    }

    static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
