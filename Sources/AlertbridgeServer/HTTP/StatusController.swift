import AlertbridgeCore
import AlertbridgeStore
import Hummingbird
import Prometheus

/// Stats, liveness, readiness, metrics, and rule reloads.
struct StatusController<Context: RequestContext>: Sendable {
    let queries: DeskQueries
    let engine: EngineService
    let inbox: Inbox
    let reloader: RuleReloader
    let metrics: ServerMetrics

    func addRoutes(to router: Router<Context>) {
        router.get("api/v1/stats") { _, _ in StatsRepresentation(try await queries.stats()) }
        router.get("metrics") { _, _ in
            metrics.backlogAlerts.set(to: Double(inbox.backlogAlerts))
            metrics.engineReady.set(to: engine.isReady ? 1 : 0)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
        router.post("-/reload") { _, _ in
            switch await reloader.reload(trigger: "POST /-/reload") {
            case .reloaded(let count, let warnings):
                let list = warnings.map { JSON.quoted($0.description) }.joined(separator: ",")
                return Self.json(.ok, "{\"status\":\"reloaded\",\"rules\":\(count),\"warnings\":[\(list)]}")
            case .failed(let errors):
                throw APIError(.badRequest, "rules not reloaded; the running rules stay:\n\(errors)")
            case .unavailable:
                throw APIError(.serviceUnavailable, "the engine is not running; retry shortly", retryAfter: 1)
            }
        }
        router.get("healthz") { _, _ in Self.json(.ok, "{\"status\":\"ok\"}") }
        router.get("readyz") { _, _ in
            guard engine.isReady, !inbox.isClosed else {
                throw APIError(.serviceUnavailable, "not ready: the engine is starting or the server is shutting down", retryAfter: 1)
            }
            return Self.json(.ok, "{\"status\":\"ready\"}")
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
    }
}

/// Gives every error the contract's `{"error": "…"}` shape: Hummingbird's own
/// `HTTPError`s (unknown route, method not allowed) included.
struct ErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? error.status.reasonPhrase.lowercased())
        }
    }
}
