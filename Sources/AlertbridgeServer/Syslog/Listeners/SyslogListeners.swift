import AlertbridgeIngest
public import Logging
public import NIOCore
public import NIOPosix
import NIOSSL
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// The syslog listeners (UDP, TCP, TLS) as one service: they read frames and
/// hand them to a ``SyslogSink``.
///
/// ```swift
/// let listeners = try await SyslogListeners.bind(configuration: config.syslog, sink: sink, registry: registry, logger: logger)
/// logger.info("listening", metadata: ["syslog": "\(listeners.boundAddresses)"])
/// // … add `listeners` to the ServiceGroup
/// ```
///
/// - **TCP and TLS** (RFC 6587 framing, RFC 5425): each connection reads one
///   burst, decodes it, and awaits `sink.accept` with that burst's frames; its
///   next read is only issued once that batch is taken, so while the sink
///   waits (the inbox is full) the listener stops reading and TCP flow control
///   pushes back on the sender. At most one burst (≤ 4 reads of 64 KiB) is
///   read ahead of the sink per connection.
/// - **UDP** (RFC 5426) has no backpressure: the sink refuses what it cannot
///   take, and those frames are counted as dropped (`reason="refused"`), as
///   are the datagrams the kernel dropped because the socket's receive buffer
///   was full (`reason="receive_buffer"`, read from `/proc/net/udp`).
/// - **Connection limit**: `maxConnections` counts TCP and TLS connections
///   together. A connection beyond it is accepted and closed at once, and
///   counted in `alertbridge_syslog_connections_rejected_total`, so the sender
///   sees an error (and can retry or fail over) rather than hanging in the
///   kernel's backlog.
/// - **Shutdown** (graceful, from a `ServiceGroup`): the listening sockets
///   close, every connection stops reading and closes, what was already read
///   (including a partial last frame, flagged `isIncomplete`) is handed to the
///   sink, and `run()` returns once every `accept` call has returned. On task
///   cancellation the same sockets close, but the tasks are cancelled: the
///   sink sees the cancellation and frames still buffered are not handed over.
public final class SyslogListeners: Service, Sendable {
    typealias StreamChannel = NIOAsyncChannel<NIOAsyncChannel<[SyslogFramer.Frame], Never>, Never>
    typealias DatagramChannel = NIOAsyncChannel<SyslogDatagramBatch, Never>

    struct StreamListener: Sendable {
        var transport: SyslogPeer.Transport
        var setting: String
        var channel: StreamChannel
        var address: String
    }

    struct DatagramListener: Sendable {
        var channel: DatagramChannel
        var address: String
        var dropSource: UDPReceiveBuffer.DropSource?
    }

    /// The bound addresses, in the order UDP, TCP, TLS, e.g.
    /// `[(.udp, "127.0.0.1:40001"), (.tcp, "127.0.0.1:40002")]`. Port 0 in the
    /// configuration shows here as the port the kernel chose.
    public let boundAddresses: [(transport: SyslogPeer.Transport, address: String)]

    let datagram: DatagramListener?
    let streams: [StreamListener]
    let sink: any SyslogSink
    let metrics: SyslogListenerMetrics
    let logger: Logger
    let maxConnections: Int
    let dropPollInterval: Duration
    /// UDP datagrams handed to the sink and not yet taken, at most.
    let datagramFramesInFlight: Int
    /// TCP and TLS connections being served (the limit is shared).
    let openConnections = Atomic<Int>(0)
    /// Set when graceful shutdown began: a listener that stops before that has failed.
    let isShuttingDown = Atomic<Bool>(false)
    private let hasRun = Atomic<Bool>(false)

    private init(
        datagram: DatagramListener?, streams: [StreamListener], sink: any SyslogSink, metrics: SyslogListenerMetrics,
        logger: Logger, maxConnections: Int, dropPollInterval: Duration, datagramFramesInFlight: Int
    ) {
        self.datagram = datagram
        self.streams = streams
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
        self.maxConnections = maxConnections
        self.dropPollInterval = dropPollInterval
        self.datagramFramesInFlight = datagramFramesInFlight
        boundAddresses = (datagram.map { [(SyslogPeer.Transport.udp, $0.address)] } ?? []) + streams.map { ($0.transport, $0.address) }
    }

    // MARK: - Binding

    /// Binds every configured listener (UDP, TCP, TLS) now, so that a port
    /// conflict fails startup with an error naming the setting and address,
    /// and port 0 resolves before the server logs its listening line. Loads
    /// the TLS certificate, key and client CAs first and fails with an error
    /// naming the file. If one listener cannot bind, those already bound are
    /// closed again.
    ///
    /// The sockets start receiving at once; until ``run()`` consumes them,
    /// what arrives waits in bounded buffers and then in the kernel.
    public static func bind(
        configuration: SyslogConfiguration, sink: any SyslogSink, registry: PrometheusCollectorRegistry, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SyslogListeners {
        try await bind(
            configuration: configuration, sink: sink, registry: registry, logger: logger, eventLoopGroup: eventLoopGroup,
            dropPollInterval: .seconds(1), datagramFramesInFlight: SyslogListeners.datagramFramesInFlight)
    }

    /// ``bind(configuration:sink:registry:logger:eventLoopGroup:)`` with the
    /// receive-buffer drop poll interval and the UDP in-flight limit exposed
    /// for tests.
    static func bind(
        configuration: SyslogConfiguration, sink: any SyslogSink, registry: PrometheusCollectorRegistry, logger: Logger,
        eventLoopGroup: any EventLoopGroup, dropPollInterval: Duration, datagramFramesInFlight: Int
    ) async throws -> SyslogListeners {
        var tlsContext: NIOSSLContext?
        if configuration.tls != nil {
            guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
                throw SyslogListenerError(
                    "syslog.tls (--syslog-tls) needs syslog.tls_cert and syslog.tls_key (--tls-cert, --tls-key): PEM files")
            }
            tlsContext = try makeTLSContext(certificate: certificate, key: key, clientCA: configuration.tlsClientCA)
        }
        let metrics = SyslogListenerMetrics(registry: registry)
        var bound: [any Channel] = []
        do {
            var datagram: DatagramListener?
            if let address = configuration.udp {
                let listener = try await bindDatagram(
                    address, configuration: configuration, metrics: metrics, logger: logger, group: eventLoopGroup)
                bound.append(listener.channel.channel)
                datagram = listener
            }
            var streams: [StreamListener] = []
            let streamAddresses: [(SyslogPeer.Transport, HostPort?, String, NIOSSLContext?)] = [
                (.tcp, configuration.tcp, "syslog.tcp (--syslog-tcp)", nil),
                (.tls, configuration.tls, "syslog.tls (--syslog-tls)", tlsContext),
            ]
            for case (let transport, let address?, let setting, let tls) in streamAddresses {
                let listener = try await bindStream(
                    transport, address: address, setting: setting, tls: tls, configuration: configuration, metrics: metrics,
                    logger: logger, group: eventLoopGroup)
                bound.append(listener.channel.channel)
                streams.append(listener)
            }
            return SyslogListeners(
                datagram: datagram, streams: streams, sink: sink, metrics: metrics, logger: logger,
                maxConnections: configuration.maxConnections, dropPollInterval: dropPollInterval,
                datagramFramesInFlight: datagramFramesInFlight)
        } catch {
            for channel in bound { try? await channel.close() }
            throw error
        }
    }

    // MARK: - Serving

    /// Serves until graceful shutdown or cancellation, then stops accepting
    /// and reading, hands over what was read, closes every socket and
    /// returns (see the type's documentation). Throws when a listening socket
    /// fails while the server is not shutting down, so the service group
    /// stops rather than run deaf.
    public func run() async throws {
        guard !hasRun.exchange(true, ordering: .relaxed) else {
            throw SyslogListenerError("syslog listeners: run() called twice")
        }
        guard datagram != nil || !streams.isEmpty else {
            // Every listener is off. A service that returned at once would
            // leave the service group waiting for it at shutdown, for ever:
            // so, like the others, this one ends when shutdown begins.
            try? await gracefulShutdown()
            return
        }
        try await withThrowingDiscardingTaskGroup { group in
            if let datagram {
                group.addTask { try await self.serve(datagram) }
            }
            for stream in streams {
                group.addTask { try await self.serve(stream) }
            }
        }
    }

    /// Throws if a listener stopped on its own, i.e. not for shutdown or cancellation.
    func checkStoppedOnPurpose(_ setting: String, _ address: String, error: (any Error)?) throws {
        if isShuttingDown.load(ordering: .relaxed) || Task.isCancelled { return }
        let reason = error.map { "\($0)" } ?? "the socket closed"
        logger.error("syslog listener stopped", metadata: ["listener": "\(setting)", "address": "\(address)", "error": "\(reason)"])
        throw SyslogListenerError("\(setting) \(address): listener stopped: \(reason)")
    }
}

/// A warning that repeats at most once per `interval`, with what happened since.
struct RateLimitedWarning {
    let interval: Duration
    private var lastLogged: ContinuousClock.Instant?
    private var pending = 0

    init(interval: Duration = .seconds(10)) {
        self.interval = interval
    }

    /// Adds `count` events; returns the total to report if a warning is due now.
    mutating func record(_ count: Int, now: ContinuousClock.Instant = .now) -> Int? {
        pending += count
        if let lastLogged, now - lastLogged < interval { return nil }
        lastLogged = now
        defer { pending = 0 }
        return pending
    }
}

/// A ``RateLimitedWarning`` shared by concurrent tasks.
final class SharedRateLimitedWarning: Sendable {
    private let state: Mutex<RateLimitedWarning>

    init(interval: Duration = .seconds(10)) {
        state = Mutex(RateLimitedWarning(interval: interval))
    }

    func record(_ count: Int) -> Int? { state.withLock { $0.record(count) } }
}
