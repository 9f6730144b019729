import AlertbridgeCore
import AlertbridgeIngest
public import Hummingbird

/// An error answer in the contract's shape: `{"error": "…"}` with a status.
///
/// Hummingbird's own `HTTPError` nests the message (`{"error":{"message":…}}`)
/// and an unmapped error becomes a 500, so every failure the API can name is
/// thrown as an `APIError`.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Seconds after which the client should retry (503 answers).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headerFields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The answer's headers: its media type, and `Retry-After` when set.
    var headerFields: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return headers
    }

    /// The answer's body: `{"error": "…"}` and a newline.
    var body: String { "{\"error\":\(JSON.quoted(message))}\n" }

    static func badRequest(_ error: IngestError) -> APIError {
        APIError(.badRequest, error.description)
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, "\(what) not found")
    }
}
