import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// `HTTP1ToHTTPServerCodec`, which Hummingbird puts in every HTTP/1.1
/// pipeline, without a URL parse of every request's target.
///
/// The library's conversion parses each target with `URLComponents` to
/// take the path out of an absolute-form target (`POST http://host/path`).
/// A target that starts with `/` is already the path, and the parse gives
/// it back unchanged; almost every request has one. Under the load test's
/// one-alert requests the parse was 1.8% of the server's CPU. This codec
/// passes such a target through and converts everything else (other
/// targets, headers, trailers, responses) exactly as the library does.
final class OriginFormServerCodec: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The library's codec, for everything but an origin-form request head.
    private let library = HTTP1ToHTTPServerCodec(secure: false)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), head.uri.utf8.first == UInt8(ascii: "/") else {
            library.channelRead(context: context, data: data)
            return
        }
        do {
            let request = HTTPRequest(
                method: try HTTPRequest.Method(head.method), scheme: "http", authority: head.headers.first(name: "host"),
                path: head.uri, headerFields: HTTPFields(head.headers, splitCookie: false))
            context.fireChannelRead(wrapInboundOut(.head(request)))
        } catch {
            context.fireErrorCaught(error)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        library.write(context: context, data: data, promise: promise)
    }
}
