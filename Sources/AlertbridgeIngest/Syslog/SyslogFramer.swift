/// Incremental RFC 6587 framer for syslog over TCP/TLS, independent of any I/O library.
///
/// Feed it whatever the socket delivered with `append(_:)`, then call `nextFrame()` until
/// it returns nil; at end of stream call `finish()` for what is left. The framing is detected per frame,
/// as rsyslog, syslog-ng and go-syslog do: a first octet `1`-`9` means octet counting
/// (`MSG-LEN SP MSG`), anything else means non-transparent framing ended by LF or NUL.
///
/// Memory: apart from the bytes appended but not yet drained, the framer holds at most
/// one frame of `maxFrameSize` octets, or the 10 digits of a MSG-LEN still being read
/// when `maxFrameSize` is smaller than that (``maxHeldBytes``). An oversized frame is cut at the limit and its
/// rest is skipped as it arrives, never buffered, so a hostile MSG-LEN cannot make the
/// receiver allocate.
///
/// Decisions where the RFC leaves room:
/// - MSG-LEN of up to 10 digits that exceeds the limit: the frame is emitted truncated
///   (`isTruncated`, `declaredLength`) and the remaining octets are skipped by count, so an
///   honest large message keeps the stream in sync (rsyslog's truncate mode). A caller
///   that prefers to close the connection can do so on `declaredLength > maxFrameSize`.
/// - MSG-LEN of more than 10 digits (`99999999999`, `2^63`), or digits not followed by SP:
///   no such count is plausible, so the frame is read as non-transparent instead and
///   flagged `hasInvalidOctetCount`. Nothing is dropped and nothing is allocated for it.
/// - CR of a CRLF trailer stays in the frame (the parser strips it); empty frames (a
///   trailer right after a trailer) are skipped; spaces before a frame are skipped, which
///   fixes Cisco ASA's space after LF (rsyslog `framingfix.cisco.asa`).
public struct SyslogFramer: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Largest frame delivered whole; RFC 5425 requires 2048, recommends 8192.
        public var maxFrameSize: Int
        /// Skip SP octets before a frame (the Cisco ASA fix).
        public var skipLeadingSpaces: Bool

        public init(maxFrameSize: Int = 64 * 1024, skipLeadingSpaces: Bool = true) {
            self.maxFrameSize = max(1, maxFrameSize)
            self.skipLeadingSpaces = skipLeadingSpaces
        }
    }

    public enum Framing: Sendable, Equatable {
        case octetCounting
        case nonTransparent
        /// One UDP datagram, one message (RFC 5426); the framer never makes these.
        case datagram
    }

    public struct Frame: Sendable, Equatable {
        /// The syslog message, without MSG-LEN or trailer. At most `maxFrameSize` octets.
        public var bytes: [UInt8]
        public var framing: Framing
        /// The frame was longer than `maxFrameSize`; `bytes` is its prefix.
        public var isTruncated: Bool
        /// The stream ended inside this frame (reported by `finish()`).
        public var isIncomplete: Bool
        /// MSG-LEN for octet-counted frames.
        public var declaredLength: Int?
        /// The frame started with digits that were not a usable MSG-LEN.
        public var hasInvalidOctetCount: Bool

        public init(bytes: [UInt8], framing: Framing, isTruncated: Bool = false, isIncomplete: Bool = false,
                    declaredLength: Int? = nil, hasInvalidOctetCount: Bool = false) {
            self.bytes = bytes
            self.framing = framing
            self.isTruncated = isTruncated
            self.isIncomplete = isIncomplete
            self.declaredLength = declaredLength
            self.hasInvalidOctetCount = hasInvalidOctetCount
        }
    }

    private enum State: Sendable {
        case frameStart
        case count(value: Int, digits: Int)
        case octets(remaining: Int, declared: Int)
        case skipOctets(remaining: Int)
        case delimited(invalidCount: Bool)
        case skipDelimited
    }

    /// The longest MSG-LEN taken as a count; anything longer is not a length.
    static let maxCountDigits = 10

    /// The most the framer holds once drained: the frame being assembled, or a
    /// MSG-LEN's digits (kept in case they turn out to be content).
    public var maxHeldBytes: Int { max(configuration.maxFrameSize, Self.maxCountDigits) }

    public let configuration: Configuration
    private var input: [UInt8] = []
    private var inputIndex = 0
    private var frame: [UInt8] = []
    private var state: State = .frameStart

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Octets held: appended but unprocessed input plus the frame being assembled.
    public var bufferedByteCount: Int { input.count - inputIndex + frame.count }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        if inputIndex == input.count {
            // Drained: drop the old storage unless it is small enough to reuse.
            if input.capacity > 2 * configuration.maxFrameSize { input = [] } else { input.removeAll(keepingCapacity: true) }
            inputIndex = 0
        }
        input.append(contentsOf: bytes)
    }

    /// The next complete (or truncated) frame, or nil when more input is needed.
    public mutating func nextFrame() -> Frame? {
        let limit = configuration.maxFrameSize
        while inputIndex < input.count {
            let b = input[inputIndex]
            switch state {
            case .frameStart:
                if b == Byte.lf || b == 0 || (configuration.skipLeadingSpaces && b == Byte.space) {
                    inputIndex += 1  // empty frame or ASA space
                } else if b >= 0x31, b <= Byte.nine {
                    state = .count(value: Int(b - Byte.zero), digits: 1)
                    frame.append(b)  // kept in case these digits turn out to be content
                    inputIndex += 1
                } else {
                    state = .delimited(invalidCount: false)
                }
            case .count(let value, let digits):
                if Byte.isDigit(b), digits < Self.maxCountDigits {
                    state = .count(value: value * 10 + Int(b - Byte.zero), digits: digits + 1)
                    frame.append(b)
                    inputIndex += 1
                } else if b == Byte.space {
                    inputIndex += 1
                    frame.removeAll(keepingCapacity: true)
                    state = .octets(remaining: value, declared: value)
                } else {
                    // Not a MSG-LEN: the digits already in `frame` are the start of a
                    // non-transparent frame.
                    state = .delimited(invalidCount: true)
                }
            case .octets(let remaining, let declared):
                let take = min(remaining, input.count - inputIndex, limit - frame.count)
                frame.append(contentsOf: input[inputIndex..<(inputIndex + take)])
                inputIndex += take
                let left = remaining - take
                if left == 0 {
                    state = .frameStart
                    return emit(.octetCounting, truncated: declared > limit, declared: declared)
                }
                if frame.count == limit {
                    state = .skipOctets(remaining: left)
                    return emit(.octetCounting, truncated: true, declared: declared)
                }
                state = .octets(remaining: left, declared: declared)
            case .skipOctets(let remaining):
                let skip = min(remaining, input.count - inputIndex)
                inputIndex += skip
                state = remaining == skip ? .frameStart : .skipOctets(remaining: remaining - skip)
            case .delimited(let invalidCount):
                if let frameDone = scanDelimited(invalidCount: invalidCount, limit: limit) { return frameDone }
            case .skipDelimited:
                inputIndex += 1
                if b == Byte.lf || b == 0 { state = .frameStart }
            }
        }
        return nil
    }

    /// Copies content up to the next LF/NUL; emits at the trailer, or truncated as soon as
    /// a content octet arrives beyond the limit (so the result does not depend on how the
    /// stream was split).
    private mutating func scanDelimited(invalidCount: Bool, limit: Int) -> Frame? {
        let start = inputIndex
        var i = start
        let n = input.count
        while i < n {
            let b = input[i]
            if b == Byte.lf || b == 0 {
                frame.append(contentsOf: input[start..<i])
                inputIndex = i + 1
                state = .frameStart
                return emit(.nonTransparent, invalidCount: invalidCount)
            }
            // `>=`: the digits of a MSG-LEN that turned out to be content may
            // already be over a limit below 10 octets.
            if frame.count + (i - start) >= limit {
                frame.append(contentsOf: input[start..<i])
                inputIndex = i + 1  // this octet is the first one skipped
                state = .skipDelimited
                return emit(.nonTransparent, truncated: true, invalidCount: invalidCount)
            }
            i += 1
        }
        frame.append(contentsOf: input[start..<n])
        inputIndex = n
        return nil
    }

    private mutating func emit(_ framing: Framing, truncated: Bool = false, incomplete: Bool = false,
                               declared: Int? = nil, invalidCount: Bool = false) -> Frame {
        var truncated = truncated
        if frame.count > configuration.maxFrameSize {  // only digits taken for a MSG-LEN get here
            frame.removeLast(frame.count - configuration.maxFrameSize)
            truncated = true
        }
        let result = Frame(bytes: frame, framing: framing, isTruncated: truncated, isIncomplete: incomplete,
                           declaredLength: declared, hasInvalidOctetCount: invalidCount)
        frame.removeAll(keepingCapacity: frame.capacity <= 4096)
        return result
    }

    /// End of stream: every frame still buffered, the last one flagged `isIncomplete` when
    /// the stream stopped inside it. Resets the framer for reuse.
    public mutating func finish() -> [Frame] {
        var frames: [Frame] = []
        while let next = nextFrame() { frames.append(next) }
        let previous = state
        defer {
            state = .frameStart
            frame.removeAll()
            input.removeAll()
            inputIndex = 0
        }
        switch previous {
        case .frameStart, .skipOctets, .skipDelimited:
            break
        case .count:
            frames.append(emit(.nonTransparent, incomplete: true, invalidCount: true))
        case .octets(_, let declared):
            frames.append(emit(.octetCounting, truncated: declared > configuration.maxFrameSize, incomplete: true,
                               declared: declared))
        case .delimited(let invalidCount):
            if !frame.isEmpty { frames.append(emit(.nonTransparent, incomplete: true, invalidCount: invalidCount)) }
        }
        return frames
    }
}

extension SyslogFramer.Frame: CustomStringConvertible {
    /// The frame's start and its flags, for log lines and test failures.
    public var description: String {
        "Frame(\(String(decoding: bytes.prefix(60), as: UTF8.self)), \(bytes.count)B, \(framing), trunc=\(isTruncated), incompl=\(isIncomplete), len=\(declaredLength.map(String.init) ?? "-"), bad=\(hasInvalidOctetCount))"
    }
}
