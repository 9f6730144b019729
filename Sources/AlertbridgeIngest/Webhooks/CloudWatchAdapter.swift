public import AlertbridgeCore
public import Foundation
public import NIOCore

/// `POST /ingest/cloudwatch`: CloudWatch alarms delivered by Amazon SNS to an
/// HTTP(S) subscription.
///
/// SNS posts an envelope (`Content-Type: text/plain`) whose `Type` says what
/// it is. A `Notification`'s `Message` is the alarm, a JSON document encoded
/// as a string, decoded a second time here. The first request after
/// subscribing is a `SubscriptionConfirmation`: not an alert, and nothing is
/// delivered until someone visits its `SubscribeURL`.
/// ``decodeDelivery(_:receivedAt:)`` tells the kinds apart
/// (``SNSDelivery``); ``decode(_:receivedAt:)``, the ``IngestAdapter``
/// entry, gives the alarms and no alert for a confirmation.
///
/// Not done here, deliberately, because an adapter does no I/O: visiting
/// the `SubscribeURL` and checking the SNS signature. The adapter gathers
/// what the server needs for both (``signatures(_:)``, ``SNSSignature``);
/// the server does them when the source's `sns:` settings say so.
///
/// Alarm states: `ALARM` fires and `OK` resolves, at `StateChangeTime`.
/// `INSUFFICIENT_DATA` says nothing about the condition: it is accepted and
/// dropped, so neither opens nor resolves anything. Identity: `alertname`
/// (`AlarmName`), `aws_account`, `region` (the code from `AlarmArn`, e.g.
/// `us-east-1`), `namespace` and the metric's dimensions as labels
/// (`InstanceId`, `DBInstanceIdentifier`, …); `host` is the EC2
/// `InstanceId` when the alarm has one. CloudWatch alarms have no severity:
/// none is set (the engine counts them as warning; an enrich rule can set one).
public struct CloudWatchAdapter: IngestAdapter {
    public var source: String { "cloudwatch" }
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    public func decode(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> [Alert] {
        switch try decodeDelivery(body, receivedAt: receivedAt) {
        case .notifications(let alerts): alerts
        case .subscriptionConfirmation, .unsubscribeConfirmation: []
        }
    }

    /// Decodes one SNS delivery: alarms, or a subscription (un)confirmation.
    ///
    /// Also accepts the envelope as Lambda receives it
    /// (`{"Records": [{"Sns": {…}}]}`), for a function that forwards it.
    public func decodeDelivery(_ body: ByteBuffer, receivedAt: Date) throws(IngestError) -> SNSDelivery {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (an Amazon SNS message)")
        if root["Records"] != nil, root["Type"] == nil {
            let records = try PayloadFields.array(root["Records"], "Records", what: "an array of SNS records")
            try PayloadFields.checkCount(records.count, "Records", limits: limits)
            var alerts: [Alert] = []
            for (index, record) in records.enumerated() {
                _ = try PayloadFields.object(record["Sns"], "Records[\(index)].Sns", what: "an SNS message object")
                switch try delivery(record["Sns"]!, path: "Records[\(index)].Sns.", receivedAt: receivedAt) {
                case .notifications(let more): alerts += more
                case .subscriptionConfirmation, .unsubscribeConfirmation:
                    throw IngestError(path: "Records[\(index)].Sns.Type", "a Lambda record is always a Notification")
                }
            }
            return .notifications(alerts)
        }
        return try delivery(root, path: "", receivedAt: receivedAt)
    }

    private func delivery(_ envelope: JSONValue, path: String, receivedAt: Date) throws(IngestError) -> SNSDelivery {
        let type = try PayloadFields.requiredString(envelope["Type"], "\(path)Type")
        switch type {
        case "Notification":
            let text = try PayloadFields.requiredString(envelope["Message"], "\(path)Message")
            let message: JSONValue
            do {
                message = try JSONReader.parse(text, maxDepth: limits.maxDepth)
            } catch {
                throw IngestError(path: "\(path)Message", "expected a CloudWatch alarm (a JSON document in a string); \(error.message)")
            }
            let alert = try alarm(message, path: "\(path)Message.", receivedAt: receivedAt)
            return .notifications(alert.map { [$0] } ?? [])
        case "SubscriptionConfirmation", "UnsubscribeConfirmation":
            let confirmation = SNSSubscriptionConfirmation(
                topicARN: try PayloadFields.requiredString(envelope["TopicArn"], "\(path)TopicArn"),
                subscribeURL: try PayloadFields.requiredString(envelope["SubscribeURL"], "\(path)SubscribeURL"),
                messageID: try PayloadFields.optionalString(envelope["MessageId"], "\(path)MessageId") ?? "",
                message: try PayloadFields.optionalString(envelope["Message"], "\(path)Message") ?? "",
                timestamp: try PayloadFields.time(envelope["Timestamp"], "\(path)Timestamp"))
            return type == "SubscriptionConfirmation" ? .subscriptionConfirmation(confirmation) : .unsubscribeConfirmation(confirmation)
        default:
            throw IngestError(
                path: "\(path)Type", "expected \"Notification\", \"SubscriptionConfirmation\" or \"UnsubscribeConfirmation\", got \"\(type.prefix(64))\"")
        }
    }

    /// One alarm state change; `nil` for `INSUFFICIENT_DATA`.
    private func alarm(_ message: JSONValue, path: String, receivedAt: Date) throws(IngestError) -> Alert? {
        _ = try PayloadFields.object(message, String(path.dropLast()), what: "a CloudWatch alarm object")
        let name = try PayloadFields.requiredString(message["AlarmName"], "\(path)AlarmName")
        let state = try PayloadFields.requiredString(message["NewStateValue"], "\(path)NewStateValue")
        let status: AlertStatus
        switch state {
        case "ALARM": status = .firing
        case "OK": status = .resolved
        case "INSUFFICIENT_DATA": return nil
        default:
            throw IngestError(path: "\(path)NewStateValue", "expected \"ALARM\", \"OK\" or \"INSUFFICIENT_DATA\", got \"\(state.prefix(64))\"")
        }
        let at = try PayloadFields.time(message["StateChangeTime"], "\(path)StateChangeTime") ?? receivedAt
        let arn = try PayloadFields.optionalString(message["AlarmArn"], "\(path)AlarmArn") ?? ""
        // arn:aws:cloudwatch:us-east-1:123456789012:alarm:name
        let arnParts = arn.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
        let regionCode = arnParts.count > 4 ? String(arnParts[3]) : ""
        let region = regionCode.isEmpty ? try PayloadFields.optionalString(message["Region"], "\(path)Region") ?? "" : regionCode

        let trigger = message["Trigger"]
        if let trigger, trigger != .null { _ = try PayloadFields.object(trigger, "\(path)Trigger") }
        var namespace = try PayloadFields.optionalString(trigger?["Namespace"], "\(path)Trigger.Namespace") ?? ""
        var metricName = try PayloadFields.optionalString(trigger?["MetricName"], "\(path)Trigger.MetricName") ?? ""
        var dimensions = try self.dimensions(trigger?["Dimensions"], path: "\(path)Trigger.Dimensions")
        // Metric-math alarms list their metrics instead.
        if let metrics = trigger?["Metrics"], metrics != .null {
            for (index, metric) in try PayloadFields.array(metrics, "\(path)Trigger.Metrics", what: "an array of metrics").enumerated() {
                let inner = metric["MetricStat"]?["Metric"]
                guard let inner, inner != .null else { continue }
                let at = "\(path)Trigger.Metrics[\(index)].MetricStat.Metric"
                if namespace.isEmpty { namespace = try PayloadFields.optionalString(inner["Namespace"], "\(at).Namespace") ?? "" }
                if metricName.isEmpty { metricName = try PayloadFields.optionalString(inner["MetricName"], "\(at).MetricName") ?? "" }
                dimensions += try self.dimensions(inner["Dimensions"], path: "\(at).Dimensions")
            }
        }
        let host = dimensions.first { $0.0 == "InstanceId" }?.1 ?? ""
        let labels = try PayloadFields.built(
            dimensions + [
                ("alertname", name), ("aws_account", try PayloadFields.optionalString(message["AWSAccountId"], "\(path)AWSAccountId") ?? ""),
                ("region", region), ("namespace", namespace), ("host", host),
            ], "\(path)Trigger.Dimensions", limits: limits, valueLimit: limits.maxLabelValueBytes)

        let description = try PayloadFields.optionalString(message["AlarmDescription"], "\(path)AlarmDescription") ?? ""
        let annotations = try PayloadFields.built(
            [
                ("summary", description.isEmpty ? name : description),
                ("description", try PayloadFields.optionalString(message["NewStateReason"], "\(path)NewStateReason") ?? ""),
                ("metric", metricName), ("alarm_arn", arn), ("state", state),
                ("previous_state", try PayloadFields.optionalString(message["OldStateValue"], "\(path)OldStateValue") ?? ""),
            ], String(path.dropLast()), limits: limits, valueLimit: limits.maxAnnotationValueBytes)
        return Alert(
            source: source, labels: labels, annotations: annotations, status: status, startsAt: at,
            endsAt: status == .resolved ? at : nil, receivedAt: receivedAt)
    }

    /// `[{"name": "InstanceId", "value": "i-0123"}]` as pairs (SNS spells the
    /// keys in lower case; the API in upper case: both are read).
    private func dimensions(_ value: JSONValue?, path: String) throws(IngestError) -> [(String, String)] {
        if value == nil || value == .null { return [] }
        var pairs: [(String, String)] = []
        for (index, element) in try PayloadFields.array(value, path, what: "an array of dimensions").enumerated() {
            _ = try PayloadFields.object(element, "\(path)[\(index)]", what: "a dimension object")
            let (nameField, nameValue) = PayloadFields.member(element, "name", "Name") ?? ("name", .null)
            let (valueField, valueValue) = PayloadFields.member(element, "value", "Value") ?? ("value", .null)
            pairs.append(
                (
                    try PayloadFields.requiredString(nameValue, "\(path)[\(index)].\(nameField)"),
                    try PayloadFields.requiredString(valueValue, "\(path)[\(index)].\(valueField)")
                ))
        }
        return pairs
    }
}

/// What one Amazon SNS HTTP delivery carries.
public enum SNSDelivery: Equatable, Sendable {
    /// Alarm notifications, decoded into alerts (none for `INSUFFICIENT_DATA`).
    case notifications([Alert])
    /// The subscription must be confirmed by visiting `subscribeURL`; SNS
    /// delivers nothing to this endpoint until then.
    case subscriptionConfirmation(SNSSubscriptionConfirmation)
    /// The subscription was removed; visiting `subscribeURL` would re-subscribe.
    case unsubscribeConfirmation(SNSSubscriptionConfirmation)
}

/// An SNS `SubscriptionConfirmation` (or `UnsubscribeConfirmation`): what an
/// operator needs to confirm the subscription by hand, or to log it.
public struct SNSSubscriptionConfirmation: Equatable, Sendable {
    public var topicARN: String
    /// The URL that confirms the subscription (a GET, with the token in it).
    public var subscribeURL: String
    public var messageID: String
    public var message: String
    public var timestamp: Date?

    public init(topicARN: String, subscribeURL: String, messageID: String, message: String, timestamp: Date?) {
        self.topicARN = topicARN
        self.subscribeURL = subscribeURL
        self.messageID = messageID
        self.message = message
        self.timestamp = timestamp
    }
}
