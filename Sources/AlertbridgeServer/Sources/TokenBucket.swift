/// A token bucket: holds up to `burst` tokens, refills at `perSecond`, and
/// each request takes one.
///
/// A value with no clock: the caller passes the time, as an offset from any
/// fixed origin, so tests drive it with literals and ``SourceGate`` with its
/// injected clock.
struct TokenBucket: Sendable, Equatable {
    let perSecond: Double
    let burst: Double
    private(set) var tokens: Double
    private var updatedAt: Duration

    /// A full bucket at `now`.
    init(_ limit: RateLimit, now: Duration) {
        perSecond = limit.perSecond
        burst = Double(limit.burst)
        tokens = burst
        updatedAt = now
    }

    enum Decision: Equatable {
        case allowed
        /// Refused; a token will be there after `retryAfter`.
        case refused(retryAfter: Duration)
    }

    /// Takes a token if there is one at `now`.
    mutating func take(at now: Duration) -> Decision {
        // A clock that went backwards (it cannot, with a monotonic clock)
        // refills nothing rather than draining the bucket.
        if now > updatedAt {
            tokens = min(burst, tokens + Self.seconds(now - updatedAt) * perSecond)
            updatedAt = now
        }
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        return .refused(retryAfter: .seconds((1 - tokens) / perSecond))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
