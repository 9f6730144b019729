import AlertbridgeIngest
import CLibFuzzer

/// libFuzzer entry point for `SyslogParser.parse`: the input is one syslog line as a
/// datagram would carry it.
///
/// "Total" is checked by libFuzzer itself (a trap or an ASan report is a finding). On
/// top of that every input must satisfy the contract written in the doc comments of
/// `SyslogParser` and `SyslogMessage`; `require` stops the run on the first violation.
/// The checks, each from a sentence of those comments:
/// - pure: the same bytes give the same message, through all three `parse` overloads,
///   and the reference time changes only the resolved instant, never the fields;
/// - `truncated:` only adds `.truncated`; trailing NUL/CR/LF only add `.trailerStripped`;
/// - PRI is 0...191 and facility/severity are PRI / 8 and PRI % 8; VERSION is 1...999
///   and only in RFC 5424;
/// - never drops text: `message` is always the end of the line (repaired only when the
///   bytes were not UTF-8); `.unparsed` keeps the whole line, or all of it after the PRI;
///   a well-formed RFC 5424 line is exactly its fields put back together;
/// - header fields are pieces of the line, never empty strings; SD-IDs are unique
///   (repeats are merged) and `structuredDataText` parses back to the same elements.
/// The executable's entry point: SwiftPM links `main` as `FuzzSyslogParser_main`, and
/// `-parse-as-library` leaves that to us. libFuzzer's driver takes it from here.
@_cdecl("FuzzSyslogParser_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return withUnsafePointer(to: 0 as UInt8) { fuzz($0, 0) } }
        return fuzz(data, size)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkParse(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// 2024-06-15T12:00:00Z, UTC.
let reference = SyslogReferenceTime(unixMillis: 1_718_452_800_000, utcOffsetSeconds: 0)
/// 2021-01-01T00:00:00Z, +05:30: another year and another assumed offset.
let otherReference = SyslogReferenceTime(unixMillis: 1_609_459_200_000, utcOffsetSeconds: 19_800)

func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    precondition(condition, message(), file: file, line: line)
}

func checkParse(_ input: [UInt8]) {
    let message = SyslogParser.parse(input, reference: reference)
    let flags = message.flags

    // MARK: Pure and deterministic

    require(SyslogParser.parse(input, reference: reference) == message, "two parses of the same bytes differ")
    let viaPointer = input.withUnsafeBytes { SyslogParser.parse($0, reference: reference) }
    require(viaPointer == message, "parse(UnsafeRawBufferPointer) differs from parse([UInt8])")
    if let text = String(validating: input, as: UTF8.self) {
        require(SyslogParser.parse(text, reference: reference) == message, "parse(String) differs from parse([UInt8])")
    }

    // The reference only resolves the instant: fields and flags stay; the local time
    // stays unless the year was inferred; the offset stays unless it was assumed.
    let other = SyslogParser.parse(input, reference: otherReference)
    require(withoutInstant(other) == withoutInstant(message), "the reference time changed a field or flag")
    require((other.timestampUnixMillis == nil) == (message.timestampUnixMillis == nil),
            "the reference time decided whether the timestamp resolves")
    if message.timestamp != nil, message.timestampUnixMillis != nil {
        if flags.contains(.offsetAssumed) {
            require(message.timestampUTCOffsetSeconds == reference.utcOffsetSeconds
                    && other.timestampUTCOffsetSeconds == otherReference.utcOffsetSeconds,
                    "an assumed offset is not the reference's")
        } else {
            require(message.timestampUTCOffsetSeconds == other.timestampUTCOffsetSeconds,
                    "a written offset depends on the reference")
        }
        if !flags.contains(.yearInferred), let a = message.timestampUnixMillis, let b = other.timestampUnixMillis,
           let offsetA = message.timestampUTCOffsetSeconds, let offsetB = other.timestampUTCOffsetSeconds {
            require(a + Int64(offsetA) * 1000 == b + Int64(offsetB) * 1000,
                    "a timestamp with a year resolves to another local time under another reference")
        }
    }
    if message.timestampUnixMillis != nil || message.timestampUTCOffsetSeconds != nil {
        require(message.timestamp != nil, "a resolved instant without the timestamp text")
    }

    // MARK: Transport flags

    var truncated = message
    truncated.flags.insert(.truncated)
    require(!flags.contains(.truncated), ".truncated without truncated: true")
    require(SyslogParser.parse(input, reference: reference, truncated: true) == truncated,
            "truncated: true changed more than the .truncated flag")

    var end = input.count
    while end > 0, input[end - 1] == 0 || input[end - 1] == 0x0A || input[end - 1] == 0x0D { end -= 1 }
    let line = Array(input[..<end])
    require(flags.contains(.trailerStripped) == (end < input.count), ".trailerStripped disagrees with the input's end")
    var stripped = message
    stripped.flags.insert(.trailerStripped)
    for trailer: [UInt8] in [[0x0A], [0x0D, 0x0A], [0x00]] {
        require(SyslogParser.parse(input + trailer, reference: reference) == stripped,
                "a NUL/CR/LF trailer changed more than .trailerStripped")
    }

    // MARK: PRI, facility, severity, version

    if let pri = message.pri {
        require(pri <= 191, "pri \(pri) is above 191")
        guard let facility = message.facility, let severity = message.severity else {
            fatalError("pri without facility or severity")
        }
        require(facility <= 23 && severity <= 7 && facility &* 8 &+ severity == pri,
                "facility \(facility) / severity \(severity) disagree with pri \(pri)")
    } else {
        require(message.facility == nil && message.severity == nil, "facility or severity without pri")
    }
    switch message.format {
    case .rfc5424:
        require(message.pri != nil, "RFC 5424 without PRI")
        require(message.version.map { (1...999).contains($0) } == true, "RFC 5424 VERSION outside 1...999")
        require(message.sequenceNumber == nil, "RFC 5424 with a Cisco sequence number")
    case .rfc3164:
        require(message.version == nil && message.msgID == nil, "RFC 3164 with VERSION or MSGID")
        require(!flags.contains(.malformedHeader) && !flags.contains(.byteOrderMark),
                "RFC 3164 with an RFC 5424-only flag")
    case .unparsed:
        require(message.version == nil && message.timestamp == nil && message.hostname == nil
                && message.appName == nil && message.procID == nil && message.msgID == nil
                && message.structuredData.isEmpty && message.sequenceNumber == nil,
                "an unparsed line with header fields")
        require(!flags.contains(.malformedHeader) && !flags.contains(.byteOrderMark),
                "an unparsed line with an RFC 5424-only flag")
    }

    // MARK: Never drops text

    if let text = message.message {
        require(!text.isEmpty, "message is \"\" instead of nil")
        if !hasSuffix(line, Array(text.utf8)) {
            require(flags.contains(.invalidUTF8Replaced) && text.unicodeScalars.contains("\u{FFFD}"),
                    "message is not the end of the line")
        }
    }
    if message.format == .unparsed {
        // "message holds the text after the PRI, or the whole line when there is no valid PRI".
        var bodyStart = 0
        if let pri = message.pri {
            let priText = Array("<\(pri)>".utf8)
            require(line.starts(with: priText), "unparsed with a PRI the line does not start with")
            bodyStart = priText.count
        }
        let body = line[bodyStart...]
        require(message.message == (body.isEmpty ? nil : String(decoding: body, as: UTF8.self)),
                "an unparsed line lost text")
    }
    if message.format == .rfc5424, !flags.contains(.malformedHeader) {
        checkWellFormed5424(message, line: line)
    }

    // MARK: Header fields

    for (name, field) in [("timestamp", message.timestamp), ("hostname", message.hostname),
                          ("appName", message.appName), ("procID", message.procID), ("msgID", message.msgID)] {
        guard let field else { continue }
        require(!field.isEmpty, "\(name) is \"\" instead of nil")
        if !field.unicodeScalars.contains("\u{FFFD}") {
            require(contains(line, Array(field.utf8)), "\(name) \(field.debugDescription) is not in the line")
        }
    }
    if message.format == .rfc3164, let app = message.appName, let pid = message.procID,
       !app.unicodeScalars.contains("\u{FFFD}"), !pid.unicodeScalars.contains("\u{FFFD}") {
        require(contains(line, Array("\(app)[\(pid)]".utf8)), "TAG name[pid] is not in the line")
    }

    // MARK: Structured data

    var ids = Set<String>()
    for element in message.structuredData {
        require(ids.insert(element.id).inserted, "SD-ID \(element.id) repeated instead of merged")
        require(isSDName(element.id), "SD-ID \(element.id.debugDescription) is not an SD-NAME")
        for parameter in element.parameters {
            require(isSDName(parameter.name), "PARAM-NAME \(parameter.name.debugDescription) is not an SD-NAME")
        }
    }
    if let sdText = message.structuredDataText {
        let rebuilt = SyslogParser.parse("<13>1 - - - - - " + sdText, reference: reference)
        require(!rebuilt.flags.contains(.malformedHeader) && rebuilt.structuredData == message.structuredData,
                "structuredDataText does not parse back to the same elements: \(sdText.debugDescription)")
    }
}

/// A well-formed RFC 5424 line is its fields joined again: header, SD, then MSG.
func checkWellFormed5424(_ message: SyslogMessage, line: [UInt8]) {
    guard let pri = message.pri, let version = message.version else { return }
    let header = "<\(pri)>\(version) \(message.timestamp ?? "-") \(message.hostname ?? "-") "
        + "\(message.appName ?? "-") \(message.procID ?? "-") \(message.msgID ?? "-") "
    let headerBytes = Array(header.utf8)
    require(line.starts(with: headerBytes), "the header fields do not rebuild the header: \(header.debugDescription)")
    var rest = line[headerBytes.count...]
    let bom: [UInt8] = message.flags.contains(.byteOrderMark) ? [0xEF, 0xBB, 0xBF] : []
    if let text = message.message {
        let tail = [0x20] + bom + Array(text.utf8)
        // A repaired MSG no longer has its original length; the suffix check covered it.
        guard hasSuffix(Array(rest), tail) else {
            require(message.flags.contains(.invalidUTF8Replaced), "MSG is not separated from SD by one SP")
            return
        }
        rest = rest.dropLast(tail.count)
    } else if !bom.isEmpty {
        require(hasSuffix(Array(rest), [0x20] + bom), "a BOM flag without a BOM")
        rest = rest.dropLast(1 + bom.count)
    } else if rest.last == 0x20 {
        rest = rest.dropLast()  // SD ends with '-' or ']', so a last SP is the empty MSG's separator.
    }
    if message.structuredData.isEmpty {
        require(Array(rest) == [0x2D], "no SD elements, but SD is not NILVALUE")
    } else {
        require(rest.first == 0x5B && rest.last == 0x5D, "SD elements, but SD is not [...]")
        // Without escapes, repairs or merged repeats the canonical form is the wire form.
        if !rest.contains(0x5C), !message.flags.contains(.nonCompliant), !message.flags.contains(.invalidUTF8Replaced),
           let sdText = message.structuredDataText {
            require(Array(sdText.utf8) == Array(rest), "structuredDataText differs from the SD as written")
        }
    }
}

func withoutInstant(_ message: SyslogMessage) -> SyslogMessage {
    var copy = message
    copy.timestampUnixMillis = nil
    copy.timestampUTCOffsetSeconds = nil
    return copy
}

/// SD-NAME: 1*32 PRINTUSASCII except `=`, SP, `]` and `"` (longer ones are kept, flagged).
func isSDName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != 0x3D && $0 != 0x5D && $0 != 0x22 }
}

func hasSuffix(_ bytes: [UInt8], _ suffix: [UInt8]) -> Bool {
    suffix.count <= bytes.count && bytes[(bytes.count - suffix.count)...].elementsEqual(suffix)
}

/// Whether `needle` occurs contiguously in `haystack` (naive: lines are short).
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard let first = needle.first else { return true }
    guard needle.count <= haystack.count else { return false }
    var i = 0
    while i <= haystack.count - needle.count {
        if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        i += 1
    }
    return false
}
