import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeStore
import Foundation
import HTTPTypes
import Logging
import NIOCore

/// The intake endpoints: check the source's credential and rate, decode
/// with the source's adapter, append to the durable inbox, answer
/// `202 {"accepted": N}` once committed.
///
/// Nothing of a rejected request is kept: the body is decoded completely
/// before anything is appended, and a request either commits whole or not at all.
///
/// The checks run cheapest first, so a refused request costs little: a
/// bearer token (a header), the source's rate, the media type and declared
/// length, the server's in-flight budget (``admit(_:route:)``), then the body
/// is read (up to the source's limit), its HMAC signature checked, and it is
/// decoded (``accept(_:body:answer:)``).
///
/// Nothing here waits: ``IntakeHandler`` calls it on the connection's event
/// loop (a large body, or a CloudWatch signature to fetch, goes on in a
/// task), and the answer comes back through a callback when the inbox has
/// committed. (Why not a Hummingbird route: see ``IntakeHandler``.)
struct Intake: Sendable {
    /// An intake path's adapter and its source's gate.
    struct Route: Sendable {
        let adapter: any IngestAdapter
        let gate: SourceGate
    }

    /// A request that passed the checks on its head, holding its share of
    /// the in-flight budget until it is answered.
    struct Admission: Sendable {
        let route: Route
        let request: HTTPRequest
        let reservation: Int
    }

    let inbox: Inbox
    let budget: InFlightBudget
    let gates: SourceGates
    let now: @Sendable () -> Date
    let logger: Logger
    /// By path without its leading and trailing `/`: `api/v2/alerts`.
    private let routes: [Substring: Route]

    init(
        inbox: Inbox, budget: InFlightBudget, gates: SourceGates, now: @escaping @Sendable () -> Date, logger: Logger,
        routes: [(path: String, adapter: any IngestAdapter)]
    ) {
        self.inbox = inbox
        self.budget = budget
        self.gates = gates
        self.now = now
        self.logger = logger
        var table: [Substring: Route] = [:]
        for route in routes {
            guard let gate = gates[route.adapter.source] else { preconditionFailure("no gate for source \(route.adapter.source)") }
            table[Self.routeKey(route.path[...])] = Route(adapter: route.adapter, gate: gate)
        }
        self.routes = table
    }

    /// The intake route of a `POST` to one of the intake paths, as the
    /// router matched them: the query and a trailing `/` do not count.
    /// Nil for anything else, which the router answers.
    func route(for request: HTTPRequest) -> Route? {
        guard request.method == .post, let target = request.path else { return nil }
        var path = target[...]
        if let end = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            path = path[..<end]
        }
        return routes[Self.routeKey(path)]
    }

    private static func routeKey(_ path: Substring) -> Substring {
        var key = path
        if key.first == "/" { key = key.dropFirst() }
        if key.last == "/" { key = key.dropLast() }
        return key
    }

    // MARK: - Checks

    /// The checks that need only the head, cheapest first. On success the
    /// request holds `declared length` (or the source's limit) bytes of the
    /// in-flight budget: ``release(_:)`` it if the body never arrives.
    func admit(_ request: HTTPRequest, route: Route) -> Result<Admission, Rejection> {
        let gate = route.gate
        gate.recordSeen(at: now().roundedToMilliseconds)
        guard gate.acceptsHeaders(request.headerFields) else { return .failure(.unauthorized(gate)) }
        if case .refused(let retryAfter) = gate.admit(at: gates.now) {
            let seconds = max(1, Int(retryAfter.components.seconds) + (retryAfter.components.attoseconds > 0 ? 1 : 0))
            return .failure(
                Rejection(.rate, APIError(.serviceUnavailable, "rate limit for \(gate.source) exceeded; retry later", retryAfter: seconds)))
        }
        do {
            try Self.checkMediaType(request.headerFields)
        } catch {
            return .failure(Rejection(.malformed, error as? APIError ?? APIError(.unsupportedMediaType, "unsupported media type")))
        }
        let maxBodyBytes = gate.maxBodyBytes
        let declared = request.headerFields.first(.contentLength).flatMap(Int.init)
        if let declared, declared > maxBodyBytes {
            return .failure(Rejection(.tooLarge, APIError(.contentTooLarge, "body is \(declared) bytes; the limit is \(maxBodyBytes)")))
        }
        let reservation = declared ?? maxBodyBytes
        guard budget.reserve(reservation) else {
            return .failure(
                Rejection(
                    .overloaded,
                    APIError(
                        .serviceUnavailable, "overloaded: \(budget.inUse) bytes of requests in flight (limit \(budget.limit)); retry later",
                        retryAfter: 1)))
        }
        return .success(Admission(route: route, request: request, reservation: reservation))
    }

    /// Gives back an admitted request's share of the budget without an
    /// answer: its connection closed before the body was whole.
    func release(_ admission: Admission) {
        budget.release(admission.reservation)
    }

    /// A body larger than the source's limit, found while reading it: the
    /// budget is given back and the rejection counted, as ``answer(_:for:)`` does.
    func tooLarge(_ admission: Admission) -> Rejection {
        release(admission)
        return Rejection(.tooLarge, APIError(.contentTooLarge, "body exceeds the limit of \(admission.route.gate.maxBodyBytes) bytes"))
    }

    /// Bodies up to this size are checked and decoded where they were read,
    /// on the event loop; larger ones on Swift's pool. A 578 KB body (3,500
    /// alerts) took about 10 ms from request to answer here, and meanwhile
    /// the event loop would serve no other connection. Up to 64 KiB (about
    /// a millisecond of work; `scripts/loadtest`'s 100 alerts are 33 KB)
    /// the hop to the pool would cost more than it saves; Prometheus's
    /// default batch of 256 alerts (100–150 KB) takes the hop.
    static let largestBodyCheckedInline = 64 << 10

    /// The rest of the checks on the whole body, then the append. `answer`
    /// is called exactly once, after the budget is given back: at once for
    /// a refusal, on the inbox's commit thread for an append, or on a task
    /// for a large body or a CloudWatch delivery whose SNS signature is
    /// fetched and checked.
    func accept(_ admission: Admission, body: ByteBuffer, answer: @escaping @Sendable (IntakeAnswer) -> Void) {
        let finish: @Sendable (IntakeAnswer) -> Void = { [budget] result in
            budget.release(admission.reservation)
            answer(result)
        }
        guard body.readableBytes <= Self.largestBodyCheckedInline else {
            Task { check(admission, body: body, finish: finish) }
            return
        }
        check(admission, body: body, finish: finish)
    }

    private func check(_ admission: Admission, body: ByteBuffer, finish: @escaping @Sendable (IntakeAnswer) -> Void) {
        let gate = admission.route.gate
        guard gate.acceptsBody(body, headers: admission.request.headerFields) else {
            return finish(self.answer(.unauthorized(gate), for: gate))
        }
        if let cloudWatch = admission.route.adapter as? CloudWatchAdapter, let sns = gate.sns, sns.settings.verifySignatures {
            Task {
                do {
                    try await verifySignatures(body, adapter: cloudWatch, sns: sns, gate: gate)
                } catch let rejection as Rejection {
                    return finish(self.answer(rejection, for: gate))
                } catch {
                    return finish(self.answer(Rejection(.malformed, APIError(.badRequest, "\(error)")), for: gate))
                }
                store(admission, body: body, finish: finish)
            }
            return
        }
        store(admission, body: body, finish: finish)
    }

    private func store(_ admission: Admission, body: ByteBuffer, finish: @escaping @Sendable (IntakeAnswer) -> Void) {
        let adapter = admission.route.adapter
        let gate = admission.route.gate
        let receivedAt = now().roundedToMilliseconds
        let alerts: [Alert]
        do {
            alerts = try decode(body, receivedAt: receivedAt, adapter: adapter, gate: gate)
        } catch {
            logger.warning("payload rejected", metadata: ["source": "\(adapter.source)", "reason": "\(error)"])
            return finish(answer(Rejection(.malformed, APIError.badRequest(error)), for: gate))
        }
        guard !alerts.isEmpty else {
            gate.recordAccepted(alerts: 0, at: receivedAt)
            return finish(.accepted(0))
        }
        let count = alerts.count
        inbox.append(
            source: adapter.source, alerts: alerts, receivedAt: receivedAt,
            body: inbox.keepsRawPayloads ? Data(body.readableBytesView) : nil
        ) { result in
            switch result {
            case .success:
                gate.recordAccepted(alerts: count, at: receivedAt)
                finish(.accepted(count))
            case .failure(let error):
                finish(self.answer(self.refusal(appendFailedWith: error), for: gate))
            }
        }
    }

    /// Why the inbox did not take a request, as the `503` that says when to retry.
    private func refusal(appendFailedWith error: any Error) -> Rejection {
        switch error {
        case is Inbox.ClosedError:
            return Rejection(.overloaded, APIError(.serviceUnavailable, "shutting down; retry against a running instance", retryAfter: 1))
        case let error as Inbox.OverloadedError:
            logger.debug("intake refused", metadata: ["reason": "\(error)"])
            return Rejection(
                .overloaded, APIError(.serviceUnavailable, "overloaded: \(error); nothing was accepted, retry later", retryAfter: 2))
        default:
            logger.error("inbox append failed", metadata: ["error": "\(error)"])
            return Rejection(.overloaded, APIError(.serviceUnavailable, "the alerts could not be stored durably; retry later", retryAfter: 5))
        }
    }

    /// A refusal's answer, counted under its reason. Source and reason are
    /// logged, nothing of the request: a wrong credential may be a real one
    /// mistyped. Rate refusals come in floods and are counted in
    /// /api/v1/sources, so they log at debug.
    func answer(_ rejection: Rejection, for gate: SourceGate) -> IntakeAnswer {
        gate.recordRejected(rejection.reason)
        switch rejection.reason {
        case .auth: logger.warning("request rejected", metadata: ["source": "\(gate.source)", "reason": "auth"])
        case .rate: logger.debug("request rejected", metadata: ["source": "\(gate.source)", "reason": "rate"])
        case .tooLarge, .malformed, .overloaded, .unverifiable: break
        }
        return IntakeAnswer(rejection)
    }

    /// Refuses an SNS delivery whose signature does not verify: 401 as for
    /// any bad credential (the reason goes to the log, not the sender), or
    /// 503 when SNS's certificate cannot be fetched, so SNS retries.
    private func verifySignatures(_ body: ByteBuffer, adapter: CloudWatchAdapter, sns: SNSClient, gate: SourceGate) async throws {
        do {
            try await sns.verify(try adapter.signatures(body))
        } catch let error as IngestError {
            logger.warning("sns signature rejected", metadata: ["source": "\(gate.source)", "reason": "\(error)"])
            throw Rejection.unauthorized(gate)
        } catch SNSClient.Refusal.forged(let reason) {
            logger.warning("sns signature rejected", metadata: ["source": "\(gate.source)", "reason": "\(reason)"])
            throw Rejection.unauthorized(gate)
        } catch SNSClient.Refusal.unavailable(let reason) {
            logger.warning("sns signature not checked", metadata: ["source": "\(gate.source)", "reason": "\(reason)"])
            throw Rejection(
                .unverifiable, APIError(.serviceUnavailable, "the SNS signing certificate could not be fetched; retry later", retryAfter: 5))
        }
    }

    /// The adapter's alerts; for CloudWatch, an SNS subscription confirmation
    /// is recorded for `/api/v1/sources` and either logged for an operator
    /// to visit, or visited here when `sns.confirm_subscriptions` is on.
    private func decode(
        _ body: ByteBuffer, receivedAt: Date, adapter: any IngestAdapter, gate: SourceGate
    ) throws(IngestError) -> [Alert] {
        guard let cloudWatch = adapter as? CloudWatchAdapter else { return try adapter.decode(body, receivedAt: receivedAt) }
        switch try cloudWatch.decodeDelivery(body, receivedAt: receivedAt) {
        case .notifications(let alerts):
            return alerts
        case .subscriptionConfirmation(let confirmation):
            let metadata: Logger.Metadata = [
                "source": "\(gate.source)", "topic": "\(confirmation.topicARN)", "subscribe_url": "\(confirmation.subscribeURL)",
            ]
            guard let sns = gate.sns, sns.settings.confirmSubscriptions else {
                logger.notice("sns subscription confirmation received; visit the URL to confirm", metadata: metadata)
                gate.recordConfirmation(confirmation, at: receivedAt, state: .awaitingOperator)
                return []
            }
            logger.notice("sns subscription confirmation received; confirming", metadata: metadata)
            gate.recordConfirmation(confirmation, at: receivedAt, state: .confirming)
            // Off the request: SNS needs its 200 first, and the visit may
            // take up to SNSClient.fetchTimeout.
            let now = self.now
            Task {
                let state = await sns.confirm(confirmation.subscribeURL, now: now)
                gate.recordConfirmationState(state, for: confirmation)
                if case .failed(let error) = state {
                    logger.error("sns subscription not confirmed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                } else {
                    logger.notice("sns subscription confirmed", metadata: metadata)
                }
            }
            return []
        case .unsubscribeConfirmation(let confirmation):
            logger.notice("sns unsubscribe confirmation received", metadata: ["source": "\(gate.source)", "topic": "\(confirmation.topicARN)"])
            return []
        }
    }

    /// JSON, or text that may hold JSON (SNS sends `text/plain`); a form or
    /// anything else gets 415 instead of a confusing parse error.
    static func checkMediaType(_ headers: HTTPFields) throws {
        guard let contentType = headers.first(.contentType), !isAcceptableMediaType(contentType) else { return }
        throw APIError(.unsupportedMediaType, "content type \(mediaType(of: contentType)) is not supported; send application/json")
    }

    /// What ``checkMediaType(_:)`` accepts: no type, `application/json`,
    /// `…+json`, `text/plain`, `text/json`, in any case, parameters and
    /// blanks aside. Compared in the header's bytes, for a check every
    /// request makes: building the lowercased type as a `String` (16 bytes,
    /// one past what a `String` holds inline, so allocated) and `hasSuffix`
    /// on it took 0.4% of a one-alert request's CPU, this 0.1% (profiles
    /// under the load test).
    static func isAcceptableMediaType(_ contentType: String) -> Bool {
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            let type = mediaType(in: bytes)
            // `type`, folded to lower case, ends with `suffix` (lower case).
            func endsWith(_ suffix: StaticString) -> Bool {
                guard type.count >= suffix.utf8CodeUnitCount else { return false }
                let offset = type.count - suffix.utf8CodeUnitCount
                return suffix.withUTF8Buffer { suffix in
                    suffix.indices.allSatisfy { index in lowercased(type[offset + index]) == suffix[index] }
                }
            }
            func equals(_ name: StaticString) -> Bool { type.count == name.utf8CodeUnitCount && endsWith(name) }
            return type.isEmpty || equals("application/json") || endsWith("+json") || equals("text/plain") || equals("text/json")
        }
    }

    /// `Application/JSON; charset=utf-8` → `application/json`, for the
    /// refusal's message.
    static func mediaType(of contentType: String) -> String {
        var contentType = contentType
        return contentType.withUTF8 { bytes in String(decoding: mediaType(in: bytes).lazy.map(lowercased), as: UTF8.self) }
    }

    /// The part of a `Content-Type` value before any parameters, without the
    /// blanks around it. Byte-level: Foundation's trimming went through
    /// NSString and cost 5% of intake's CPU.
    private static func mediaType(in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// An ASCII capital as its lower case; any other byte as it is.
    private static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}

/// A refused intake request: the answer, and the reason it is counted under.
///
/// A credential failure answers the same whatever was wrong (missing,
/// malformed, wrong token, bad signature), so a caller learns nothing
/// about which part to fix; the operator sees it counted under `auth`.
struct Rejection: Error {
    var reason: RejectionReason
    var error: APIError
    /// `WWW-Authenticate` for a 401 to a bearer-token (RFC 6750) or basic (RFC 7617) source.
    var challenge: String?

    init(_ reason: RejectionReason, _ error: APIError, challenge: String? = nil) {
        self.reason = reason
        self.error = error
        self.challenge = challenge
    }

    static func unauthorized(_ gate: SourceGate) -> Rejection {
        // SNS sends basic credentials only once challenged (RFC 7617).
        let challenge: String? =
            switch gate.settings.auth {
            case .bearerToken: "Bearer realm=\"alertbridge\""
            case .basic: "Basic realm=\"alertbridge\", charset=\"UTF-8\""
            case .hmacSHA256, nil: nil
            }
        return Rejection(.auth, APIError(.unauthorized, "authentication required"), challenge: challenge)
    }
}

/// What intake answers: a status, its headers and a JSON body, written by
/// ``IntakeHandler`` in the same shape as the router's answers.
struct IntakeAnswer: Sendable {
    var status: HTTPResponse.Status
    var headerFields: HTTPFields
    var body: String

    static func accepted(_ count: Int) -> IntakeAnswer {
        IntakeAnswer(status: .accepted, headerFields: jsonHeaders, body: "{\"accepted\":\(count)}\n")
    }

    /// Built once: every accepted request is answered with these, and
    /// building them from the literal each time was 0.5% of a one-alert
    /// request's CPU (a profile under the load test).
    private static let jsonHeaders: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    init(status: HTTPResponse.Status, headerFields: HTTPFields, body: String) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    init(_ rejection: Rejection) {
        status = rejection.error.status
        headerFields = rejection.error.headerFields
        if let challenge = rejection.challenge { headerFields[.wwwAuthenticate] = challenge }
        body = rejection.error.body
    }
}

