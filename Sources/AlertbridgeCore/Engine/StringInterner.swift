/// Shares the storage of long strings that many alerts repeat.
///
/// A million active alerts each carrying their own copy of the same
/// generator URL, description template or join reason cost a heap buffer
/// apiece (measured: 1.3 KB of RSS per active alert). Strings of up to 15
/// UTF-8 bytes are stored inline by Swift and need no sharing. The table is
/// bounded: when it is full it starts over, which only stops sharing new
/// strings with old ones.
struct StringInterner: Sendable {
    static let capacity = 8_192
    private var strings: Set<String> = []

    mutating func intern(_ string: String) -> String {
        guard string.utf8.count > 15 else { return string }
        if let index = strings.firstIndex(of: string) { return strings[index] }
        if strings.count >= Self.capacity { strings.removeAll(keepingCapacity: true) }
        strings.insert(string)
        return string
    }

    mutating func intern(_ string: String?) -> String? {
        string.map { intern($0) }
    }

    /// The same set, its long values shared.
    mutating func intern(_ labels: LabelSet) -> LabelSet {
        guard labels.contains(where: { $0.value.utf8.count > 15 }) else { return labels }
        return LabelSet(sortedLabels: labels.map { Label($0.name, intern($0.value)) })
    }
}
