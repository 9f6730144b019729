/// One syslog line after parsing.
///
/// The parser never rejects input, so this type has to represent everything from a
/// textbook RFC 5424 message down to a line of garbage. `format` says which grammar
/// matched, `flags` says where the line deviated from it, and nothing from the input
/// is silently discarded: whatever could not be put into a header field ends up in
/// `message`.
public struct SyslogMessage: Sendable, Equatable {
    /// Which grammar the header followed.
    public enum Format: Sendable, Equatable, Hashable {
        /// `<PRI>VERSION SP TIMESTAMP SP HOSTNAME ...` (possibly only partly, see `Flags.malformedHeader`).
        case rfc5424
        /// BSD syslog as devices really send it: a recognisable timestamp (or, with a PRI,
        /// a recognisable TAG) was found.
        case rfc3164
        /// Neither grammar applied; `message` holds the text after the PRI, or the whole
        /// line when there is no valid PRI.
        case unparsed
    }

    /// Deviations worth counting or alerting on. They are facts about the input, not
    /// errors: a message carrying flags is still delivered.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// The transport cut the frame (set by the caller through `parse(_:reference:truncated:)`),
        /// so `message` is a prefix of what the sender wrote.
        public static let truncated = Flags(rawValue: 1 << 0)
        /// Some bytes were not valid UTF-8 and were replaced by U+FFFD, so the original
        /// octets cannot be recovered from the strings.
        public static let invalidUTF8Replaced = Flags(rawValue: 1 << 1)
        /// MSG started with the UTF-8 BOM; it was removed from `message` because it marks
        /// the encoding, it is not content.
        public static let byteOrderMark = Flags(rawValue: 1 << 2)
        /// The RFC 5424 header broke off (bad timestamp, control character, broken
        /// STRUCTURED-DATA ...). Fields before the break are set; the rest of the line,
        /// starting where the break was found, is in `message`.
        public static let malformedHeader = Flags(rawValue: 1 << 3)
        /// Parsed, but outside the letter of the RFC: over-long header fields or SD names,
        /// a duplicated SD-ID (merged), more than 6 fractional digits, lower-case `t`/`z`,
        /// a timestamp without an offset, `Z` followed by an offset.
        public static let nonCompliant = Flags(rawValue: 1 << 4)
        /// Trailing NUL, CR or LF octets were removed: they are transport leftovers
        /// (NUL/CRLF framing), never part of what the sender meant.
        public static let trailerStripped = Flags(rawValue: 1 << 5)
        /// A Cisco `*` prefix: the device clock was never set, so the time is not authoritative.
        public static let clockNotAuthoritative = Flags(rawValue: 1 << 6)
        /// A Cisco `.` prefix: the clock was set but NTP is not synchronised.
        public static let clockNotSynchronized = Flags(rawValue: 1 << 7)
        /// The year of a BSD timestamp was inferred from the reference time.
        public static let yearInferred = Flags(rawValue: 1 << 8)
        /// The timestamp had no UTC offset; the caller's offset was assumed.
        public static let offsetAssumed = Flags(rawValue: 1 << 9)
    }

    public var format: Format
    /// PRI value 0...191, or nil when the line has no (valid) PRI. A missing PRI is not
    /// replaced by RFC 3164's `<13>` so that a caller can tell the two apart.
    public var pri: UInt8?
    /// RFC 5424 VERSION (1...999); nil for other formats.
    public var version: UInt16?
    /// The timestamp exactly as written (without a Cisco `*`/`.` marker or trailing `:`);
    /// nil for NILVALUE or when there is none.
    public var timestamp: String?
    /// `timestamp` resolved to Unix milliseconds (fractions beyond 1 ms are truncated),
    /// when it could be determined.
    public var timestampUnixMillis: Int64?
    /// The UTC offset, in seconds, that `timestampUnixMillis` was resolved with: written in
    /// the line, or the caller's when the line had none. Lets a consumer render local time
    /// as the sender saw it.
    public var timestampUTCOffsetSeconds: Int32?
    public var hostname: String?
    /// RFC 5424 APP-NAME, or the RFC 3164 TAG/program (without `[pid]` and `:`).
    public var appName: String?
    public var procID: String?
    public var msgID: String?
    /// STRUCTURED-DATA in wire order, values unescaped. Empty for NILVALUE. A repeated
    /// SD-ID is merged into its first element (flagged `.nonCompliant`).
    public var structuredData: [SyslogStructuredDataElement]
    /// MSG; nil when the line has none or it is empty.
    public var message: String?
    /// Cisco IOS sequence number (`<190>589265: Feb  8 ...`).
    public var sequenceNumber: UInt64?
    public var flags: Flags

    public init(
        format: Format,
        pri: UInt8? = nil,
        version: UInt16? = nil,
        timestamp: String? = nil,
        timestampUnixMillis: Int64? = nil,
        timestampUTCOffsetSeconds: Int32? = nil,
        hostname: String? = nil,
        appName: String? = nil,
        procID: String? = nil,
        msgID: String? = nil,
        structuredData: [SyslogStructuredDataElement] = [],
        message: String? = nil,
        sequenceNumber: UInt64? = nil,
        flags: Flags = []
    ) {
        self.format = format
        self.pri = pri
        self.version = version
        self.timestamp = timestamp
        self.timestampUnixMillis = timestampUnixMillis
        self.timestampUTCOffsetSeconds = timestampUTCOffsetSeconds
        self.hostname = hostname
        self.appName = appName
        self.procID = procID
        self.msgID = msgID
        self.structuredData = structuredData
        self.message = message
        self.sequenceNumber = sequenceNumber
        self.flags = flags
    }

    /// PRI / 8. Derived rather than stored so that it can never disagree with `pri`.
    public var facility: UInt8? { pri.map { $0 >> 3 } }
    /// PRI % 8 (0 emerg ... 7 debug).
    public var severity: UInt8? { pri.map { $0 & 7 } }

    /// The parameters of the first element with this SD-ID, for the common "look up one
    /// value" case without walking the array by hand.
    public func structuredData(id: String) -> [SyslogStructuredDataParameter]? {
        structuredData.first { $0.id == id }?.parameters
    }

    /// STRUCTURED-DATA re-serialised in canonical RFC 5424 form (`"`, `\` and `]` escaped),
    /// or nil when there is none. Forwarding and display need the wire form; keeping the
    /// raw slice instead would cost an allocation on every parse.
    public var structuredDataText: String? {
        if structuredData.isEmpty { return nil }
        // Bytes, not scalars: the three escaped characters are ASCII, and a
        // UTF-8 scan costs a fraction of appending scalar by scalar.
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for element in structuredData {
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: element.id.utf8)
            for parameter in element.parameters {
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: parameter.name.utf8)
                out.append(UInt8(ascii: "="))
                out.append(UInt8(ascii: "\""))
                for byte in parameter.value.utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "]") {
                        out.append(UInt8(ascii: "\\"))
                    }
                    out.append(byte)
                }
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "]"))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One `[SD-ID PARAM="VALUE" ...]` element. A struct instead of a tuple so that the
/// message stays `Equatable` and `Sendable` by synthesis.
public struct SyslogStructuredDataElement: Sendable, Equatable, Hashable {
    public var id: String
    /// In wire order; a repeated PARAM-NAME is kept as written (RFC 5424 allows it).
    public var parameters: [SyslogStructuredDataParameter]

    public init(id: String, parameters: [SyslogStructuredDataParameter] = []) {
        self.id = id
        self.parameters = parameters
    }
}

public struct SyslogStructuredDataParameter: Sendable, Equatable, Hashable {
    public var name: String
    /// Unescaped: `\"`, `\\` and `\]` become `"`, `\` and `]`; any other backslash is kept
    /// verbatim as RFC 5424 §6.3.3 requires.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What a BSD timestamp (no year, no zone) and a zone-less ISO timestamp are resolved
/// against. The parser has no clock of its own so that parsing stays pure and tests
/// stay deterministic.
public struct SyslogReferenceTime: Sendable, Equatable {
    /// Usually the receive time; the year of a BSD timestamp is chosen to land nearest to it.
    public var unixMillis: Int64
    /// Offset assumed for timestamps that carry none (the sender's zone, if known).
    public var utcOffsetSeconds: Int32

    public init(unixMillis: Int64, utcOffsetSeconds: Int32 = 0) {
        self.unixMillis = unixMillis
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}
