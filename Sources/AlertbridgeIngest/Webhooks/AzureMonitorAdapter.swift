public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/azure`: Azure Monitor alerts in the common alert schema
/// (an action group's webhook with "Enable the common alert schema" on).
///
/// Only `data.essentials` is read, which is the same for metric, log and
/// activity-log alerts; `data.alertContext` differs per signal type and
/// version and is used only for its result links.
///
/// Identity: `alertname` (`alertRule`), `alert_id` (`alertId`, the key
/// Azure keeps from `Fired` to `Resolved`; a new firing of the rule gets a new
/// one), `severity`, `resource` (the `configurationItems`), and `host` when
/// the target is a virtual machine. Azure's severities map as Sev0 critical,
/// Sev1 major (Azure: Error), Sev2 warning, Sev3 and Sev4 info
/// (Informational, Verbose). `monitorCondition` `Fired` fires from
/// `firedDateTime`; `Resolved` resolves at `resolvedDateTime` (or receipt).
public struct AzureMonitorAdapter: IngestAdapter {
    public var source: String { "azure" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    static let severities: [String: Severity] = ["Sev0": .critical, "Sev1": .major, "Sev2": .warning, "Sev3": .info, "Sev4": .info]

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (an Azure Monitor alert)")
        let schema = try PayloadFields.requiredString(root["schemaId"], "schemaId")
        guard schema == "azureMonitorCommonAlertSchema" else {
            throw IngestError(path: "schemaId", "expected \"azureMonitorCommonAlertSchema\" (enable the common alert schema in the action group), got \"\(schema.prefix(64))\"")
        }
        _ = try PayloadFields.object(root["data"], "data")
        let essentials = root["data"]!["essentials"]
        let at = "data.essentials"
        _ = try PayloadFields.object(essentials, at)
        let essentialsValue = essentials!

        let alertID = try PayloadFields.requiredString(essentialsValue["alertId"], "\(at).alertId")
        let rule = try PayloadFields.requiredString(essentialsValue["alertRule"], "\(at).alertRule")
        let word = try PayloadFields.requiredString(essentialsValue["severity"], "\(at).severity")
        guard let severity = Self.severities[word] else {
            throw IngestError(path: "\(at).severity", "expected Sev0 to Sev4, got \"\(word.prefix(64))\"")
        }
        let condition = try PayloadFields.requiredString(essentialsValue["monitorCondition"], "\(at).monitorCondition")
        let status: AlertStatus
        switch condition {
        case "Fired": status = .firing
        case "Resolved": status = .resolved
        default: throw IngestError(path: "\(at).monitorCondition", "expected \"Fired\" or \"Resolved\", got \"\(condition.prefix(64))\"")
        }
        guard let firedAt = try PayloadFields.time(essentialsValue["firedDateTime"], "\(at).firedDateTime") else {
            throw IngestError(path: "\(at).firedDateTime", "required, expected an RFC 3339 time")
        }
        let items = try PayloadFields.strings(essentialsValue["configurationItems"], "\(at).configurationItems")
        let targets = try PayloadFields.strings(essentialsValue["alertTargetIDs"], "\(at).alertTargetIDs")
        let isVirtualMachine = targets.contains { $0.lowercased().contains("/providers/microsoft.compute/virtualmachines/") }

        let labels = try PayloadFields.built(
            [
                ("alertname", rule), ("alert_id", alertID), ("severity", severity.rawValue),
                ("resource", items.joined(separator: ",")), ("host", isVirtualMachine && items.count == 1 ? items[0] : ""),
            ], at, limits: limits, valueLimit: limits.maxLabelValueBytes)

        var annotations: [(String, String)] = []
        let description = try PayloadFields.optionalString(essentialsValue["description"], "\(at).description") ?? ""
        annotations.append(("summary", description))
        annotations.append(("source_severity", word))
        for (name, annotation) in [
            ("signalType", "signal_type"), ("monitoringService", "monitoring_service"), ("originAlertId", "origin_alert_id"),
        ] {
            annotations.append((annotation, try PayloadFields.optionalString(essentialsValue[name], "\(at).\(name)") ?? ""))
        }
        if let (name, value) = PayloadFields.member(essentialsValue, "alertRuleID", "alertRuleId") {
            annotations.append(("alert_rule_id", try PayloadFields.optionalString(value, "\(at).\(name)") ?? ""))
        }
        annotations.append(("target", targets.joined(separator: "\n")))
        annotations += try links(root["data"]!["alertContext"])
        annotations += try PayloadFields.stringMembers(root["data"]!["customProperties"], "data.customProperties")

        var endsAt: Date?
        if status == .resolved {
            let end = try PayloadFields.time(essentialsValue["resolvedDateTime"], "\(at).resolvedDateTime") ?? receivedAt
            guard end >= firedAt else { throw IngestError(path: "\(at).resolvedDateTime", "must not be before firedDateTime") }
            endsAt = end
        }
        return [
            Alert(
                source: source, labels: labels,
                annotations: try PayloadFields.built(annotations, "data", limits: limits, valueLimit: limits.maxAnnotationValueBytes),
                status: status, startsAt: firedAt, endsAt: endsAt, receivedAt: receivedAt)
        ]
    }

    /// The log-search result links of a log alert (current and legacy
    /// context), as `…_url` annotations; other contexts have none.
    private func links(_ context: JSONValue?) throws(IngestError) -> [(String, String)] {
        guard let context, case .object = context else { return [] }
        if case .string(let legacy)? = context["LinkToSearchResults"] { return [("search_results_url", legacy)] }
        guard case .array(let criteria)? = context["condition"]?["allOf"] else { return [] }
        for criterion in criteria {
            if case .string(let link)? = criterion["linkToSearchResultsUI"] { return [("search_results_url", link)] }
        }
        return []
    }
}
