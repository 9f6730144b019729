import Testing
import AlertbridgeCore

@Suite("Matcher")
struct MatcherTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let matcher: String
        let value: String?
        let expected: Bool
        init(_ matcher: String, _ value: String?, _ expected: Bool) {
            self.matcher = matcher
            self.value = value
            self.expected = expected
        }
        var testDescription: String { "\(matcher) on \(value.map(\.debugDescription) ?? "missing")" }
    }

    @Test(arguments: [
        // =
        Case(#"foo="bar""#, "bar", true),
        Case(#"foo="bar""#, "baz", false),
        Case(#"foo="bar""#, "", false),
        Case(#"foo="bar""#, nil, false),
        Case(#"foo="""#, nil, true),  // missing label matches as ""
        Case(#"foo="""#, "", true),
        Case(#"foo="""#, "x", false),
        // !=
        Case(#"foo!="bar""#, "bar", false),
        Case(#"foo!="bar""#, "baz", true),
        Case(#"foo!="bar""#, nil, true),
        Case(#"foo!="""#, nil, false),  // requires the label
        Case(#"foo!="""#, "", false),
        Case(#"foo!="""#, "x", true),
        // =~
        Case(#"foo=~"bar|baz""#, "bar", true),
        Case(#"foo=~"bar|baz""#, "bazz", false),
        Case(#"foo=~"bar|baz""#, nil, false),
        Case(#"foo=~".*""#, nil, true),
        Case(#"foo=~".+""#, nil, false),
        Case(#"foo=~"""#, nil, true),
        Case(#"severity=~"crit""#, "critical", false),  // fully anchored
        Case(#"severity=~"crit""#, "crit", true),
        Case(#"severity=~"crit|critical|disaster""#, "critical", true),
        Case(#"severity=~"crit|critical|disaster""#, "critical-ish", false),
        Case(#"foo=~"a|b""#, "ab", false),
        // !~
        Case(#"foo!~"bar|baz""#, "bar", false),
        Case(#"foo!~"bar|baz""#, "qux", true),
        Case(#"foo!~"bar|baz""#, nil, true),
        Case(#"foo!~".+""#, nil, true),
        Case(#"foo!~".+""#, "x", false),
        Case(#"env!~"dev|test""#, "development", true),  // anchored: "dev" alone is excluded
        // UTF-8
        Case(#"foo="grüße""#, "grüße", true),
        Case(#"foo=~"gr.ße""#, "grüße", true),
        Case(#"foo=~"\\p{Han}+""#, "東京", true),
        Case(#"foo=~".""#, "🙂", true),
        // Byte equality, as in Alertmanager: precomposed é != e + combining acute,
        // although Swift's == says they are equal.
        Case("foo=\"\u{E9}\"", "e\u{301}", false),
        Case("foo!=\"\u{E9}\"", "e\u{301}", true),
        Case("foo=\"\u{E9}\"", "\u{E9}", true),
        // Same length, same marks in another order: canonically equivalent, different bytes.
        Case("foo=\"a\u{301}\u{316}\"", "a\u{316}\u{301}", false),
        Case("foo!=\"a\u{301}\u{316}\"", "a\u{316}\u{301}", true),
    ])
    func operators(_ c: Case) throws {
        let matcher = try Matcher(parsing: c.matcher)
        #expect(matcher.matches(c.value) == c.expected)
    }

    @Test func swiftStringEqualityWouldDisagree() {
        // Documents why Matcher compares bytes: the check above would pass by accident otherwise.
        #expect("\u{E9}" == "e\u{301}")
        #expect("a\u{301}\u{316}" == "a\u{316}\u{301}")
    }

    @Test(arguments: MatchType.allCases)
    func typeRawValues(_ type: MatchType) throws {
        let matcher = try Matcher(name: "foo", type: type, value: "x")
        #expect(matcher.description == "foo\(type.rawValue)\"x\"")
        #expect(MatchType(rawValue: type.rawValue) == type)
        #expect((matcher.regex != nil) == type.isRegex)
    }

    @Test(arguments: [
        (Matcher.Parts("foo", .equal, "bar"), #"foo="bar""#),
        (.init("foo", .regexMatch, #"a"b\.c"#), #"foo=~"a\"b\\.c""#),
        (.init("foo", .notEqual, "line1\nline2\ttab\r"), #"foo!="line1\nline2\ttab\r""#),
        (.init("foo", .equal, "bell\u{7}del\u{7F}"), #"foo="bell\x07del\x7f""#),
        (.init("foo", .equal, "🙂 ünï"), #"foo="🙂 ünï""#),
        (.init("with space", .equal, "x"), #""with space"="x""#),
        (.init("quo\"te", .regexNoMatch, "x"), #""quo\"te"!~"x""#),
        (.init("a=b", .equal, ""), #""a=b"="""#),
        (.init("日本", .equal, "x"), #"日本="x""#),
    ])
    func descriptionUsesAlertmanagerSyntax(parts: Matcher.Parts, expected: String) throws {
        let matcher = try parts.make()
        #expect(matcher.description == expected)
        #expect(try Matcher(parsing: expected) == matcher)
    }

    static let awkwardValues = [
        "", "plain", #"with "quotes""#, #"back\slash"#, "new\nline", "tab\tand\rcr", "\u{1}ctrl\u{7F}",
        "emoji 🙂", "{braces},=~!'`", "é", "e\u{301}", " padded ", #"\"#, #"\\""#,
    ]
    static let awkwardNames = ["foo", "with space", #"quo"te"#, "🙂", "a=b", "a,b", "{x}", "tab\tname"]

    @Test(arguments: awkwardNames, awkwardValues)
    func escapingRoundTrips(name: String, value: String) throws {
        for type in [MatchType.equal, .notEqual] {
            let matcher = try Matcher(name: name, type: type, value: value)
            let parsed = try Matcher(parsing: matcher.description)
            #expect(parsed == matcher, "\(matcher.description)")
            #expect(parsed.value.utf8.elementsEqual(value.utf8))
            #expect(parsed.name.utf8.elementsEqual(name.utf8))
            // And inside a brace list with neighbours.
            let list = try Matchers(parsing: "{a=\"1\", \(matcher.description) ,z!=\"2\"}")
            #expect(list.elements == [try Matcher(name: "a", type: .equal, value: "1"), matcher,
                                      try Matcher(name: "z", type: .notEqual, value: "2")])
        }
    }

    @Test(arguments: [#"crit|critical"#, #"a\d+"x""#, ".*\n?", "(?P<x>🙂)", #"[\\"]"#, #"\Q{}\E"#])
    func regexEscapingRoundTrips(_ pattern: String) throws {
        for type in [MatchType.regexMatch, .regexNoMatch] {
            let matcher = try Matcher(name: "foo", type: type, value: pattern)
            let parsed = try Matcher(parsing: matcher.description)
            #expect(parsed == matcher)
            #expect(parsed.regex?.pattern == pattern)
        }
    }

    @Test func equalityAndHashingIgnoreCompiledRegexAndCompareBytes() throws {
        let a = try Matcher(name: "foo", type: .regexMatch, value: "x|y")
        let b = try Matcher(name: "foo", type: .regexMatch, value: "x|y")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(try Matcher(name: "foo", type: .equal, value: "\u{E9}") != Matcher(name: "foo", type: .equal, value: "e\u{301}"))
        #expect(try Matcher(name: "foo", type: .equal, value: "a\u{301}\u{316}") != Matcher(name: "foo", type: .equal, value: "a\u{316}\u{301}"))
        #expect(try Matcher(name: "foo", type: .equal, value: "x") != Matcher(name: "foo", type: .notEqual, value: "x"))
        #expect(try Matcher(name: "ab", type: .equal, value: "c") != Matcher(name: "a", type: .equal, value: "bc"))
    }

    @Test func directConstructionErrorsNameTheMatcher() {
        #expect(throws: MatcherError(
            message: #"sev=~"crit(": invalid regular expression: missing ): crit("#,
            patternError: .invalid(message: "missing ): crit(")
        )) {
            try Matcher(name: "sev", type: .regexMatch, value: "crit(")
        }
        #expect(throws: MatcherError(message: #"""="x": label name must not be empty"#)) {
            try Matcher(name: "", type: .equal, value: "x")
        }
    }
}

extension Matcher {
    /// Test argument that builds a matcher lazily (arguments must not throw).
    struct Parts: Sendable, CustomTestStringConvertible {
        let name: String, type: MatchType, value: String
        init(_ name: String, _ type: MatchType, _ value: String) {
            self.name = name
            self.type = type
            self.value = value
        }
        func make() throws -> Matcher { try Matcher(name: name, type: type, value: value) }
        var testDescription: String { "\(name.debugDescription) \(type) \(value.debugDescription)" }
    }
}
