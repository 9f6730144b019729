import AlertbridgeIngest
import Logging
import NIOCore
import Prometheus
import NIOPosix
import ServiceLifecycle
import Synchronization

extension SyslogListeners {
    /// Datagrams read per readable event: one burst, one batch.
    static let datagramsPerRead = 256
    /// Batches read ahead of the sink. The sink refuses rather than waits for
    /// UDP, so this only smooths the hand-over; beyond it the kernel's
    /// receive buffer holds the datagrams.
    static let datagramBackPressure = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(
        lowWatermark: 2, highWatermark: 4)

    /// Binds the UDP listener, sizes its receive buffer and finds its row in
    /// `/proc/net/udp` for the drop counter.
    ///
    /// Every read gets a 64 KiB buffer: the largest UDP payload fits, so the
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
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 1 << 16))
                .channelOption(.maxMessagesPerRead, value: UInt(datagramsPerRead))
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

    /// Hands each batch to the sink, one call per sender, counting what the
    /// sink refused; alongside, polls the kernel's drop counter.
    func serve(_ listener: DatagramListener) async throws {
        let counters = metrics.udp
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            if let source = listener.dropSource {
                group.addTask { await self.watchDrops(source) }
            }
            var refusals = RateLimitedWarning()
            await withGracefulShutdownHandler {
                do {
                    try await listener.channel.executeThenClose { inbound in
                        for try await batch in inbound {
                            for sender in batch.groups {
                                do {
                                    try await sink.accept(sender.frames, from: SyslogPeer(address: sender.address, transport: .udp))
                                } catch {
                                    let isRefusal = error is SyslogRefused
                                    (isRefusal ? counters.droppedRefused : counters.droppedError)
                                        .increment(by: Int64(sender.frames.count))
                                    if let count = refusals.record(sender.frames.count) {
                                        logger.warning(
                                            "syslog udp frames dropped",
                                            metadata: [
                                                "reason": "\(isRefusal ? "refused" : "error")", "frames": "\(count)",
                                                "error": "\(error)",
                                            ])
                                    }
                                }
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
            metrics.udpReceiveBufferDrops.increment(by: Int64(clamping: new))
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
