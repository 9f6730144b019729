import Testing
import AlertbridgeCore

private func m(_ name: String, _ type: MatchType, _ value: String) -> Matcher {
    // Only called with valid arguments; a failure here is a test bug.
    do { return try Matcher(name: name, type: type, value: value) } catch { fatalError("\(error)") }
}

@Suite("Brace form parser (Alertmanager matcher/parse)")
struct BraceFormParserTests {
    // The success cases of Alertmanager's matcher/parse TestMatchers.
    @Test(arguments: [
        ("", [Matcher]()),
        ("{}", []),
        ("  {  }  ", []),
        ("{foo=bar}", [m("foo", .equal, "bar")]),
        ("{foo=bar,}", [m("foo", .equal, "bar")]),
        ("{foo!=bar}", [m("foo", .notEqual, "bar")]),
        ("{foo=~[a-z]+}", [m("foo", .regexMatch, "[a-z]+")]),
        ("{foo!~[a-z]+}", [m("foo", .regexNoMatch, "[a-z]+")]),
        ("{foo=🙂}", [m("foo", .equal, "🙂")]),
        ("{foo=🙂bar}", [m("foo", .equal, "🙂bar")]),
        ("foo=bar", [m("foo", .equal, "bar")]),
        ("foo=bar,", [m("foo", .equal, "bar")]),
        ("foo=~[a-z]+", [m("foo", .regexMatch, "[a-z]+")]),
        (#"{"foo"="bar"}"#, [m("foo", .equal, "bar")]),
        (#"{"foo"="bar",}"#, [m("foo", .equal, "bar")]),
        (#"{"foo"=~"[a-z]+"}"#, [m("foo", .regexMatch, "[a-z]+")]),
        (#"{"foo"="🙂"}"#, [m("foo", .equal, "🙂")]),
        (#"{"foo"="\xf0\x9f\x99\x82"}"#, [m("foo", .equal, "🙂")]),
        (#"{"foo"="\U0001f642"}"#, [m("foo", .equal, "🙂")]),
        (#"{"foo"="\u00e9\303\251"}"#, [m("foo", .equal, "éé")]),
        (#"{"foo"="bar\n"}"#, [m("foo", .equal, "bar\n")]),
        (#"{"foo"="bar\t"}"#, [m("foo", .equal, "bar\t")]),
        (#"{"foo"="\"bar\""}"#, [m("foo", .equal, #""bar""#)]),
        (#"{"foo"="bar\\"}"#, [m("foo", .equal, #"bar\"#)]),
        (#""foo"="bar","#, [m("foo", .equal, "bar")]),
        ("{foo=bar,bar!=baz}", [m("foo", .equal, "bar"), m("bar", .notEqual, "baz")]),
        (#"{foo="bar",bar!="baz"}"#, [m("foo", .equal, "bar"), m("bar", .notEqual, "baz")]),
        (#"foo="bar",bar!="baz""#, [m("foo", .equal, "bar"), m("bar", .notEqual, "baz")]),
        // Blanks and line breaks between tokens, as in a YAML block scalar.
        ("{\n  alertname = \"Foo\",\n  severity =~ \"crit.*\",\n}", [
            m("alertname", .equal, "Foo"), m("severity", .regexMatch, "crit.*"),
        ]),
        (#"{alertname="Foo", severity=~"crit.*"}"#, [m("alertname", .equal, "Foo"), m("severity", .regexMatch, "crit.*")]),
        (#"{a="1",a="2"}"#, [m("a", .equal, "1"), m("a", .equal, "2")]),
        (#"{sev=~"crit|critical|disaster"}"#, [m("sev", .regexMatch, "crit|critical|disaster")]),
        (#"{path="/a=b"}"#, [m("path", .equal, "/a=b")]),
        (#"{x=~"\\d+\\.\\d+"}"#, [m("x", .regexMatch, #"\d+\.\d+"#)]),
    ])
    func parses(input: String, expected: [Matcher]) throws {
        let parsed = try Matchers(parsing: input)
        #expect(parsed.elements == expected)
        // And the printed form parses back to the same matchers.
        #expect(try Matchers(parsing: parsed.description) == parsed)
    }

    @Test(arguments: [
        // Same text as Alertmanager's parser produces:
        (",", "0:1: unexpected ,: expected label name"),
        ("{,}", "1:2: unexpected ,: expected label name"),
        ("}", "0:1: }: expected opening brace"),
        (#"{foo=:"bar"}"#, #"6:11: unexpected "bar": expected a comma or close brace"#),
        (#"{foo=bar\n}"#, #"8:9: \: invalid input: expected a comma or close brace"#),
        // Alertmanager gives 0:1 / 0:8 / 0:8 for the next three; every error here
        // points at the offending token (end of input: its position).
        ("{", "1:1: end of input: expected close brace"),
        ("{foo=bar", "8:8: end of input: expected close brace"),
        ("foo=bar}", "7:8: }: expected opening brace"),
        // More specific than Alertmanager's "invalid input":
        (#"{foo="bar\w"}"#, #"5:12: "bar\w": invalid escape sequence \w (to pass a backslash to the regex, write \\w)"#),
        (#"{"foo"="\xf0\x9f"}"#, #"7:17: "\xf0\x9f": quoted string contains invalid UTF-8"#),
        (#"{foo="\ud800"}"#, #"5:13: "\ud800": invalid escape sequence \u: expected 4 hex digits of a Unicode code point"#),
        (#"{foo="\400"}"#, #"5:11: "\400": invalid octal escape sequence: expected three octal digits up to \377"#),
        (#"{foo="\x4"}"#, #"5:10: "\x4": invalid escape sequence \x: expected two hex digits"#),
        // Positioned end-of-input errors (Alertmanager leaves these unpositioned):
        ("foo=", "4:4: end of input: expected label value"),
        ("foo", "3:3: end of input: expected an operator such as '=', '!=', '=~' or '!~'"),
        // Unterminated strings:
        (#"severity=~"crit"#, #"10:15: "crit: unterminated quoted string"#),
        (#"{foo="bar\"}"#, #"5:12: "bar\"}: unterminated quoted string"#),
        ("{a=\"x\",\n b=\"y}\n", #"11:14: "y}: unterminated quoted string"#),
        // A raw line break ends a quoted string even if a quote follows later.
        ("{a=\"x\n\", b=\"y\"}", #"3:5: "x: unterminated quoted string"#),
        (#"{🙂="x"#, #"3:5: "x: unterminated quoted string"#),  // columns count code points
        // Structure:
        ("{foo=}", "5:6: unexpected }: expected label value"),
        ("foo bar", "4:7: unexpected bar: expected an operator such as '=', '!=', '=~' or '!~'"),
        ("foo!bar", "3:4: !: invalid input: expected an operator such as '=', '!=', '=~' or '!~'"),
        ("{foo=bar,,}", "9:10: unexpected ,: expected a matcher or close brace after comma"),
        ("{foo=bar baz=qux}", "9:12: unexpected baz: expected a comma or close brace"),
        ("{foo=bar} x", "10:11: x: expected end of input"),
        ("{foo='bar'}", "5:6: ': invalid input: expected label value"),
        (#"{""="x"}"#, #"1:3: "": label name must not be empty"#),
        // Regex errors name the matcher as written:
        (#"{sev=~"crit("}"#, #"1:13: sev=~"crit(": invalid regular expression: missing ): crit("#),
        (#"{a="1", b !~ "(?<=x)y"}"#, #"8:22: b !~ "(?<=x)y": invalid regular expression: invalid perl operator: (?<"#),
    ])
    func reportsPositionedErrors(input: String, expected: String) {
        let error = #expect(throws: MatcherError.self) { try Matchers(parsing: input) }
        #expect(error?.description == expected)
    }

    @Test func tooLongRegexIsRejectedWithItsSize() {
        let input = "{a=~\"" + String(repeating: "x", count: 513) + "\"}"
        let error = #expect(throws: MatcherError.self) { try Matchers(parsing: input) }
        #expect(error?.patternError == .tooLong(byteCount: 513, limit: 512))
        #expect(error?.columns == 1..<519)
        #expect(error?.description.hasSuffix("regular expression is 513 bytes long, the limit is 512") == true)
    }

    @Test(arguments: [
        ("", "0:0: no matchers"),
        ("{}", "0:2: no matchers"),
        ("a=b,c=d", "0:7: expected 1 matcher, found 2"),
    ])
    func singleMatcherParsing(input: String, expected: String) {
        let error = #expect(throws: MatcherError.self) { try Matcher(parsing: input) }
        #expect(error?.description == expected)
    }
}

@Suite("Map form parser (rule files)")
struct MapFormParserTests {
    @Test(arguments: [
        ("severity", "critical", m("severity", .equal, "critical")),
        ("severity", #"=~"crit|critical|disaster""#, m("severity", .regexMatch, "crit|critical|disaster")),
        ("env", #"!="prod""#, m("env", .notEqual, "prod")),
        ("env", #"!~"dev|test""#, m("env", .regexNoMatch, "dev|test")),
        ("x", #"="x""#, m("x", .equal, "x")),
        ("env", "!~dev|test", m("env", .regexNoMatch, "dev|test")),
        ("env", "=prod", m("env", .equal, "prod")),
        ("env", "!=prod", m("env", .notEqual, "prod")),
        ("code", #"=~\d+"#, m("code", .regexMatch, #"\d+"#)),  // unquoted: verbatim
        ("code", #"=~"\\d+""#, m("code", .regexMatch, #"\d+"#)),  // quoted: escaped
        ("msg", #"=~"say \"hi\"""#, m("msg", .regexMatch, #"say "hi""#)),
        ("host", "= web 1 ", m("host", .equal, "web 1")),
        ("sev", #"=~ "crit" "#, m("sev", .regexMatch, "crit")),
        ("sev", #"  =~"crit""#, m("sev", .regexMatch, "crit")),  // blanks before the operator
        ("msg", "a = b", m("msg", .equal, "a = b")),  // plain values are taken as written
        ("path", "/a=b", m("path", .equal, "/a=b")),
        ("text", "  spaced  ", m("text", .equal, "  spaced  ")),
        ("foo", "", m("foo", .equal, "")),
        ("foo", #"!="""#, m("foo", .notEqual, "")),
        ("foo", #"=~"""#, m("foo", .regexMatch, "")),
        ("lit", #""=starts with equals""#, m("lit", .equal, "=starts with equals")),
        ("lit", "==", m("lit", .equal, "=")),
        ("ünï", "cödé 🙂", m("ünï", .equal, "cödé 🙂")),
        ("tier", "1", m("tier", .equal, "1")),
        ("with space", "x", m("with space", .equal, "x")),
    ])
    func parses(label: String, expression: String, expected: Matcher) throws {
        #expect(try Matcher(label: label, expression: expression) == expected)
    }

    @Test(arguments: [
        ("severity", #"=~"crit"#, #"severity: 2:7: "crit: unterminated quoted string"#),
        ("severity", "=~", #"severity: 2:2: end of input: expected a value after '=~' (write =~"" for an empty value)"#),
        ("severity", "!=  ", #"severity: 4:4: end of input: expected a value after '!=' (write !="" for an empty value)"#),
        ("severity", #"=~"crit(""#, #"severity: 0:9: =~"crit(": invalid regular expression: missing ): crit("#),
        ("severity", "=~crit(", #"severity: 0:7: =~crit(: invalid regular expression: missing ): crit("#),
        ("severity", #"="crit" x"#, #"severity: 8:9: unexpected x: expected end of input after the quoted value"#),
        ("code", #"=~"\d+""#, #"code: 2:7: "\d+": invalid escape sequence \d (to pass a backslash to the regex, write \\d)"#),
        ("quoted", #""abc"#, #"quoted: 0:4: "abc: unterminated quoted string"#),
        ("", "x", "label name must not be empty"),
    ])
    func reportsPositionedErrors(label: String, expression: String, expected: String) {
        let error = #expect(throws: MatcherError.self) { try Matcher(label: label, expression: expression) }
        #expect(error?.description == expected)
    }

    @Test func regexErrorCarriesPatternErrorAndLabel() {
        let error = #expect(throws: MatcherError.self) { try Matcher(label: "severity", expression: #"=~"crit(""#) }
        #expect(error?.label == "severity")
        #expect(error?.columns == 0..<9)
        #expect(error?.patternError == .invalid(message: "missing ): crit("))
    }

    @Test func ruleMapIsAConjunction() throws {
        let matchers = try Matchers(ruleMap: ["severity": #"=~"crit|critical|disaster""#, "service": "api"])
        // Dictionary input is sorted by label for deterministic output.
        #expect(matchers.description == #"{service="api",severity=~"crit|critical|disaster"}"#)
        #expect(matchers.matches(["severity": "disaster", "service": "api"]))
        #expect(!matchers.matches(["severity": "disaster", "service": "web"]))
        #expect(!matchers.matches(["severity": "warning", "service": "api"]))

        let ordered = try Matchers(ruleMap: [(key: "b", value: "1"), (key: "a", value: "!=2")])
        #expect(ordered.description == #"{b="1",a!="2"}"#)
    }

    @Test func ruleMapReportsTheFailingLabel() {
        let error = #expect(throws: MatcherError.self) {
            try Matchers(ruleMap: ["service": "api", "severity": #"=~"crit"#])
        }
        #expect(error?.label == "severity")
    }
}
