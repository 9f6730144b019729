import AlertbridgeCore
import AlertbridgeIngest
import Foundation
import Prometheus
import Synchronization

/// The listeners' Prometheus series, all under `alertbridge_syslog_`.
///
/// Counters are atomics, so event-loop handlers and the listeners' tasks
/// update them directly, once per read burst rather than once per message.
final class SyslogListenerMetrics: Sendable {
    /// The series of one transport.
    final class Transport: Sendable {
        let messages: Counter
        let bytes: Counter
        let truncated: Counter
        /// The sink refused frames (UDP: ``SyslogRefused``) or failed.
        let droppedRefused: Counter
        let droppedError: Counter
        /// The same counts, readable (Prometheus' counters are write-only),
        /// for `GET /api/v1/sources`.
        private let messagesSeen = Atomic<Int>(0)
        private let truncatedSeen = Atomic<Int>(0)
        private let droppedSeen = Atomic<Int>(0)
        /// Unix milliseconds of the last read with messages; `.min` before one.
        private let lastMessageAt = Atomic<Int64>(.min)

        fileprivate init(_ transport: SyslogPeer.Transport, registry: PrometheusCollectorRegistry) {
            let label = [("transport", transport.rawValue)]
            messages = registry.makeCounter(
                descriptor: SyslogListenerMetrics.name("messages", "total", help: "Syslog messages received, by transport."),
                labels: label)
            bytes = registry.makeCounter(
                descriptor: SyslogListenerMetrics.name(
                    "received_bytes", "total", help: "Octets received, by transport (TLS: after decryption; framing included)."),
                labels: label)
            truncated = registry.makeCounter(
                descriptor: SyslogListenerMetrics.name(
                    "truncated", "total", help: "Syslog messages cut at max_message_bytes, by transport."),
                labels: label)
            droppedRefused = registry.makeCounter(
                descriptor: SyslogListenerMetrics.dropped, labels: label + [("reason", "refused")])
            droppedError = registry.makeCounter(
                descriptor: SyslogListenerMetrics.dropped, labels: label + [("reason", "error")])
        }

        /// Counts a batch of frames as received.
        func received(_ frames: [SyslogFramer.Frame]) {
            guard !frames.isEmpty else { return }
            var truncatedCount = 0
            for frame in frames where frame.isTruncated { truncatedCount += 1 }
            messages.increment(by: Int64(frames.count))
            messagesSeen.add(frames.count, ordering: .relaxed)
            if truncatedCount > 0 {
                truncated.increment(by: Int64(truncatedCount))
                truncatedSeen.add(truncatedCount, ordering: .relaxed)
            }
            lastMessageAt.store(Date().unixMilliseconds, ordering: .relaxed)
        }

        /// Counts frames received but not handed over: the sink refused them
        /// (``SyslogRefused``) or failed.
        func dropped(_ count: Int, refused: Bool) {
            (refused ? droppedRefused : droppedError).increment(by: Int64(count))
            droppedSeen.add(count, ordering: .relaxed)
        }

        /// Counts datagrams the kernel dropped (UDP), under `receive_buffer`.
        fileprivate func droppedByKernel(_ count: Int) {
            droppedSeen.add(count, ordering: .relaxed)
        }

        /// What arrived since the server started.
        var activity: Activity {
            let last = lastMessageAt.load(ordering: .relaxed)
            return Activity(
                messages: messagesSeen.load(ordering: .relaxed), truncated: truncatedSeen.load(ordering: .relaxed),
                dropped: droppedSeen.load(ordering: .relaxed), lastSeen: last == .min ? nil : Date(unixMilliseconds: last))
        }

        struct Activity {
            var messages: Int
            var truncated: Int
            /// Refused, failed, or (UDP) dropped by the kernel.
            var dropped: Int
            var lastSeen: Date?
        }
    }

    /// Connection series of a stream transport (TCP or TLS).
    final class Connections: Sendable {
        let open: Gauge
        let accepted: Counter
        let rejected: Counter
        /// Readable counts for `GET /api/v1/sources`.
        private let openNow = Atomic<Int>(0)
        private let rejectedSeen = Atomic<Int>(0)

        func opened() {
            accepted.increment()
            open.increment()
            openNow.add(1, ordering: .relaxed)
        }

        func closed() {
            open.decrement()
            openNow.subtract(1, ordering: .relaxed)
        }

        /// A connection closed at once because `max_connections` were open.
        func refused() {
            rejected.increment()
            rejectedSeen.add(1, ordering: .relaxed)
        }

        var openCount: Int { openNow.load(ordering: .relaxed) }
        var rejectedCount: Int { rejectedSeen.load(ordering: .relaxed) }

        fileprivate init(_ transport: SyslogPeer.Transport, registry: PrometheusCollectorRegistry) {
            let label = [("transport", transport.rawValue)]
            open = registry.makeGauge(
                descriptor: SyslogListenerMetrics.name("connections", "", help: "Open syslog connections, by transport."),
                labels: label)
            accepted = registry.makeCounter(
                descriptor: SyslogListenerMetrics.name(
                    "connections", "total", help: "Syslog connections accepted and served, by transport."),
                labels: label)
            rejected = registry.makeCounter(
                descriptor: SyslogListenerMetrics.name(
                    "connections_rejected", "total",
                    help: "Syslog connections closed at once because max_connections were open, by transport."),
                labels: label)
        }
    }

    let udp: Transport
    let tcp: Transport
    let tls: Transport
    let tcpConnections: Connections
    let tlsConnections: Connections
    /// Datagrams the kernel dropped because the UDP socket's receive buffer was full.
    private let udpReceiveBufferDrops: Counter
    /// What the kernel granted for the UDP receive buffer.
    let udpReceiveBufferBytes: Gauge

    init(registry: PrometheusCollectorRegistry) {
        udp = Transport(.udp, registry: registry)
        tcp = Transport(.tcp, registry: registry)
        tls = Transport(.tls, registry: registry)
        tcpConnections = Connections(.tcp, registry: registry)
        tlsConnections = Connections(.tls, registry: registry)
        udpReceiveBufferDrops = registry.makeCounter(
            descriptor: Self.dropped, labels: [("transport", "udp"), ("reason", "receive_buffer")])
        udpReceiveBufferBytes = registry.makeGauge(
            descriptor: Self.name(
                "udp_receive_buffer", "bytes", help: "The UDP socket's receive buffer as granted by the kernel."))
    }

    /// Counts datagrams the kernel dropped because the UDP receive buffer was full.
    func udpDroppedByKernel(_ count: Int) {
        udpReceiveBufferDrops.increment(by: Int64(count))
        udp.droppedByKernel(count)
    }

    func transport(_ transport: SyslogPeer.Transport) -> Transport {
        switch transport {
        case .udp: udp
        case .tcp: tcp
        case .tls: tls
        }
    }

    func connections(_ transport: SyslogPeer.Transport) -> Connections {
        transport == .tls ? tlsConnections : tcpConnections
    }

    private static var dropped: MetricNameDescriptor {
        name(
            "dropped", "total",
            help: "Syslog messages received but not handed over, by transport and reason (refused, error, receive_buffer).")
    }

    fileprivate static func name(_ metric: String, _ unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "alertbridge", subsystem: "syslog", metricName: metric, unitName: unit, helpText: help)
    }
}
