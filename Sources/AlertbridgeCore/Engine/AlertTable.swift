/// The engine's live alert occurrences by id.
///
/// A `Dictionary<Int64, AlertEntry>` kept each entry (216 bytes then)
/// inline in its buckets, which it holds at most three-quarters full and
/// grows by doubling: at a million alerts that was 2,097,152 buckets of 224
/// bytes, 470 MB, a third of the server's memory. Here the entries sit in
/// one array whose freed slots are reused, and the dictionary maps ids to
/// slots in 12-byte buckets.
///
/// A slot stays valid until its entry is removed (unlike a dictionary
/// index, an insert does not move it).
struct AlertTable: Sendable {
    typealias Slot = Int

    private var slotByID: [Int64: Int32] = [:]
    private var entries: [AlertEntry?] = []
    private var freeSlots: [Int32] = []

    var count: Int { slotByID.count }
    var isEmpty: Bool { slotByID.isEmpty }

    /// The ids, in no particular order.
    var ids: Dictionary<Int64, Int32>.Keys { slotByID.keys }

    /// The entries, in no particular order.
    var values: [AlertEntry] { entries.compactMap { $0 } }

    func slot(of id: Int64) -> Slot? {
        slotByID[id].map(Int.init)
    }

    func id(at slot: Slot) -> Int64 {
        entries[slot]!.alert.id
    }

    /// The entry in `slot`, which must hold one.
    subscript(slot slot: Slot) -> AlertEntry {
        get { entries[slot]! }
        _modify { yield &entries[slot]! }
    }

    /// Reads or changes the entry in `slot` where it lies: a getter copies
    /// the whole entry (retaining everything in it) before a caller picks
    /// one field out of it; `_modify`, used here, does not. On the repeat
    /// path of a replay those copies were a tenth of the time.
    mutating func inPlace<Result>(at slot: Slot, _ body: (inout AlertEntry) -> Result) -> Result {
        body(&entries[slot]!)
    }

    subscript(id: Int64) -> AlertEntry? {
        get { slotByID[id].flatMap { entries[Int($0)] } }
        set {
            if let newValue {
                insert(newValue, for: id)
            } else {
                removeValue(forKey: id)
            }
        }
        _modify {
            if let slot = slotByID[id].map(Int.init) {
                yield &entries[slot]
                if isFree(slot) {
                    slotByID[id] = nil
                    freeSlots.append(Int32(slot))
                }
            } else {
                var entry: AlertEntry? = nil
                yield &entry
                if let entry { insert(entry, for: id) }
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: Int64) -> AlertEntry? {
        guard let slot = slotByID.removeValue(forKey: id) else { return nil }
        freeSlots.append(slot)
        return entries[Int(slot)].take()
    }

    private mutating func insert(_ entry: AlertEntry, for id: Int64) {
        if let slot = slotByID[id] {
            entries[Int(slot)] = entry
        } else if let slot = freeSlots.popLast() {
            entries[Int(slot)] = entry
            slotByID[id] = slot
        } else {
            precondition(entries.count < Int(Int32.max), "more live alerts than a slot number holds")
            entries.append(entry)
            slotByID[id] = Int32(entries.count - 1)
        }
    }

    /// Whether `slot` is empty, looked at without copying its entry out.
    private func isFree(_ slot: Slot) -> Bool {
        entries.withUnsafeBufferPointer { buffer in
            if case .none = buffer[slot] { true } else { false }
        }
    }
}
