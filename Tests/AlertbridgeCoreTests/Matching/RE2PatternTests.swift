import Testing
@testable import AlertbridgeCore

@Suite("RE2Pattern")
struct RE2PatternTests {
    struct AnchoringCase: Sendable, CustomTestStringConvertible {
        let pattern: String
        let text: String
        let full: Bool
        let partial: Bool
        var testDescription: String { "\(pattern) ~ \(text.debugDescription)" }
    }

    @Test(arguments: [
        AnchoringCase(pattern: "crit", text: "critical", full: false, partial: true),
        AnchoringCase(pattern: "crit", text: "crit", full: true, partial: true),
        AnchoringCase(pattern: "crit", text: "xcrit", full: false, partial: true),
        // Alternation is grouped before anchoring: ^(?:a|b)$, not ^a|b$.
        AnchoringCase(pattern: "a|b", text: "ab", full: false, partial: true),
        AnchoringCase(pattern: "a|ab", text: "ab", full: true, partial: true),
        AnchoringCase(pattern: "", text: "", full: true, partial: true),
        AnchoringCase(pattern: "", text: "x", full: false, partial: true),
        AnchoringCase(pattern: ".*", text: "line1\nline2", full: false, partial: true),
        AnchoringCase(pattern: "(?s).*", text: "line1\nline2", full: true, partial: true),
        AnchoringCase(pattern: "(?i)CRIT", text: "crit", full: true, partial: true),
        AnchoringCase(pattern: ".", text: "🙂", full: true, partial: true),
        AnchoringCase(pattern: "..", text: "🙂", full: false, partial: false),
        AnchoringCase(pattern: "é+", text: "éé", full: true, partial: true),
        // Decomposed é is two code points; RE2 compares code points, not Characters.
        AnchoringCase(pattern: ".", text: "e\u{301}", full: false, partial: true),
        AnchoringCase(pattern: #"\p{Greek}+"#, text: "αβγ", full: true, partial: true),
        AnchoringCase(pattern: #"\d+"#, text: "12a", full: false, partial: true),
    ])
    func anchoring(_ c: AnchoringCase) throws {
        #expect(try RE2Pattern(c.pattern, anchoring: .full).matches(c.text) == c.full)
        #expect(try RE2Pattern(c.pattern, anchoring: .partial).matches(c.text) == c.partial)
    }

    @Test(arguments: [
        ("crit(", PatternError.invalid(message: "missing ): crit(")),
        ("a)|(b", .invalid(message: "unexpected ): a)|(b")),
        ("a{1001}", .invalid(message: "invalid repetition size: {1001}")),
        ("[z-a]", .invalid(message: "invalid character class range: z-a")),
        (#"(a)\1"#, .invalid(message: #"invalid escape sequence: \1"#)),
        ("(?<=a)b", .invalid(message: "invalid perl operator: (?<")),
        (#"\pL{1000}"#, .invalid(message: "pattern too large - compile failed")),
        ("(?P<n>a)(?P<n>b)", .duplicateGroupName("n")),
        ("(?<n>a)(?P<n>b)", .duplicateGroupName("n")),
    ])
    func compileErrorsCarryRE2Message(pattern: String, expected: PatternError) {
        #expect(throws: expected) { try RE2Pattern(pattern) }
    }

    @Test func patternLengthLimitIsInUTF8Bytes() throws {
        _ = try RE2Pattern(String(repeating: "a", count: 512))
        #expect(throws: PatternError.tooLong(byteCount: 513, limit: 512)) {
            try RE2Pattern(String(repeating: "a", count: 513))
        }
        // 171 × "é" (2 bytes) = 342 bytes but 171 characters: fine; 257 × "é" = 514 bytes: not.
        _ = try RE2Pattern(String(repeating: "é", count: 256))
        #expect(throws: PatternError.tooLong(byteCount: 514, limit: 512)) {
            try RE2Pattern(String(repeating: "é", count: 257))
        }
        #expect(PatternError.tooLong(byteCount: 513, limit: 512).description
            == "regular expression is 513 bytes long, the limit is 512")
    }

    @Test func memoryBudgetIsApplied() throws {
        // Fits RE2's 8 MiB default but not a 256 KiB budget.
        let pattern = #"[\p{L}\p{N}]{100}"#
        _ = try RE2Pattern(pattern, maxMemory: 8 << 20)
        #expect(throws: PatternError.invalid(message: "pattern too large - compile failed")) {
            try RE2Pattern(pattern, maxMemory: 256 << 10)
        }
    }

    @Test func namedCapturesFromSyslogMessage() throws {
        let pattern = try RE2Pattern(
            #"(?P<host>[\w.-]+) (?P<app>[\w-]+)\[(?P<pid>\d+)\]: (?P<msg>.*)"#,
            anchoring: .partial
        )
        let line = "<34>Oct 11 22:14:15 web-01.example.org sshd[4721]: Failed password for root"
        #expect(pattern.captures(in: line) == [
            "host": "web-01.example.org", "app": "sshd", "pid": "4721", "msg": "Failed password for root",
        ])
        #expect(pattern.groupNames == ["host", "app", "pid", "msg"])
        #expect(pattern.groupCount == 4)
        #expect(pattern.captures(in: "no match here") == nil)
    }

    @Test func angleBracketGroupNamesAreAccepted() throws {
        let pattern = try RE2Pattern(#"(?<service>[a-z]+)-(?<index>\d+)"#)
        #expect(pattern.captures(in: "api-12") == ["service": "api", "index": "12"])
        #expect(pattern.pattern == #"(?<service>[a-z]+)-(?<index>\d+)"#)
    }

    @Test(arguments: [
        ("(?<a>x)", "(?P<a>x)"),
        ("(?<a>x)|(?<b>y)", "(?P<a>x)|(?P<b>y)"),
        (#"\(?<a>x"#, #"\(?<a>x"#),
        ("[(?<a>]", "[(?<a>]"),
        ("[](?<a>]", "[](?<a>]"),
        ("[^](?<a>]", "[^](?<a>]"),
        ("[[:alpha:](?<a>]", "[[:alpha:](?<a>]"),
        (#"[\](?<a>]"#, #"[\](?<a>]"#),
        (#"\Q(?<a>\E(?<b>x)"#, #"\Q(?<a>\E(?P<b>x)"#),
        ("(?<=a)b", "(?<=a)b"),
        ("(?<!a)b", "(?<!a)b"),
        ("(?P<a>x)", "(?P<a>x)"),
        ("é(?<ü>x)", "é(?P<ü>x)"),
    ])
    func angleBracketRewriteSkipsLiterals(input: String, expected: String) {
        #expect(RE2Pattern.acceptingAngleBracketNames(input) == expected)
    }

    @Test func capturesOmitGroupsThatDidNotParticipate() throws {
        let alternatives = try RE2Pattern("(?P<a>x)|(?P<b>y)")
        #expect(alternatives.captures(in: "y") == ["b": "y"])
        let empty = try RE2Pattern("(?P<e>a*)b")
        #expect(empty.captures(in: "b") == ["e": ""])
        let unnamed = try RE2Pattern("(a)(b)")
        #expect(unnamed.captures(in: "ab") == [:])
        #expect(unnamed.captures(in: "ba") == nil)
        // Anchoring applies to captures: the full pattern must span the text.
        let full = try RE2Pattern("(?P<n>[0-9]+)")
        #expect(full.captures(in: "12 monkeys") == nil)
        #expect(try RE2Pattern("(?P<n>[0-9]+)", anchoring: .partial).captures(in: "12 monkeys") == ["n": "12"])
    }

    @Test func capturesOfUTF8Text() throws {
        let pattern = try RE2Pattern(#"(?P<word>\p{L}+) (?P<emoji>.)"#, anchoring: .partial)
        #expect(pattern.captures(in: "-- Grüße 🙂 --") == ["word": "Grüße", "emoji": "🙂"])
        #expect(try RE2Pattern("(?P<all>.*)").captures(in: "") == ["all": ""])
    }

    @Test func onlyTheFirst8KiBAreMatched() throws {
        let limit = RE2Pattern.maxInputBytes
        #expect(limit == 8192)
        let longA = String(repeating: "a", count: limit) + "b"
        // The trailing "b" is beyond the limit, so the text is treated as all "a"s.
        #expect(try RE2Pattern("a+").matches(longA))
        #expect(try !RE2Pattern("b", anchoring: .partial).matches(longA))
        #expect(try RE2Pattern("b", anchoring: .partial).matches(String(longA.dropFirst())))
        // A character straddling the limit is dropped whole, never split.
        let straddling = String(repeating: "a", count: limit - 1) + "é"
        #expect(try RE2Pattern("a*").matches(straddling))
        #expect(try !RE2Pattern("é", anchoring: .partial).matches(straddling))
        #expect(try RE2Pattern("(?P<tail>a{3})$", anchoring: .partial).captures(in: straddling) == ["tail": "aaa"])
    }

    @Test(arguments: [(10, 10), (8192, 8192), (8193, 8192)])
    func boundedLengthOfASCII(count: Int, expected: Int) {
        var text = String(repeating: "x", count: count)
        #expect(text.withUTF8 { RE2Pattern.boundedLength($0) } == expected)
    }

    @Test(arguments: [
        (#"[^\x00-\x{10FFFF}]"#, true),
        (#"\b\B"#, true),
        ("", false),
        ("x*", false),
        ("a", false),
        (".*", false),
        (#"\C"#, false),
    ])
    func detectsPatternsThatMatchNothing(pattern: String, expected: Bool) throws {
        #expect(try RE2Pattern(pattern).matchesNothing == expected)
    }

    @Test func sharedAcrossConcurrentTasks() async throws {
        let pattern = try RE2Pattern(#"(?P<sev>crit|critical|disaster)-\d+"#)
        let inputs = ["crit-1", "critical-22", "warning-3", "disaster-", "disaster-4"]
        let expected = inputs.map(pattern.matches)
        #expect(expected == [true, true, false, false, true])
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var failures = 0
                    for i in 0..<5_000 {
                        let index = i % inputs.count
                        if pattern.matches(inputs[index]) != expected[index] { failures += 1 }
                        if (pattern.captures(in: inputs[index]) != nil) != expected[index] { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
