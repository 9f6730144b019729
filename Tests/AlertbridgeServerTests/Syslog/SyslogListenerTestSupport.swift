import AlertbridgeIngest
import AlertbridgeTestSupport
@testable import AlertbridgeServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

typealias Frame = SyslogFramer.Frame

/// A sink that records every call and can hold callers at a gate or refuse.
final class RecordingSink: SyslogSink {
    struct Call: Sendable {
        var frames: [Frame]
        var peer: SyslogPeer
    }

    enum Behaviour: Sendable {
        case accept
        /// Throws `SyslogRefused` (what the real sink does for UDP when full).
        case refuse
        /// Waits at `gate` before recording.
        case wait(Gate)
        /// Records at once; the commits it returns finish when `gate` opens.
        case holdCommits(Gate)
    }

    private let state = Mutex<[Call]>([])
    private let entered = Atomic<Int>(0)
    let behaviour: Behaviour

    init(_ behaviour: Behaviour = .accept) {
        self.behaviour = behaviour
    }

    func submit(_ frames: [Frame], from peer: SyslogPeer) async throws -> SyslogCommit {
        entered.add(1, ordering: .relaxed)
        switch behaviour {
        case .accept, .holdCommits: break
        case .refuse: throw SyslogRefused("test: inbox full")
        case .wait(let gate): await gate.wait()
        }
        state.withLock { $0.append(Call(frames: frames, peer: peer)) }
        guard case .holdCommits(let gate) = behaviour else { return .committed }
        let commit = SyslogCommit()
        Task {
            await gate.wait()
            commit.finish(.success(()))
        }
        return commit
    }

    var calls: [Call] { state.withLock { $0 } }
    var frames: [Frame] { calls.flatMap(\.frames) }
    var frameCount: Int { state.withLock { $0.reduce(0) { $0 + $1.frames.count } } }
    /// Calls that started, including those waiting at the gate.
    var enteredCount: Int { entered.load(ordering: .relaxed) }

    func frames(from transport: SyslogPeer.Transport) -> [Frame] {
        calls.filter { $0.peer.transport == transport }.flatMap(\.frames)
    }
}

/// Holds callers until opened.
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

struct ConditionTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Waits until `condition` holds, polling; fails the test after `timeout`.
///
/// The default is generous because it only costs time when a test fails:
/// the suite runs its tests concurrently on Swift's pool, one thread per
/// core, and on CI's two cores synchronous tests (the parser's random
/// bytes took 23 s there, wall time) can hold both threads while a
/// listener's tasks wait. A 5 s wait for a listener's first read timed out
/// there once.
func eventually(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
            throw ConditionTimedOut(description: what)
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

let quietLogger = Logger(label: "syslog-test") { _ in SwiftLogNoOpLogHandler() }

/// Listeners on 127.0.0.1 port 0 for the named transports only, with short timers.
func testConfiguration(
    udp: Bool = false, tcp: Bool = false, tls: Bool = false, _ adjust: (inout SyslogConfiguration) -> Void = { _ in }
) -> SyslogConfiguration {
    var configuration = SyslogConfiguration()
    let loopback = HostPort(host: "127.0.0.1", port: 0)
    configuration.udp = udp ? loopback : nil
    configuration.tcp = tcp ? loopback : nil
    configuration.tls = tls ? loopback : nil
    if tls {
        configuration.tlsCertificate = TLSFixture.serverCertificate
        configuration.tlsKey = TLSFixture.serverKey
    }
    adjust(&configuration)
    return configuration
}

/// Bound listeners running in a service group, with their registry.
struct RunningListeners: Sendable {
    let listeners: SyslogListeners
    let registry: PrometheusCollectorRegistry
    let group: ServiceGroup

    func address(_ transport: SyslogPeer.Transport) throws -> SocketAddress {
        let text = try #require(listeners.boundAddresses.first { $0.transport == transport }?.address)
        let port = try #require(HostPort(text)?.port)
        return try SocketAddress(ipAddress: "127.0.0.1", port: port)
    }

    /// A sample's value, e.g. `metric("alertbridge_syslog_dropped_total", ["transport": "udp", "reason": "refused"])`.
    func metric(_ name: String, _ labels: [String: String] = [:]) -> Double {
        metricValue(registry, name, labels)
    }
}

func metricValue(_ registry: PrometheusCollectorRegistry, _ name: String, _ labels: [String: String] = [:]) -> Double {
    var buffer: [UInt8] = []
    registry.emit(into: &buffer)
    let text = String(decoding: buffer, as: UTF8.self)
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let series = line[..<space]
        let seriesName = series.prefix { $0 != "{" }
        guard seriesName == name else { continue }
        let matches = labels.allSatisfy { series.contains("\($0.key)=\"\($0.value)\"") }
        if matches, let value = Double(line[line.index(after: space)...]) { return value }
    }
    return 0
}

/// Binds listeners, runs them in a `ServiceGroup` while `body` runs, then
/// shuts them down gracefully and waits for `run()` to return.
func withListeners(
    _ configuration: SyslogConfiguration, sink: RecordingSink, dropPollInterval: Duration = .milliseconds(20),
    datagramFramesInFlight: Int = SyslogListeners.datagramFramesInFlight,
    _ body: (RunningListeners) async throws -> Void
) async throws {
    let registry = PrometheusCollectorRegistry()
    let listeners = try await SyslogListeners.bind(
        configuration: configuration, sink: sink, registry: registry, logger: quietLogger,
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton, dropPollInterval: dropPollInterval,
        datagramFramesInFlight: datagramFramesInFlight)
    let group = ServiceGroup(configuration: .init(services: [listeners], logger: quietLogger))
    try await withThrowingTaskGroup { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body(RunningListeners(listeners: listeners, registry: registry, group: group))
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

// MARK: - Clients

/// Collects the errors a client channel saw (TLS alerts, resets).
final class ClientEvents: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let state = Mutex<[String]>([])

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.withLock { $0.append("\(error)") }
        context.fireErrorCaught(error)
    }

    var errors: [String] { state.withLock { $0 } }
}

/// A TCP (or, with `tls`, TLS) client connection.
func connect(to address: SocketAddress, tls: TLSConfiguration? = nil, events: ClientEvents = ClientEvents()) async throws
    -> any Channel
{
    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tls {
                    let context = try NIOSSLContext(configuration: tls)
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                }
                try channel.pipeline.syncOperations.addHandler(events)
            }
        }
        .connect(to: address).get()
}

/// A UDP client socket on 127.0.0.1.
func datagramClient() async throws -> any Channel {
    try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
        .bind(host: "127.0.0.1", port: 0).get()
}

extension Channel {
    /// Writes `bytes` and waits until the kernel took them.
    func send(_ bytes: some Sequence<UInt8>) async throws {
        try await writeAndFlush(ByteBuffer(bytes: Array(bytes))).get()
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func sendDatagram(_ bytes: [UInt8], to address: SocketAddress) async throws {
        try await writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))).get()
    }
}

/// `MSG-LEN SP MSG`.
func octetCounted(_ message: String) -> String {
    "\(message.utf8.count) \(message)"
}

/// A realistic RFC 5424 message with a sequence number.
func rfc5424(_ sequence: Int, padTo length: Int = 0) -> String {
    let base = "<34>1 2026-11-22T17:32:00.123Z host-1 app 4242 ID47 - message \(sequence)"
    return base.count >= length ? base : base + String(repeating: "x", count: length - base.count)
}

extension Frame {
    var text: String { String(decoding: bytes, as: UTF8.self) }
}
