import Yams

/// An error in a YAML file, located: `config.yaml:12: engine.window: expected a duration like 10m, got "ten"`.
public struct YAMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The dotted path of the offending key, e.g. `engine.correlation_window`.
    public var path: String
    public var message: String

    public init(file: String, line: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String {
        "\(file):\(line): \(path.isEmpty ? "" : "\(path): ")\(message)"
    }
}

/// A node of a YAML document read strictly: every accessor names the file,
/// line and key path of what is wrong, and unknown keys are errors (as
/// Alertmanager's `UnmarshalStrict`), so a typo never silently does nothing.
public struct YAMLValue {
    let node: Node
    public let file: String
    public let path: String

    /// Parses `text`; an empty document is an empty mapping.
    public static func parse(_ text: String, file: String) throws(YAMLError) -> YAMLValue {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return YAMLValue(node: node, file: file, path: "")
        } catch let error as YamlError {
            throw YAMLError(file: file, line: YAMLValue.line(of: error), path: "", message: "not valid YAML: \(YAMLValue.problem(of: error))")
        } catch {
            throw YAMLError(file: file, line: 1, path: "", message: "not valid YAML: \(error)")
        }
    }

    public var line: Int { node.mark?.line ?? 1 }

    public func error(_ message: String) -> YAMLError {
        YAMLError(file: file, line: line, path: path, message: message)
    }

    public var isNull: Bool {
        if case .scalar(let scalar) = node, node.null != nil || (scalar.string.isEmpty && scalar.style == .plain) { return true }
        return false
    }

    /// The entries of a mapping, in document order; a key outside `allowed`
    /// is an error naming it and the keys that are allowed.
    public func mapping(allowedKeys allowed: [String]? = nil) throws(YAMLError) -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let mapping) = node else {
            if isNull { return [] }
            throw error("expected a mapping of keys to values")
        }
        var entries: [(key: String, value: YAMLValue)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw YAMLError(file: file, line: keyNode.mark?.line ?? line, path: path, message: "keys must be strings")
            }
            let key = scalar.string
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            if let allowed, !allowed.contains(key) {
                throw YAMLError(
                    file: file, line: keyNode.mark?.line ?? line, path: childPath,
                    message: "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
            }
            guard seen.insert(key).inserted else {
                throw YAMLError(file: file, line: keyNode.mark?.line ?? line, path: childPath, message: "duplicate key")
            }
            entries.append((key, YAMLValue(node: valueNode, file: file, path: childPath)))
        }
        return entries
    }

    /// The elements of a sequence; null is an empty sequence.
    public func sequence() throws(YAMLError) -> [YAMLValue] {
        guard case .sequence(let sequence) = node else {
            if isNull { return [] }
            throw error("expected a list")
        }
        return sequence.enumerated().map { YAMLValue(node: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    public func string() throws(YAMLError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a string") }
        return scalar.string
    }

    public func int() throws(YAMLError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected an integer, got \(describe())")
        }
        return value
    }

    public func bool() throws(YAMLError) -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error("expected true or false, got \(describe())") }
        return value
    }

    /// A Prometheus-style duration: `30s`, `10m`, `1h30m`.
    public func duration() throws(YAMLError) -> Duration {
        guard case .scalar(let scalar) = node, let value = DurationText.parse(scalar.string) else {
            throw error("expected a duration like 30s, 10m or 1h30m, got \(describe())")
        }
        return value
    }

    /// A mapping of strings to strings (labels, annotations).
    public func stringMap() throws(YAMLError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for (key, value) in try mapping() {
            pairs.append((key, try value.string()))
        }
        return pairs
    }

    private func describe() -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 1
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            context.map { "\($0.text) \(problem)" } ?? problem
        default: "\(error)"
        }
    }
}
