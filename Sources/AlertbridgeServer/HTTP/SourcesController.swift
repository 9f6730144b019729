import AlertbridgeCore
import Foundation
import AlertbridgeIngest
import Hummingbird

/// `GET /api/v1/sources`: per source, what arrived and what was refused
/// since the server started, so an operator sees which sender is
/// misconfigured (rejections by reason) or silent (an old `lastSeen`); and
/// the same for each syslog listener.
///
/// In memory: the counts start at zero with each process.
struct SourcesController<Context: RequestContext>: Sendable {
    let gates: SourceGates
    let syslog: SyslogListeners
    let startedAt: Date

    func addRoutes(to router: RouterGroup<Context>) {
        router.get("sources") { _, _ in
            SourceListRepresentation(
                since: RFC3339.string(startedAt), sources: gates.gates.map(SourceRepresentation.init),
                syslog: syslog.boundAddresses.map { SyslogListenerRepresentation($0.transport, address: $0.address, metrics: syslog.metrics) })
        }
    }
}

struct SourceListRepresentation: ResponseEncodable {
    var since: String
    var sources: [SourceRepresentation]
    /// One per syslog listener that is on.
    var syslog: [SyslogListenerRepresentation]
}

/// A syslog listener: its messages (not alerts: most make none), and
/// what was lost, so a silent or overflowing device shows at once.
struct SyslogListenerRepresentation: Encodable {
    var transport: String
    var address: String
    var messagesReceived: Int
    /// Cut at `syslog.max_message_bytes`.
    var truncated: Int
    /// Read but not kept: refused while the inbox was full, failed, or
    /// (UDP) dropped by the kernel with its receive buffer full.
    var dropped: Int
    /// TCP and TLS: connections open now, and closed at once because
    /// `syslog.max_connections` were open.
    var connectionsOpen: Int?
    var connectionsRejected: Int?
    var lastSeen: String?

    init(_ transport: SyslogPeer.Transport, address: String, metrics: SyslogListenerMetrics) {
        let activity = metrics.transport(transport).activity
        self.transport = transport.rawValue
        self.address = address
        messagesReceived = activity.messages
        truncated = activity.truncated
        dropped = activity.dropped
        lastSeen = activity.lastSeen.map(RFC3339.string)
        if transport != .udp {
            let connections = metrics.connections(transport)
            connectionsOpen = connections.openCount
            connectionsRejected = connections.rejectedCount
        }
    }
}

struct SourceRepresentation: Encodable {
    struct Rate: Encodable {
        var perSecond: Double
        var burst: Int
    }

    struct Confirmation: Encodable {
        var topicArn: String
        var subscribeURL: String
        var receivedAt: String
        /// `awaiting_operator` (visit subscribeURL to confirm), `confirming`,
        /// `confirmed` or `failed` (with `error`).
        var state: String
        var confirmedAt: String?
        var error: String?
    }


    var source: String
    var paths: [String]
    /// `none`, `bearer_token` or `hmac_sha256`: never the secret.
    var auth: String
    var maxBodyBytes: Int
    var rate: Rate?
    var alertsReceived: Int
    var requestsAccepted: Int
    var rejected: [String: Int]
    var lastSeen: String?
    var lastAccepted: String?
    /// What `sns:` turns on (the `cloudwatch` source).
    var sns: SNSSettings?
    var subscriptionConfirmation: Confirmation?

    init(_ gate: SourceGate) {
        let activity = gate.snapshot
        source = gate.source
        paths = gate.paths
        auth = gate.settings.auth?.kind ?? "none"
        maxBodyBytes = gate.maxBodyBytes
        rate = gate.settings.rate.map { Rate(perSecond: $0.perSecond, burst: $0.burst) }
        alertsReceived = activity.alertsReceived
        requestsAccepted = activity.requestsAccepted
        rejected = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map { ($0.rawValue, activity.rejected[$0] ?? 0) })
        lastSeen = activity.lastSeen.map(RFC3339.string)
        lastAccepted = activity.lastAccepted.map(RFC3339.string)
        sns = gate.source == "cloudwatch" ? gate.settings.sns : nil
        subscriptionConfirmation = activity.subscriptionConfirmation.map {
            var confirmation = Confirmation(
                topicArn: $0.confirmation.topicARN, subscribeURL: $0.confirmation.subscribeURL, receivedAt: RFC3339.string($0.receivedAt),
                state: "awaiting_operator")
            switch $0.state {
            case .awaitingOperator: break
            case .confirming: confirmation.state = "confirming"
            case .confirmed(let at):
                confirmation.state = "confirmed"
                confirmation.confirmedAt = RFC3339.string(at)
            case .failed(let error):
                confirmation.state = "failed"
                confirmation.error = error
            }
            return confirmation
        }
    }
}
