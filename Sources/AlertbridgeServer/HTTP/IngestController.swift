import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeStore
import Foundation
import Hummingbird
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
/// length, the server's in-flight budget, then the body is read (up to the
/// source's limit), its HMAC signature checked, and it is decoded.
struct IngestController<Context: RequestContext>: Sendable {
    let inbox: Inbox
    let budget: InFlightBudget
    let gates: SourceGates
    let now: @Sendable () -> Date
    let routes: [(path: RouterPath, adapter: any IngestAdapter)]

    func addRoutes(to router: Router<Context>) {
        for route in routes {
            let adapter = route.adapter
            guard let gate = gates[adapter.source] else { preconditionFailure("no gate for source \(adapter.source)") }
            router.post(route.path) { request, context in
                try await ingest(request, context: context, adapter: adapter, gate: gate)
            }
        }
    }

    func ingest(_ request: Request, context: Context, adapter: any IngestAdapter, gate: SourceGate) async throws -> Response {
        gate.recordSeen(at: now().roundedToMilliseconds)
        do {
            return try await admit(request, context: context, adapter: adapter, gate: gate)
        } catch let rejection as Rejection {
            gate.recordRejected(rejection.reason)
            // Source and reason only, nothing of the request: a wrong
            // credential may be a real one mistyped. Rate refusals come in
            // floods and are counted in /api/v1/sources, so they log at debug.
            switch rejection.reason {
            case .auth: context.logger.warning("request rejected", metadata: ["source": "\(gate.source)", "reason": "auth"])
            case .rate: context.logger.debug("request rejected", metadata: ["source": "\(gate.source)", "reason": "rate"])
            case .tooLarge, .malformed, .overloaded, .unverifiable: break
            }
            throw rejection
        }
    }

    private func admit(_ request: Request, context: Context, adapter: any IngestAdapter, gate: SourceGate) async throws -> Response {
        guard gate.acceptsHeaders(request.headers) else { throw Rejection.unauthorized(gate) }
        if case .refused(let retryAfter) = gate.admit(at: gates.now) {
            let seconds = max(1, Int(retryAfter.components.seconds) + (retryAfter.components.attoseconds > 0 ? 1 : 0))
            throw Rejection(.rate, APIError(.serviceUnavailable, "rate limit for \(gate.source) exceeded; retry later", retryAfter: seconds))
        }
        do {
            try Self.checkMediaType(request)
        } catch {
            throw Rejection(.malformed, error as? APIError ?? APIError(.unsupportedMediaType, "unsupported media type"))
        }
        let maxBodyBytes = gate.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > maxBodyBytes {
            throw Rejection(.tooLarge, APIError(.contentTooLarge, "body is \(declared) bytes; the limit is \(maxBodyBytes)"))
        }
        let reservation = declared ?? maxBodyBytes
        guard budget.reserve(reservation) else {
            throw Rejection(
                .overloaded,
                APIError(
                    .serviceUnavailable, "overloaded: \(budget.inUse) bytes of requests in flight (limit \(budget.limit)); retry later",
                    retryAfter: 1))
        }
        defer { budget.release(reservation) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw Rejection(.tooLarge, APIError(.contentTooLarge, "body exceeds the limit of \(maxBodyBytes) bytes"))
        } catch {
            throw Rejection(.malformed, APIError(.badRequest, "the body could not be read"))
        }
        guard gate.acceptsBody(body, headers: request.headers) else { throw Rejection.unauthorized(gate) }
        if let cloudWatch = adapter as? CloudWatchAdapter, let sns = gate.sns, sns.settings.verifySignatures {
            try await verifySignatures(body, adapter: cloudWatch, sns: sns, gate: gate, logger: context.logger)
        }
        let receivedAt = now().roundedToMilliseconds
        let alerts: [Alert]
        do {
            alerts = try decode(body, receivedAt: receivedAt, adapter: adapter, gate: gate, logger: context.logger)
        } catch {
            context.logger.warning("payload rejected", metadata: ["source": "\(adapter.source)", "reason": "\(error)"])
            throw Rejection(.malformed, APIError.badRequest(error))
        }
        if !alerts.isEmpty {
            do {
                _ = try await inbox.append(
                    source: adapter.source, alerts: alerts, receivedAt: receivedAt,
                    body: inbox.keepsRawPayloads ? Data(body.readableBytesView) : nil)
            } catch is Inbox.ClosedError {
                throw Rejection(.overloaded, APIError(.serviceUnavailable, "shutting down; retry against a running instance", retryAfter: 1))
            } catch let error as Inbox.OverloadedError {
                context.logger.debug("intake refused", metadata: ["reason": "\(error)"])
                throw Rejection(
                    .overloaded, APIError(.serviceUnavailable, "overloaded: \(error); nothing was accepted, retry later", retryAfter: 2))
            } catch {
                context.logger.error("inbox append failed", metadata: ["error": "\(error)"])
                throw Rejection(
                    .overloaded, APIError(.serviceUnavailable, "the alerts could not be stored durably; retry later", retryAfter: 5))
            }
        }
        gate.recordAccepted(alerts: alerts.count, at: receivedAt)
        return Response(
            status: .accepted, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"accepted\":\(alerts.count)}\n")))
    }

    /// Refuses an SNS delivery whose signature does not verify: 401 as for
    /// any bad credential (the reason goes to the log, not the sender), or
    /// 503 when SNS's certificate cannot be fetched, so SNS retries.
    private func verifySignatures(
        _ body: ByteBuffer, adapter: CloudWatchAdapter, sns: SNSClient, gate: SourceGate, logger: Logger
    ) async throws {
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
        _ body: ByteBuffer, receivedAt: Date, adapter: any IngestAdapter, gate: SourceGate, logger: Logger
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
    static func checkMediaType(_ request: Request) throws {
        guard let contentType = request.headers[.contentType] else { return }
        let mediaType = mediaType(of: contentType)
        let acceptable =
            mediaType.isEmpty || mediaType == "application/json" || mediaType.hasSuffix("+json") || mediaType == "text/plain"
            || mediaType == "text/json"
        guard acceptable else {
            throw APIError(.unsupportedMediaType, "content type \(mediaType) is not supported; send application/json")
        }
    }

    /// `Application/JSON; charset=utf-8` → `application/json`: the part before
    /// any parameters, trimmed and lowercased. Byte-level, because Foundation's
    /// trimming went through NSString and cost 5% of intake's CPU.
    static func mediaType(of contentType: String) -> String {
        var utf8 = Substring(contentType).utf8
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) { utf8 = utf8[..<semicolon] }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = utf8.first, isBlank(first) { utf8 = utf8.dropFirst() }
        while let last = utf8.last, isBlank(last) { utf8 = utf8.dropLast() }
        // Only a type with capitals goes through the byte-wise lowercasing:
        // as every request's check, decoding through the lazy map was 2% of
        // a one-alert request's CPU, and senders write `application/json`.
        let isUpper = { (byte: UInt8) in byte >= 0x41 && byte <= 0x5A }
        guard utf8.contains(where: isUpper) else { return String(Substring(utf8)) }
        return String(decoding: utf8.lazy.map { isUpper($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

/// A refused intake request: the answer, and the reason it is counted under.
///
/// A credential failure answers the same whatever was wrong (missing,
/// malformed, wrong token, bad signature), so a caller learns nothing
/// about which part to fix; the operator sees it counted under `auth`.
struct Rejection: HTTPResponseError {
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

    var status: HTTPResponse.Status { error.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try error.response(from: request, context: context)
        if let challenge { response.headers[.wwwAuthenticate] = challenge }
        return response
    }
}

