import Foundation

/// Label sets already decoded, by the exact bytes they were decoded from:
/// JSON label objects at intake (`LabelSetCache`), encoded label sets in the
/// inbox (`AlertCodec`).
///
/// A storm is the same few thousand label sets over and over, and decoding
/// one (a string per name and value, a sort, the fingerprint) cost a fifth
/// of a replay. Keys are a quick hash of the bytes (FNV-1a over 8-byte
/// words); entries are compared byte for byte, so a collision only costs a
/// miss. Bounded: emptied whole when full.
package struct LabelSetMemo: Sendable {
    private struct Entry {
        var bytes: [UInt8]
        var labels: LabelSet
        var fingerprint: Fingerprint
    }

    package let capacity: Int
    private var entries: [UInt64: Entry] = [:]

    package init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    package var count: Int { entries.count }

    package func lookup(_ bytes: UnsafeRawBufferPointer) -> (labels: LabelSet, fingerprint: Fingerprint)? {
        guard let entry = entries[Self.hash(bytes)], entry.bytes.count == bytes.count,
            entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        else { return nil }
        return (entry.labels, entry.fingerprint)
    }

    package mutating func insert(_ bytes: UnsafeRawBufferPointer, labels: LabelSet, fingerprint: Fingerprint) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[Self.hash(bytes)] = Entry(bytes: Array(bytes), labels: labels, fingerprint: fingerprint)
    }

    package mutating func removeAll() {
        entries.removeAll()
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
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
