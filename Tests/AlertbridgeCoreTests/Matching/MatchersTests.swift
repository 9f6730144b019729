import Testing
import AlertbridgeCore

/// Stands in for alertbridge's own label set type.
private struct LabelPairs: LabelLookup {
    var pairs: [(String, String)]
    func labelValue(_ name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }
}

@Suite("Matchers")
struct MatchersTests {
    @Test func conjunctionOverDictionaryClosureAndCustomLookup() throws {
        let matchers = try Matchers(parsing: #"{alertname="HighLatency", severity=~"crit.*", env!="dev"}"#)
        let firing = ["alertname": "HighLatency", "severity": "critical", "env": "prod"]
        #expect(matchers.matches(firing))
        #expect(matchers.matches { firing[$0] })
        #expect(matchers.matches(LabelPairs(pairs: firing.map { ($0.key, $0.value) })))

        // env is missing, which satisfies env!="dev".
        #expect(matchers.matches(["alertname": "HighLatency", "severity": "crit"]))
        #expect(!matchers.matches(["alertname": "HighLatency", "severity": "critical", "env": "dev"]))
        #expect(!matchers.matches(["alertname": "HighLatency", "severity": "warning"]))
        #expect(!matchers.matches(["severity": "critical"]))
    }

    @Test func noMatchersMatchEverything() throws {
        #expect(Matchers().matches([String: String]()))
        #expect(try Matchers(parsing: "{}").matches(["a": "b"]))
    }

    @Test func lookupStopsAtFirstFailingMatcher() throws {
        let matchers = try Matchers(parsing: #"a="1",b="2",c="3""#)
        var asked: [String] = []
        #expect(!matchers.matches { name in
            asked.append(name)
            return name == "a" ? "1" : "x"
        })
        #expect(asked == ["a", "b"])
    }

    @Test func collectionAndDescription() throws {
        let matchers = try Matchers(parsing: #"{b!~"x|y", a="1"}"#)
        #expect(matchers.count == 2)
        #expect(matchers.map(\.name) == ["b", "a"])
        #expect(matchers.description == #"{b!~"x|y",a="1"}"#)
        #expect(Matchers().description == "{}")
    }

    @Test(arguments: [
        (#"{a="x", a="y"}"#, [#"a="x" and a="y" can never match: a="x" requires the value "x", which a="y" rejects"#]),
        (#"{a="x", a!="x"}"#, [#"a="x" and a!="x" can never match: a="x" requires the value "x", which a!="x" rejects"#]),
        (#"{a="x", a=~"y.*"}"#, [#"a="x" and a=~"y.*" can never match: a="x" requires the value "x", which a=~"y.*" rejects"#]),
        (#"{a="x", a!~"x|z"}"#, [#"a="x" and a!~"x|z" can never match: a="x" requires the value "x", which a!~"x|z" rejects"#]),
        (#"{a="", a!=""}"#, [#"a="" and a!="" can never match: a="" requires a to be missing or empty, which a!="" rejects"#]),
        (#"{a=~".+", a=""}"#, [#"a="" and a=~".+" can never match: a="" requires a to be missing or empty, which a=~".+" rejects"#]),
        (#"{a=~"[^\\x00-\\x{10FFFF}]"}"#, [#"a=~"[^\\x00-\\x{10FFFF}]" can never match: the regular expression matches no string"#]),
        (#"{a=~"\\b\\B", b="1"}"#, [#"a=~"\\b\\B" can never match: the regular expression matches no string"#]),
        (#"{a="x", a="y", a="z"}"#, [
            #"a="x" and a="y" can never match: a="x" requires the value "x", which a="y" rejects"#,
            #"a="x" and a="z" can never match: a="x" requires the value "x", which a="z" rejects"#,
        ]),
        // Satisfiable sets:
        (#"{a="x", a=~"x|y", a!="z", a!~"q.*", b="y"}"#, []),
        (#"{a="x", a="x"}"#, []),
        (#"{a!="x", a!="y"}"#, []),
        (#"{a="", a!~".+"}"#, []),
        (#"{a=~"x", b=~"y"}"#, []),
        (#"{a!~"[^\\x00-\\x{10FFFF}]"}"#, []),  // always true, not a conflict
    ])
    func conflicts(input: String, expected: [String]) throws {
        let matchers = try Matchers(parsing: input)
        let conflicts = matchers.conflicts()
        #expect(conflicts.map(\.description) == expected)
        // Every reported conflict is real: no label set with the involved values matches.
        if !conflicts.isEmpty {
            for value in [nil, "", "x", "y", "z", "q1"] as [String?] {
                #expect(!matchers.matches { $0 == "a" ? value : "1" })
            }
        }
    }
}
