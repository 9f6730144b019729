public import AlertbridgeCore
import Foundation

/// A rule directory on disk: `*.yaml` and `*.yml` files, loaded in file-name
/// order, with topology files named relative to the directory. Files in
/// subdirectories (`tests/`) are not rules.
///
/// The reading is here; the compiling is `RuleSet.load`, which does no I/O,
/// so `rules check`, `rules test`, `replay` and the server load a rule set
/// the same way.
public struct RuleDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The rule files, in load order.
    public func files() throws(RuleErrors) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RuleErrors([RuleError(file: path, line: 0, message: "no rule directory here")])
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw RuleErrors([RuleError(file: path, line: 0, message: "cannot list the directory: \(error.localizedDescription)")])
        }
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted()
            .filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
    }

    /// Reads and compiles the directory's rule files; errors name file
    /// (the directory's path joined with the file's name), line and rule.
    public func load() throws(RuleErrors) -> (ruleSet: RuleSet, warnings: [RuleError]) {
        var texts: [(name: String, text: String)] = []
        for name in try files() {
            do {
                let file = (path as NSString).appendingPathComponent(name)
                texts.append((file, try String(contentsOfFile: file, encoding: .utf8)))
            } catch {
                throw RuleErrors([RuleError(file: name, line: 0, message: "cannot read: \(error.localizedDescription)")])
            }
        }
        let directory = path
        return try RuleSet.load(files: texts) { relative in
            try String(contentsOfFile: relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative), encoding: .utf8)
        }
    }
}
