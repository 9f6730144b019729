import Testing

@testable import AlertbridgeServer

/// The rate bucket driven with literal times (offsets on a fake clock).
@Suite struct TokenBucketTests {
    @Test("a full bucket allows the burst, then refuses until a token refills")
    func burstThenRefill() {
        var bucket = TokenBucket(RateLimit(perSecond: 2, burst: 3), now: .zero)
        // Given a full bucket of 3 at t=0, three requests at t=0 pass …
        for _ in 0..<3 { #expect(bucket.take(at: .zero) == .allowed) }
        // … the fourth waits half a second (one token at 2/s).
        #expect(bucket.take(at: .zero) == .refused(retryAfter: .milliseconds(500)))
        // At t=0.25s half a token is there: a quarter second to go.
        #expect(bucket.take(at: .milliseconds(250)) == .refused(retryAfter: .milliseconds(250)))
        #expect(bucket.take(at: .milliseconds(500)) == .allowed)
        #expect(bucket.take(at: .milliseconds(500)) == .refused(retryAfter: .milliseconds(500)))
    }

    @Test("an idle bucket refills to the burst, never beyond")
    func capsAtBurst() {
        var bucket = TokenBucket(RateLimit(perSecond: 4, burst: 2), now: .seconds(5))
        #expect(bucket.take(at: .seconds(5)) == .allowed)
        #expect(bucket.take(at: .seconds(5)) == .allowed)
        // An hour idle refills 2 tokens, not 14 400.
        #expect(bucket.take(at: .seconds(3605)) == .allowed)
        #expect(bucket.take(at: .seconds(3605)) == .allowed)
        #expect(bucket.take(at: .seconds(3605)) == .refused(retryAfter: .milliseconds(250)))
    }

    @Test("a slow rate: one request a minute")
    func slowRate() {
        var bucket = TokenBucket(RateLimit(perSecond: 1.0 / 60, burst: 1), now: .zero)
        #expect(bucket.take(at: .seconds(1)) == .allowed)
        guard case .refused(let wait) = bucket.take(at: .seconds(1)) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(abs((wait - .seconds(60)) / .milliseconds(1)) < 1)
        #expect(bucket.take(at: .seconds(61)) == .allowed)
    }

    @Test("time that does not advance refills nothing")
    func clockStandsStill() {
        var bucket = TokenBucket(RateLimit(perSecond: 1, burst: 1), now: .seconds(10))
        #expect(bucket.take(at: .seconds(10)) == .allowed)
        #expect(bucket.take(at: .seconds(9)) == .refused(retryAfter: .seconds(1)))
    }
}
