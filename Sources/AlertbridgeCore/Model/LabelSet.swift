/// A name/value pair of an alert's identity or description.
public struct Label: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An immutable map of label names to values, kept sorted by name.
///
/// Sorted storage is what makes an alert's identity cheap and stable: the
/// ``Fingerprint`` is a hash over the labels in name order, equal sets compare
/// equal element by element, and JSON output has a deterministic key order.
/// A sorted array of pairs is also several times smaller in memory than a
/// `Dictionary`, which matters with a million open alerts.
///
/// ```swift
/// let labels: LabelSet = ["alertname": "InstanceDown", "job": "api"]
/// labels["job"]            // "api"
/// labels.fingerprint       // 16 hex digits, as Alertmanager computes them
/// ```
public struct LabelSet: Hashable, Sendable {
    /// The labels, sorted by name, names unique.
    public private(set) var labels: [Label]

    public static let empty = LabelSet()

    public init() {
        labels = []
    }

    /// Creates a set from pairs in any order; a later pair wins over an
    /// earlier one with the same name.
    public init(_ pairs: some Sequence<(String, String)>) {
        var labels: [Label] = []
        labels.reserveCapacity(pairs.underestimatedCount)
        // Prometheus and most senders already send labels sorted: check while
        // copying, and sort only when they are not.
        var isSortedAndUnique = true
        for (name, value) in pairs {
            if isSortedAndUnique, let last = labels.last, !(last.name < name) { isSortedAndUnique = false }
            labels.append(Label(name, value))
        }
        if isSortedAndUnique {
            self.labels = labels
            return
        }
        Self.stableSortByName(&labels)
        var unique: [Label] = []
        unique.reserveCapacity(labels.count)
        for label in labels {
            if let last = unique.last, last.name == label.name {
                unique[unique.count - 1] = label  // the later pair wins
            } else {
                unique.append(label)
            }
        }
        self.labels = unique
    }

    /// Sorts by name, keeping pairs with equal names in input order.
    private static func stableSortByName(_ labels: inout [Label]) {
        if labels.count <= 32 {
            // Insertion sort: stable, and the fastest for the few labels an alert has.
            for index in labels.indices.dropFirst() {
                let label = labels[index]
                var position = index
                while position > 0, label.name < labels[position - 1].name {
                    labels[position] = labels[position - 1]
                    position -= 1
                }
                labels[position] = label
            }
        } else {
            labels = labels.enumerated()
                .sorted { $0.element.name < $1.element.name || ($0.element.name == $1.element.name && $0.offset < $1.offset) }
                .map(\.element)
        }
    }

    /// Creates a set from labels already sorted by name with unique names, as
    /// a set's own `labels` are; anything else falls back to sorting.
    public init(sortedLabels: [Label]) {
        var isSorted = true
        for index in sortedLabels.indices.dropFirst() where sortedLabels[index - 1].name >= sortedLabels[index].name {
            isSorted = false
            break
        }
        if isSorted {
            self.init()
            self.labels = sortedLabels
        } else {
            self.init(sortedLabels.map { ($0.name, $0.value) })
        }
    }

    public init(_ dictionary: [String: String]) {
        labels = dictionary.map { Label($0.key, $0.value) }.sorted { $0.name < $1.name }
    }

    /// The value of the label `name`, or `nil` when the set has no such label.
    public subscript(name: String) -> String? {
        guard let index = index(of: name) else { return nil }
        return labels[index].value
    }

    public var count: Int { labels.count }
    public var isEmpty: Bool { labels.isEmpty }
    public var names: [String] { labels.map(\.name) }

    /// Returns a copy with `name` set to `value` (or removed when `value` is nil).
    public func setting(_ name: String, to value: String?) -> LabelSet {
        var copy = self
        copy.set(name, to: value)
        return copy
    }

    public mutating func set(_ name: String, to value: String?) {
        let position = insertionPoint(of: name)
        let exists = position < labels.count && labels[position].name == name
        switch (exists, value) {
        case (true, let value?): labels[position].value = value
        case (true, nil): labels.remove(at: position)
        case (false, let value?): labels.insert(Label(name, value), at: position)
        case (false, nil): break
        }
    }

    /// Drops the spare room ``set(_:to:)`` leaves: an insert doubles the
    /// array, and the engine keeps a label set for each of up to a million
    /// alerts (an enriched set of 7 labels took 416 bytes instead of 256).
    public mutating func shrinkToFit() {
        guard labels.capacity > labels.count else { return }
        var exact: [Label] = []
        exact.reserveCapacity(labels.count)
        exact.append(contentsOf: labels)
        labels = exact
    }

    /// The labels named in `names`, in name order; missing ones are skipped.
    public func restricted(to names: some Sequence<String>) -> LabelSet {
        var result = LabelSet()
        for name in names {
            if let value = self[name] { result.set(name, to: value) }
        }
        return result
    }

    public var dictionary: [String: String] {
        Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    // Binary search: label sets are small, but a search costs no more than a scan.
    private func insertionPoint(of name: String) -> Int {
        var low = 0
        var high = labels.count
        while low < high {
            let mid = (low + high) / 2
            if labels[mid].name < name { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func index(of name: String) -> Int? {
        let position = insertionPoint(of: name)
        return position < labels.count && labels[position].name == name ? position : nil
    }
}

extension LabelSet: Sequence {
    public func makeIterator() -> IndexingIterator<[Label]> { labels.makeIterator() }
}

extension LabelSet: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}

extension LabelSet: CustomStringConvertible {
    /// Prometheus notation: `{alertname="X", job="api"}`.
    public var description: String {
        "{" + labels.map { "\($0.name)=\"\(JSON.escapedContent($0.value))\"" }.joined(separator: ", ") + "}"
    }
}
