import Testing
import AlertbridgeCore

/// Patterns that take a backtracking engine exponential (or high-polynomial)
/// time — `(a+)+b` on 18 characters took 18.8 s with Swift Regex here
/// (RELIABILITY.md §3.4) — against 10,000-character inputs. RE2 must answer
/// each in well under the 10 ms budget of test S7; 50 ms is asserted only as a
/// generous upper bound so a loaded machine cannot make the test flaky.
@Suite("ReDoS")
struct ReDoSTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let pattern: String
        let input: String
        let anchoring: Anchoring
        let expected: Bool
        let note: String
        var testDescription: String { "\(pattern) \(anchoring) on \(note)" }
    }

    static let tenThousandA = String(repeating: "a", count: 10_000)

    static let cases: [Case] = [
        Case(pattern: "(a+)+b", input: tenThousandA, anchoring: .full, expected: false, note: "a×10000"),
        Case(pattern: "(a+)+b", input: tenThousandA, anchoring: .partial, expected: false, note: "a×10000"),
        Case(pattern: "(a|aa)*c", input: tenThousandA, anchoring: .full, expected: false, note: "a×10000"),
        Case(pattern: "(a|aa)*c", input: tenThousandA, anchoring: .partial, expected: false, note: "a×10000"),
        Case(pattern: "(.*a){20}", input: tenThousandA, anchoring: .full, expected: true, note: "a×10000"),
        Case(pattern: "(.*a){20}", input: String(repeating: "ab", count: 5_000), anchoring: .full,
             expected: false, note: "ab×5000"),
        Case(pattern: "(.*a){20}", input: String(repeating: "a", count: 19) + String(repeating: "b", count: 9_981),
             anchoring: .partial, expected: false, note: "a×19 b×9981"),
        // The adversarial shape inside the first 8 KiB, with a late character that
        // only a full scan of the 8 KiB would see:
        Case(pattern: "(a+)+b", input: String(repeating: "a", count: 8_000) + "b" + String(repeating: "a", count: 1_999),
             anchoring: .partial, expected: true, note: "a×8000 b a×1999"),
        Case(pattern: "(x+x+)+y", input: String(repeating: "x", count: 10_000), anchoring: .full,
             expected: false, note: "x×10000"),
        Case(pattern: "(\\w+\\s?)*$!", input: String(repeating: "word ", count: 2_000), anchoring: .partial,
             expected: false, note: "\"word \"×2000"),
        // Named groups force submatch extraction (RE2's NFA/BitState rather than
        // only its DFA) in `captures(in:)` when there is a match.
        Case(pattern: "(?P<x>(.*a){20})", input: tenThousandA, anchoring: .full, expected: true, note: "a×10000"),
        Case(pattern: "(?P<x>(a|aa)*)c", input: String(repeating: "a", count: 8_000) + "c", anchoring: .partial,
             expected: true, note: "a×8000 c"),
        Case(pattern: "(?P<x>(a+)+)b", input: String(repeating: "a", count: 8_000) + "b", anchoring: .full,
             expected: true, note: "a×8000 b"),
    ]

    @Test(arguments: cases)
    func linearTime(_ c: Case) throws {
        let pattern = try RE2Pattern(c.pattern, anchoring: c.anchoring)
        let clock = ContinuousClock()
        var result = false
        // Cold: the first call also builds RE2's DFA states.
        let cold = clock.measure { result = pattern.matches(c.input) }
        #expect(result == c.expected)
        var warm = Duration.zero
        for _ in 0..<5 {
            warm = max(warm, clock.measure { result = pattern.matches(c.input) })
        }
        var captured: [String: String]?
        let captures = clock.measure { captured = pattern.captures(in: c.input) }
        #expect((captured != nil) == c.expected)
        print("ReDoS \(c.testDescription): cold \(cold), warm max \(warm), with captures \(captures)")
        #expect(cold < .milliseconds(50))
        #expect(warm < .milliseconds(50))
        // Submatch extraction on a match runs RE2's NFA, linear but with a
        // factor of the program size: (?P<x>(.*a){20}) on 8 KiB took 9–15 ms
        // alone and ~23 ms with the other suites running in parallel here.
        #expect(captures < .milliseconds(250))
    }

    @Test func throughMatcherToo() throws {
        let matchers = try Matchers(parsing: #"{body!~"(a|aa)*c", x=~"(.*a){20}", msg=~"(a+)+b"}"#)
        let labels = ["msg": Self.tenThousandA + "b", "body": Self.tenThousandA, "x": Self.tenThousandA]
        let clock = ContinuousClock()
        var result = true
        let elapsed = clock.measure { result = matchers.matches(labels) }
        // msg is cut at 8 KiB, so its trailing "b" is not seen and =~ fails.
        #expect(result == false)
        print("ReDoS three matchers on 10,000-character labels: \(elapsed)")
        #expect(elapsed < .milliseconds(50))
    }
}
