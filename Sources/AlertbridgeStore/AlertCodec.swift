public import AlertbridgeCore
public import Foundation

/// The inbox's compact binary form of normalized alerts.
///
/// The inbox stores what adapters produced, not JSON: the engine reads every
/// entry back, and a length-prefixed layout decodes several times faster
/// than any text format. Integers are LEB128 varints, times zigzag varints
/// of Unix milliseconds, strings length + UTF-8:
///
/// ```
/// version count { alert }*
/// labels = count { name value }*
/// alert (versions 1, 2) = source labels annotations status startsAt endsAt? receivedAt tail
/// tail (version 1) = 0 | 1 generatorURL
/// tail (version 2) = flags [generatorURL if flags & 1] [identity if flags & 2]
/// alert (version 3) = head [source unless head & 4] [labels unless head & 8]
///                     count { tag ... }* status startsAt endsAt? receivedAt
///                     [generatorURL if head & 1] [identity if head & 2]
/// ```
///
/// Version 3 lets an alert repeat the one before it: head & 4, the same
/// source; head & 8, the same labels; an annotation's tag 0 is followed by
/// its name and value, tag 1 by its value alone (the name is that of the
/// annotation at the same place in the alert before), tag 2 by nothing (both
/// are). A read of syslog lines from one sender repeats nearly everything
/// but the message and its timestamp: loggen's lines took 436 bytes each in
/// version 1 and take 157 in version 3, and every byte is encoded, written
/// to the WAL and copied again to the file: the server's CPU per line fell
/// 13%, and TCP intake rose by a third.
///
/// Each entry is written in the oldest version that can hold it: version 1
/// (byte for byte what the first release wrote) unless an alert has an
/// ``Alert/identity`` (version 2) or repeats the one before it (version 3).
/// So after a downgrade the release before still reads every entry but
/// those. All three versions are read.
public enum AlertCodec {
    /// The newest version written.
    public static let version: UInt8 = 3

    public static func encode(_ alerts: [Alert]) -> [UInt8] {
        let plan = Plan(alerts)
        return [UInt8](unsafeUninitializedCapacity: plan.size) { buffer, initialized in
            write(alerts, plan: plan, to: buffer.baseAddress!)
            initialized = plan.size
        }
    }

    /// ``encode(_:)`` as `Data`, which is what the inbox binds: written in
    /// place, where `Data(encode(alerts))` copied every entry once more.
    public static func encodeData(_ alerts: [Alert]) -> Data {
        let plan = Plan(alerts)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: plan.size, alignment: 1)
        write(alerts, plan: plan, to: memory.assumingMemoryBound(to: UInt8.self))
        return Data(bytesNoCopy: memory, count: plan.size, deallocator: .custom { memory, _ in memory.deallocate() })
    }

    /// Measured first, then written through a pointer into one exact
    /// allocation. Appending byte by byte (a capacity check each) to an
    /// array regrown past its guess made encoding 9% of the server's CPU
    /// under syslog load; this way it is about half that.
    private static func write(_ alerts: [Alert], plan: Plan, to start: UnsafeMutablePointer<UInt8>) {
        var writer = Writer(cursor: start, end: start + plan.size)
        writer.byte(plan.version)
        writer.varint(UInt64(alerts.count))
        // By index, here and in the sizes: `for alert in` copied each
        // alert, retaining and releasing every string it holds.
        if plan.version == 3 {
            var mark = 0
            for index in alerts.indices {
                writer.repeatingAlert(alerts[index], marks: plan.marks, at: &mark)
            }
        } else {
            for index in alerts.indices {
                writer.alert(alerts[index])
            }
        }
        let written = writer.cursor - start
        precondition(written == plan.size, "AlertCodec: wrote \(written) bytes, measured \(plan.size)")
    }

    /// What an entry repeats, decided once for both the size and the write.
    private struct Plan {
        /// Per alert, in version 3: its head's repeat bits (4, 8), then a
        /// tag per annotation. Empty in versions 1 and 2.
        var marks: [UInt8] = []
        var version: UInt8
        var size: Int

        static let sameSource: UInt8 = 4
        static let sameLabels: UInt8 = 8

        init(_ alerts: [Alert]) {
            version = alerts.contains { $0.identity != nil } ? 2 : 1
            var repeats = false
            if alerts.count > 1 {
                marks.reserveCapacity(alerts.count * 6)
                for index in alerts.indices {
                    repeats = Self.mark(alerts, index, into: &marks) || repeats
                }
            }
            size = 1 + AlertCodec.varintSize(UInt64(alerts.count))
            if repeats {
                version = 3
                var mark = 0
                for index in alerts.indices { size += AlertCodec.repeatingSize(alerts[index], marks: marks, at: &mark) }
            } else {
                marks = []
                for index in alerts.indices { size += AlertCodec.encodedSize(alerts[index]) }
            }
        }

        /// Appends alert `index`'s marks; true when it repeats anything.
        private static func mark(_ alerts: [Alert], _ index: Int, into marks: inout [UInt8]) -> Bool {
            var head: UInt8 = 0
            var repeats = false
            if index > 0 {
                if alerts[index].source == alerts[index - 1].source { head |= sameSource }
                // The fingerprint rules out most differing sets without a compare.
                if alerts[index].fingerprint == alerts[index - 1].fingerprint, alerts[index].labels == alerts[index - 1].labels {
                    head |= sameLabels
                }
                repeats = head != 0
            }
            marks.append(head)
            let pairs = alerts[index].annotations.labels
            let previous = index > 0 ? alerts[index - 1].annotations.labels : []
            for position in pairs.indices {
                var tag: UInt8 = 0
                if position < previous.count, pairs[position].name == previous[position].name {
                    tag = pairs[position].value == previous[position].value ? 2 : 1
                    repeats = true
                }
                marks.append(tag)
            }
            return repeats
        }
    }

    public struct DecodingError: Error, CustomStringConvertible {
        public var offset: Int
        public var description: String { "corrupt inbox entry at byte \(offset)" }
    }

    public static func decode(_ bytes: some ContiguousBytes) throws -> [Alert] {
        var memo = LabelSetMemo()
        return try decode(bytes, memo: &memo)
    }

    /// ``decode(_:)`` remembering label sets across calls: the entries of a
    /// storm repeat a few thousand label sets, and reading one (a string per
    /// name and value, then its fingerprint) was most of reading an entry.
    package static func decode(_ bytes: some ContiguousBytes, memo: inout LabelSetMemo) throws -> [Alert] {
        try bytes.withUnsafeBytes { raw in
            // The reader borrows the memo by swapping it in and out: a copy
            // would share its table and copy it whole on the first insert.
            var reader = Reader(bytes: raw, memo: LabelSetMemo())
            swap(&reader.memo, &memo)
            defer { swap(&reader.memo, &memo) }
            let version = try reader.byte()
            guard version >= 1, version <= 3 else { throw DecodingError(offset: 0) }
            let count = try reader.count()
            var alerts: [Alert] = []
            alerts.reserveCapacity(count)
            if version == 3 {
                for _ in 0..<count { try reader.appendRepeatingAlert(to: &alerts) }
                return alerts
            }
            for _ in 0..<count {
                let source = try reader.string()
                let (labels, fingerprint) = try reader.labelsWithFingerprint()
                let annotations = try reader.labels()
                let times = try reader.times()
                let flags = try reader.byte()
                guard flags <= (version == 1 ? 1 : 3) else { throw DecodingError(offset: reader.offset - 1) }
                let trailing = try reader.trailingStrings(flags)
                alerts.append(
                    Alert(
                        source: source, labels: labels, fingerprint: fingerprint, annotations: annotations, status: times.status,
                        startsAt: times.startsAt, endsAt: times.endsAt, receivedAt: times.receivedAt,
                        generatorURL: trailing.generatorURL, identity: trailing.identity))
            }
            return alerts
        }
    }

    // MARK: - Writing

    /// The size of an alert in version 1 or 2; its flags byte is the `1`.
    private static func encodedSize(_ alert: borrowing Alert) -> Int {
        stringSize(alert.source) + labelsSize(alert.labels) + labelsSize(alert.annotations) + timesSize(alert) + 1
            + trailingStringsSize(alert)
    }

    /// The size of an alert in version 3, reading its marks.
    private static func repeatingSize(_ alert: borrowing Alert, marks: [UInt8], at mark: inout Int) -> Int {
        let head = marks[mark]
        mark += 1
        var size = 1
        if head & Plan.sameSource == 0 { size += stringSize(alert.source) }
        if head & Plan.sameLabels == 0 { size += labelsSize(alert.labels) }
        let pairs = alert.annotations.labels
        size += varintSize(UInt64(pairs.count)) + pairs.count
        for index in pairs.indices {
            switch marks[mark] {
            case 0: size += stringSize(pairs[index].name) + stringSize(pairs[index].value)
            case 1: size += stringSize(pairs[index].value)
            default: break
            }
            mark += 1
        }
        return size + timesSize(alert) + trailingStringsSize(alert)
    }

    /// What ``Writer`` writes in `times(_:)`.
    private static func timesSize(_ alert: borrowing Alert) -> Int {
        1 + timeSize(alert.startsAt) + 1 + (alert.endsAt.map(timeSize) ?? 0) + timeSize(alert.receivedAt)
    }

    /// What ``Writer`` writes in `trailingStrings(_:)`.
    private static func trailingStringsSize(_ alert: borrowing Alert) -> Int {
        (alert.generatorURL.map(stringSize) ?? 0) + (alert.identity.map(stringSize) ?? 0)
    }

    private static func varintSize(_ value: UInt64) -> Int {
        // 7 bits a byte; 0 still takes one.
        max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }

    private static func zigzag(_ date: Date) -> UInt64 {
        let milliseconds = date.unixMilliseconds
        return UInt64(bitPattern: (milliseconds << 1) ^ (milliseconds >> 63))
    }

    private static func timeSize(_ date: Date) -> Int { varintSize(zigzag(date)) }

    private static func stringSize(_ string: String) -> Int {
        let count = string.utf8.count
        return varintSize(UInt64(count)) + count
    }

    private static func labelsSize(_ labels: borrowing LabelSet) -> Int {
        var size = varintSize(UInt64(labels.count))
        let pairs = labels.labels
        for index in pairs.indices { size += stringSize(pairs[index].name) + stringSize(pairs[index].value) }
        return size
    }

    /// Writes into the memory ``Plan`` measured. A write past
    /// `end` (a sizing bug) stops the process rather than corrupt memory.
    private struct Writer {
        var cursor: UnsafeMutablePointer<UInt8>
        let end: UnsafeMutablePointer<UInt8>

        mutating func byte(_ value: UInt8) {
            precondition(cursor < end, "AlertCodec: wrote past the measured size")
            cursor.pointee = value
            cursor += 1
        }

        /// One bounds check for the whole varint, not one per byte.
        mutating func varint(_ value: UInt64) {
            precondition(end - cursor >= AlertCodec.varintSize(value), "AlertCodec: wrote past the measured size")
            var value = value
            while value >= 0x80 {
                cursor.pointee = UInt8(truncatingIfNeeded: value) | 0x80
                cursor += 1
                value >>= 7
            }
            cursor.pointee = UInt8(value)
            cursor += 1
        }

        mutating func time(_ date: Date) { varint(AlertCodec.zigzag(date)) }

        /// An alert in version 1 or 2 (whose tails agree when there is no identity).
        mutating func alert(_ alert: borrowing Alert) {
            string(alert.source)
            labels(alert.labels)
            labels(alert.annotations)
            times(alert)
            byte((alert.generatorURL == nil ? 0 : 1) | (alert.identity == nil ? 0 : 2))
            trailingStrings(alert)
        }

        /// An alert in version 3, as its marks say.
        mutating func repeatingAlert(_ alert: borrowing Alert, marks: [UInt8], at mark: inout Int) {
            let head = marks[mark]
            mark += 1
            byte(head | (alert.generatorURL == nil ? 0 : 1) | (alert.identity == nil ? 0 : 2))
            if head & Plan.sameSource == 0 { string(alert.source) }
            if head & Plan.sameLabels == 0 { labels(alert.labels) }
            let pairs = alert.annotations.labels
            varint(UInt64(pairs.count))
            for index in pairs.indices {
                let tag = marks[mark]
                mark += 1
                byte(tag)
                if tag == 0 { string(pairs[index].name) }
                if tag < 2 { string(pairs[index].value) }
            }
            times(alert)
            trailingStrings(alert)
        }

        /// [generatorURL] [identity], each there when the alert has it.
        private mutating func trailingStrings(_ alert: borrowing Alert) {
            if let url = alert.generatorURL { string(url) }
            if let identity = alert.identity { string(identity) }
        }

        /// status startsAt endsAt? receivedAt
        private mutating func times(_ alert: borrowing Alert) {
            byte(alert.status == .firing ? 0 : 1)
            time(alert.startsAt)
            if let endsAt = alert.endsAt {
                byte(1)
                time(endsAt)
            } else {
                byte(0)
            }
            time(alert.receivedAt)
        }

        mutating func string(_ string: String) {
            let count = string.utf8.count
            varint(UInt64(count))
            guard count > 0 else { return }
            precondition(end - cursor >= count, "AlertCodec: wrote past the measured size")
            // Native strings lend their UTF-8 in place; others are copied out.
            let copied: Void? = string.utf8.withContiguousStorageIfAvailable { utf8 in
                cursor.initialize(from: utf8.baseAddress!, count: count)
            }
            if copied == nil {
                for byte in string.utf8 { self.byte(byte) }
            } else {
                cursor += count
            }
        }

        mutating func labels(_ labels: borrowing LabelSet) {
            varint(UInt64(labels.count))
            let pairs = labels.labels
            for index in pairs.indices {
                string(pairs[index].name)
                string(pairs[index].value)
            }
        }
    }

    // MARK: - Reading

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        var memo: LabelSetMemo

        init(bytes: UnsafeRawBufferPointer, memo: LabelSetMemo) {
            self.bytes = bytes
            self.memo = memo
        }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw DecodingError(offset: offset) }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try byte()
                guard shift < 64 else { throw DecodingError(offset: offset) }
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }

        /// A varint used as a count or length: never more than the bytes left.
        mutating func count() throws -> Int {
            let value = try varint()
            guard value <= UInt64(bytes.count - offset) else { throw DecodingError(offset: offset) }
            return Int(value)
        }

        mutating func time() throws -> Date {
            let zigzag = try varint()
            let milliseconds = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
            return Date(unixMilliseconds: milliseconds)
        }

        mutating func string() throws -> String {
            let length = try count()
            defer { offset += length }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
        }

        mutating func labels() throws -> LabelSet {
            let count = try count()
            var labels: [Label] = []
            labels.reserveCapacity(count)
            for _ in 0..<count {
                let name = try string()
                labels.append(Label(name, try string()))
            }
            return LabelSet(sortedLabels: labels)
        }

        /// An alert in version 3: what it does not carry comes from the last
        /// of `alerts` (read in place: copying that alert out retained and
        /// released everything it holds: 128 against 113 µs to decode the
        /// benchmark's 100 alerts).
        mutating func appendRepeatingAlert(to alerts: inout [Alert]) throws {
            let head = try byte()
            let previous = alerts.count - 1
            guard head <= 15, head & (Plan.sameSource | Plan.sameLabels) == 0 || previous >= 0 else {
                throw DecodingError(offset: offset - 1)
            }
            let source = head & Plan.sameSource != 0 ? alerts[previous].source : try string()
            let (labels, fingerprint) =
                head & Plan.sameLabels != 0 ? (alerts[previous].labels, alerts[previous].fingerprint) : try labelsWithFingerprint()
            let annotations = try repeatingLabels(after: previous >= 0 ? alerts[previous].annotations.labels : [])
            let times = try times()
            let trailing = try trailingStrings(head)
            alerts.append(
                Alert(
                    source: source, labels: labels, fingerprint: fingerprint, annotations: annotations, status: times.status,
                    startsAt: times.startsAt, endsAt: times.endsAt, receivedAt: times.receivedAt,
                    generatorURL: trailing.generatorURL, identity: trailing.identity))
        }

        /// status startsAt endsAt? receivedAt, as ``Writer`` writes them.
        mutating func times() throws -> (status: AlertStatus, startsAt: Date, endsAt: Date?, receivedAt: Date) {
            let status: AlertStatus = try byte() == 0 ? .firing : .resolved
            let startsAt = try time()
            let endsAt = try byte() == 1 ? try time() : nil
            return (status, startsAt, endsAt, try time())
        }

        /// [generatorURL if flags & 1] [identity if flags & 2], as ``Writer``
        /// writes them after the tail's flags or version 3's head.
        mutating func trailingStrings(_ flags: UInt8) throws -> (generatorURL: String?, identity: String?) {
            let generatorURL = flags & 1 != 0 ? try string() : nil
            return (generatorURL, flags & 2 != 0 ? try string() : nil)
        }

        /// Version 3's tagged pairs: each new, or repeating the name (and value)
        /// of the pair at the same place in `previous`.
        mutating func repeatingLabels(after previous: [Label]) throws -> LabelSet {
            let count = try count()
            var labels: [Label] = []
            labels.reserveCapacity(count)
            for position in 0..<count {
                let tag = try byte()
                switch tag {
                case 0:
                    let name = try string()
                    labels.append(Label(name, try string()))
                case 1, 2:
                    guard position < previous.count else { throw DecodingError(offset: offset - 1) }
                    labels.append(tag == 2 ? previous[position] : Label(previous[position].name, try string()))
                default:
                    throw DecodingError(offset: offset - 1)
                }
            }
            return LabelSet(sortedLabels: labels)
        }

        /// ``labels()`` with the fingerprint, both remembered by their bytes.
        mutating func labelsWithFingerprint() throws -> (LabelSet, Fingerprint) {
            let start = offset
            let count = try count()
            for _ in 0..<(2 * count) { offset += try self.count() }
            let encoded = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
            if let known = memo.lookup(encoded) { return (known.labels, known.fingerprint) }
            offset = start
            let labels = try labels()
            let fingerprint = Fingerprint(labels)
            memo.insert(encoded, labels: labels, fingerprint: fingerprint)
            return (labels, fingerprint)
        }
    }
}
