import AlertbridgeCore
import AlertbridgeStore
import Foundation
import Hummingbird

/// `/api/v1/incidents`: list, detail with alerts and timeline, and the
/// operator's acknowledge and resolve.
struct IncidentController<Context: RequestContext>: Sendable {
    let queries: DeskQueries
    let engine: EngineService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("incidents") { request, _ in try await list(request) }
        group.get("incidents/:id") { _, context in try await detail(context) }
        group.post("incidents/:id/acknowledge") { request, context in try await command(request, context, acknowledge: true) }
        group.post("incidents/:id/resolve") { request, context in try await command(request, context, acknowledge: false) }
    }

    func list(_ request: Request) async throws -> IncidentListRepresentation {
        let parameters = request.uri.queryParameters
        var filter = DeskQueries.IncidentFilter()
        if let statuses = parameters.get("status"), !statuses.isEmpty {
            filter.statuses = try statuses.split(separator: ",").map { text in
                guard let status = Incident.Status(rawValue: text.lowercased()) else {
                    throw APIError(
                        .badRequest,
                        "status: unknown value \"\(text)\"; expected \(Incident.Status.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
        }
        if let priority = parameters.get("priority"), !priority.isEmpty {
            guard let parsed = Priority(rawValue: priority.uppercased()) else {
                throw APIError(.badRequest, "priority: unknown value \"\(priority)\"; expected P1 to P5")
            }
            filter.priority = parsed
        }
        if let service = parameters.get("service"), !service.isEmpty { filter.service = service }
        filter.limit = try Self.limit(parameters.get("limit"))
        return IncidentListRepresentation(incidents: try await queries.incidents(filter).map(IncidentRepresentation.init))
    }

    func detail(_ context: Context) async throws -> IncidentDetailRepresentation {
        let id = try Self.incidentID(context)
        guard let detail = try await queries.incident(id: id) else { throw APIError.notFound("incident \(id)") }
        return IncidentDetailRepresentation(detail)
    }

    func command(_ request: Request, _ context: Context, acknowledge: Bool) async throws -> IncidentRepresentation {
        let id = try Self.incidentID(context)
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let (actor, note) = try Self.actorAndNote(body)
        do {
            let outcome = try await engine.perform(
                acknowledge ? .acknowledge(incident: id, by: actor, note: note) : .resolve(incident: id, by: actor, note: note))
            guard case .incident(let incident) = outcome else { throw APIError(.internalServerError, "unexpected outcome \(outcome)") }
            return IncidentRepresentation(incident)
        } catch let error as IncidentCommandError {
            switch error {
            case .unknownIncident:
                if let stored = try await queries.incident(id: id) {
                    throw APIError(.conflict, "incident \(id) is \(stored.incident.status.rawValue) and cannot change")
                }
                throw APIError.notFound("incident \(id)")
            case .notAllowed:
                throw APIError(.conflict, error.description)
            }
        } catch is EngineService.UnavailableError {
            throw APIError(.serviceUnavailable, "the engine is not running; retry shortly", retryAfter: 1)
        }
    }

    /// `{"by": "alice", "note": "looking"}`, both optional; an empty body is fine.
    static func actorAndNote(_ body: ByteBuffer) throws -> (String, String?) {
        guard body.readableBytes > 0 else { return ("api", nil) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw APIError(.badRequest, "body: expected a JSON object like {\"by\": \"alice\", \"note\": \"…\"}")
        }
        for key in object.keys where key != "by" && key != "note" {
            throw APIError(.badRequest, "\(key): unknown field; expected by, note")
        }
        if object["by"] != nil, !(object["by"] is String) { throw APIError(.badRequest, "by: expected a string") }
        if object["note"] != nil, !(object["note"] is String) { throw APIError(.badRequest, "note: expected a string") }
        let actor = (object["by"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "api"
        return (actor, object["note"] as? String)
    }

    static func incidentID(_ context: Context) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else { throw APIError.notFound("incident \(text)") }
        return id
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text, !text.isEmpty else { return 100 }
        guard let limit = Int(text), (1...10_000).contains(limit) else {
            throw APIError(.badRequest, "limit: expected an integer from 1 to 10000, got \"\(text)\"")
        }
        return limit
    }
}

/// `/api/v1/alerts`: alert occurrences with their duplicate counts and status.
struct AlertController<Context: RequestContext>: Sendable {
    let queries: DeskQueries

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("alerts") { request, _ in try await list(request) }
        group.get("alerts/:id") { _, context in try await detail(context) }
    }

    /// One alert with its own timeline: what the rules did to it, why it
    /// joined (or was kept out of) an incident.
    func detail(_ context: Context) async throws -> AlertDetailRepresentation {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0, let detail = try await queries.alert(id: id) else { throw APIError.notFound("alert \(text)") }
        return AlertDetailRepresentation(detail)
    }

    func list(_ request: Request) async throws -> AlertListRepresentation {
        let parameters = request.uri.queryParameters
        var filter = DeskQueries.AlertFilter()
        if let text = parameters.get("fingerprint"), !text.isEmpty {
            guard let fingerprint = Fingerprint(hex: text) else {
                throw APIError(.badRequest, "fingerprint: expected 16 hexadecimal digits, got \"\(text)\"")
            }
            filter.fingerprint = fingerprint
        }
        if let text = parameters.get("status"), !text.isEmpty {
            guard let status = AlertStatus(rawValue: text.lowercased()) else {
                throw APIError(.badRequest, "status: unknown value \"\(text)\"; expected firing or resolved")
            }
            filter.status = status
        }
        if let text = parameters.get("suppressed"), !text.isEmpty {
            guard let suppressed = Bool(text) else { throw APIError(.badRequest, "suppressed: expected true or false, got \"\(text)\"") }
            filter.suppressed = suppressed
        }
        filter.limit = try IncidentController<Context>.limit(parameters.get("limit"))
        return AlertListRepresentation(alerts: try await queries.alerts(filter).map(AlertRepresentation.init))
    }
}
