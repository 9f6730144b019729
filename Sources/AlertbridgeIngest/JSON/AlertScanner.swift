import AlertbridgeCore
import Foundation

/// The members of one alert object, typed and within the limits: what an
/// adapter's own rules (defaults, an `endsAt` in the past meaning resolved)
/// make an ``Alert`` of. Absent and null members are `nil`.
struct AlertFields {
    var labels: LabelSet
    /// The labels' fingerprint, when a ``LabelSetCache`` already knew it.
    var labelsFingerprint: Fingerprint?
    var annotations: LabelSet = .empty
    var status: AlertStatus?
    var startsAt: Date?
    var endsAt: Date?
    var receivedAt: Date?
    var generatorURL: String?
    var identity: String?

    /// The alert, once the adapter's rules have settled its status and times.
    func alert(source: String, status: AlertStatus, startsAt: Date, endsAt: Date?, receivedAt: Date) -> Alert {
        Alert(
            source: source, labels: labels, fingerprint: labelsFingerprint ?? Fingerprint(labels), annotations: annotations,
            status: status, startsAt: startsAt, endsAt: endsAt, receivedAt: receivedAt, generatorURL: generatorURL, identity: identity)
    }
}

/// Reads alert payloads of the usual shape straight from their bytes, with
/// no JSON tree in between.
///
/// Building the tree and reading it cost a third of a million-alert replay
/// and most of a batch's decode at intake. The scanner reads what senders
/// actually send: one alert object or an array of them, each member once,
/// keys without escapes. At anything else, bad input included, it gives up
/// (`nil`) and the adapter parses a tree, which names every error. So the
/// scanner only ever has to agree with the tree on what succeeds; a
/// differential test holds it to that.
struct AlertScanner {
    /// The members an adapter reads beside the ones every alert has
    /// (`labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`).
    /// Members it does not read are skipped, still checked to be JSON.
    struct Extras: OptionSet {
        let rawValue: UInt8
        static let status = Extras(rawValue: 1 << 0)
        static let receivedAt = Extras(rawValue: 1 << 1)
        static let identity = Extras(rawValue: 1 << 2)
    }

    var limits: IngestLimits
    var reads: Extras = []
    /// Whether the body may be one alert object rather than an array.
    var acceptsObject = false
    /// Label sets read before, when the caller keeps them.
    var labelSets: LabelSetCache?

    /// The alerts of `body`, each made by `alert` from its fields; `nil`
    /// when the scanner gives up or `alert` throws: the tree then decides,
    /// and reports the error in its place among the others.
    func alerts(in body: UnsafeRawBufferPointer, _ alert: (AlertFields) throws(IngestError) -> Alert) -> [Alert]? {
        guard let scanned = scan(body) else { return nil }
        var alerts: [Alert] = []
        alerts.reserveCapacity(scanned.count)
        for fields in scanned {
            guard let made = try? alert(fields) else { return nil }
            alerts.append(made)
        }
        return alerts
    }

    /// The alerts' fields, or `nil` when the tree must decide.
    func scan(_ bytes: UnsafeRawBufferPointer) -> [AlertFields]? {
        // The alert object sits at depth 2 and its labels at 3: below that
        // the tree reports the depth error.
        guard limits.maxDepth >= 3 else { return nil }
        labelSets?.use(limits)
        var reader = JSONReader(bytes: bytes, maxDepth: limits.maxDepth)
        do {
            reader.skipWhitespace()
            var alerts: [AlertFields] = []
            if reader.peek(UInt8(ascii: "{")) {
                guard acceptsObject else { return nil }
                alerts.append(try alert(&reader, depth: 1))
            } else if reader.peek(UInt8(ascii: "[")) {
                reader.index += 1
                reader.skipWhitespace()
                if reader.peek(UInt8(ascii: "]")) {
                    reader.index += 1
                } else {
                    while true {
                        reader.skipWhitespace()
                        alerts.append(try alert(&reader, depth: 2))
                        guard alerts.count <= limits.maxAlertsPerRequest else { return nil }
                        reader.skipWhitespace()
                        if reader.peek(UInt8(ascii: ",")) {
                            reader.index += 1
                            continue
                        }
                        guard reader.peek(UInt8(ascii: "]")) else { return nil }
                        reader.index += 1
                        break
                    }
                }
            } else {
                return nil  // a byte order mark, or not a payload at all
            }
            reader.skipWhitespace()
            return reader.index == bytes.count ? alerts : nil
        } catch {
            return nil
        }
    }

    /// Which member a key names, as a bit of the set seen so far.
    private enum Member: UInt8 {
        case labels = 1, annotations = 2, status = 4, startsAt = 8, endsAt = 16, receivedAt = 32, generatorURL = 64, identity = 128
    }

    private func member(_ key: UnsafeRawBufferPointer) -> Member? {
        func equals(_ name: StaticString) -> Bool {
            key.count == name.utf8CodeUnitCount && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
        }
        switch key.count {
        case 6:
            if equals("labels") { return .labels }
            if equals("endsAt") { return .endsAt }
            if equals("status") { return reads.contains(.status) ? .status : nil }
        case 8:
            if equals("startsAt") { return .startsAt }
            if equals("identity") { return reads.contains(.identity) ? .identity : nil }
        case 10: if equals("receivedAt") { return reads.contains(.receivedAt) ? .receivedAt : nil }
        case 11: if equals("annotations") { return .annotations }
        case 12: if equals("generatorURL") { return .generatorURL }
        default: break
        }
        return nil
    }

    /// Any failure throws: the caller gives the body to the tree.
    private func alert(_ reader: inout JSONReader, depth: Int) throws(IngestError) -> AlertFields {
        guard reader.peek(UInt8(ascii: "{")) else { throw reader.error("expected an alert object") }
        reader.index += 1
        var fields = AlertFields(labels: .empty)
        var seen: UInt8 = 0
        reader.skipWhitespace()
        if !reader.peek(UInt8(ascii: "}")) {
            while true {
                reader.skipWhitespace()
                let key = try plainString(&reader)
                reader.skipWhitespace()
                guard reader.peek(UInt8(ascii: ":")) else { throw reader.error("expected ':'") }
                reader.index += 1
                reader.skipWhitespace()
                if let member = member(key) {
                    guard seen & member.rawValue == 0 else { throw reader.error("a repeated member") }
                    seen |= member.rawValue
                    switch member {
                    case .labels:
                        (fields.labels, fields.labelsFingerprint) = try remembered(&reader, role: .labels)
                    case .annotations:
                        (fields.annotations, _) = try remembered(&reader, role: .annotations)
                    case .status:
                        if let text = try optionalPlainString(&reader) {
                            guard let status = AlertStatus(rawValue: String(decoding: text, as: UTF8.self)) else {
                                throw reader.error("not a status")
                            }
                            fields.status = status
                        }
                    case .startsAt: fields.startsAt = try time(&reader)
                    case .endsAt: fields.endsAt = try time(&reader)
                    case .receivedAt: fields.receivedAt = try time(&reader)
                    case .generatorURL: fields.generatorURL = try optionalString(&reader)
                    case .identity: fields.identity = try optionalString(&reader)
                    }
                } else {
                    _ = try reader.value(depth: depth)
                }
                reader.skipWhitespace()
                if reader.peek(UInt8(ascii: ",")) {
                    reader.index += 1
                    continue
                }
                guard reader.peek(UInt8(ascii: "}")) else { throw reader.error("expected ',' or '}'") }
                break
            }
        }
        reader.index += 1
        guard seen & Member.labels.rawValue != 0 else { throw reader.error("no labels") }
        return fields
    }

    /// ``labels(_:valueLimit:required:)`` through the cache, when there is
    /// one: the same bytes, read before, are the same label set.
    private func remembered(_ reader: inout JSONReader, role: LabelSetCache.Role) throws(IngestError) -> (LabelSet, Fingerprint?) {
        let valueLimit = role == .labels ? limits.maxLabelValueBytes : limits.maxAnnotationValueBytes
        guard let cache = labelSets, reader.peek(UInt8(ascii: "{")), let end = objectEnd(reader) else {
            return (try labels(&reader, valueLimit: valueLimit, required: role == .labels), nil)
        }
        let raw = UnsafeRawBufferPointer(rebasing: reader.bytes[reader.index...end])
        if let known = cache.lookup(raw, role: role) {
            reader.index = end + 1
            return (known.labels, known.fingerprint)
        }
        let labels = try labels(&reader, valueLimit: valueLimit, required: role == .labels)
        let fingerprint = Fingerprint(labels)
        if reader.index == end + 1 { cache.insert(raw, role: role, labels: labels, fingerprint: fingerprint) }
        return (labels, fingerprint)
    }

    /// Where the flat object starting at the reader ends (its `}`), found
    /// without reading it; `nil` when it holds an object or array (never a
    /// label set) or does not end.
    ///
    /// Eight bytes at a time: most of a label set is names and values in
    /// which no byte matters, and a byte-by-byte walk was a twelfth of a
    /// replay.
    private func objectEnd(_ reader: JSONReader) -> Int? {
        let bytes = reader.bytes
        var index = reader.index + 1
        var inString = false
        while index < bytes.count {
            if index + 8 <= bytes.count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let significant =
                    inString
                    ? Self.bytes(in: word, equalTo: UInt8(ascii: "\"")) | Self.bytes(in: word, equalTo: UInt8(ascii: "\\"))
                    : Self.bytes(in: word, equalTo: UInt8(ascii: "\"")) | Self.bytes(in: word, equalTo: UInt8(ascii: "}"))
                        | Self.bytes(in: word, equalTo: UInt8(ascii: "{")) | Self.bytes(in: word, equalTo: UInt8(ascii: "["))
                guard significant != 0 else {
                    index += 8
                    continue
                }
                index += significant.trailingZeroBitCount / 8
            }
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "}") {
                return index
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// The high bit of each byte of `word` that equals `byte`. A byte above a
    /// match may be flagged too (the subtraction borrows), never one below:
    /// the lowest flag is always a match.
    @inline(__always)
    private static func bytes(in word: UInt64, equalTo byte: UInt8) -> UInt64 {
        let difference = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (difference &- 0x0101_0101_0101_0101) & ~difference & 0x8080_8080_8080_8080
    }

    /// A map of label names to strings, checked as ``PayloadFields/labels``
    /// checks it.
    private func labels(_ reader: inout JSONReader, valueLimit: Int, required: Bool) throws(IngestError) -> LabelSet {
        if skipNull(&reader) {
            guard !required else { throw reader.error("labels required") }
            return .empty
        }
        guard reader.peek(UInt8(ascii: "{")) else { throw reader.error("expected an object of strings") }
        reader.index += 1
        var pairs: [(String, String)] = []
        reader.skipWhitespace()
        if reader.peek(UInt8(ascii: "}")) {
            reader.index += 1
            guard !required else { throw reader.error("no labels") }
            return .empty
        }
        while true {
            reader.skipWhitespace()
            guard reader.peek(UInt8(ascii: "\"")) else { throw reader.error("expected a name") }
            let name = try reader.string()
            reader.skipWhitespace()
            guard reader.peek(UInt8(ascii: ":")) else { throw reader.error("expected ':'") }
            reader.index += 1
            reader.skipWhitespace()
            guard reader.peek(UInt8(ascii: "\"")) else { throw reader.error("expected a string") }
            let value = try reader.string()
            guard !name.isEmpty, name.utf8.count <= limits.maxLabelNameBytes, value.utf8.count <= valueLimit,
                pairs.count < limits.maxLabelsPerAlert
            else { throw reader.error("beyond the limits") }
            pairs.append((name, value))
            reader.skipWhitespace()
            if reader.peek(UInt8(ascii: ",")) {
                reader.index += 1
                continue
            }
            guard reader.peek(UInt8(ascii: "}")) else { throw reader.error("expected ',' or '}'") }
            reader.index += 1
            return LabelSet(pairs)
        }
    }

    /// An RFC 3339 time read in place, as ``PayloadFields/time`` reads it:
    /// `nil` for null, empty and Go's zero time.
    private func time(_ reader: inout JSONReader) throws(IngestError) -> Date? {
        guard let text = try optionalPlainString(&reader), !text.isEmpty else { return nil }
        guard let milliseconds = RFC3339.unixMilliseconds(utf8: text.assumingMemoryBound(to: UInt8.self)) else {
            throw reader.error("not a time")
        }
        return milliseconds <= PayloadFields.goZeroTime ? nil : Date(unixMilliseconds: milliseconds)
    }

    private func optionalString(_ reader: inout JSONReader) throws(IngestError) -> String? {
        if skipNull(&reader) { return nil }
        guard reader.peek(UInt8(ascii: "\"")) else { throw reader.error("expected a string") }
        return try reader.string()
    }

    private func optionalPlainString(_ reader: inout JSONReader) throws(IngestError) -> UnsafeRawBufferPointer? {
        skipNull(&reader) ? nil : try plainString(&reader)
    }

    /// The bytes of a string with no escapes and only ASCII in it: keys,
    /// times, statuses. Anything else is left to the tree.
    private func plainString(_ reader: inout JSONReader) throws(IngestError) -> UnsafeRawBufferPointer {
        guard reader.peek(UInt8(ascii: "\"")) else { throw reader.error("expected a string") }
        let start = reader.index + 1
        var index = start
        let bytes = reader.bytes
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                reader.index = index + 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { break }
            index += 1
        }
        throw reader.error("not a plain string")
    }

    private func skipNull(_ reader: inout JSONReader) -> Bool {
        let bytes = reader.bytes
        let index = reader.index
        guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
            bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        reader.index += 4
        return true
    }
}
