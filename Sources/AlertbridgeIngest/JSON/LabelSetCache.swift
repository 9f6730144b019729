import AlertbridgeCore
import Foundation

/// Label sets already read, by the exact bytes of their JSON object.
///
/// A storm is the same few thousand label sets sent over and over (Prometheus
/// re-sends every firing alert each minute), and reading one, with a string
/// per name and value and a sort, cost more than a fifth of a replay. A
/// repeat of the same bytes is the same label set: this hands back the one
/// read before, with its fingerprint. Entries are compared byte for byte, not
/// trusted to a hash. Bounded, emptied whole when full.
///
/// One reader's: not for sharing between threads. Filled under one set of
/// limits; used under others, it starts over.
public final class LabelSetCache {
    struct Entry {
        var bytes: [UInt8]
        var labels: LabelSet
        var fingerprint: Fingerprint
    }

    /// Which object of an alert the bytes were: the same bytes checked
    /// against a different value limit are not the same result.
    enum Role: UInt64 {
        case labels = 0x9E37_79B9_7F4A_7C15
        case annotations = 0xC2B2_AE3D_27D4_EB4F
    }

    public let capacity: Int
    private var entries: [UInt64: Entry] = [:]
    private var limits: IngestLimits?

    public init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// Forgets everything when `limits` differ from the ones the entries were read under.
    func use(_ limits: IngestLimits) {
        if self.limits != limits {
            entries.removeAll()
            self.limits = limits
        }
    }

    func lookup(_ bytes: UnsafeRawBufferPointer, role: Role) -> (key: UInt64, entry: Entry?) {
        let key = Self.hash(bytes) ^ role.rawValue
        guard let entry = entries[key], entry.bytes.count == bytes.count,
            entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        else { return (key, nil) }
        return (key, entry)
    }

    func insert(_ bytes: UnsafeRawBufferPointer, key: UInt64, labels: LabelSet, fingerprint: Fingerprint) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(bytes: Array(bytes), labels: labels, fingerprint: fingerprint)
    }

    /// FNV-1a over 8-byte words: a few hundred bytes hash in tens of
    /// nanoseconds, and a collision costs only a miss.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        var index = 0
        while index + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 1_099_511_628_211
            hash ^= hash >> 29
            index += 8
        }
        while index < bytes.count {
            hash = (hash ^ UInt64(bytes[index])) &* 1_099_511_628_211
            index += 1
        }
        return hash ^ UInt64(bytes.count)
    }
}
