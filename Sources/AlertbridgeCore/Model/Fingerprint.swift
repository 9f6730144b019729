/// The identity of an alert: Alertmanager's 64-bit label-set hash.
///
/// FNV-1a 64 over the labels in ascending name order, each name and each value
/// followed by a 0xFF separator byte (`model.labelSetToFingerprint` in
/// prometheus/common). Using the same value as Alertmanager means an alert
/// keeps its identity across Prometheus, Alertmanager webhooks and alertbridge,
/// and an operator can search for the fingerprint Alertmanager shows.
public struct Fingerprint: Hashable, Comparable, Sendable {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The fingerprint of `labels`, as Alertmanager computes it.
    public init(_ labels: LabelSet) {
        var hash = Fingerprint.offsetBasis
        // By index: `for label in` retained and released both strings of
        // every label.
        let pairs = labels.labels
        for index in pairs.indices {
            hash = Fingerprint.add(pairs[index].name, to: hash)
            hash = (hash ^ 0xFF) &* Fingerprint.prime
            hash = Fingerprint.add(pairs[index].value, to: hash)
            hash = (hash ^ 0xFF) &* Fingerprint.prime
        }
        rawValue = hash
    }

    /// Parses 16 (or fewer) hexadecimal digits, as printed by ``hex``.
    public init?(hex: some StringProtocol) {
        guard !hex.isEmpty, hex.count <= 16, let value = UInt64(hex, radix: 16) else { return nil }
        rawValue = value
    }

    /// 16 lowercase hexadecimal digits, zero padded (`%016x`). Written into
    /// the string's own storage: every stored alert and every syslog
    /// template id is printed this way.
    public var hex: String {
        String(unsafeUninitializedCapacity: 16) { out in
            for i in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: (rawValue >> (UInt64(15 - i) * 4)) & 0xF)
                out[i] = nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
            }
            return 16
        }
    }

    public static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool { lhs.rawValue < rhs.rawValue }

    static let offsetBasis: UInt64 = 14_695_981_039_346_656_037
    static let prime: UInt64 = 1_099_511_628_211

    /// Over the string's own UTF-8 where it lends it (native strings do),
    /// else byte by byte through its view.
    private static func add(_ string: String, to hash: UInt64) -> UInt64 {
        string.utf8.withContiguousStorageIfAvailable { add(bytes: $0, to: hash) } ?? add(bytes: string.utf8, to: hash)
    }

    private static func add(bytes: some Sequence<UInt8>, to hash: UInt64) -> UInt64 {
        var hash = hash
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* prime
        }
        return hash
    }
}

extension Fingerprint: CustomStringConvertible {
    public var description: String { hex }
}
