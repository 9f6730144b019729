public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/zabbix`: events from a Zabbix webhook media type.
///
/// Zabbix has no fixed webhook body: a media type's JavaScript builds it. The
/// adapter reads the body of alertbridge's own media type
/// (`examples/zabbix/media_alertbridge.yaml`), and also the two shapes other
/// media types commonly post, so an existing script works unchanged:
/// - snake_case names, numbers as numbers (Zabbix's Event-Driven Ansible
///   media type): `event_id`, `event_value`, `event_nseverity`, `host_host`,
///   `event_tags` as `{"tag": ["value"]}`;
/// - the media type's parameters as strings (`JSON.parse(value)` forwarded,
///   as in the PagerDuty media type): `eventid`, `eventvalue`, `eventupdate`,
///   `severity`, `hostname`, `eventtags` as `"tag:value, tag:value"`.
///
/// Identity: the problem's `{EVENT.ID}` (``Alert/identity``), which its
/// recovery carries, so the recovery resolves the problem even when the
/// problem's severity or tags changed in between. The labels are
/// `alertname` (the problem name), `host`, `severity`, `event_id` and, when
/// the event has a `service` tag, `service`. `{EVENT.VALUE}` 1 fires, 0 resolves; an
/// update (`{EVENT.UPDATE.STATUS}` 1: acknowledgement, comment, severity
/// change) is accepted and dropped, since acknowledging is the desk's job.
///
/// Zabbix dates (`2024.05.13` `09:20:10`) are in the Zabbix server's time
/// zone and carry none; they are read in ``timeZone`` (UTC by default)
/// unless the body has Unix timestamps (`event_timestamp`, as alertbridge's
/// media type sends).
public struct ZabbixAdapter: IngestAdapter {
    public var source: String { "zabbix" }
    public var timeZone: TimeZone
    public var limits: IngestLimits

    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!, limits: IngestLimits = IngestLimits()) {
        self.timeZone = timeZone
        self.limits = limits
    }

    /// Zabbix's severities, by number and by default name, on the canonical scale.
    static let severities: [(number: String, name: String, severity: Severity)] = [
        ("0", "not classified", .info), ("1", "information", .info), ("2", "warning", .warning),
        ("3", "average", .minor), ("4", "high", .major), ("5", "disaster", .critical),
    ]

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (a Zabbix media type's event)")

        guard let (idName, idValue) = PayloadFields.member(root, "event_id", "eventid") else {
            throw IngestError(path: "event_id", "required, expected the problem's {EVENT.ID}")
        }
        let eventID = try PayloadFields.scalarText(idValue, idName) ?? ""
        guard !eventID.isEmpty, eventID.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw IngestError(path: idName, "expected an event id (digits), got \(Self.shown(idValue))")
        }
        let value = try flag(root, "event_value", "eventvalue", required: true)
        let isUpdate = try flag(root, "event_update", "eventupdate", required: false)
        if value == true, isUpdate == true { return [] }

        guard let (nameField, nameValue) = PayloadFields.member(root, "event_name", "eventname") else {
            throw IngestError(path: "event_name", "required, expected the problem name {EVENT.NAME}")
        }
        var name = try PayloadFields.requiredString(nameValue, nameField)
        if nameField == "eventname" { name = Self.problemName(fromSubject: name) }
        let host = try firstString(root, "host_host", "host_name", "hostname")
        let severity = try self.severity(root)
        let tags = try self.tags(root)
        let service = tags.first { $0.0 == "service" }?.1 ?? ""

        let labels = try PayloadFields.built(
            [("alertname", name), ("host", host), ("severity", severity?.rawValue ?? ""), ("event_id", eventID), ("service", service)],
            "body", limits: limits, valueLimit: limits.maxLabelValueBytes)

        var annotations: [(String, String)] = [("summary", name)]
        let description = try firstString(root, "trigger_description", "triggerdesc")
        annotations.append(("description", description.isEmpty ? try firstString(root, "alert_message") : description))
        annotations.append(("operational_data", try firstString(root, "operational_data", "operation_data", "triggeropdata")))
        annotations.append(("host_ip", try firstString(root, "host_ip", "hostip")))
        annotations.append(("tags", tags.map { "\($0.0):\($0.1)" }.joined(separator: ", ")))
        if let word = try rawSeverity(root) { annotations.append(("source_severity", word)) }
        let triggerID = try firstString(root, "trigger_id", "triggerid")
        var frontend = try firstString(root, "zabbix_url", "url")
        while frontend.hasSuffix("/") { frontend.removeLast() }
        if !frontend.isEmpty, !triggerID.isEmpty {
            annotations.append(("event_url", "\(frontend)/tr_events.php?triggerid=\(triggerID)&eventid=\(eventID)"))
        }
        if value == false, let recoveryID = try PayloadFields.scalarText(root["event_recovery_id"], "event_recovery_id") {
            annotations.append(("recovery_event_id", recoveryID))
        }

        let startsAt =
            try time(root, timestamp: "event_timestamp", "event_datetime_timestamp", date: "event_date", "eventdate", time: "event_time", "eventtime")
            ?? receivedAt
        var endsAt: Date?
        if value == false {
            let end =
                try time(root, timestamp: "event_recovery_timestamp", date: "event_recovery_date", time: "event_recovery_time") ?? receivedAt
            guard end >= startsAt else {
                throw IngestError(path: "event_recovery_time", "the recovery must not be before the problem started")
            }
            endsAt = end
        }
        return [
            Alert(
                source: source, labels: labels,
                annotations: try PayloadFields.built(annotations, "body", limits: limits, valueLimit: limits.maxAnnotationValueBytes),
                status: value == true ? .firing : .resolved, startsAt: startsAt, endsAt: endsAt, receivedAt: receivedAt,
                identity: eventID)
        ]
    }

    // MARK: - Fields

    /// `1`/`0` (a number or a string) as true/false; `nil` when absent and not required.
    private func flag(_ root: JSONValue, _ names: String..., required: Bool) throws(IngestError) -> Bool? {
        guard let (name, value) = PayloadFields.member(root, names) else {
            if required { throw IngestError(path: names[0], "required, expected 1 (problem) or 0 (recovery)") }
            return nil
        }
        switch try PayloadFields.scalarText(value, name) {
        case "1": return true
        case "0": return false
        case nil where !required: return nil
        default: throw IngestError(path: name, "expected 1 or 0, got \(Self.shown(value))")
        }
    }

    /// The first of `names` present, as text; `""` when none is.
    private func firstString(_ root: JSONValue, _ names: String...) throws(IngestError) -> String {
        guard let (name, value) = PayloadFields.member(root, names) else { return "" }
        return try PayloadFields.scalarText(value, name) ?? ""
    }

    /// The canonical severity from `event_nseverity` or `severity` (0–5, or a
    /// name), else `event_severity` (a name); `nil` when the body has none.
    /// Numbers win: Zabbix lets an administrator rename severities.
    private func severity(_ root: JSONValue) throws(IngestError) -> Severity? {
        for name in ["event_nseverity", "severity", "event_severity"] {
            guard let value = root[name], let text = try PayloadFields.scalarText(value, name), !text.isEmpty else { continue }
            let word = text.lowercased()
            guard let entry = Self.severities.first(where: { $0.number == word || $0.name == word }) else {
                throw IngestError(
                    path: name,
                    "expected a Zabbix severity (0-5, or Not classified, Information, Warning, Average, High, Disaster), got \(Self.shown(value))")
            }
            return entry.severity
        }
        return nil
    }

    /// The severity as the sender wrote it, for the `source_severity` annotation.
    private func rawSeverity(_ root: JSONValue) throws(IngestError) -> String? {
        let name = try firstString(root, "event_severity")
        if !name.isEmpty { return name }
        let number = try firstString(root, "event_nseverity", "severity")
        return number.isEmpty ? nil : number
    }

    /// Event tags in any of the three shapes, as (tag, value) pairs.
    private func tags(_ root: JSONValue) throws(IngestError) -> [(String, String)] {
        guard let (name, value) = PayloadFields.member(root, "event_tags", "eventtags") else { return [] }
        switch value {
        case .null:
            return []
        case .string(let text):
            // {EVENT.TAGS}: "class:os, component:cpu, scope:performance".
            return text.split(separator: ",").compactMap { item in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { return nil }
                guard let colon = trimmed.firstIndex(of: ":") else { return (trimmed, "") }
                return (String(trimmed[..<colon]), String(trimmed[trimmed.index(after: colon)...]))
            }
        case .object(let members):
            // {"class": ["os"]}, as the Event-Driven Ansible media type reshapes them.
            var pairs: [(String, String)] = []
            for (tag, values) in members {
                for text in try PayloadFields.strings(values, "\(name).\(tag)") { pairs.append((tag, text)) }
            }
            return pairs
        case .array(let elements):
            // {EVENT.TAGSJSON}: [{"tag": "class", "value": "os"}].
            var pairs: [(String, String)] = []
            for (index, element) in elements.enumerated() {
                _ = try PayloadFields.object(element, "\(name)[\(index)]", what: "a tag object")
                let tag = try PayloadFields.requiredString(element["tag"], "\(name)[\(index)].tag")
                pairs.append((tag, try PayloadFields.optionalString(element["value"], "\(name)[\(index)].value") ?? ""))
            }
            return pairs
        default:
            throw IngestError(path: name, "expected a string, an object or an array of tags, got \(value.kindDescription)")
        }
    }

    /// A Unix timestamp (seconds) when the body has one, else a Zabbix date
    /// and time read in ``timeZone``; `nil` when neither is present.
    private func time(_ root: JSONValue, timestamp: String..., date: String..., time: String...) throws(IngestError) -> Date? {
        if let (name, value) = PayloadFields.member(root, timestamp), let stamp = try PayloadFields.epoch(value, name, unit: .seconds) {
            return stamp
        }
        guard let (dateName, dateValue) = PayloadFields.member(root, date),
            let day = try PayloadFields.optionalString(dateValue, dateName), !day.isEmpty
        else { return nil }
        let (timeName, timeValue) = PayloadFields.member(root, time) ?? (time[0], .null)
        let clock = try PayloadFields.optionalString(timeValue, timeName) ?? "00:00:00"
        let parts = day.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let utc = RFC3339.unixMilliseconds("\(parts[0])-\(parts[1])-\(parts[2])T\(clock)Z")
        else {
            throw IngestError(path: "\(dateName), \(timeName)", "expected a Zabbix date and time (2024.05.13 09:20:10), got \"\(day.prefix(32)) \(clock.prefix(32))\"")
        }
        // Local wall time to UTC: the offset at the wall time read as UTC is
        // right except within an hour of a DST change, where Zabbix's own
        // text is ambiguous anyway.
        let offset = Int64(timeZone.secondsFromGMT(for: Date(unixMilliseconds: utc))) * 1000
        return Date(unixMilliseconds: utc - offset)
    }

    // MARK: - Text

    /// The problem name inside a default Zabbix subject: `Problem: X`,
    /// `Resolved: X`, `Resolved in 21m 45s: X`, `Updated problem in 4m 52s: X`
    /// all give `X`, so a problem and its recovery share their `alertname`.
    static func problemName(fromSubject subject: String) -> String {
        for prefix in ["Problem: ", "Resolved: ", "Updated problem: "] where subject.hasPrefix(prefix) {
            return String(subject.dropFirst(prefix.count))
        }
        for prefix in ["Resolved in ", "Updated problem in "] where subject.hasPrefix(prefix) {
            if let separator = subject.range(of: ": ") { return String(subject[separator.upperBound...]) }
        }
        return subject
    }

    static func shown(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text.prefix(64))\""
        case .number(let text): text
        default: value.kindDescription
        }
    }
}
