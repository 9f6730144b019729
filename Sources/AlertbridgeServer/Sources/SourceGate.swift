import AlertbridgeCore
import AlertbridgeIngest
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Why an intake request was refused, as counted per source.
enum RejectionReason: String, CaseIterable, Sendable {
    /// 401: a missing or wrong credential.
    case auth
    /// 503: over the source's request rate.
    case rate
    /// 413: over the source's body limit.
    case tooLarge = "too_large"
    /// 400 or 415: a body its adapter cannot decode, or a wrong media type.
    case malformed
    /// 503: the server's in-flight bytes, backlog or store refused it.
    case overloaded
    /// 503: an SNS signature could not be checked (its certificate could not be fetched).
    case unverifiable
}

/// What a source has sent since the server started (in memory only).
struct SourceActivity: Sendable {
    var alertsReceived = 0
    var requestsAccepted = 0
    var rejected: [RejectionReason: Int] = [:]
    /// The last request of any outcome, and the last one accepted.
    var lastSeen: Date?
    var lastAccepted: Date?
    /// The last SNS subscription confirmation (CloudWatch): the URL that
    /// starts deliveries, and whether alertbridge has visited it.
    var subscriptionConfirmation: (confirmation: SNSSubscriptionConfirmation, receivedAt: Date, state: SNSClient.ConfirmationState)?
}

/// One source's door: its credential check, its rate bucket and body limit,
/// and its activity counters. One per adapter `source`, shared by all of
/// that source's paths (`/ingest/pagerduty` and `/v2/enqueue`).
final class SourceGate: Sendable {
    let source: String
    let paths: [String]
    let settings: SourceSettings
    let maxBodyBytes: Int
    /// Signature checks and subscription confirmations, when the source's
    /// `sns:` settings ask for either.
    let sns: SNSClient?
    private let bucket: Mutex<TokenBucket?>
    private let activity = Mutex(SourceActivity())

    init(source: String, paths: [String], settings: SourceSettings, defaultMaxBodyBytes: Int, now: Duration) throws {
        self.source = source
        self.paths = paths
        self.settings = settings
        maxBodyBytes = settings.maxBodyBytes ?? defaultMaxBodyBytes
        let usesSNS = settings.sns.verifySignatures || settings.sns.confirmSubscriptions
        sns = usesSNS ? try SNSClient(settings: settings.sns) : nil
        bucket = Mutex(settings.rate.map { TokenBucket($0, now: now) })
    }

    // MARK: - Checks

    /// Whether the request's headers carry the bearer token or the basic
    /// credentials; true when the source uses neither (HMAC is checked on the body).
    func acceptsHeaders(_ headers: HTTPFields) -> Bool {
        switch settings.auth {
        case .bearerToken(let secret):
            guard let credentials = Self.credentials(headers, scheme: "bearer") else { return false }
            return constantTimeEquals(Array(credentials.utf8), secret.bytes)
        case .basic(let username, let password):
            guard let credentials = Self.credentials(headers, scheme: "basic"),
                let decoded = Data(base64Encoded: String(credentials))
            else { return false }
            return constantTimeEquals(Array(decoded), Array("\(username):".utf8) + password.bytes)
        case .hmacSHA256, nil:
            return true
        }
    }

    /// What follows `<scheme> ` in `Authorization` (the scheme in any case).
    private static func credentials(_ headers: HTTPFields, scheme: String) -> Substring? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == scheme else { return nil }
        return parts[1]
    }

    /// Whether the body's signature header matches the body; true when the
    /// source is not HMAC-signed.
    func acceptsBody(_ body: ByteBuffer, headers: HTTPFields) -> Bool {
        guard case .hmacSHA256(let secret, let header, let prefix) = settings.auth else { return true }
        guard let name = HTTPFields.Element.Name(header), let value = headers[name], value.hasPrefix(prefix),
            let signature = bytes(fromHex: value.dropFirst(prefix.count))
        else { return false }
        let expected = HMACSHA256.authenticationCode(for: body.readableBytesView, key: secret.bytes)
        return constantTimeEquals(signature, expected)
    }

    /// Takes a token from the rate bucket (always allowed without a rate).
    func admit(at now: Duration) -> TokenBucket.Decision {
        bucket.withLock { bucket in bucket?.take(at: now) ?? .allowed }
    }

    // MARK: - Activity

    func recordSeen(at date: Date) {
        activity.withLock { $0.lastSeen = date }
    }

    func recordAccepted(alerts: Int, at date: Date) {
        activity.withLock {
            $0.requestsAccepted += 1
            $0.alertsReceived += alerts
            $0.lastAccepted = date
        }
    }

    func recordRejected(_ reason: RejectionReason) {
        activity.withLock { $0.rejected[reason, default: 0] += 1 }
    }

    func recordConfirmation(_ confirmation: SNSSubscriptionConfirmation, at date: Date, state: SNSClient.ConfirmationState) {
        activity.withLock { $0.subscriptionConfirmation = (confirmation, date, state) }
    }

    /// Records how visiting a confirmation's URL went, unless a newer
    /// confirmation has arrived meanwhile.
    func recordConfirmationState(_ state: SNSClient.ConfirmationState, for confirmation: SNSSubscriptionConfirmation) {
        activity.withLock {
            guard $0.subscriptionConfirmation?.confirmation == confirmation else { return }
            $0.subscriptionConfirmation?.state = state
        }
    }

    var snapshot: SourceActivity { activity.withLock { $0 } }
}

/// The gates of all sources, and the monotonic time their rate buckets use.
final class SourceGates: Sendable {
    let gates: [SourceGate]
    private let elapsed: @Sendable () -> Duration

    /// Builds a gate per distinct adapter `source` among `routes`.
    init(
        routes: [(path: String, source: String)], settings: [String: SourceSettings], defaultMaxBodyBytes: Int,
        clock: some Clock<Duration>
    ) throws {
        let origin = clock.now
        let elapsed: @Sendable () -> Duration = { origin.duration(to: clock.now) }
        self.elapsed = elapsed
        var order: [String] = []
        var paths: [String: [String]] = [:]
        for route in routes {
            if paths[route.source] == nil { order.append(route.source) }
            paths[route.source, default: []].append("/" + route.path)
        }
        let now = elapsed()
        gates = try order.map {
            try SourceGate(
                source: $0, paths: paths[$0]!, settings: settings[$0] ?? SourceSettings(), defaultMaxBodyBytes: defaultMaxBodyBytes,
                now: now)
        }
    }

    subscript(source: String) -> SourceGate? { gates.first { $0.source == source } }

    /// Time since the gates were built, on the injected clock.
    var now: Duration { elapsed() }
}
