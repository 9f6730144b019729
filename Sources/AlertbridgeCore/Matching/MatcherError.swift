/// A matcher that could not be parsed or built, with what was expected and where.
///
/// Printed like Alertmanager's matcher parser: `start:end: message`, where
/// `start:end` is the 0-based, half-open range of Unicode scalars in the parsed
/// input (`10:15: "crit: unterminated quoted string`). Errors from the
/// rule-file map form are prefixed with the label the expression belongs to
/// (`severity: 2:7: "crit: unterminated quoted string`), so a rule loader only
/// needs to add the file, line and rule.
public struct MatcherError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was found and what was expected, e.g. `unexpected ,: expected label name`.
    public var message: String
    /// Position in the parsed input; `nil` when the matcher was built directly.
    public var columns: Range<Int>?
    /// The rule-file label whose expression failed (map form only).
    public var label: String?
    /// Set when a `=~`/`!~` regex was rejected.
    public var patternError: PatternError?

    public init(message: String, columns: Range<Int>? = nil, label: String? = nil, patternError: PatternError? = nil) {
        self.message = message
        self.columns = columns
        self.label = label
        self.patternError = patternError
    }

    public var description: String {
        var text = ""
        if let label { text += "\(label): " }
        if let columns { text += "\(columns.lowerBound):\(columns.upperBound): " }
        return text + message
    }
}
