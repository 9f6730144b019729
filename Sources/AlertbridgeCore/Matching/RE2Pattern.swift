import CRE2

/// Where a pattern has to match in the text.
public enum Anchoring: Sendable, Hashable {
    /// The whole text must match, exactly like Prometheus/Alertmanager's
    /// `^(?:pattern)$`. Used by `=~` and `!~` label matchers.
    case full
    /// Some substring of the text must match (RE2 `PartialMatch`). Used to pull
    /// fields out of free text such as syslog messages.
    case partial
}

/// Why a pattern was rejected. Raised when a rule is loaded, never while matching.
public enum PatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern exceeds ``RE2Pattern/maxPatternBytes``.
    case tooLong(byteCount: Int, limit: Int)
    /// RE2 refused the pattern; `message` is RE2's own text, e.g. `missing ): crit(`.
    /// This includes `pattern too large - compile failed` when the compiled
    /// program would not fit the memory budget.
    case invalid(message: String)
    /// Two capturing groups share a name, so captures would be ambiguous (Go
    /// and therefore Alertmanager reject this too; RE2 20220601 does not).
    case duplicateGroupName(String)
    /// RE2 could not allocate the regex.
    case outOfMemory

    public var description: String {
        switch self {
        case let .tooLong(byteCount, limit):
            "regular expression is \(byteCount) bytes long, the limit is \(limit)"
        case let .invalid(message):
            "invalid regular expression: \(message)"
        case let .duplicateGroupName(name):
            "invalid regular expression: duplicate capture group name \(name)"
        case .outOfMemory:
            "out of memory compiling regular expression"
        }
    }
}

/// An operator-supplied regular expression compiled with RE2, which matches in
/// time linear in the input: patterns like `(a+)+b` cannot stall the engine the
/// way they stall Swift `Regex` or `NSRegularExpression` (see RELIABILITY.md §3.4).
///
/// Syntax is RE2's (= Go's, = Prometheus'): no backreferences or lookaround.
/// `(?<name>…)` is accepted as a synonym of `(?P<name>…)`, as in Go ≥ 1.22 and
/// newer RE2 releases.
///
/// Guardrails:
/// - patterns longer than ``maxPatternBytes`` UTF-8 bytes are rejected;
/// - the compiled program and its DFA caches are limited to `maxMemory` bytes
///   (too-large patterns fail to compile; a full DFA cache makes RE2 fall back
///   to its NFA, which is slower but still linear);
/// - **only the first ``maxInputBytes`` bytes of a text are examined**
///   (cut back to a character boundary). A longer text is treated as if it
///   ended there, so with `.full` anchoring `a+` matches 9,000 `a`s, and `x$`
///   does not match a text whose 8,193rd byte is the `x`.
public final class RE2Pattern: Sendable, CustomStringConvertible {
    /// Longest accepted pattern, in UTF-8 bytes (RELIABILITY.md §3.4).
    public static let maxPatternBytes = 512
    /// Texts are matched on at most this many leading bytes (RELIABILITY.md §3.4).
    public static let maxInputBytes = 8 * 1024
    /// Default RE2 `max_mem`, a ceiling rather than an allocation: RE2 builds
    /// the program up front and DFA states only as texts need them. Enough for
    /// `.{1000}` or `(.*a){20}`; counted repeats of large Unicode classes such as
    /// `\pL{1000}` fail to compile ("pattern too large").
    public static let defaultMaxMemory = 1 << 20
    /// Upper bound for the `maxMemory` argument.
    public static let maxMemoryLimit = 64 << 20

    /// The pattern as written by the operator.
    public let pattern: String
    public let anchoring: Anchoring
    /// Number of capturing groups, named or not.
    public let groupCount: Int
    /// Names of the named groups, in group order.
    public var groupNames: [String] { namedGroups.map(\.name) }

    private let namedGroups: [(name: String, index: Int)]
    /// Slots to ask RE2 for in ``captures(in:)``: 1 + highest named group index.
    private let captureSlots: Int

    // The compiled regex. `nonisolated(unsafe)` because OpaquePointer is not
    // Sendable; sharing it is safe because
    //  1. it is a `let`, set once in init and freed only in deinit, when no
    //     other reference to `self` can exist;
    //  2. every other use goes through the shim's `const cre2_regex *`
    //     functions, which call only const RE2 methods, and RE2 documents "An
    //     RE2 object is safe for concurrent use by multiple threads" (re2.h);
    //     its lazily built DFA caches are guarded by RE2's internal mutexes;
    //  3. the shim's own per-regex data (the named-group list) is written only
    //     during cre2_compile.
    private nonisolated(unsafe) let regex: OpaquePointer

    /// Compiles `pattern`.
    ///
    /// - Parameters:
    ///   - anchoring: `.full` for label matchers, `.partial` to search text.
    ///   - maxMemory: RE2 `max_mem` in bytes, clamped to 64 KiB…``maxMemoryLimit``.
    /// - Throws: ``PatternError`` with RE2's message when the pattern is invalid.
    public init(
        _ pattern: String,
        anchoring: Anchoring = .full,
        maxMemory: Int = RE2Pattern.defaultMaxMemory
    ) throws(PatternError) {
        let byteCount = pattern.utf8.count
        guard byteCount <= Self.maxPatternBytes else {
            throw .tooLong(byteCount: byteCount, limit: Self.maxPatternBytes)
        }
        var options = cre2_options(
            max_mem: Int64(min(max(maxMemory, 64 << 10), Self.maxMemoryLimit)),
            longest_match: 0,
            latin1: 0
        )
        var source = Self.acceptingAngleBracketNames(pattern)
        let compiled = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                cre2_compile($0.baseAddress, $0.count, &options)
            }
        }
        guard let compiled else { throw .outOfMemory }
        guard cre2_error_code(compiled) == 0 else {
            var length = 0
            let message = Self.string(cre2_error(compiled, &length), length)
            cre2_free(compiled)
            throw .invalid(message: message)
        }

        var groups: [(name: String, index: Int)] = []
        for i in 0..<Int(cre2_named_group_count(compiled)) {
            var name: UnsafePointer<CChar>?
            var length = 0
            let index = Int(cre2_named_group(compiled, Int32(i), &name, &length))
            let groupName = Self.string(name, length)
            if groups.contains(where: { $0.name == groupName }) {
                cre2_free(compiled)
                throw .duplicateGroupName(groupName)
            }
            groups.append((groupName, index))
        }

        self.pattern = pattern
        self.anchoring = anchoring
        self.regex = compiled
        self.groupCount = Int(cre2_num_groups(compiled))
        self.namedGroups = groups
        self.captureSlots = (groups.map(\.index).max() ?? 0) + 1
    }

    deinit {
        cre2_free(regex)
    }

    public var description: String { pattern }

    /// Whether `text` (its first ``maxInputBytes`` bytes) matches.
    /// An internal RE2 failure (out of memory) counts as no match.
    public func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                let length = Self.boundedLength(bytes)
                let result = switch anchoring {
                case .full: cre2_full_match(regex, chars.baseAddress, length)
                case .partial: cre2_partial_match(regex, chars.baseAddress, length)
                }
                return result == 1
            }
        }
    }

    /// The named groups of the first match (the whole text for `.full`), or
    /// `nil` when there is no match. Groups that did not take part in the
    /// match are left out; a group that matched the empty string maps to "".
    ///
    /// Used to copy captures into labels and to pull fields out of syslog
    /// messages; only the first ``maxInputBytes`` bytes are searched.
    public func captures(in text: String) -> [String: String]? {
        var text = text
        return text.withUTF8 { bytes -> [String: String]? in
            let length = Self.boundedLength(bytes)
            let anchor = anchoring == .full ? CRE2_ANCHOR_BOTH : CRE2_UNANCHORED
            guard !namedGroups.isEmpty else {
                // Without groups to extract RE2 can answer from its DFA alone.
                let matched = bytes.withMemoryRebound(to: CChar.self) {
                    cre2_match(regex, $0.baseAddress, length, anchor, nil, 0)
                }
                return matched == 1 ? [:] : nil
            }
            return withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * captureSlots) { ranges in
                let matched = bytes.withMemoryRebound(to: CChar.self) {
                    cre2_match(regex, $0.baseAddress, length, anchor, ranges.baseAddress, Int32(captureSlots))
                }
                guard matched == 1 else { return nil }
                var result: [String: String] = [:]
                result.reserveCapacity(namedGroups.count)
                for (name, index) in namedGroups {
                    let start = Int(ranges[2 * index]), end = Int(ranges[2 * index + 1])
                    guard start >= 0, start <= end, end <= length else { continue }
                    // RE2's `\C` can split a character; decoding repairs that.
                    result[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
                return result
            }
        }
    }

    /// True when RE2 can prove that no string matches (e.g. `[^\x00-\x{10FFFF}]`,
    /// `\b\B`). Best effort: `false` means "may match something". Used by
    /// `rules check` to warn about matchers that can never match.
    public var matchesNothing: Bool {
        cre2_matches_nothing(regex) == 1
    }

    // MARK: - Helpers

    /// Length of the prefix that is matched: all of it, or at most
    /// `maxInputBytes` cut back to the start of a UTF-8 sequence so RE2 never
    /// sees half a character.
    @inline(__always)
    static func boundedLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard bytes.count > maxInputBytes else { return bytes.count }
        var length = maxInputBytes
        while length > 0, bytes[length] & 0xC0 == 0x80 { length -= 1 }
        return length
    }

    private static func string(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Rewrites `(?<name>` to `(?P<name>`: RE2 20220601 (Debian 12) knows only
    /// the latter, while Go ≥ 1.22, current RE2 and PCRE users write the
    /// former. Escapes, `\Q…\E` and character classes (including `[:alpha:]`
    /// inside them) are skipped so literal text is never altered; `(?<=` and
    /// `(?<!` (lookbehind, unsupported by RE2) are left for RE2 to reject.
    static func acceptingAngleBracketNames(_ pattern: String) -> String {
        let bytes = Array(pattern.utf8)
        let n = bytes.count
        guard n >= 4 else { return pattern }
        let backslash = UInt8(ascii: "\\")
        var out: [UInt8] = []
        out.reserveCapacity(n + 8)
        var i = 0
        var inClass = false
        var changed = false
        while i < n {
            let b = bytes[i]
            if b == backslash {
                if !inClass, i + 1 < n, bytes[i + 1] == UInt8(ascii: "Q") {
                    // \Q…\E: everything up to \E (or the end) is literal.
                    var j = i + 2
                    while j < n, !(bytes[j] == backslash && j + 1 < n && bytes[j + 1] == UInt8(ascii: "E")) { j += 1 }
                    let end = min(j + 2, n)
                    out.append(contentsOf: bytes[i..<end])
                    i = end
                    continue
                }
                out.append(contentsOf: bytes[i..<min(i + 2, n)])
                i += 2
                continue
            }
            if inClass {
                if b == UInt8(ascii: "["), i + 1 < n, bytes[i + 1] == UInt8(ascii: ":"),
                   let close = Self.find(UInt8(ascii: ":"), UInt8(ascii: "]"), in: bytes, from: i + 2) {
                    out.append(contentsOf: bytes[i..<close + 2])
                    i = close + 2
                    continue
                }
                if b == UInt8(ascii: "]") { inClass = false }
                out.append(b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "[") {
                inClass = true
                out.append(b)
                i += 1
                if i < n, bytes[i] == UInt8(ascii: "^") { out.append(bytes[i]); i += 1 }
                if i < n, bytes[i] == UInt8(ascii: "]") { out.append(bytes[i]); i += 1 }  // literal ]
                continue
            }
            if b == UInt8(ascii: "("), i + 3 < n, bytes[i + 1] == UInt8(ascii: "?"), bytes[i + 2] == UInt8(ascii: "<"),
               bytes[i + 3] != UInt8(ascii: "="), bytes[i + 3] != UInt8(ascii: "!") {
                out.append(contentsOf: "(?P<".utf8)
                i += 3
                changed = true
                continue
            }
            out.append(b)
            i += 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : pattern
    }

    private static func find(_ a: UInt8, _ b: UInt8, in bytes: [UInt8], from start: Int) -> Int? {
        var j = start
        while j + 1 < bytes.count {
            if bytes[j] == a, bytes[j + 1] == b { return j }
            j += 1
        }
        return nil
    }
}
