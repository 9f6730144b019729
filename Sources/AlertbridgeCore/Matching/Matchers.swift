/// Anything labels can be looked up in. alertbridge's label set conforms to
/// this where it is used, so this module does not depend on it.
public protocol LabelLookup {
    /// The value of label `name`, or `nil` when the label is missing.
    func labelValue(_ name: String) -> String?
}

extension Dictionary: LabelLookup where Key == String, Value == String {
    @inlinable
    public func labelValue(_ name: String) -> String? { self[name] }
}

/// A conjunction of matchers: a label set matches when every matcher does.
/// No matchers match everything, as `{}` does in Alertmanager.
public struct Matchers: Sendable, Hashable, CustomStringConvertible, RandomAccessCollection {
    public private(set) var elements: [Matcher]

    public init(_ elements: [Matcher] = []) {
        self.elements = elements
    }

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    public subscript(position: Int) -> Matcher { elements[position] }

    /// Whether all matchers accept the labels returned by `lookup` (`nil` = missing).
    @inlinable
    public func matches(_ lookup: (String) -> String?) -> Bool {
        for matcher in elements where !matcher.matches(lookup(matcher.name)) {
            return false
        }
        return true
    }

    @inlinable
    public func matches(_ labels: some LabelLookup) -> Bool {
        matches { labels.labelValue($0) }
    }

    /// Alertmanager syntax, `{alertname="Foo",severity=~"crit.*"}`, which
    /// `Matchers(parsing:)` reads back.
    public var description: String {
        "{" + elements.map(\.description).joined(separator: ",") + "}"
    }
}

/// A reason why a set of matchers can never match any label set.
public struct MatcherConflict: Sendable, Hashable, CustomStringConvertible {
    /// The matchers involved: one for a matcher that cannot match on its own,
    /// two when one excludes the other.
    public let matchers: [Matcher]
    public let reason: String

    public var description: String {
        matchers.map(\.description).joined(separator: " and ") + " can never match: " + reason
    }
}

extension Matchers {
    /// Finds matchers that can never match together, for `rules check`
    /// warnings. Sound but incomplete: every reported conflict is real, yet
    /// not every impossible combination is found (two regexes with disjoint
    /// languages, or a regex RE2 cannot prove empty, such as `a^b`).
    ///
    /// Checked per label name:
    /// - a `=~` whose regex matches no string at all;
    /// - an `=` (the first per label) pins the value, so every other matcher
    ///   on that label must accept it: `a="x"` vs `a="y"`, `a!="x"`,
    ///   `a=~"y.*"` or `a!~"x|z"`. `a=""` pins "missing or empty", so it
    ///   conflicts with `a!=""` or `a=~".+"`.
    public func conflicts() -> [MatcherConflict] {
        var result: [MatcherConflict] = []
        for matcher in elements where matcher.type == .regexMatch && matcher.regex?.matchesNothing == true {
            result.append(MatcherConflict(matchers: [matcher], reason: "the regular expression matches no string"))
        }
        var pins: [String: Matcher] = [:]
        for matcher in elements where matcher.type == .equal && pins[matcher.name] == nil {
            pins[matcher.name] = matcher
        }
        for matcher in elements {
            guard let pin = pins[matcher.name], pin != matcher, !matcher.matches(pin.value) else { continue }
            let required = pin.value.isEmpty ? "\(pin.name) to be missing or empty" : "the value \(Matcher.quote(pin.value))"
            result.append(MatcherConflict(
                matchers: [pin, matcher],
                reason: "\(pin) requires \(required), which \(matcher) rejects"
            ))
        }
        return result
    }
}
