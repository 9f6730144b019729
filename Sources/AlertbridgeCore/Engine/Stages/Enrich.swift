import HeapModule
import OrderedCollections

extension Engine {
    /// Applies the enrich rules in order, each to the labels the previous
    /// ones left, and returns what each rule that acted did (for the
    /// timeline) and the alert's identity, taken from the enriched labels.
    ///
    /// Runs on every receipt, duplicates included. Both are pure functions
    /// of the labels, the source and the rules, so they are remembered per
    /// label set (``EnrichmentCache``): a repeat costs one lookup.
    mutating func enrichAndIdentify(_ alert: inout Alert) -> (actions: [String], identity: Fingerprint, dedupRule: DedupRule?) {
        guard !rules.enrich.isEmpty || !rules.dedup.isEmpty else {
            let (identity, dedupRule) = identity(of: alert)
            return ([], identity, dedupRule)
        }
        let key = EnrichmentCache.Key(source: alert.source, labels: alert.labels, fingerprint: alert.fingerprint)
        let result: EnrichmentCache.Result
        if let known = enrichments[key] {
            result = known
            if !known.actions.isEmpty { alert.replaceLabels(known.labels, fingerprint: known.fingerprint) }
        } else {
            let actions = applyEnrichRules(to: &alert)
            let (identity, dedupRule) = labelIdentity(of: alert)
            result = EnrichmentCache.Result(
                labels: alert.labels, fingerprint: alert.fingerprint, actions: actions, identity: identity, dedupRule: dedupRule)
            enrichments[key] = result
        }
        guard alert.identity == nil else {
            let (identity, dedupRule) = identity(of: alert)
            return (result.actions, identity, dedupRule)
        }
        return (result.actions, result.identity, result.dedupRule)
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
        if !actions.isEmpty {
            labels.shrinkToFit()
            alert.labels = labels
        }
        return actions
    }

    /// What rule matchers look labels up in: the labels, and `source` (the
    /// adapter) when the alert has no label of that name.
    static func lookup(_ labels: LabelSet, source: String) -> (String) -> String? {
        { name in labels[name] ?? (name == "source" ? source : nil) }
    }
}

/// Enrich and identity results by input: bounded, emptied whole when full
/// (a storm of new label sets costs one refill) and whenever the rules change.
struct EnrichmentCache: Sendable {
    /// Hashed by the labels' fingerprint, which every alert already
    /// carries: hashing the label strings again cost a tenth of a replay.
    struct Key: Hashable, Sendable {
        var source: String
        var labels: LabelSet
        var fingerprint: Fingerprint

        func hash(into hasher: inout Hasher) {
            hasher.combine(fingerprint.rawValue)
        }

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.fingerprint == rhs.fingerprint && lhs.source == rhs.source && lhs.labels == rhs.labels
        }
    }

    struct Result: Sendable {
        /// The enriched labels and their fingerprint.
        var labels: LabelSet
        var fingerprint: Fingerprint
        var actions: [String]
        /// The identity by labels (``Engine/labelIdentity(of:)``) and the dedup rule that made it.
        var identity: Fingerprint
        var dedupRule: DedupRule?
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
