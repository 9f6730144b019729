import AlertbridgeCore
import AlertbridgeStore
import Foundation
import Hummingbird

/// `/api/v1/silences`: silences operators create, list and end.
///
/// A silence keeps matching alerts that arrive (or fire again) while it is
/// active out of incidents; they are recorded, and join an incident if they
/// still fire when it ends. Alerts already in an incident stay there, so
/// their resolution still resolves it.
struct SilenceController<Context: RequestContext>: Sendable {
    let queries: DeskQueries
    let engine: EngineService
    let now: @Sendable () -> Date
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("silences") { request, _ in try await create(request) }
        group.get("silences") { request, _ in try await list(request) }
        group.get("silences/:id") { _, context in try await detail(context) }
        group.delete("silences/:id") { request, context in try await expire(request, context) }
    }

    /// `{"matchers": {"service": "db"}, "endsAt": "…" | "duration": "2h", "startsAt": "…",
    ///   "createdBy": "alice", "comment": "…"}`; matchers may also be one string in
    /// Alertmanager's notation, `{service="db", env=~"prod|staging"}`.
    func create(_ request: Request) async throws -> EditedResponse<SilenceRepresentation> {
        let body = try await request.body.collect(upTo: maxBodyBytes)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw APIError(.badRequest, "body: expected a JSON object with matchers and endsAt or duration")
        }
        let allowed: Set<String> = ["matchers", "startsAt", "endsAt", "duration", "createdBy", "comment"]
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw APIError(.badRequest, "\(key): unknown field; expected \(allowed.sorted().joined(separator: ", "))")
        }
        let matchers = try Self.matchers(object["matchers"])
        let at = now()
        let startsAt = try Self.time(object["startsAt"], "startsAt")
        let endsAt: Date
        switch (object["endsAt"], object["duration"]) {
        case (nil, let duration?):
            guard let text = duration as? String, let parsed = DurationText.parse(text), parsed > .zero else {
                throw APIError(.badRequest, "duration: expected a duration like 2h, got \(duration)")
            }
            endsAt = Date(unixMilliseconds: (startsAt ?? at).unixMilliseconds + parsed.milliseconds)
        case (_?, nil):
            endsAt = try Self.time(object["endsAt"], "endsAt")!
        default:
            throw APIError(.badRequest, "give either endsAt or duration")
        }
        let actor = try Self.string(object["createdBy"], "createdBy") ?? "api"
        let comment = try Self.string(object["comment"], "comment") ?? ""
        do {
            let outcome = try await engine.perform(
                .createSilence(matchers: matchers, startsAt: startsAt, endsAt: endsAt, by: actor, comment: comment))
            guard case .silence(let silence) = outcome else { throw APIError(.internalServerError, "unexpected outcome \(outcome)") }
            return EditedResponse(status: .created, response: SilenceRepresentation(silence, at: now()))
        } catch let error as SilenceError {
            throw APIError(.badRequest, error.message)
        } catch is EngineService.UnavailableError {
            throw APIError(.serviceUnavailable, "the engine is not running; retry shortly", retryAfter: 1)
        }
    }

    /// Silences that have not ended, newest first; `?state=all` includes ended ones.
    func list(_ request: Request) async throws -> SilenceListRepresentation {
        let state = request.uri.queryParameters.get("state") ?? "current"
        guard state == "current" || state == "all" else {
            throw APIError(.badRequest, "state: unknown value \"\(state)\"; expected current or all")
        }
        let at = now()
        let limit = try IncidentController<Context>.limit(request.uri.queryParameters.get("limit"))
        let silences = try await queries.silences(activeAt: state == "all" ? nil : at, limit: limit)
        return SilenceListRepresentation(silences: silences.map { SilenceRepresentation($0, at: at) })
    }

    func detail(_ context: Context) async throws -> SilenceRepresentation {
        let id = try Self.id(context)
        guard let silence = try await queries.silence(id: id) else { throw APIError.notFound("silence \(id)") }
        return SilenceRepresentation(silence, at: now())
    }

    /// Ends a silence now; the alerts it kept out join incidents if they still fire.
    func expire(_ request: Request, _ context: Context) async throws -> SilenceRepresentation {
        let id = try Self.id(context)
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let (actor, _) = try IncidentController<Context>.actorAndNote(body)
        do {
            let outcome = try await engine.perform(.expireSilence(id: id, by: actor))
            guard case .silence(let silence) = outcome else { throw APIError(.internalServerError, "unexpected outcome \(outcome)") }
            return SilenceRepresentation(silence, at: now())
        } catch let error as SilenceError where error.notFound {
            if try await queries.silence(id: id) != nil { throw APIError(.conflict, "silence \(id) has already ended") }
            throw APIError.notFound("silence \(id)")
        } catch is EngineService.UnavailableError {
            throw APIError(.serviceUnavailable, "the engine is not running; retry shortly", retryAfter: 1)
        }
    }

    static func matchers(_ value: Any?) throws -> Matchers {
        do {
            switch value {
            case let text as String:
                return try Matchers(parsing: text)
            case let object as [String: Any]:
                var pairs: [(key: String, value: String)] = []
                for key in object.keys.sorted() {
                    guard let expression = object[key] as? String else { throw APIError(.badRequest, "matchers.\(key): expected a string") }
                    pairs.append((key, expression))
                }
                return try Matchers(ruleMap: pairs)
            default:
                throw APIError(.badRequest, "matchers: required, an object like {\"service\": \"db\"} or a string like {service=\"db\"}")
            }
        } catch let error as MatcherError {
            throw APIError(.badRequest, "matchers: \(error)")
        }
    }

    static func time(_ value: Any?, _ key: String) throws -> Date? {
        guard let value else { return nil }
        guard var text = value as? String, let milliseconds = text.withUTF8({ RFC3339.unixMilliseconds(utf8: $0) }) else {
            throw APIError(.badRequest, "\(key): expected an RFC 3339 time like 2026-11-23T20:00:00Z")
        }
        return Date(unixMilliseconds: milliseconds)
    }

    static func string(_ value: Any?, _ key: String) throws -> String? {
        guard let value else { return nil }
        guard let text = value as? String else { throw APIError(.badRequest, "\(key): expected a string") }
        return text
    }

    static func id(_ context: Context) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else { throw APIError.notFound("silence \(text)") }
        return id
    }
}
