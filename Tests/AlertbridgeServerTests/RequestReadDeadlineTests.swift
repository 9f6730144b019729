import AlertbridgeTestSupport
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// `limits.request_read_timeout` on the real server: a sender that trickles
/// its headers or its body is cut off; one that reads its answer and then
/// waits on a keep-alive connection is not.
@Suite(.serialized) struct RequestReadDeadlineTests {
    static func start() async throws -> ServerProcess {
        try await ServerProcess(
            config: "limits: {request_read_timeout: 1s}\n", directory: TemporaryDirectory("alertbridge-read-deadline"))
    }

    /// What the server sent back on a raw connection.
    final class Received: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let bytes = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readableBytesView }
        }

        var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
    }

    static func connect(_ server: ServerProcess, _ received: Received) async throws -> any Channel {
        let address = try SocketAddress.makeAddressResolvingHost("127.0.0.1", port: Int(server.baseURL.split(separator: ":").last!)!)
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) } }
            .connect(to: address).get()
    }

    /// Sends `pieces` one every 100 ms until the server closes the
    /// connection; how long that took, or nil if it never did.
    static func trickle(_ channel: any Channel, _ pieces: [String]) async -> Duration? {
        let start = ContinuousClock.now
        for piece in pieces {
            guard channel.isActive else { return start.duration(to: .now) }
            try? await channel.writeAndFlush(ByteBuffer(string: piece)).get()
            try? await Task.sleep(for: .milliseconds(100))
        }
        return channel.isActive ? nil : start.duration(to: .now)
    }

    static let alert = #"{"labels": {"alertname": "SlowSender"}}"#
    /// The head of a POST of ``alert``, and the whole request.
    static let head = "POST /ingest/generic HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(alert.utf8.count)\r\n\r\n"
    static let request = head + alert

    @Test("headers trickled a line every 100 ms are cut off at the deadline")
    func slowHeaders() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let channel = try await Self.connect(server, Received())
        let pieces = ["POST /ingest/generic HTTP/1.1\r\nHost: a\r\n"] + (0..<50).map { "X-Slow-\($0): yes\r\n" }
        let closedAfter = try #require(await Self.trickle(channel, pieces), "the connection stayed open for 5 s")
        #expect(closedAfter >= .milliseconds(900) && closedAfter < .seconds(3), "\(closedAfter)")
        let metrics = try await server.get("/metrics").body
        #expect(metrics.contains("alertbridge_http_request_read_timeouts_total 1"), "\(metrics)")
    }

    @Test("a body trickled a byte every 100 ms is cut off and nothing of it is kept")
    func slowBody() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let received = Received()
        let channel = try await Self.connect(server, received)
        let closedAfter = try #require(await Self.trickle(channel, [Self.head] + Self.alert.map { String($0) }), "the connection stayed open")
        #expect(closedAfter >= .milliseconds(900) && closedAfter < .seconds(3), "\(closedAfter)")
        #expect(received.text.isEmpty, "no answer to a request never read whole: \(received.text)")
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == 0)
    }

    @Test("a slow request after a quick one on the same connection gets its own full deadline, then is cut off")
    func slowAfterQuick() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let received = Received()
        let channel = try await Self.connect(server, received)
        try await channel.writeAndFlush(ByteBuffer(string: Self.request)).get()
        try await Task.sleep(for: .milliseconds(600))
        #expect(received.text.hasPrefix("HTTP/1.1 202"))
        // The first request's check comes due while this one is being read:
        // it must wait for this one's own deadline, not cut it short.
        let pieces = ["POST /ingest/generic HTTP/1.1\r\nHost: a\r\n"] + (0..<50).map { "X-Slow-\($0): yes\r\n" }
        let closedAfter = try #require(await Self.trickle(channel, pieces), "the connection stayed open")
        #expect(closedAfter >= .milliseconds(900) && closedAfter < .milliseconds(2_500), "\(closedAfter)")
    }

    @Test("the clock stops at the request's end: a keep-alive connection may wait longer than the deadline between requests")
    func keepAlive() async throws {
        let server = try await Self.start()
        defer { Task { await server.stop() } }
        let received = Received()
        let channel = try await Self.connect(server, received)
        try await channel.writeAndFlush(ByteBuffer(string: Self.request)).get()
        try await Task.sleep(for: .milliseconds(1_600))
        #expect(channel.isActive)
        try await channel.writeAndFlush(ByteBuffer(string: Self.request)).get()
        let deadline = ContinuousClock.now + .seconds(10)
        while received.text.components(separatedBy: "HTTP/1.1 202").count < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(received.text.components(separatedBy: "HTTP/1.1 202").count == 3, "\(received.text)")
        #expect(channel.isActive)
        try await channel.close()
        let metrics = try await server.get("/metrics").body
        #expect(metrics.contains("alertbridge_http_request_read_timeouts_total 0"), "\(metrics)")
    }
}
