/// A rule set problem, located: `40-correlate.yaml:12: rule "per-service": window: expected a duration like 10m, got "ten"`.
///
/// Errors stop a rule set from loading (the running one stays); warnings are
/// reported by `rules check` and on reload, and the rule set loads anyway.
public struct RuleError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The rule's name, when the problem is inside a named rule.
    public var rule: String?
    public var message: String

    public init(file: String, line: Int, rule: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.rule = rule
        self.message = message
    }

    public var description: String {
        "\(file):\(line): \(rule.map { "rule \"\($0)\": " } ?? "")\(message)"
    }
}

/// Every error found in a rule set: loading goes on after the first, so an
/// operator fixes them all in one pass.
public struct RuleErrors: Error, Equatable, Sendable, CustomStringConvertible {
    public var errors: [RuleError]

    public init(_ errors: [RuleError]) {
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
