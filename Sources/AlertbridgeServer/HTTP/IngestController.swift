import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The intake endpoints: decode with the source's adapter, append to the
/// durable inbox, answer `202 {"accepted": N}` once committed.
///
/// Nothing of a rejected request is kept: the body is decoded completely
/// before anything is appended, and a request either commits whole or not at all.
struct IngestController<Context: RequestContext>: Sendable {
    let inbox: Inbox
    let maxBodyBytes: Int
    let budget: InFlightBudget
    let now: @Sendable () -> Date
    let routes: [(path: RouterPath, adapter: any IngestAdapter)]

    func addRoutes(to router: Router<Context>) {
        for route in routes {
            let adapter = route.adapter
            router.post(route.path) { request, context in
                try await ingest(request, context: context, adapter: adapter)
            }
        }
    }

    func ingest(_ request: Request, context: Context, adapter: any IngestAdapter) async throws -> Response {
        try Self.checkMediaType(request)
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > maxBodyBytes {
            throw APIError(.contentTooLarge, "body is \(declared) bytes; the limit is \(maxBodyBytes)")
        }
        let reservation = declared ?? maxBodyBytes
        guard budget.reserve(reservation) else {
            throw APIError(
                .serviceUnavailable, "overloaded: \(budget.inUse) bytes of requests in flight (limit \(budget.limit)); retry later",
                retryAfter: 1)
        }
        defer { budget.release(reservation) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "body exceeds the limit of \(maxBodyBytes) bytes")
        }
        let receivedAt = now().roundedToMilliseconds
        let alerts: [Alert]
        do {
            alerts = try adapter.decode(body, receivedAt: receivedAt)
        } catch {
            context.logger.warning("payload rejected", metadata: ["source": "\(adapter.source)", "reason": "\(error)"])
            throw APIError.badRequest(error)
        }
        if !alerts.isEmpty {
            do {
                _ = try await inbox.append(
                    source: adapter.source, alerts: alerts, receivedAt: receivedAt,
                    body: inbox.keepsRawPayloads ? Data(body.readableBytesView) : nil)
            } catch is Inbox.ClosedError {
                throw APIError(.serviceUnavailable, "shutting down; retry against a running instance", retryAfter: 1)
            } catch let error as Inbox.OverloadedError {
                context.logger.debug("intake refused", metadata: ["reason": "\(error)"])
                throw APIError(.serviceUnavailable, "overloaded: \(error); nothing was accepted, retry later", retryAfter: 2)
            } catch {
                context.logger.error("inbox append failed", metadata: ["error": "\(error)"])
                throw APIError(.serviceUnavailable, "the alerts could not be stored durably; retry later", retryAfter: 5)
            }
        }
        return Response(
            status: .accepted, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"accepted\":\(alerts.count)}\n")))
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
        return String(decoding: utf8.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
