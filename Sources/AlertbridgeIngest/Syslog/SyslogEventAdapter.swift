public import AlertbridgeCore
public import Foundation

/// A parsed syslog message as the inbox carries it: an ``Alert`` with source
/// `syslog` and the labels of ``SyslogEvent`` (no `alertname`: the engine's
/// syslog rules decide what becomes an alert).
///
/// Nothing is dropped: an unparsed line keeps its whole text as `message`,
/// with `format="unparsed"`, and the peer's address as `host`.
public enum SyslogEventAdapter {
    /// - Parameters:
    ///   - peerAddress: the sender's IP address, the host of a line that names none.
    ///   - template: the line's template, mined by the caller (per app).
    ///   - incomplete: the connection closed inside the frame.
    public static func event(
        _ message: SyslogMessage, peerAddress: String, template: TemplateMiner.Match?, receivedAt: Date, incomplete: Bool = false
    ) -> Alert {
        typealias Label = SyslogEvent.Label
        typealias Annotation = SyslogEvent.Annotation
        var labels: [AlertbridgeCore.Label] = []
        labels.reserveCapacity(7)
        if let app = message.appName, !app.isEmpty { labels.append(.init(Label.app, app)) }
        if let facility = message.facility { labels.append(.init(Label.facility, SyslogFacility.keyword(Int(facility)))) }
        labels.append(.init(Label.format, formatName(message.format)))
        labels.append(.init(Label.host, nonEmpty(message.hostname) ?? peerAddress))
        if let msgID = nonEmpty(message.msgID) { labels.append(.init(Label.msgid, msgID)) }
        if let severity = message.severity, let keyword = SyslogSeverity(rawValue: Int(severity))?.keyword {
            labels.append(.init(Label.severity, keyword))
        }
        if let template { labels.append(.init(Label.template, template.templateID)) }
        // Names in sorted order: app facility format host msgid severity template.
        // Annotations too, so neither set needs sorting: flags message
        // structured_data template timestamp.
        var annotations: [AlertbridgeCore.Label] = []
        annotations.reserveCapacity(5)
        if !message.flags.isEmpty || incomplete {
            let flags = flagNames(message.flags) + (incomplete ? ["incomplete"] : [])
            if !flags.isEmpty { annotations.append(.init(Annotation.flags, flags.joined(separator: ","))) }
        }
        if let text = message.message, !text.isEmpty { annotations.append(.init(Annotation.message, text)) }
        if let structured = message.structuredDataText { annotations.append(.init(Annotation.structuredData, structured)) }
        if let template { annotations.append(.init(Annotation.template, template.template)) }
        if let timestamp = message.timestamp { annotations.append(.init(Annotation.timestamp, timestamp)) }
        let startsAt = message.timestampUnixMillis.map { Date(unixMilliseconds: $0) } ?? receivedAt
        return Alert(
            source: SyslogEvent.source, labels: LabelSet(sortedLabels: labels), annotations: LabelSet(sortedLabels: annotations),
            status: .firing, startsAt: startsAt, receivedAt: receivedAt)
    }

    /// The decoder rule tests use: the real parser and a template miner per
    /// app, as intake runs them, with `127.0.0.1` as the peer and UTC as
    /// the offset of timestamps that have none.
    public static func lineDecoder() -> SyslogLineDecoder {
        final class Miners {
            var byApp: [String: TemplateMiner] = [:]
        }
        let miners = Miners()
        return { line, receivedAt in
            let message = SyslogParser.parse(line, reference: SyslogReferenceTime(unixMillis: receivedAt.unixMilliseconds))
            let template = message.message.flatMap { text in
                text.isEmpty ? nil : miners.byApp[message.appName ?? "", default: TemplateMiner()].add(text)
            }
            return event(message, peerAddress: "127.0.0.1", template: template, receivedAt: receivedAt)
        }
    }

    static func formatName(_ format: SyslogMessage.Format) -> String {
        switch format {
        case .rfc5424: "rfc5424"
        case .rfc3164: "rfc3164"
        case .unparsed: "unparsed"
        }
    }

    /// The flags worth keeping with the message.
    static func flagNames(_ flags: SyslogMessage.Flags) -> [String] {
        var names: [String] = []
        if flags.contains(.truncated) { names.append("truncated") }
        if flags.contains(.invalidUTF8Replaced) { names.append("invalid_utf8") }
        if flags.contains(.malformedHeader) { names.append("malformed_header") }
        if flags.contains(.nonCompliant) { names.append("non_compliant") }
        if flags.contains(.clockNotAuthoritative) { names.append("clock_not_set") }
        if flags.contains(.clockNotSynchronized) { names.append("clock_not_synchronized") }
        if flags.contains(.yearInferred) { names.append("year_inferred") }
        if flags.contains(.offsetAssumed) { names.append("offset_assumed") }
        return names
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
