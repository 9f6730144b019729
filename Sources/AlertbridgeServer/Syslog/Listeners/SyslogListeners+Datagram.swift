import AlertbridgeIngest
import Logging
import NIOCore
import Prometheus
import NIOPosix
import ServiceLifecycle
import Synchronization

extension SyslogListeners {
    /// Datagrams one `recvmmsg` call reads: a tenth of the system calls of
    /// reading them one by one, which is what keeps a single event loop
    /// ahead of a fast sender.
    static let datagramsPerSystemCall = 16
    /// `recvmmsg` calls per readable event (one burst, one batch): up to 256 datagrams.
    static let systemCallsPerRead = 16
    /// Batches read ahead of the sink. The sink refuses rather than waits for
    /// UDP, so this only smooths the hand-over; beyond it the kernel's
    /// receive buffer holds the datagrams.
    /// Datagrams, and their bytes, handed to the sink and not yet taken.
    static let datagramFramesInFlight = 16_384
    static let datagramBytesInFlight = 32 << 20
    static let datagramBackPressure = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(
        lowWatermark: 2, highWatermark: 4)

    /// Binds the UDP listener, sizes its receive buffer and finds its row in
    /// `/proc/net/udp` for the drop counter.
    ///
    /// Every datagram gets a 64 KiB slot: the largest UDP payload fits, so the
    /// kernel never cuts a datagram, and only `maxMessageBytes` does (flagged).
    static func bindDatagram(
        _ address: HostPort, configuration: SyslogConfiguration, metrics: SyslogListenerMetrics, logger: Logger,
        group: any EventLoopGroup
    ) async throws -> DatagramListener {
        let maxMessageBytes = configuration.maxMessageBytes
        let counters = metrics.udp
        let channel: DatagramChannel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                // One 64 KiB slot per datagram of a vector read; NIO reuses
                // the 1 MiB buffer once the batcher has copied the payloads out.
                .channelOption(.datagramVectorReadMessageCount, value: datagramsPerSystemCall)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: datagramsPerSystemCall << 16))
                .channelOption(.maxMessagesPerRead, value: UInt(systemCallsPerRead))
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            SyslogDatagramBatcher(maxMessageBytes: maxMessageBytes, counters: counters, logger: logger))
                        return try DatagramChannel(
                            wrappingChannelSynchronously: channel, configuration: .init(backPressureStrategy: datagramBackPressure))
                    }
                }
        } catch {
            throw SyslogListenerError("syslog.udp (--syslog-udp) \(address): cannot listen: \(error)")
        }
        if let granted = await UDPReceiveBuffer.configure(channel.channel, bytes: configuration.udpReceiveBufferBytes, logger: logger) {
            metrics.udpReceiveBufferBytes.set(to: Double(granted))
        }
        let local = channel.channel.localAddress
        var dropSource: UDPReceiveBuffer.DropSource?
        if let local, let port = local.port {
            dropSource = UDPReceiveBuffer.dropSource(port: port, ipv6: local.protocol == .inet6)
        }
        if dropSource == nil {
            logger.notice("syslog udp: kernel drops are not observable here (no row for the socket in /proc/net/udp)")
        }
        return DatagramListener(channel: channel, address: local.map(hostPort) ?? "\(address)", dropSource: dropSource)
    }

    /// Hands each batch to the sink, up to `datagramFramesInFlight` at
    /// once; alongside, polls the kernel's drop counter.
    func serve(_ listener: DatagramListener) async throws {
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            if let source = listener.dropSource {
                group.addTask { await self.watchDrops(source) }
            }
            let refusals = SharedRateLimitedWarning()
            await withGracefulShutdownHandler {
                do {
                    try await listener.channel.executeThenClose { inbound in
                        // Many batches in flight: each waits for its commit, and
                        // the inbox's group commit joins whatever waits together.
                        // One at a time would cap intake at one read burst per
                        // fsync while the kernel buffer overflows. Bounded in
                        // frames and bytes, so a stalled inbox holds memory
                        // only up to that and the kernel buffer takes the rest.
                        let inFlight = InFlightLimit(frames: datagramFramesInFlight, bytes: Self.datagramBytesInFlight)
                        await withDiscardingTaskGroup { deliveries in
                            do {
                                for try await batch in inbound {
                                    await inFlight.acquire(frames: batch.frameCount, bytes: batch.byteCount)
                                    deliveries.addTask {
                                        await self.deliver(batch, refusals: refusals)
                                        inFlight.release(frames: batch.frameCount, bytes: batch.byteCount)
                                    }
                                }
                            } catch {
                                failure = error
                            }
                        }
                    }
                } catch {
                    failure = error
                }
            } onGracefulShutdown: {
                self.isShuttingDown.store(true, ordering: .relaxed)
                listener.channel.channel.close(promise: nil)
            }
            group.cancelAll()
        }
        try checkStoppedOnPurpose("syslog.udp (--syslog-udp)", listener.address, error: failure)
    }

    /// Hands one batch to the sink, one call per sender, counting what the
    /// sink refused.
    private func deliver(_ batch: SyslogDatagramBatch, refusals: SharedRateLimitedWarning) async {
        let counters = metrics.udp
        for sender in batch.groups {
            do {
                try await sink.accept(sender.frames, from: SyslogPeer(address: sender.address, transport: .udp))
            } catch {
                let isRefusal = error is SyslogRefused
                counters.dropped(sender.frames.count, refused: isRefusal)
                if let count = refusals.record(sender.frames.count) {
                    logger.warning(
                        "syslog udp frames dropped",
                        metadata: ["reason": "\(isRefusal ? "refused" : "error")", "frames": "\(count)", "error": "\(error)"])
                }
            }
        }
    }

    /// Copies the kernel's per-socket drop count into
    /// `alertbridge_syslog_dropped_total{transport="udp",reason="receive_buffer"}`
    /// every `dropPollInterval` (a scrape cannot trigger it), and once more
    /// when cancelled. Warns at most every 10 s while drops happen.
    private func watchDrops(_ source: UDPReceiveBuffer.DropSource) async {
        var seen: UInt64 = 0  // a new socket starts at 0
        var warning = RateLimitedWarning()
        func update() {
            guard let drops = source.drops(), drops > seen else { return }
            let new = drops - seen
            seen = drops
            metrics.udpDroppedByKernel(Int(clamping: new))
            if let count = warning.record(Int(clamping: new)) {
                logger.warning(
                    "syslog udp datagrams dropped by the kernel: receive buffer full",
                    metadata: ["dropped": "\(count)", "total": "\(drops)"])
            }
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: dropPollInterval)
            update()
        }
    }
}

/// Frames and bytes handed to the sink and not yet taken, with one waiter
/// (the listener's read loop) held while either is at its limit.
final class InFlightLimit: Sendable {
    private struct State {
        var frames = 0
        var bytes = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let maxFrames: Int
    private let maxBytes: Int

    init(frames: Int, bytes: Int) {
        maxFrames = frames
        maxBytes = bytes
    }

    /// Waits until both counts are below their limits, then adds these.
    /// (One batch may take them over: a batch is never split.)
    func acquire(frames: Int, bytes: Int) async {
        while !tryAcquire(frames: frames, bytes: bytes) {
            await withCheckedContinuation { continuation in
                let hasRoom = state.withLock { state in
                    if state.frames < maxFrames && state.bytes < maxBytes { return true }
                    state.waiter = continuation
                    return false
                }
                if hasRoom { continuation.resume() }
            }
        }
    }

    func release(frames: Int, bytes: Int) {
        let waiter = state.withLock { state in
            state.frames -= frames
            state.bytes -= bytes
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func tryAcquire(frames: Int, bytes: Int) -> Bool {
        state.withLock { state in
            guard state.frames < maxFrames && state.bytes < maxBytes else { return false }
            state.frames += frames
            state.bytes += bytes
            return true
        }
    }
}
