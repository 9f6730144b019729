import AlertbridgeCore
import Foundation
import Synchronization

/// Label sets already read, by the exact bytes of their JSON object.
///
/// A storm is the same few thousand label sets sent over and over (Prometheus
/// re-sends every firing alert each minute), and reading one, with a string
/// per name and value and a sort, cost more than a fifth of a replay. A
/// repeat of the same bytes is the same label set: this hands back the one
/// read before, with its fingerprint. Entries are compared byte for byte, not
/// trusted to a hash. Bounded, emptied whole when full; labels and
/// annotations each have their own table and bound, so annotations that
/// change with every send (a current value in the description) fill only
/// theirs and never empty the labels'.
///
/// Shared by the requests of one adapter: each lookup and insert takes a
/// lock for a hash-table access, never for the reading itself. Filled under
/// one set of limits; used under others, it starts over.
public final class LabelSetCache: Sendable {
    struct Entry {
        var bytes: [UInt8]
        var labels: LabelSet
        var fingerprint: Fingerprint
    }

    /// Which object of an alert the bytes were: the same bytes checked
    /// against a different value limit are not the same result, and each
    /// has its own table.
    enum Role {
        case labels
        case annotations
    }

    private struct State: ~Copyable {
        var labels: [UInt64: Entry] = [:]
        var annotations: [UInt64: Entry] = [:]
        var limits: IngestLimits?

        subscript(role: Role) -> [UInt64: Entry] {
            _read {
                switch role {
                case .labels: yield labels
                case .annotations: yield annotations
                }
            }
            _modify {
                switch role {
                case .labels: yield &labels
                case .annotations: yield &annotations
                }
            }
        }
    }

    /// Entries per table (labels, annotations).
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    /// Entries in both tables.
    public var count: Int { state.withLock { $0.labels.count + $0.annotations.count } }

    func count(_ role: Role) -> Int { state.withLock { $0[role].count } }

    /// Forgets everything when `limits` differ from the ones the entries were read under.
    func use(_ limits: IngestLimits) {
        state.withLock { state in
            if state.limits != limits {
                state.labels.removeAll()
                state.annotations.removeAll()
                state.limits = limits
            }
        }
    }

    func lookup(_ bytes: UnsafeRawBufferPointer, role: Role) -> (key: UInt64, entry: Entry?) {
        let key = ByteHash.hash(bytes)
        let entry = state.withLock { $0[role][key] }
        guard let entry, entry.bytes.count == bytes.count,
            entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        else { return (key, nil) }
        return (key, entry)
    }

    func insert(_ bytes: UnsafeRawBufferPointer, key: UInt64, role: Role, labels: LabelSet, fingerprint: Fingerprint) {
        let entry = Entry(bytes: Array(bytes), labels: labels, fingerprint: fingerprint)
        state.withLock { state in
            if state[role].count >= capacity { state[role].removeAll(keepingCapacity: true) }
            state[role][key] = entry
        }
    }
}
