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
/// version count { source labels annotations status startsAt endsAt? receivedAt tail }*
/// labels = count { name value }*
/// tail (version 1) = 0 | 1 generatorURL
/// tail (version 2) = flags [generatorURL if flags & 1] [identity if flags & 2]
/// ```
///
/// Version 2 adds ``Alert/identity``. A batch without identities is still
/// written as version 1, byte for byte what earlier releases wrote (so
/// their inbox stays readable by them after a downgrade); both versions
/// are read.
public enum AlertCodec {
    /// The newest version written.
    public static let version: UInt8 = 2

    public static func encode(_ alerts: [Alert]) -> [UInt8] {
        let size = encodedSize(alerts)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            write(alerts, to: buffer.baseAddress!, size: size)
            initialized = size
        }
    }

    /// ``encode(_:)`` as `Data`, which is what the inbox binds: written in
    /// place, where `Data(encode(alerts))` copied every entry once more.
    public static func encodeData(_ alerts: [Alert]) -> Data {
        let size = encodedSize(alerts)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 1)
        write(alerts, to: memory.assumingMemoryBound(to: UInt8.self), size: size)
        return Data(bytesNoCopy: memory, count: size, deallocator: .custom { memory, _ in memory.deallocate() })
    }

    /// Measured first, then written through a pointer into one exact
    /// allocation. Appending byte by byte (a capacity check each) to an
    /// array regrown past its guess made encoding 9% of the server's CPU
    /// under syslog load; this way it is about half that.
    private static func write(_ alerts: [Alert], to start: UnsafeMutablePointer<UInt8>, size: Int) {
        let version: UInt8 = alerts.contains { $0.identity != nil } ? 2 : 1
        var writer = Writer(cursor: start, end: start + size)
        writer.byte(version)
        writer.varint(UInt64(alerts.count))
        // By index, here and in the sizes: `for alert in` copied each
        // alert, retaining and releasing every string it holds.
        for index in alerts.indices {
            writer.alert(alerts[index])
        }
        let written = writer.cursor - start
        precondition(written == size, "AlertCodec: wrote \(written) bytes, measured \(size)")
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
            guard version == 1 || version == 2 else { throw DecodingError(offset: 0) }
            let count = try reader.count()
            var alerts: [Alert] = []
            alerts.reserveCapacity(count)
            for _ in 0..<count {
                let source = try reader.string()
                let (labels, fingerprint) = try reader.labelsWithFingerprint()
                let annotations = try reader.labels()
                let status: AlertStatus = try reader.byte() == 0 ? .firing : .resolved
                let startsAt = try reader.time()
                let endsAt = try reader.byte() == 1 ? try reader.time() : nil
                let receivedAt = try reader.time()
                let flags = try reader.byte()
                guard flags <= (version == 1 ? 1 : 3) else { throw DecodingError(offset: reader.offset - 1) }
                let generatorURL = flags & 1 != 0 ? try reader.string() : nil
                let identity = flags & 2 != 0 ? try reader.string() : nil
                alerts.append(
                    Alert(
                        source: source, labels: labels, fingerprint: fingerprint, annotations: annotations, status: status,
                        startsAt: startsAt, endsAt: endsAt, receivedAt: receivedAt, generatorURL: generatorURL, identity: identity))
            }
            return alerts
        }
    }

    // MARK: - Writing

    private static func encodedSize(_ alerts: [Alert]) -> Int {
        var size = 1 + varintSize(UInt64(alerts.count))
        for index in alerts.indices { size += encodedSize(alerts[index]) }
        return size
    }

    private static func encodedSize(_ alert: borrowing Alert) -> Int {
        var size = stringSize(alert.source) + labelsSize(alert.labels) + labelsSize(alert.annotations)
        size += 1 + timeSize(alert.startsAt) + 1 + (alert.endsAt.map(timeSize) ?? 0) + timeSize(alert.receivedAt) + 1
        if let url = alert.generatorURL { size += stringSize(url) }
        if let identity = alert.identity { size += stringSize(identity) }
        return size
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

    /// Writes into the memory ``encodedSize(_:)`` measured. A write past
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

        mutating func alert(_ alert: borrowing Alert) {
            string(alert.source)
            labels(alert.labels)
            labels(alert.annotations)
            byte(alert.status == .firing ? 0 : 1)
            time(alert.startsAt)
            if let endsAt = alert.endsAt {
                byte(1)
                time(endsAt)
            } else {
                byte(0)
            }
            time(alert.receivedAt)
            byte((alert.generatorURL == nil ? 0 : 1) | (alert.identity == nil ? 0 : 2))
            if let url = alert.generatorURL { string(url) }
            if let identity = alert.identity { string(identity) }
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
