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
        var output: [UInt8] = []
        output.reserveCapacity(alerts.count * 256)
        let version: UInt8 = alerts.contains { $0.identity != nil } ? 2 : 1
        output.append(version)
        writeVarint(UInt64(alerts.count), to: &output)
        for alert in alerts {
            writeString(alert.source, to: &output)
            writeLabels(alert.labels, to: &output)
            writeLabels(alert.annotations, to: &output)
            output.append(alert.status == .firing ? 0 : 1)
            writeTime(alert.startsAt, to: &output)
            if let endsAt = alert.endsAt {
                output.append(1)
                writeTime(endsAt, to: &output)
            } else {
                output.append(0)
            }
            writeTime(alert.receivedAt, to: &output)
            output.append((alert.generatorURL == nil ? 0 : 1) | (alert.identity == nil ? 0 : 2))
            if let url = alert.generatorURL { writeString(url, to: &output) }
            if let identity = alert.identity { writeString(identity, to: &output) }
        }
        return output
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

    private static func writeVarint(_ value: UInt64, to output: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }

    private static func writeTime(_ date: Date, to output: inout [UInt8]) {
        let milliseconds = date.unixMilliseconds
        writeVarint(UInt64(bitPattern: (milliseconds << 1) ^ (milliseconds >> 63)), to: &output)
    }

    private static func writeString(_ string: String, to output: inout [UInt8]) {
        writeVarint(UInt64(string.utf8.count), to: &output)
        output.append(contentsOf: string.utf8)
    }

    private static func writeLabels(_ labels: LabelSet, to output: inout [UInt8]) {
        writeVarint(UInt64(labels.count), to: &output)
        for label in labels {
            writeString(label.name, to: &output)
            writeString(label.value, to: &output)
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
