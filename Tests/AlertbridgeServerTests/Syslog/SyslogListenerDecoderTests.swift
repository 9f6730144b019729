import AlertbridgeIngest
@testable import AlertbridgeServer
import Logging
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Prometheus
import Testing

@Suite("Syslog listener: decoder, batcher, kernel drop table")
struct SyslogListenerDecoderTests {
    static func octet(_ message: String) -> Frame {
        Frame(bytes: Array(message.utf8), framing: .octetCounting, declaredLength: message.utf8.count)
    }

    static func delimited(_ message: String) -> Frame {
        Frame(bytes: Array(message.utf8), framing: .nonTransparent)
    }

    @Test("octet-counted frames decode the same however the stream is split")
    func octetCountedUnderFragmentation() throws {
        let first = "<34>1 2026-11-22T17:32:00Z host app - - - hello"
        let second = "<13>1 - - - - - - line with\nan LF inside"
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                (octetCounted(first), [Self.octet(first)]),
                (octetCounted(second), [Self.octet(second)]),
                (octetCounted(first) + octetCounted(second), [Self.octet(first), Self.octet(second)]),
            ],
            decoderFactory: { SyslogFrameDecoder(maxFrameSize: 64 * 1024) })
    }

    @Test("LF- and NUL-delimited frames decode the same however the stream is split")
    func delimitedUnderFragmentation() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("<13>Nov 22 17:32:00 host app: one\n", [Self.delimited("<13>Nov 22 17:32:00 host app: one")]),
                ("<13>two\r\n", [Self.delimited("<13>two\r")]),
                ("<13>three\0<13>four\n", [Self.delimited("<13>three"), Self.delimited("<13>four")]),
                // Empty frames are skipped.
                ("\n\n<13>five\n", [Self.delimited("<13>five")]),
            ],
            decoderFactory: { SyslogFrameDecoder(maxFrameSize: 64 * 1024) })
    }

    @Test("mixed framing, bad counts and truncation decode the same however the stream is split")
    func mixedUnderFragmentation() throws {
        let long = String(repeating: "a", count: 40)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                (octetCounted("<13>1 counted") + "<13>plain\n", [Self.octet("<13>1 counted"), Self.delimited("<13>plain")]),
                // Octet-counted longer than the limit: cut, flagged, the rest skipped by count.
                (
                    octetCounted(long),
                    [Frame(bytes: Array(long.utf8.prefix(32)), framing: .octetCounting, isTruncated: true, declaredLength: 40)]
                ),
                // Delimited longer than the limit: cut, flagged, the rest skipped to the LF.
                (long + "\n", [Frame(bytes: Array(long.utf8.prefix(32)), framing: .nonTransparent, isTruncated: true)]),
                // Digits that are no MSG-LEN: a delimited frame, flagged.
                ("12x garbage\n", [Frame(bytes: Array("12x garbage".utf8), framing: .nonTransparent, hasInvalidOctetCount: true)]),
            ],
            decoderFactory: { SyslogFrameDecoder(maxFrameSize: 32) })
    }

    @Test("decodeLast emits the partial last frame flagged incomplete")
    func decodeLastEmitsIncompleteFrame() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SyslogFrameDecoder(maxFrameSize: 1024)))
        try channel.writeInbound(ByteBuffer(string: octetCounted("<13>1 whole") + "42 <13>1 cut off"))
        #expect(try channel.readInbound(as: Frame.self) == Self.octet("<13>1 whole"))
        #expect(try channel.readInbound(as: Frame.self) == nil)

        _ = try channel.finish()
        let last = try #require(try channel.readInbound(as: Frame.self))
        #expect(last.text == "<13>1 cut off")
        #expect(last.isIncomplete && last.declaredLength == 42 && last.framing == .octetCounting)
    }

    @Test("a read's frames reach the listener as one batch; the partial frame as a last batch")
    func batchesPerRead() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = SyslogListenerMetrics(registry: registry)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(SyslogFrameDecoder(maxFrameSize: 1024, bytesReceived: metrics.tcp.bytes)),
            SyslogFrameBatcher(maxFrames: 3, counters: metrics.tcp))
        let input = (1...4).map { octetCounted("<13>1 m\($0)") }.joined() + "<13>partial"
        try channel.writeInbound(ByteBuffer(string: input))

        // Four frames at most three per batch: two batches from one read.
        #expect(try channel.readInbound(as: [Frame].self)?.map(\.text) == ["<13>1 m1", "<13>1 m2", "<13>1 m3"])
        #expect(try channel.readInbound(as: [Frame].self)?.map(\.text) == ["<13>1 m4"])
        #expect(try channel.readInbound(as: [Frame].self) == nil)

        _ = try channel.finish()
        let last = try #require(try channel.readInbound(as: [Frame].self))
        #expect(last.map(\.text) == ["<13>partial"] && last[0].isIncomplete)
        #expect(metricValue(registry, "alertbridge_syslog_messages_total", ["transport": "tcp"]) == 5)
        #expect(metricValue(registry, "alertbridge_syslog_received_bytes_total", ["transport": "tcp"]) == Double(input.utf8.count))
    }

    @Test("small UDP bursts are gathered for a moment; a full one, or the channel closing, flushes at once")
    func datagramsGathered() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = SyslogListenerMetrics(registry: registry)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            SyslogDatagramBatcher(
                maxMessageBytes: 1024, gatherFrames: 3, gatherDelay: .milliseconds(2), counters: metrics.udp, logger: Logger(label: "test")))
        let sender = try SocketAddress(ipAddress: "192.0.2.7", port: 514)
        func burst(_ texts: String...) throws {
            for text in texts { channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: sender, data: ByteBuffer(string: text))) }
            channel.pipeline.fireChannelReadComplete()
        }
        func texts(_ batch: SyslogDatagramBatch?) -> [String]? { batch?.groups.flatMap { $0.frames.map(\.text) } }

        try burst("<13>a", "<13>b")
        #expect(try channel.readInbound(as: SyslogDatagramBatch.self) == nil, "two of three: held")
        try burst("<13>c")
        #expect(texts(try channel.readInbound(as: SyslogDatagramBatch.self)) == ["<13>a", "<13>b", "<13>c"], "three: flushed")

        try burst("<13>d")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try channel.readInbound(as: SyslogDatagramBatch.self) == nil)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        let late = try #require(try channel.readInbound(as: SyslogDatagramBatch.self), "flushed once the delay is over")
        #expect(texts(late) == ["<13>d"] && late.groups.map(\.address) == ["192.0.2.7"])

        try burst("<13>e")
        _ = try channel.finish()
        #expect(texts(try channel.readInbound(as: SyslogDatagramBatch.self)) == ["<13>e"], "closing flushes what is held")
        #expect(metricValue(registry, "alertbridge_syslog_messages_total", ["transport": "udp"]) == 5)
    }

    @Test("the kernel's UDP table yields port, inode and drops per socket")
    func parsesProcNetUDP() {
        // /proc/net/udp6 has longer addresses in the same columns.
        let table = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
             1289: 0100007F:15AA 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4711 2 0000000000000000 0
             1301: 00000000:9C41 00000000:0000 07 00000000:00030000 00:00000000 00000000     0        0 81234 2 ffff8f0c5a2e6000 1234
             1302: 00000000000000000000000001000000:0202 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0000000000000000 7
             junk line
            """
        #expect(
            UDPReceiveBuffer.parse(table) == [
                .init(localPort: 5546, inode: 4711, drops: 0),
                .init(localPort: 40001, inode: 81234, drops: 1234),
                .init(localPort: 514, inode: 99, drops: 7),
            ])
    }

    @Test("warnings repeat at most once per interval, with the count since the last")
    func rateLimitedWarning() {
        var warning = RateLimitedWarning(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(warning.record(3, now: start) == 3)
        #expect(warning.record(2, now: start + .seconds(1)) == nil)
        #expect(warning.record(5, now: start + .seconds(9)) == nil)
        #expect(warning.record(1, now: start + .seconds(10)) == 8)
    }
}
