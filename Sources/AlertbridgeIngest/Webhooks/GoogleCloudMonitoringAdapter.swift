public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/gcp`: Google Cloud Monitoring's webhook notification
/// channel, schema version 1.2 (an `incident` object).
///
/// Identity: `alertname` (`policy_name`), `incident_id` (the key Cloud
/// Monitoring keeps from open to closed; a new incident of the policy gets a
/// new one), `severity`, `project`, `resource_type`, the policy's and the
/// resource's user labels (`policy_user_labels`, `metadata.user_labels`: `env`,
/// `team`, …), and `host` (`resource_display_name`) when the resource is a
/// Compute Engine VM. Severities map as Critical critical, Error major,
/// Warning warning; "No severity" sets none.
///
/// `state` `open` fires from `started_at`; `closed` resolves at `ended_at`
/// (Unix seconds). The console's "Send test notification" (`version` "test")
/// is accepted and dropped: it is not an incident.
public struct GoogleCloudMonitoringAdapter: IngestAdapter {
    public var source: String { "gcp" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    static let severities: [String: Severity] = ["critical": .critical, "error": .major, "warning": .warning]

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (a Cloud Monitoring notification)")
        let version = try PayloadFields.optionalString(root["version"], "version")
        _ = try PayloadFields.object(root["incident"], "incident")
        if version == "test" { return [] }
        let incident = root["incident"]!

        let id = try PayloadFields.requiredString(incident["incident_id"], "incident.incident_id")
        let policy = try PayloadFields.requiredString(incident["policy_name"], "incident.policy_name")
        let state = try PayloadFields.requiredString(incident["state"], "incident.state")
        let status: AlertStatus
        switch state.lowercased() {
        case "open": status = .firing
        case "closed": status = .resolved
        default: throw IngestError(path: "incident.state", "expected \"open\" or \"closed\", got \"\(state.prefix(64))\"")
        }
        var severity = ""
        let word = try PayloadFields.optionalString(incident["severity"], "incident.severity") ?? ""
        if !word.isEmpty, word.lowercased() != "no severity" {
            guard let canonical = Self.severities[word.lowercased()] else {
                throw IngestError(path: "incident.severity", "expected Critical, Error, Warning or No severity, got \"\(word.prefix(64))\"")
            }
            severity = canonical.rawValue
        }
        let resource = incident["resource"]
        if let resource, resource != .null { _ = try PayloadFields.object(resource, "incident.resource") }
        let resourceType = try PayloadFields.optionalString(resource?["type"], "incident.resource.type") ?? ""
        let displayName = try PayloadFields.optionalString(incident["resource_display_name"], "incident.resource_display_name") ?? ""
        let metadata = incident["metadata"]
        if let metadata, metadata != .null { _ = try PayloadFields.object(metadata, "incident.metadata") }

        let labels = try PayloadFields.built(
            try PayloadFields.stringMembers(incident["policy_user_labels"], "incident.policy_user_labels")
                + PayloadFields.stringMembers(metadata?["user_labels"], "incident.metadata.user_labels")
                + [
                    ("alertname", policy), ("incident_id", id), ("severity", severity),
                    ("project", try PayloadFields.optionalString(incident["scoping_project_id"], "incident.scoping_project_id") ?? ""),
                    ("resource_type", resourceType), ("host", resourceType == "gce_instance" ? displayName : ""),
                ], "incident", limits: limits, valueLimit: limits.maxLabelValueBytes)

        var subject = ""
        var documentation = ""
        switch incident["documentation"] {
        case .string(let text)?: documentation = text
        case .object? :
            let doc = incident["documentation"]!
            subject = try PayloadFields.optionalString(doc["subject"], "incident.documentation.subject") ?? ""
            documentation = try PayloadFields.optionalString(doc["content"], "incident.documentation.content") ?? ""
        case nil, .null?: break
        default:
            throw IngestError(path: "incident.documentation", "expected an object or a string, got \(PayloadFields.describe(incident["documentation"]))")
        }
        let summary = try PayloadFields.optionalString(incident["summary"], "incident.summary") ?? ""
        let annotations = try PayloadFields.built(
            [
                ("summary", subject.isEmpty ? summary : subject), ("description", summary), ("documentation", documentation),
                ("incident_url", try PayloadFields.optionalString(incident["url"], "incident.url") ?? ""),
                ("condition", try PayloadFields.optionalString(incident["condition_name"], "incident.condition_name") ?? ""),
                ("observed_value", try PayloadFields.scalarText(incident["observed_value"], "incident.observed_value") ?? ""),
                ("threshold_value", try PayloadFields.scalarText(incident["threshold_value"], "incident.threshold_value") ?? ""),
                ("resource", displayName), ("source_severity", word),
            ], "incident", limits: limits, valueLimit: limits.maxAnnotationValueBytes)

        let startsAt = try PayloadFields.epoch(incident["started_at"], "incident.started_at", unit: .seconds) ?? receivedAt
        var endsAt: Date?
        if status == .resolved {
            let end = try PayloadFields.epoch(incident["ended_at"], "incident.ended_at", unit: .seconds) ?? receivedAt
            guard end >= startsAt else { throw IngestError(path: "incident.ended_at", "must not be before started_at") }
            endsAt = end
        }
        return [
            Alert(
                source: source, labels: labels, annotations: annotations, status: status, startsAt: startsAt, endsAt: endsAt,
                receivedAt: receivedAt, generatorURL: nil)
        ]
    }
}
