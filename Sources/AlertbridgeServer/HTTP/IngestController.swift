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
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            throw APIError(.contentTooLarge, "body is \(declared) bytes; the limit is \(maxBodyBytes)")
        }
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
                    source: adapter.source, alerts: alerts, receivedAt: receivedAt, body: Array(body.readableBytesView))
            } catch is Inbox.ClosedError {
                throw APIError(.serviceUnavailable, "shutting down; retry against a running instance", retryAfter: 1)
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
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let acceptable =
            mediaType.isEmpty || mediaType == "application/json" || mediaType.hasSuffix("+json") || mediaType == "text/plain"
            || mediaType == "text/json"
        guard acceptable else {
            throw APIError(.unsupportedMediaType, "content type \(mediaType) is not supported; send application/json")
        }
    }
}
