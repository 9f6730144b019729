import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeServer
import ArgumentParser
import Foundation

extension Alertbridge {
    /// `alertbridge rules check|test`.
    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check and test correlation rules.", subcommands: [Check.self, Test.self])
    }
}

extension Alertbridge.Rules {
    /// `alertbridge rules check [DIR]`: loads a rule directory as the server would.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a rule directory: errors name file, line and rule; warnings name rules that can never act.",
            discussion: "Exit status 0 when the rules load (warnings or not), 1 when they do not.")

        @Argument(help: "The rule directory.")
        var directory = "rules"

        @OptionGroup var engineSettings: EngineSettingsOption

        func run() async throws {
            let configuration = try engineSettings.engineConfiguration()
            let directory = RuleDirectory(path: directory)
            do {
                let files = try directory.files()
                let (ruleSet, loadWarnings) = try directory.load()
                let warnings = loadWarnings + ruleSet.warnings(under: configuration)
                for warning in warnings { standardError("warning: \(warning)") }
                print("\(directory.path): \(ruleSet.count) rules in \(files.count) files, \(warnings.count) warnings")
            } catch {
                for error in error.errors { standardError("\(error)") }
                standardError("\(directory.path): \(error.errors.count) errors; the rules do not load")
                throw ExitCode(1)
            }
        }
    }

    /// `alertbridge rules test FILE...`: runs rule test files (or every file
    /// of a directory) with a fake clock.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run rule test files: alerts at times in, expected incidents and alerts out, with a fake clock.",
            discussion: "A directory runs every .yaml file in it. Exit status 1 when a test fails or a file does not load.")

        @Argument(help: "Test files or directories of them.")
        var paths: [String]

        @OptionGroup var engineSettings: EngineSettingsOption

        func run() async throws {
            let configuration = try engineSettings.engineConfiguration()
            var files: [String] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ValidationError("\(path): no such file or directory")
                }
                if isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                    files += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                        .map { (path as NSString).appendingPathComponent($0) }
                } else {
                    files.append(path)
                }
            }
            guard !files.isEmpty else { throw ValidationError("no test files in \(paths.joined(separator: ", "))") }
            var passed = 0
            var failed = 0
            var ruleSets: [String: RuleSet] = [:]
            for file in files {
                let suite: RuleTestFile
                do {
                    suite = try RuleTestFile(parsing: try String(contentsOfFile: file, encoding: .utf8), file: file)
                } catch let error as YAMLError {
                    standardError("\(error)")
                    failed += 1
                    continue
                }
                let directory = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(suite.rules)
                let rules: RuleSet
                if let loaded = ruleSets[directory] {
                    rules = loaded
                } else {
                    do {
                        rules = try RuleDirectory(path: directory).load().ruleSet
                        ruleSets[directory] = rules
                    } catch {
                        standardError("\(file): the rules in \(directory) do not load:")
                        for error in error.errors { standardError("  \(error)") }
                        failed += suite.tests.count
                        continue
                    }
                }
                for test in suite.tests {
                    let failures = test.run(rules: rules, configuration: configuration, syslog: SyslogEventAdapter.lineDecoder(), file: file)
                    if failures.isEmpty {
                        print("ok    \(file): \(test.name)")
                        passed += 1
                    } else {
                        print("FAIL  \(file): \(test.name)")
                        for failure in failures { print("  \(failure)") }
                        failed += 1
                    }
                }
            }
            print("\(passed + failed) tests, \(passed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

/// `--config FILE`: the server's configuration file, for its `engine:`
/// settings (correlation window, close_after), so that checks, tests and
/// replays judge the rules under the settings the server runs with.
struct EngineSettingsOption: ParsableArguments {
    @Option(name: .long, help: "The server's configuration file: its engine settings apply (default: the built-in ones).")
    var config: String?

    func engineConfiguration() throws -> EngineConfiguration {
        guard let config else { return EngineConfiguration() }
        let text: String
        do {
            text = try String(contentsOfFile: config, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read --config \(config): \(error.localizedDescription)")
        }
        var configuration = ServerConfiguration()
        do {
            try configuration.apply(yaml: text, file: config)
            try configuration.validate()
        } catch {
            throw ValidationError("--config \(config): \(error)")
        }
        return configuration.engine
    }
}

func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
