public import AlertbridgeIngest
public import NIOCore
import Prometheus

/// RFC 6587 framing for a TCP or TLS stream, as a NIO decoder around the
/// I/O-free ``SyslogFramer``: one `Frame` out per syslog message.
///
/// `decode` hands every byte it is given to the framer and emits whatever
/// frames that completed, so the `ByteToMessageHandler`'s own buffer is always
/// empty after a read; the framer holds at most one partial frame
/// (`maxFrameSize` octets). `decodeLast` runs when the connection ends (EOF,
/// error, idle timeout, shutdown) and emits the partial frame flagged
/// `isIncomplete`: nothing that was read is thrown away on disconnect.
public struct SyslogFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = SyslogFramer.Frame

    private var framer: SyslogFramer
    /// Counts what each read delivered (the listeners' `received_bytes_total`).
    private let bytesReceived: Counter?

    public init(maxFrameSize: Int) {
        self.init(maxFrameSize: maxFrameSize, bytesReceived: nil)
    }

    init(maxFrameSize: Int, bytesReceived: Counter?) {
        framer = SyslogFramer(configuration: .init(maxFrameSize: maxFrameSize))
        self.bytesReceived = bytesReceived
    }

    /// Octets the framer holds: at most one partial frame once a read is decoded.
    public var bufferedByteCount: Int { framer.bufferedByteCount }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        drain(&buffer)
        while let frame = framer.nextFrame() {
            context.fireChannelRead(wrapInboundOut(frame))
        }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        drain(&buffer)
        for frame in framer.finish() {
            context.fireChannelRead(wrapInboundOut(frame))
        }
        return .needMoreData
    }

    private mutating func drain(_ buffer: inout ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        bytesReceived?.increment(by: Int64(buffer.readableBytes))
        framer.append(buffer.readableBytesView)
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
    }
}
