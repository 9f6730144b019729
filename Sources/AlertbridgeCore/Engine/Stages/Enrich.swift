import HeapModule
import OrderedCollections

extension Engine {
    /// Applies the enrich rules in order, each to the labels the previous
    /// ones left, and returns what each rule that acted did, for the timeline.
    ///
    /// Runs on every receipt, duplicates included: the identity (and so
    /// deduplication) is taken from the enriched labels.
    mutating func enrich(_ alert: inout Alert) -> [String] {
        guard !rules.enrich.isEmpty else { return [] }
        let key = EnrichmentCache.Key(source: alert.source, labels: alert.labels)
        if let known = enrichments[key] {
            if !known.actions.isEmpty { alert.labels = known.labels }
            return known.actions
        }
        let actions = applyEnrichRules(to: &alert)
        enrichments[key] = EnrichmentCache.Result(labels: alert.labels, actions: actions)
        return actions
    }

    private func applyEnrichRules(to alert: inout Alert) -> [String] {
        var labels = alert.labels
        var actions: [String] = []
        for rule in rules.enrich where rule.match.matches(Self.lookup(labels, source: alert.source)) {
            var did: [String] = []
            var captured: [String: String] = [:]
            for capture in rule.captures {
                guard let value = labels[capture.label], let groups = capture.pattern.captures(in: value) else { continue }
                for (name, groupValue) in groups.sorted(by: { $0.key < $1.key }) where labels[name] != groupValue {
                    labels.set(name, to: groupValue)
                    captured[name] = groupValue
                    did.append("\(name)=\(groupValue) from \(capture.label)")
                }
            }
            for (name, template) in rule.set {
                let value = template.render { captured[$0] ?? labels[$0] }
                // An empty label is an absent one (as in Prometheus): a
                // template whose references are all missing sets nothing.
                guard !value.isEmpty, labels[name] != value else { continue }
                labels.set(name, to: value)
                did.append("set \(name)=\(value)")
            }
            for name in rule.drop where labels[name] != nil {
                labels.set(name, to: nil)
                did.append("dropped \(name)")
            }
            if rule.normalizeSeverity, let raw = labels["severity"] {
                let canonical = Severity(label: raw).rawValue
                if raw != canonical {
                    labels.set("severity", to: canonical)
                    did.append("severity \(raw) -> \(canonical)")
                }
            }
            if !did.isEmpty { actions.append("rule \(rule.origin.name): \(did.joined(separator: ", "))") }
        }
        if !actions.isEmpty { alert.labels = labels }
        return actions
    }

    /// What rule matchers look labels up in: the labels, and `source` (the
    /// adapter) when the alert has no label of that name.
    static func lookup(_ labels: LabelSet, source: String) -> (String) -> String? {
        { name in labels[name] ?? (name == "source" ? source : nil) }
    }
}

/// Enrich results by input: bounded, emptied whole when full (a storm of
/// new label sets costs one refill) and whenever the rules change.
struct EnrichmentCache: Sendable {
    struct Key: Hashable, Sendable {
        var source: String
        var labels: LabelSet
    }

    struct Result: Sendable {
        var labels: LabelSet
        var actions: [String]
    }

    static let capacity = 16_384
    private var entries: [Key: Result] = [:]

    subscript(key: Key) -> Result? {
        get { entries[key] }
        set {
            if newValue != nil, entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = newValue
        }
    }

    mutating func removeAll() {
        entries.removeAll()
    }

    var count: Int { entries.count }
}
