public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/datadog`: Datadog's Webhooks integration.
///
/// Datadog's body is a template. The adapter reads the payload alertbridge
/// documents (`examples/datadog/webhook-payload.json`, built from Datadog's
/// `$ALERT_*` variables) and Datadog's default payload; every value may be a
/// string, and epochs are milliseconds.
///
/// Identity is the monitor and its group, which stay the same from
/// `Triggered` to `Recovered`: `alertname` (the monitor name: the title
/// without its `[Triggered on {…}]` prefix), `monitor_id` (`$ALERT_ID`), the
/// scope's `name:value` pairs (`$ALERT_SCOPE`, e.g. `host:web-1`), `host`
/// (`$HOSTNAME`), the tags' `name:value` pairs (`$TAGS`) and `severity` from
/// the monitor priority (`$ALERT_PRIORITY` P1–P5). `$ALERT_TYPE`
/// (error/warning/success) is not the severity: it changes with every
/// transition, so it would split one alert into several; it is kept as an
/// annotation. The state is `$ALERT_TRANSITION`, or, in the default payload,
/// the title's prefix: `Recovered` resolves, `Triggered`, `Re-Triggered`,
/// `Warn`, `Re-Warn`, `No Data`, `Re-No Data` and `Renotify` fire. A
/// transition of `Null` (no monitor state change) is accepted and dropped.
public struct DatadogAdapter: IngestAdapter {
    public var source: String { "datadog" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    static let firing: Set<String> = ["triggered", "re-triggered", "warn", "re-warn", "no data", "re-no data", "renotify"]

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (a Datadog webhook payload)")
        guard let (titleField, titleValue) = PayloadFields.member(root, "alert_title", "title") else {
            throw IngestError(path: "alert_title", "required, expected the monitor's title ($ALERT_TITLE or $EVENT_TITLE)")
        }
        let title = Self.Title(try PayloadFields.requiredString(titleValue, titleField))

        let transitionText: String
        let transitionField: String
        if let text = try PayloadFields.optionalString(root["alert_transition"], "alert_transition"), !text.isEmpty {
            (transitionText, transitionField) = (text, "alert_transition")
        } else if let text = title.transition {
            (transitionText, transitionField) = (text, titleField)
        } else {
            throw IngestError(
                path: "alert_transition", "required: the payload has no $ALERT_TRANSITION and the title no [Triggered]/[Recovered] prefix")
        }
        let status: AlertStatus
        switch transitionText.lowercased() {
        case "recovered": status = .resolved
        case "null": return []
        case let word where Self.firing.contains(word): status = .firing
        default:
            throw IngestError(path: transitionField, "expected a monitor transition (Triggered, Warn, No Data, Recovered, …), got \"\(transitionText.prefix(64))\"")
        }

        var severity = ""
        let priority = try PayloadFields.optionalString(root["alert_priority"], "alert_priority") ?? ""
        if !priority.isEmpty {
            guard ["p1", "p2", "p3", "p4", "p5"].contains(priority.lowercased()) else {
                throw IngestError(path: "alert_priority", "expected P1 to P5, got \"\(priority.prefix(64))\"")
            }
            severity = Severity(label: priority).rawValue
        }
        let scope = try PayloadFields.optionalString(root["alert_scope"], "alert_scope") ?? title.scope ?? ""
        var pairs = try tags(root["tags"])
        pairs += Self.pairs(scope, separator: ",")
        pairs += [
            ("host", try PayloadFields.optionalString(root["hostname"], "hostname") ?? ""),
            ("monitor_id", try PayloadFields.scalarText(root["alert_id"], "alert_id") ?? ""),
            ("severity", severity),
            ("alertname", title.name),
        ]
        let labels = try PayloadFields.built(pairs, "body", limits: limits, valueLimit: limits.maxLabelValueBytes)

        var annotations: [(String, String)] = [("summary", title.name)]
        var text = try PayloadFields.optionalString(root["text_only_msg"], "text_only_msg") ?? ""
        if text.isEmpty { text = Self.unwrapMarkdown(try PayloadFields.optionalString(root["body"], "body") ?? "") }
        annotations.append(("description", text))
        annotations.append(("condition", try PayloadFields.optionalString(root["alert_status"], "alert_status") ?? ""))
        annotations.append(("event_url", try PayloadFields.optionalString(root["link"], "link") ?? ""))
        for (name, annotation) in [
            ("alert_query", "query"), ("alert_metric", "metric"), ("alert_type", "alert_type"), ("event_type", "event_type"),
            ("alert_cycle_key", "alert_cycle_key"),
        ] {
            annotations.append((annotation, try PayloadFields.scalarText(root[name], name) ?? ""))
        }
        annotations.append(("transition", transitionText))
        annotations.append(("source_severity", priority))

        let at = try PayloadFields.epoch(root["date"], "date", unit: .milliseconds) ?? receivedAt
        return [
            Alert(
                source: source, labels: labels,
                annotations: try PayloadFields.built(annotations, "body", limits: limits, valueLimit: limits.maxAnnotationValueBytes),
                status: status, startsAt: at, endsAt: status == .resolved ? at : nil, receivedAt: receivedAt)
        ]
    }

    /// `$TAGS`: `"env:prod,host:web-1"`, or an array of `name:value` strings.
    private func tags(_ value: JSONValue?) throws(IngestError) -> [(String, String)] {
        switch value {
        case nil, .null?: return []
        case .string(let text)?: return Self.pairs(text, separator: ",")
        case .array?: return try PayloadFields.strings(value, "tags").flatMap { Self.pairs($0, separator: ",") }
        default: throw IngestError(path: "tags", "expected a string or an array of strings, got \(PayloadFields.describe(value))")
        }
    }

    /// `name:value` items; items without a colon (bare tags) and `*` are skipped.
    static func pairs(_ text: String, separator: Character) -> [(String, String)] {
        text.split(separator: separator).compactMap { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.firstIndex(of: ":") else { return nil }
            return (String(trimmed[..<colon]), String(trimmed[trimmed.index(after: colon)...]))
        }
    }

    /// `$EVENT_MSG` without the `%%%` markdown fence Datadog wraps it in.
    static func unwrapMarkdown(_ text: String) -> String {
        var body = Substring(text)
        if body.hasPrefix("%%%") { body = body.dropFirst(3) }
        if body.hasSuffix("%%%") { body = body.dropLast(3) }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A monitor notification title: `[P2] [Triggered on {host:web-1}] High CPU`
    /// → transition `Triggered`, scope `host:web-1`, name `High CPU`.
    struct Title {
        var transition: String?
        var scope: String?
        var name: String

        init(_ text: String) {
            var rest = Substring(text)
            // An optional priority tag before the state: "[P2] ".
            if rest.hasPrefix("[P"), let close = rest.firstIndex(of: "]"), rest.distance(from: rest.startIndex, to: close) <= 4 {
                let after = rest[rest.index(after: close)...].drop { $0 == " " }
                if after.hasPrefix("[") { rest = after }
            }
            guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]") else {
                name = text
                return
            }
            var state = rest[rest.index(after: rest.startIndex)..<close]
            name = rest[rest.index(after: close)...].trimmingCharacters(in: .whitespaces)
            if let on = state.range(of: " on {"), state.hasSuffix("}") {
                scope = String(state[on.upperBound..<state.index(before: state.endIndex)])
                state = state[..<on.lowerBound]
            }
            transition = String(state)
        }
    }
}
