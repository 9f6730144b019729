import AlertbridgeCore
import AlertbridgeStore
import Foundation
import Hummingbird

/// `/api/v1/syslog`: what the syslog sources say, counted, for the
/// early-warning dashboards: per host and app, and per template.
struct SyslogController<Context: RequestContext>: Sendable {
    let queries: DeskQueries
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("syslog/counts") { request, _ in
            let parameters = request.uri.queryParameters
            let since = try since(parameters.get("since"))
            let counts = try await queries.syslogCounts(
                since: since, host: nonEmpty(parameters.get("host")), app: parameters.get("app"),
                limit: try IncidentController<Context>.limit(parameters.get("limit")))
            return SyslogCountsRepresentation(since: RFC3339.string(since), sources: counts.map(SyslogSourceRepresentation.init))
        }
        group.get("syslog/templates") { request, _ in
            let parameters = request.uri.queryParameters
            let since = try since(parameters.get("since"))
            let templates = try await queries.syslogTemplates(
                since: since, app: parameters.get("app"), limit: try IncidentController<Context>.limit(parameters.get("limit")))
            return SyslogTemplatesRepresentation(since: RFC3339.string(since), templates: templates.map(SyslogTemplateRepresentation.init))
        }
    }

    /// `since`: a duration back from now (`1h`, default) or an RFC 3339 time.
    private func since(_ text: String?) throws -> Date {
        guard let text, !text.isEmpty else { return Date(unixMilliseconds: now().unixMilliseconds - 3_600_000) }
        if let duration = DurationText.parse(text) {
            return Date(unixMilliseconds: now().unixMilliseconds - duration.milliseconds)
        }
        var copy = text
        if let milliseconds = copy.withUTF8({ RFC3339.unixMilliseconds(utf8: $0) }) { return Date(unixMilliseconds: milliseconds) }
        throw APIError(.badRequest, "since: expected a duration like 1h or an RFC 3339 time, got \"\(text)\"")
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

struct SyslogSourceRepresentation: Codable {
    var host: String
    /// "" when the lines name no app.
    var app: String
    var messages: Int
    /// Messages of severity err or worse.
    var errors: Int
    /// Lines that were neither RFC 5424 nor RFC 3164 (kept, with their text).
    var unparsed: Int
    /// The most severe severity seen: emerg … debug (absent: no PRI seen).
    var worstSeverity: String?
    var templates: Int
    /// The start of the last minute with a message.
    var lastMinute: String

    init(_ count: DeskQueries.SyslogSourceCount) {
        host = count.host
        app = count.app
        messages = count.messages
        errors = count.errors
        unparsed = count.unparsed
        worstSeverity = count.worstSeverity.flatMap { SyslogSeverity(rawValue: $0)?.keyword }
        templates = count.templates
        lastMinute = RFC3339.string(unixMilliseconds: count.lastMinute)
    }
}

struct SyslogCountsRepresentation: ResponseEncodable {
    var since: String
    var sources: [SyslogSourceRepresentation]
}

struct SyslogTemplateRepresentation: Codable {
    var app: String
    /// The template id, the `template` label of the messages.
    var template: String
    /// Its text, variable parts as <*>.
    var text: String
    var messages: Int
    var hosts: Int
    var firstSeenAt: String
    var lastSeenAt: String

    init(_ count: DeskQueries.SyslogTemplateCount) {
        app = count.app
        template = count.template
        text = count.text
        messages = count.messages
        hosts = count.hosts
        firstSeenAt = RFC3339.string(unixMilliseconds: count.firstSeenAt)
        lastSeenAt = RFC3339.string(unixMilliseconds: count.lastSeenAt)
    }
}

struct SyslogTemplatesRepresentation: ResponseEncodable {
    var since: String
    var templates: [SyslogTemplateRepresentation]
}
