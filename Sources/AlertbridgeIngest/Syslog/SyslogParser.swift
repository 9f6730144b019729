/// Byte-level syslog parser for RFC 5424 and the RFC 3164 dialects devices really send.
///
/// Design rules, each because of what an alert receiver needs:
/// - Total: every input, however broken, yields a `SyslogMessage`. A receiver that drops
///   lines it cannot parse loses exactly the alerts from misbehaving devices.
/// - Never drops text: when a header breaks off, everything from the break onwards is
///   kept in `message` and `Flags.malformedHeader` is set.
/// - Pure: no clock, no locale, no Foundation. The caller supplies the reference time
///   used to infer the year and zone that BSD timestamps lack.
/// - No Regex/Scanner: one forward pass over the bytes, so the cost is linear in the
///   line length and independent of hostile input.
public enum SyslogParser {
    /// Parses one syslog line (no framing; trailing NUL/CR/LF are tolerated).
    ///
    /// - Parameters:
    ///   - bytes: the raw octets; any encoding, invalid UTF-8 is repaired with U+FFFD.
    ///   - reference: the receive time and assumed UTC offset, used where the line lacks a
    ///     year or an offset.
    ///   - truncated: set by the transport when it cut the frame, recorded as `.truncated`.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        reference: SyslogReferenceTime,
        truncated: Bool = false
    ) -> SyslogMessage {
        var end = bytes.count
        var flags: SyslogMessage.Flags = truncated ? [.truncated] : []
        while end > 0 {
            let last = bytes[end - 1]
            guard last == 0 || last == Byte.lf || last == Byte.cr else { break }
            end -= 1
            flags.insert(.trailerStripped)
        }
        var parser = LineParser(
            buffer: UnsafeRawBufferPointer(rebasing: bytes[0..<end]),
            reference: reference,
            flags: flags
        )
        return parser.parse()
    }

    public static func parse(
        _ bytes: [UInt8],
        reference: SyslogReferenceTime,
        truncated: Bool = false
    ) -> SyslogMessage {
        bytes.withUnsafeBytes { parse($0, reference: reference, truncated: truncated) }
    }

    public static func parse(
        _ text: String,
        reference: SyslogReferenceTime,
        truncated: Bool = false
    ) -> SyslogMessage {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0), reference: reference, truncated: truncated) }
    }
}

// MARK: - Implementation

enum Byte {
    static let space: UInt8 = 0x20
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let tab: UInt8 = 0x09
    static let lessThan: UInt8 = 0x3C
    static let greaterThan: UInt8 = 0x3E
    static let dash: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let colon: UInt8 = 0x3A
    static let dot: UInt8 = 0x2E
    static let star: UInt8 = 0x2A
    static let percent: UInt8 = 0x25
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let equals: UInt8 = 0x3D
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 0x61 < 6 }
    /// RFC 5424 PRINTUSASCII (%d33-126).
    @inline(__always) static func isPrintUSASCII(_ b: UInt8) -> Bool { b &- 33 < 94 }
}

/// A timestamp found in a line, before it is copied into the message.
struct FoundTimestamp {
    var textStart: Int
    var textEnd: Int
    var unixMillis: Int64?
    var utcOffsetSeconds: Int32?
    var flags: SyslogMessage.Flags
}

struct LineParser {
    let buffer: UnsafeRawBufferPointer
    let end: Int
    let reference: SyslogReferenceTime
    var flags: SyslogMessage.Flags

    init(buffer: UnsafeRawBufferPointer, reference: SyslogReferenceTime, flags: SyslogMessage.Flags) {
        self.buffer = buffer
        self.end = buffer.count
        self.reference = reference
        self.flags = flags
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { buffer[i] }

    // MARK: Strings

    /// Header tokens were already checked to be printable ASCII, so no validation pass.
    @inline(__always) func asciiString(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[from..<to]), as: UTF8.self)
    }

    /// Free text: validated, and repaired (with a flag) when it is not UTF-8.
    mutating func text(_ from: Int, _ to: Int) -> String {
        Self.decode(UnsafeRawBufferPointer(rebasing: buffer[from..<to]), flags: &flags)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, flags: inout SyslogMessage.Flags) -> String {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        flags.insert(.invalidUTF8Replaced)
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always) static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        var acc: UInt64 = 0
        while i + 8 <= n {
            acc |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            acc |= UInt64(bytes[i])
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Message text from `from` to the end of the line; nil when empty.
    mutating func rest(_ from: Int) -> String? {
        from < end ? text(from, end) : nil
    }

    // MARK: Entry

    mutating func parse() -> SyslogMessage {
        guard end > 0, byte(0) == Byte.lessThan else {
            return parseLegacy(pri: nil, bodyStart: 0)
        }
        // PRI: 1-3 digits, 0...191, no leading zero (RFC 5424 §6.2.1).
        var p = 1
        var value = 0
        while p < end, p <= 4, Byte.isDigit(byte(p)) {
            value = value * 10 + Int(byte(p) - Byte.zero)
            p += 1
        }
        let digits = p - 1
        guard digits >= 1, digits <= 3, p < end, byte(p) == Byte.greaterThan, value <= 191,
              !(digits > 1 && byte(1) == Byte.zero)
        else {
            // An invalid PRI means we cannot trust where the header starts: keep it all.
            return unparsed(pri: nil, from: 0)
        }
        let pri = UInt8(value)
        p += 1
        // VERSION: a non-zero digit plus up to two more, then SP (or the end of a truncated line).
        if p < end, byte(p) != Byte.zero, Byte.isDigit(byte(p)) {
            var q = p
            var version = 0
            while q < end, q - p < 4, Byte.isDigit(byte(q)) {
                version = version * 10 + Int(byte(q) - Byte.zero)
                q += 1
            }
            if q - p <= 3, q == end || byte(q) == Byte.space {
                return parse5424(pri: pri, version: UInt16(version), afterVersion: q)
            }
        }
        return parseLegacy(pri: pri, bodyStart: p)
    }

    mutating func unparsed(pri: UInt8?, from: Int) -> SyslogMessage {
        let message = rest(from)
        return SyslogMessage(format: .unparsed, pri: pri, message: message, flags: flags)
    }

    // MARK: RFC 5424

    /// End of a header token: the first byte outside PRINTUSASCII.
    @inline(__always) func printableEnd(from start: Int) -> Int {
        var q = start
        while q < end, Byte.isPrintUSASCII(byte(q)) { q += 1 }
        return q
    }

    mutating func parse5424(pri: UInt8, version: UInt16, afterVersion: Int) -> SyslogMessage {
        var m = SyslogMessage(format: .rfc5424, pri: pri, version: version)
        var p = afterVersion
        guard p < end else { return malformed(&m, at: p) }
        p += 1

        // TIMESTAMP
        let tsEnd = printableEnd(from: p)
        guard tsEnd > p, tsEnd == end || byte(tsEnd) == Byte.space else { return malformed(&m, at: p) }
        if !(tsEnd - p == 1 && byte(p) == Byte.dash) {
            guard let ts = parseISO(at: p, context: .rfc5424), ts.textEnd == tsEnd else {
                return malformed(&m, at: p)
            }
            apply(ts, to: &m)
        }
        p = tsEnd

        // HOSTNAME, APP-NAME, PROCID, MSGID: NILVALUE or 1*PRINTUSASCII with RFC length limits.
        // Over-long values are kept (flagged): truncating or rejecting would lose data that
        // lenient receivers such as syslog-ng pass through.
        let limits = (255, 48, 128, 32)
        for field in 0..<4 {
            guard p < end else { return malformed(&m, at: p) }
            p += 1  // the SP that ended the previous token
            let e = printableEnd(from: p)
            guard e > p, e == end || byte(e) == Byte.space else { return malformed(&m, at: p) }
            let isNil = e - p == 1 && byte(p) == Byte.dash
            let value: String? = isNil ? nil : asciiString(p, e)
            let limit: Int
            switch field {
            case 0: limit = limits.0; m.hostname = value
            case 1: limit = limits.1; m.appName = value
            case 2: limit = limits.2; m.procID = value
            default: limit = limits.3; m.msgID = value
            }
            if e - p > limit { flags.insert(.nonCompliant) }
            p = e
        }

        // STRUCTURED-DATA
        guard p < end else { return malformed(&m, at: p) }
        p += 1
        guard p < end else { return malformed(&m, at: p) }
        if byte(p) == Byte.dash, p + 1 == end || byte(p + 1) == Byte.space {
            p += 1
        } else if byte(p) == Byte.openBracket, let (elements, after) = parseStructuredData(at: p, requireParameters: false) {
            m.structuredData = elements
            p = after
        } else {
            return malformed(&m, at: p)
        }

        // MSG: exactly one SP separates it; further spaces belong to MSG.
        if p < end {
            guard byte(p) == Byte.space else { return malformed(&m, at: p) }
            p += 1
            if p < end {
                if end - p >= 3, byte(p) == 0xEF, byte(p + 1) == 0xBB, byte(p + 2) == 0xBF {
                    flags.insert(.byteOrderMark)
                    p += 3
                    m.message = rest(p)
                } else {
                    m.message = text(p, end)
                }
            }
        }
        m.flags = flags
        return m
    }

    /// Ends the header at `position`, keeping everything from there on as MSG.
    mutating func malformed(_ m: inout SyslogMessage, at position: Int) -> SyslogMessage {
        flags.insert(.malformedHeader)
        if position < end { m.message = text(position, end) }
        m.flags = flags
        return m
    }

    mutating func apply(_ ts: FoundTimestamp, to m: inout SyslogMessage) {
        m.timestamp = asciiString(ts.textStart, ts.textEnd)
        m.timestampUnixMillis = ts.unixMillis
        m.timestampUTCOffsetSeconds = ts.utcOffsetSeconds
        flags.formUnion(ts.flags)
    }

    /// `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]...`; nil when the text is not valid SD.
    /// `requireParameters` guards the RFC 3164 case, where `[audit]`-style text in MSG
    /// must not be mistaken for an element.
    mutating func parseStructuredData(
        at start: Int,
        requireParameters: Bool
    ) -> ([SyslogStructuredDataElement], Int)? {
        var p = start
        var elements: [SyslogStructuredDataElement] = []
        var localFlags: SyslogMessage.Flags = []
        while p < end, byte(p) == Byte.openBracket {
            p += 1
            let idStart = p
            p = sdNameEnd(from: p)
            guard p > idStart else { return nil }
            if p - idStart > 32 { localFlags.insert(.nonCompliant) }
            let id = asciiString(idStart, p)
            var parameters: [SyslogStructuredDataParameter] = []
            while p < end, byte(p) == Byte.space {
                p += 1
                let nameStart = p
                p = sdNameEnd(from: p)
                guard p > nameStart, p + 1 < end, byte(p) == Byte.equals, byte(p + 1) == Byte.quote else { return nil }
                if p - nameStart > 32 { localFlags.insert(.nonCompliant) }
                let name = asciiString(nameStart, p)
                p += 2
                guard let (value, after) = parseParamValue(at: p, flags: &localFlags) else { return nil }
                parameters.append(SyslogStructuredDataParameter(name: name, value: value))
                p = after
            }
            guard p < end, byte(p) == Byte.closeBracket else { return nil }
            p += 1
            if requireParameters, parameters.isEmpty { return nil }
            if let existing = elements.firstIndex(where: { $0.id == id }) {
                // RFC 5424 forbids a repeated SD-ID; merging keeps every parameter
                // (the Rust syslog_rfc5424 behaviour) instead of rejecting the line.
                elements[existing].parameters += parameters
                localFlags.insert(.nonCompliant)
            } else {
                elements.append(SyslogStructuredDataElement(id: id, parameters: parameters))
            }
        }
        flags.formUnion(localFlags)
        return (elements, p)
    }

    /// SD-NAME: PRINTUSASCII except `=`, SP, `]` and `"`.
    @inline(__always) func sdNameEnd(from start: Int) -> Int {
        var q = start
        while q < end {
            let b = byte(q)
            guard Byte.isPrintUSASCII(b), b != Byte.equals, b != Byte.closeBracket, b != Byte.quote else { break }
            q += 1
        }
        return q
    }

    /// PARAM-VALUE after the opening quote, up to the closing one. `\"`, `\\`, `\]` are
    /// unescaped; other backslashes stay verbatim (§6.3.3); an unescaped `]` is invalid,
    /// as both go-syslog and syslog-ng reject it.
    mutating func parseParamValue(at start: Int, flags: inout SyslogMessage.Flags) -> (String, Int)? {
        var q = start
        var hasEscape = false
        while q < end {
            let b = byte(q)
            if b == Byte.quote { break }
            if b == Byte.closeBracket { return nil }
            if b == Byte.backslash {
                hasEscape = true
                q += 1
                if q == end { return nil }
            }
            q += 1
        }
        guard q < end else { return nil }
        let valueEnd = q
        if !hasEscape {
            return (Self.decode(UnsafeRawBufferPointer(rebasing: buffer[start..<valueEnd]), flags: &flags), valueEnd + 1)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(valueEnd - start)
        var i = start
        while i < valueEnd {
            let b = byte(i)
            if b == Byte.backslash {
                let next = byte(i + 1)
                if next == Byte.quote || next == Byte.backslash || next == Byte.closeBracket {
                    bytes.append(next)
                    i += 2
                    continue
                }
            }
            bytes.append(b)
            i += 1
        }
        let value = bytes.withUnsafeBytes { Self.decode($0, flags: &flags) }
        return (value, valueEnd + 1)
    }

    // MARK: Timestamps

    @inline(__always) func digits(_ at: Int, _ count: Int) -> Int? {
        guard at + count <= end else { return nil }
        var v = 0
        for i in at..<(at + count) {
            let b = byte(i)
            guard Byte.isDigit(b) else { return nil }
            v = v * 10 + Int(b - Byte.zero)
        }
        return v
    }

    /// RFC 3339 with the leniencies seen in the wild (each flagged `.nonCompliant`): lower
    /// case `t`/`z`, any number of fractional digits, `±hhmm` and `±hh` offsets, `Z`
    /// followed by a redundant offset, and no offset at all (the caller's is assumed).
    /// In BSD lines a space separator (`2018-06-19 02:13:38`) and a missing offset are
    /// normal, so they are accepted there without a compliance flag.
    func parseISO(at start: Int, context: TimestampContext) -> FoundTimestamp? {
        guard let year = digits(start, 4), start + 19 <= end,
              byte(start + 4) == Byte.dash, let month = digits(start + 5, 2),
              byte(start + 7) == Byte.dash, let day = digits(start + 8, 2)
        else { return nil }
        var tsFlags: SyslogMessage.Flags = []
        let separator = byte(start + 10)
        switch separator {
        case 0x54: break  // T
        case 0x74: tsFlags.insert(.nonCompliant)  // t
        case Byte.space where context == .bsd: break
        default: return nil
        }
        guard let hour = digits(start + 11, 2), byte(start + 13) == Byte.colon,
              let minute = digits(start + 14, 2), byte(start + 16) == Byte.colon,
              let second = digits(start + 17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var p = start + 19
        var millis = 0
        if p < end, byte(p) == Byte.dot {
            p += 1
            let fracStart = p
            while p < end, Byte.isDigit(byte(p)) {
                if p - fracStart < 3 { millis = millis * 10 + Int(byte(p) - Byte.zero) }
                p += 1
            }
            let count = p - fracStart
            guard count > 0 else { return nil }
            if count < 3 { for _ in count..<3 { millis *= 10 } }
            if count > 6 { tsFlags.insert(.nonCompliant) }
        }
        var offset: Int32?
        if p < end, byte(p) == 0x5A || byte(p) == 0x7A {  // Z / z
            if byte(p) == 0x7A { tsFlags.insert(.nonCompliant) }
            offset = 0
            p += 1
            // "Z+00:00": the Z is authoritative, the redundant offset is skipped.
            if p < end, byte(p) == Byte.plus || byte(p) == Byte.dash,
               let (_, after) = parseOffset(at: p) {
                tsFlags.insert(.nonCompliant)
                p = after
            }
        } else if p < end, byte(p) == Byte.plus || byte(p) == Byte.dash {
            guard let (value, after) = parseOffset(at: p) else { return nil }
            offset = value
            p = after
        }
        if offset == nil {
            tsFlags.insert(.offsetAssumed)
            if context == .rfc5424 { tsFlags.insert(.nonCompliant) }
        }
        let appliedOffset = offset ?? reference.utcOffsetSeconds
        let local = Int64(daysFromCivil(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let unix = (local - Int64(appliedOffset)) * 1000 + Int64(millis)
        return FoundTimestamp(textStart: start, textEnd: p, unixMillis: unix,
                              utcOffsetSeconds: appliedOffset, flags: tsFlags)
    }

    /// `+hh:mm`, `+hhmm` or `+hh` (hh <= 23, mm <= 59).
    func parseOffset(at p: Int) -> (Int32, Int)? {
        let sign: Int32 = byte(p) == Byte.dash ? -1 : 1
        guard let hours = digits(p + 1, 2), hours <= 23 else { return nil }
        var q = p + 3
        var minutes = 0
        if q < end, byte(q) == Byte.colon {
            guard let mm = digits(q + 1, 2), mm <= 59 else { return nil }
            minutes = mm
            q += 3
        } else if let mm = digits(q, 2) {
            guard mm <= 59 else { return nil }
            minutes = mm
            q += 2
        }
        return (sign * Int32(hours * 3600 + minutes * 60), q)
    }

    static let monthNames: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"].map { name in
        var v: UInt32 = 0
        for b in name.utf8 { v = v << 8 | UInt32(b) }
        return v
    }

    /// `Mmm dd hh:mm:ss` with real-world variants: any case, zero- or space-padded or
    /// single-digit day, a year before (`Mar 7 2008 19:06:53`) or after the time
    /// (`Apr 15 21:28:13 2007`), any fraction (`.306`, `.` alone), and a Cisco zone name
    /// (`18:06:03.424 UTC:`).
    func parseBSD(at start: Int) -> FoundTimestamp? {
        guard start + 3 < end else { return nil }
        let key = UInt32(byte(start) | 0x20) << 16 | UInt32(byte(start + 1) | 0x20) << 8 | UInt32(byte(start + 2) | 0x20)
        guard let monthIndex = Self.monthNames.firstIndex(of: key) else { return nil }
        var p = start + 3
        guard p < end, byte(p) == Byte.space else { return nil }
        while p < end, byte(p) == Byte.space { p += 1 }
        var day = 0
        let dayStart = p
        while p < end, p - dayStart < 2, Byte.isDigit(byte(p)) {
            day = day * 10 + Int(byte(p) - Byte.zero)
            p += 1
        }
        guard p > dayStart, day >= 1, day <= 31, p < end, byte(p) == Byte.space else { return nil }
        while p < end, byte(p) == Byte.space { p += 1 }
        var year: Int?
        if let y = digits(p, 4), p + 4 < end, byte(p + 4) == Byte.space {
            year = y
            p += 4
            while p < end, byte(p) == Byte.space { p += 1 }
        }
        guard let hour = digits(p, 2), p + 8 <= end, byte(p + 2) == Byte.colon,
              let minute = digits(p + 3, 2), byte(p + 5) == Byte.colon,
              let second = digits(p + 6, 2), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        p += 8
        var millis = 0
        if p < end, byte(p) == Byte.dot {
            p += 1
            let fracStart = p
            while p < end, Byte.isDigit(byte(p)) {
                if p - fracStart < 3 { millis = millis * 10 + Int(byte(p) - Byte.zero) }
                p += 1
            }
            let count = p - fracStart
            if count > 0, count < 3 { for _ in count..<3 { millis *= 10 } }
        }
        // A year after the time only when it cannot be the start of a hostname: four
        // digits in a plausible range, followed by SP or the end.
        if year == nil, p + 5 <= end, byte(p) == Byte.space, let y = digits(p + 1, 4),
           (1970...2099).contains(y), p + 5 == end || byte(p + 5) == Byte.space {
            year = y
            p += 5
        }
        var tsFlags: SyslogMessage.Flags = []
        var offset: Int32?
        // Zone name, only in the Cisco form that ends with ':' (`... UTC: %SEC...`).
        if p < end, byte(p) == Byte.space {
            var q = p + 1
            while q < end, q - p <= 5, Byte.isUpper(byte(q)) { q += 1 }
            let length = q - p - 1
            if length >= 3, length <= 5, q < end, byte(q) == Byte.colon {
                let zone = asciiString(p + 1, q)
                if knownZoneNames.contains(zone) {
                    if zone == "UTC" || zone == "GMT" { offset = 0 }
                    p = q
                }
            }
        }
        if offset == nil { tsFlags.insert(.offsetAssumed) }
        let appliedOffset = offset ?? reference.utcOffsetSeconds
        let month = monthIndex + 1
        let secondsOfDay = Int64(hour * 3600 + minute * 60 + second)
        var unix: Int64?
        if let year {
            if day <= daysInMonth(year, month) {
                unix = ((Int64(daysFromCivil(year, month, day)) * 86_400 + secondsOfDay) - Int64(appliedOffset)) * 1000 + Int64(millis)
            }
        } else {
            tsFlags.insert(.yearInferred)
            unix = nearestYearMillis(month: month, day: day, secondsOfDay: secondsOfDay,
                                     millis: millis, offset: appliedOffset)
        }
        return FoundTimestamp(textStart: start, textEnd: p, unixMillis: unix,
                              utcOffsetSeconds: appliedOffset, flags: tsFlags)
    }

    /// The year that puts the timestamp nearest the reference (rsyslog's rule: a BSD date
    /// far in the future is last year's). Searches +-4 years so that Feb 29 finds a leap year.
    func nearestYearMillis(month: Int, day: Int, secondsOfDay: Int64, millis: Int, offset: Int32) -> Int64? {
        let referenceLocalDays = Int(floorDiv(reference.unixMillis + Int64(offset) * 1000, 86_400_000))
        let referenceYear = civilYear(fromDays: referenceLocalDays)
        var best: Int64?
        var bestDistance = Int64.max
        for year in (referenceYear - 4)...(referenceYear + 4) where day <= daysInMonth(year, month) {
            let unix = ((Int64(daysFromCivil(year, month, day)) * 86_400 + secondsOfDay) - Int64(offset)) * 1000 + Int64(millis)
            let distance = abs(unix - reference.unixMillis)
            if distance < bestDistance {
                best = unix
                bestDistance = distance
            }
        }
        return best
    }

    /// A timestamp in a BSD line, with an optional Cisco `*`/`.` clock marker.
    func parseLegacyTimestamp(at start: Int) -> FoundTimestamp? {
        guard start < end else { return nil }
        var p = start
        var marker: SyslogMessage.Flags = []
        if byte(p) == Byte.star { marker = .clockNotAuthoritative; p += 1 }
        else if byte(p) == Byte.dot { marker = .clockNotSynchronized; p += 1 }
        if var ts = parseBSD(at: p) {
            ts.flags.formUnion(marker)
            return ts
        }
        if var ts = parseISO(at: p, context: .bsd),
           ts.textEnd == end || byte(ts.textEnd) == Byte.space || byte(ts.textEnd) == Byte.colon {
            ts.flags.formUnion(marker)
            return ts
        }
        return nil
    }

    // MARK: RFC 3164

    @inline(__always) func skipSpaces(_ p: Int) -> Int {
        var q = p
        while q < end, byte(q) == Byte.space { q += 1 }
        return q
    }

    @inline(__always) func wordEnd(_ p: Int) -> Int {
        var q = p
        while q < end, byte(q) != Byte.space { q += 1 }
        return q
    }

    /// Cisco `service sequence-numbers`: `589265: ` before the timestamp.
    func ciscoSequence(at p: Int) -> (UInt64, Int)? {
        var q = p
        var value: UInt64 = 0
        while q < end, q - p < 19, Byte.isDigit(byte(q)) {
            value = value * 10 + UInt64(byte(q) - Byte.zero)
            q += 1
        }
        guard q > p, q + 1 < end, byte(q) == Byte.colon, byte(q + 1) == Byte.space else { return nil }
        return (value, skipSpaces(q + 2))
    }

    /// `%FACILITY[-SUBFACILITY]-SEVERITY-MNEMONIC:` (Cisco IOS/ASA/PIX). It stays in MSG:
    /// it is the message's own event code, and rules match on the whole Cisco text.
    func isCiscoMnemonic(_ start: Int, _ stop: Int) -> Bool {
        guard stop - start >= 6, byte(start) == Byte.percent, byte(stop - 1) == Byte.colon else { return false }
        var segments = 0
        var segmentStart = start + 1
        var lastSegmentAllDigits = false
        var allDigits = true
        var q = start + 1
        while q < stop - 1 {
            let b = byte(q)
            if b == Byte.dash {
                guard q > segmentStart else { return false }
                segments += 1
                lastSegmentAllDigits = allDigits
                allDigits = true
                segmentStart = q + 1
            } else if Byte.isAlnum(b) || b == 0x5F {
                if !Byte.isDigit(b) { allDigits = false }
            } else {
                return false
            }
            q += 1
        }
        guard q > segmentStart else { return false }
        segments += 1
        // The segment before the mnemonic is the severity digit(s).
        return segments >= 3 && lastSegmentAllDigits && !allDigits
    }

    /// An IPv6 literal as hostname (`2607:f0d0:1002:51::4`, `::ffff:0:1.2.3.4`): only hex
    /// digits, `:` and `.`, at least two colons. Needed so that its colons are not read
    /// as the end of a TAG.
    func looksLikeIPv6(_ start: Int, _ stop: Int) -> Bool {
        var colons = 0
        for q in start..<stop {
            let b = byte(q)
            if b == Byte.colon { colons += 1 } else if !(Byte.isHex(b) || b == Byte.dot) { return false }
        }
        return colons >= 2
    }

    /// Characters seen in real hostnames, including `@` and `/` (relay chains) which
    /// rsyslog only accepts with options; at least one alphanumeric so `--` is no host.
    func isHostname(_ start: Int, _ stop: Int) -> Bool {
        guard stop > start, stop - start <= 255 else { return false }
        var alnum = false
        for q in start..<stop {
            let b = byte(q)
            if Byte.isAlnum(b) { alnum = true; continue }
            switch b {
            case Byte.dot, Byte.dash, 0x5F, Byte.colon, 0x40, 0x2F: continue  // . - _ : @ /
            default: return false
            }
        }
        return alnum
    }

    struct Tag {
        var nameStart: Int, nameEnd: Int
        var pid: Range<Int>?
        var next: Int
    }

    /// `name[pid]:`, `name:` or `name[pid]` (rsyslog accepts the last one). A word without
    /// either ending is not a tag: taking the first word of MSG as program (rsyslog's
    /// default) would cut `Use the Force!` into `Use` + `the Force!`.
    func parseTag(at start: Int) -> Tag? {
        var q = start
        while q < end {
            let b = byte(q)
            if b == Byte.colon || b == Byte.openBracket || b == Byte.space { break }
            q += 1
        }
        guard q > start, q < end else { return nil }
        let nameEnd = q
        var pid: Range<Int>?
        if byte(q) == Byte.openBracket {
            let pidStart = q + 1
            var r = pidStart
            while r < end, byte(r) != Byte.closeBracket, byte(r) != Byte.space { r += 1 }
            guard r < end, byte(r) == Byte.closeBracket, r > pidStart else { return nil }
            pid = pidStart..<r
            q = r + 1
            if q < end, byte(q) == Byte.colon {
                q += 1
            } else if !(q == end || byte(q) == Byte.space) {
                return nil
            }
        } else if byte(q) == Byte.colon {
            q += 1
        } else {
            return nil
        }
        // One SP after the tag is the separator (RFC 3164 §5.4 examples); more belong to MSG.
        if q < end, byte(q) == Byte.space { q += 1 }
        return Tag(nameStart: start, nameEnd: nameEnd, pid: pid, next: q)
    }

    mutating func apply(_ tag: Tag, to m: inout SyslogMessage) {
        m.appName = text(tag.nameStart, tag.nameEnd)
        if let pid = tag.pid { m.procID = text(pid.lowerBound, pid.upperBound) }
    }

    /// MSG after a TAG; rsyslog's own messages embed RFC 5424 SD there
    /// (`liblogging-stdlog:  [origin software="rsyslogd" ...] start`).
    mutating func finishLegacyMessage(_ m: inout SyslogMessage, from start: Int, afterTag: Bool) -> SyslogMessage {
        var p = start
        if afterTag {
            let q = skipSpaces(p)
            if q < end, byte(q) == Byte.openBracket {
                var probe = self
                if let (elements, after) = probe.parseStructuredData(at: q, requireParameters: true),
                   after == end || byte(after) == Byte.space {
                    self = probe
                    m.structuredData = elements
                    p = after < end ? after + 1 : after
                }
            }
        }
        m.message = rest(p)
        m.flags = flags
        return m
    }

    mutating func parseLegacy(pri: UInt8?, bodyStart: Int) -> SyslogMessage {
        var m = SyslogMessage(format: .rfc3164, pri: pri)
        var p = skipSpaces(bodyStart)
        let sequence = ciscoSequence(at: p)
        if let (value, next) = sequence, parseLegacyTimestamp(at: next) != nil {
            m.sequenceNumber = value
            p = next
        }
        guard let ts = parseLegacyTimestamp(at: p) else {
            // Without a timestamp only a PRI plus an unmistakable TAG (`<27>xapi: ...`,
            // `<15> openvpn[2499]: ...`) or a Cisco mnemonic is still BSD syslog.
            guard pri != nil else { return unparsed(pri: nil, from: 0) }
            if let (value, next) = sequence {
                m.sequenceNumber = value
                p = next
            }
            let wordStop = wordEnd(p)
            if p < end, isCiscoMnemonic(p, wordStop) {
                return finishLegacyMessage(&m, from: p, afterTag: false)
            }
            if p < end, let tag = parseTag(at: p) {
                apply(tag, to: &m)
                return finishLegacyMessage(&m, from: tag.next, afterTag: true)
            }
            return unparsed(pri: pri, from: bodyStart)
        }
        apply(ts, to: &m)
        p = ts.textEnd
        if p < end, byte(p) == Byte.colon { p += 1 }
        p = skipSpaces(p)
        guard p < end else {
            m.flags = flags
            return m
        }

        // HOSTNAME, or its absence.
        let forwarded = "Message forwarded from ".utf8
        if end - p > forwarded.count,
           UnsafeRawBufferPointer(rebasing: buffer[p..<(p + forwarded.count)]).elementsEqual(forwarded) {
            // AIX relays: `Message forwarded from HOST: TAG: MSG`.
            let hostStart = p + forwarded.count
            var q = hostStart
            while q < end, byte(q) != Byte.colon, byte(q) != Byte.space { q += 1 }
            if q > hostStart { m.hostname = text(hostStart, q) }
            if q < end, byte(q) == Byte.colon { q += 1 }
            p = skipSpaces(q)
        } else {
            let wordStop = wordEnd(p)
            if isCiscoMnemonic(p, wordStop) {
                return finishLegacyMessage(&m, from: p, afterTag: false)
            }
            let ipv6 = looksLikeIPv6(p, wordStop)
            if !ipv6, let tag = parseTag(at: p), tag.nameEnd <= wordStop {
                // A TAG right after the timestamp: the sender omitted the hostname
                // (HAProxy, Cisco without `logging origin-id`).
                apply(tag, to: &m)
                return finishLegacyMessage(&m, from: tag.next, afterTag: true)
            }
            guard ipv6 || isHostname(p, wordStop) else {
                return finishLegacyMessage(&m, from: p, afterTag: false)
            }
            m.hostname = asciiString(p, wordStop)
            p = skipSpaces(wordStop)
        }
        guard p < end else {
            m.flags = flags
            return m
        }

        // A relay in front of a Cisco device: `HOST 585917: Feb  8 04:00:47.272: %SEC-...`.
        // The device's own timestamp is the event time, so it replaces the relay's.
        if let (sequence, next) = ciscoSequence(at: p), let inner = parseLegacyTimestamp(at: next) {
            m.sequenceNumber = sequence
            flags.remove([.yearInferred, .offsetAssumed, .clockNotAuthoritative, .clockNotSynchronized])
            apply(inner, to: &m)
            p = inner.textEnd
            if p < end, byte(p) == Byte.colon { p += 1 }
            p = skipSpaces(p)
            guard p < end else {
                m.flags = flags
                return m
            }
        }

        let wordStop = wordEnd(p)
        if isCiscoMnemonic(p, wordStop) {
            return finishLegacyMessage(&m, from: p, afterTag: false)
        }
        if let tag = parseTag(at: p) {
            apply(tag, to: &m)
            return finishLegacyMessage(&m, from: tag.next, afterTag: true)
        }
        return finishLegacyMessage(&m, from: p, afterTag: false)
    }
}

enum TimestampContext { case rfc5424, bsd }

/// Zone abbreviations Cisco devices print after the time. Only UTC/GMT have a fixed
/// meaning (CST alone is US Central or China); the list exists so that a hostname-less
/// `CRON:` tag is not mistaken for a zone.
let knownZoneNames: Set<String> = [
    "UTC", "GMT", "CET", "CEST", "EET", "EEST", "WET", "WEST", "BST", "IST", "MSK",
    "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST",
    "JST", "KST", "SGT", "HKT", "AEST", "AEDT", "ACST", "AWST", "NZST", "NZDT",
]

// MARK: - Calendar arithmetic (proleptic Gregorian, no Foundation)

@inline(__always) func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

@inline(__always) func daysInMonth(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 2: return isLeapYear(y) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
@inline(__always) func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The civil year of a day count since 1970-01-01 (inverse of `daysFromCivil`).
func civilYear(fromDays days: Int) -> Int {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let month = mp < 10 ? mp + 3 : mp - 9
    return yoe + era * 400 + (month <= 2 ? 1 : 0)
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
