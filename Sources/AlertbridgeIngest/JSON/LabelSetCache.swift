import AlertbridgeCore
import Foundation
import Synchronization

/// Label sets already read, by the exact bytes of their JSON object.
///
/// A storm is the same few thousand label sets sent over and over (Prometheus
/// re-sends every firing alert each minute), and reading one, with a string
/// per name and value and a sort, cost more than a fifth of a replay. A
/// repeat of the same bytes is the same label set: this hands back the one
/// read before, with its fingerprint. Labels and annotations each have their
/// own ``LabelSetMemo`` (compared byte for byte, bounded, emptied whole when
/// full), so annotations that change with every send (a current value in
/// the description) fill only theirs and never empty the labels'.
///
/// Shared by the requests of one adapter: each lookup and insert takes a
/// lock for a hash-table access and a byte comparison, never for the reading
/// itself. Filled under one set of limits; used under others, it starts over.
public final class LabelSetCache: Sendable {
    /// Which object of an alert the bytes were: the same bytes checked
    /// against a different value limit are not the same result, and each
    /// has its own table.
    enum Role {
        case labels
        case annotations
    }

    private struct State: ~Copyable {
        var labels: LabelSetMemo
        var annotations: LabelSetMemo
        var limits: IngestLimits?

        subscript(role: Role) -> LabelSetMemo {
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
    private let state: Mutex<State>

    public init(capacity: Int = 16_384) {
        self.capacity = capacity
        state = Mutex(State(labels: LabelSetMemo(capacity: capacity), annotations: LabelSetMemo(capacity: capacity)))
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

    func lookup(_ bytes: UnsafeRawBufferPointer, role: Role) -> (labels: LabelSet, fingerprint: Fingerprint)? {
        state.withLock { $0[role].lookup(bytes) }
    }

    func insert(_ bytes: UnsafeRawBufferPointer, role: Role, labels: LabelSet, fingerprint: Fingerprint) {
        state.withLock { $0[role].insert(bytes, labels: labels, fingerprint: fingerprint) }
    }
}
