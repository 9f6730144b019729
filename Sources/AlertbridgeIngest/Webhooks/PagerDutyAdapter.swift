public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/pagerduty` and `POST /v2/enqueue`: PagerDuty Events API v2,
/// as Alertmanager's `pagerduty_configs`, Zabbix's PagerDuty media type and
/// most other tools emit it.
///
/// PagerDuty identifies an alert by `dedup_key` alone: `acknowledge` and
/// `resolve` events carry nothing else (no summary, severity or source). So
/// the key is the alert's ``Alert/identity``, and a resolve finds its trigger
/// by it whatever their labels. A trigger's labels are `alertname` and
/// `dedup_key` (both the key: each PagerDuty alert is its own incident unless
/// correlation finds a service for it, as in PagerDuty), `severity` on the
/// canonical scale, `host` (`payload.source`, unless it only repeats the
/// sending tool's `client` name, as Alertmanager's default does) and
/// `service` (`payload.component`, when given); the rest of the payload (summary,
/// group, class, custom details, links) goes into annotations. A resolve's
/// labels are only `alertname` and `dedup_key`; the alert keeps its
/// trigger's.
///
/// Event actions:
/// - `trigger`: a firing alert, from `payload.timestamp` (or receipt);
/// - `resolve`: a resolved alert, ending on receipt;
/// - `acknowledge`: no alert. Acknowledging is what an operator does to an
///   incident on the desk; a sender's acknowledgement neither fires nor
///   resolves anything, so it is accepted and dropped (`{"accepted": 0}`).
/// - a change event (no `event_action`, no `payload.severity`; PagerDuty
///   takes these at `/v2/change/enqueue`) is accepted and dropped too: it
///   never opens an incident.
///
/// A trigger without `dedup_key` gets a key made of `payload.source` and
/// `payload.summary`, so that resends are duplicates; PagerDuty would
/// generate a random one, which a pure adapter cannot, and no event could
/// refer to it anyway.
public struct PagerDutyAdapter: IngestAdapter {
    public var source: String { "pagerduty" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    /// PagerDuty's own severities and their place on the canonical scale.
    static let severities: [String: Severity] = ["critical": .critical, "error": .major, "warning": .warning, "info": .info]

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (a PagerDuty Events API v2 event)")
        guard let action = try PayloadFields.optionalString(root["event_action"], "event_action") else {
            if case .object? = root["payload"], root["payload"]?["severity"] == nil { return [] }  // a change event
            throw IngestError(path: "event_action", "required, expected \"trigger\", \"acknowledge\" or \"resolve\"")
        }
        let sentKey = try PayloadFields.optionalString(root["dedup_key"], "dedup_key").flatMap { $0.isEmpty ? nil : $0 }
        switch action {
        case "trigger":
            return [try trigger(root, dedupKey: sentKey, receivedAt: receivedAt)]
        case "acknowledge":
            guard sentKey != nil else { throw IngestError(path: "dedup_key", "required for acknowledge, expected a string") }
            return []
        case "resolve":
            guard let key = sentKey else { throw IngestError(path: "dedup_key", "required for resolve, expected a string") }
            // Alertmanager still sends its payload with a resolve; PagerDuty's own
            // resolve has none.
            var annotations = LabelSet.empty
            if let payload = root["payload"], payload != .null { annotations = try self.annotations(of: root, payload: payload) }
            return [
                Alert(
                    source: source, labels: try labels(key), annotations: annotations, status: .resolved,
                    startsAt: receivedAt, endsAt: receivedAt, receivedAt: receivedAt, identity: key)
            ]
        default:
            throw IngestError(path: "event_action", "expected \"trigger\", \"acknowledge\" or \"resolve\", got \"\(action.prefix(64))\"")
        }
    }

    private func trigger(_ root: JSONValue, dedupKey: String?, receivedAt: Date) throws(IngestError) -> Alert {
        let payload = root["payload"]
        _ = try PayloadFields.object(payload, "payload", what: "an object (required for trigger)")
        let summary = try PayloadFields.requiredString(payload?["summary"], "payload.summary")
        let origin = try PayloadFields.requiredString(payload?["source"], "payload.source")
        let word = try PayloadFields.requiredString(payload?["severity"], "payload.severity")
        guard Self.severities[word] != nil else {
            throw IngestError(path: "payload.severity", "expected \"critical\", \"error\", \"warning\" or \"info\", got \"\(word.prefix(64))\"")
        }
        let key = dedupKey ?? "\(origin)/\(summary)"
        let startsAt = try PayloadFields.time(payload?["timestamp"], "payload.timestamp") ?? receivedAt
        let component = try PayloadFields.optionalString(payload?["component"], "payload.component") ?? ""
        // Alertmanager's default `source` is its own name, as is its `client`:
        // a source that only names the sending tool says nothing of a host.
        let client = try PayloadFields.optionalString(root["client"], "client") ?? ""
        let host = origin == client ? "" : origin
        return Alert(
            source: source,
            labels: try labels(key, severity: Self.severities[word], host: host, service: component),
            annotations: try annotations(of: root, payload: payload!), status: .firing, startsAt: startsAt, receivedAt: receivedAt,
            identity: key)
    }

    /// `alertname` and `dedup_key` (the key), and what a trigger says of
    /// severity, host and service (empty ones are left out).
    private func labels(_ key: String, severity: Severity? = nil, host: String = "", service: String = "") throws(IngestError) -> LabelSet {
        _ = try PayloadFields.built([("dedup_key", key)], "dedup_key", limits: limits, valueLimit: limits.maxLabelValueBytes)
        return try PayloadFields.built(
            [("alertname", key), ("dedup_key", key), ("severity", severity?.rawValue ?? ""), ("host", host), ("service", service)],
            "payload", limits: limits, valueLimit: limits.maxLabelValueBytes)
    }

    /// The trigger's description: PagerDuty's field names, `severity` on the
    /// canonical scale, custom details as `name: value` lines, links as
    /// `…_url` annotations.
    private func annotations(of root: JSONValue, payload: JSONValue) throws(IngestError) -> LabelSet {
        _ = try PayloadFields.object(payload, "payload")
        var pairs: [(String, String)] = []
        pairs.append(("summary", try PayloadFields.optionalString(payload["summary"], "payload.summary") ?? ""))
        if let word = try PayloadFields.optionalString(payload["severity"], "payload.severity") {
            pairs.append(("severity", (Self.severities[word] ?? Severity(label: word)).rawValue))
            pairs.append(("source_severity", word))
        }
        for name in ["source", "component", "group", "class"] {
            pairs.append((name, try PayloadFields.optionalString(payload[name], "payload.\(name)") ?? ""))
        }
        if let details = payload["custom_details"], details != .null {
            pairs.append(("description", Self.render(details)))
        }
        pairs.append(("client", try PayloadFields.optionalString(root["client"], "client") ?? ""))
        pairs.append(("client_url", try PayloadFields.optionalString(root["client_url"], "client_url") ?? ""))
        let elements: [JSONValue] =
            root["links"] == nil || root["links"] == .null ? [] : try PayloadFields.array(root["links"], "links", what: "an array of links")
        for (index, link) in elements.enumerated() {
            _ = try PayloadFields.object(link, "links[\(index)]", what: "a link object")
            let href = try PayloadFields.requiredString(link["href"], "links[\(index)].href")
            pairs.append((index == 0 ? "link_url" : "link_\(index + 1)_url", href))
        }
        return try PayloadFields.built(pairs, "payload", limits: limits, valueLimit: limits.maxAnnotationValueBytes)
    }

    /// Free-form custom details as text: a string as it is, an object as
    /// `name: value` lines in document order, anything else as compact JSON.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .object(let members):
            return members.map { "\($0.key): \(compact($0.value))" }.joined(separator: "\n")
        default: return compact(value)
        }
    }

    static func compact(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let text): return text
        case .string(let text): return text
        case .array(let elements): return "[" + elements.map(quoted).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { "\(quote($0.key)):\(quoted($0.value))" }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ value: JSONValue) -> String {
        if case .string(let text) = value { return quote(text) }
        return compact(value)
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
