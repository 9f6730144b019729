import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeServer
import AlertbridgeTestSupport
import Foundation
import Testing

/// The rule test files of `alertbridge rules test`, run in the suite: the
/// operators' format is also the project's regression suite for scenarios,
/// and the default rule set's own tests run in CI.
@Suite struct RuleScenarioTests {
    static var scenarioFiles: [String] {
        let directory = Fixture.url("scenarios").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The repository's `rules/tests`, found from this file's path.
    static var defaultRuleTests: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("rules/tests").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    @Test("scenario files pass", arguments: scenarioFiles)
    func scenario(file: String) throws {
        try Self.run(file)
    }

    @Test("the default rule set passes its own tests", arguments: defaultRuleTests)
    func defaultRules(file: String) throws {
        try Self.run(file)
    }

    @Test("there are scenarios to run")
    func present() {
        #expect(Self.scenarioFiles.count >= 1)
    }

    static func run(_ file: String) throws {
        let suite = try RuleTestFile(parsing: try String(contentsOfFile: file, encoding: .utf8), file: (file as NSString).lastPathComponent)
        let directory = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(suite.rules)
        let rules = try RuleDirectory(path: directory).load().ruleSet
        #expect(!suite.tests.isEmpty)
        for test in suite.tests {
            for failure in test.run(rules: rules, syslog: SyslogEventAdapter.lineDecoder(), file: (file as NSString).lastPathComponent) {
                Issue.record("\(failure)")
            }
        }
    }
}
