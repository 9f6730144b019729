/// How alerts are grouped into incidents: by a group key within a window.
///
/// An alert joins the incident of its group key while that incident is open
/// or acknowledged, or was resolved less than `window` ago (which reopens
/// it); otherwise it opens a new incident.
public struct CorrelationPolicy: Equatable, Sendable {
    /// Which labels make the group key.
    public enum GroupBy: Equatable, Sendable {
        /// `service` and `env` when the alert has a `service` label, else `alertname`.
        case serviceElseAlertname
        /// These labels, in this order; missing ones are left out of the key.
        case labels([String])
    }

    public var name: String
    public var groupBy: GroupBy
    public var window: Duration

    public init(name: String, groupBy: GroupBy, window: Duration) {
        self.name = name
        self.groupBy = groupBy
        self.window = window
    }

    /// The built-in policy: `service`+`env`, else `alertname`, within 10 minutes.
    public static let `default` = CorrelationPolicy(name: "default", groupBy: .serviceElseAlertname, window: .seconds(600))

    /// The group an alert with `labels` belongs to.
    public func group(of labels: LabelSet) -> Group {
        let names: [String]
        switch groupBy {
        case .serviceElseAlertname:
            names = labels["service"] != nil ? ["service", "env"] : ["alertname"]
        case .labels(let configured):
            names = configured
        }
        var pairs: [(String, String)] = []
        for name in names {
            if let value = labels[name] { pairs.append((name, value)) }
        }
        return Group(pairs: pairs)
    }

    /// A group key and the labels it was built from, in group-by order.
    public struct Group: Equatable, Sendable {
        public var pairs: [(String, String)]

        public static func == (lhs: Group, rhs: Group) -> Bool {
            lhs.pairs.elementsEqual(rhs.pairs) { $0 == $1 }
        }

        /// `{service="api",env="prod"}`: unambiguous, whatever the values hold.
        public var key: String {
            "{" + pairs.map { "\($0.0)=\(JSON.quoted($0.1))" }.joined(separator: ",") + "}"
        }

        /// `group_by service=api env=prod`: why an alert joined, for people.
        public var reason: String {
            pairs.isEmpty ? "group_by (no grouping labels)" : "group_by " + pairs.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        }

        public var labels: LabelSet { LabelSet(pairs) }
    }
}
