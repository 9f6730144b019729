import AlertbridgeCore
import Foundation

/// Typed reads that the monitoring-system adapters (Grafana, PagerDuty,
/// Zabbix, Datadog, CloudWatch, Azure, Google Cloud) share on top of
/// ``PayloadFields``: required strings, numbers sent as text, Unix epochs, and
/// label sets built from a source's own fields within ``IngestLimits``.
extension PayloadFields {
    /// A non-empty string; an error naming `path` when absent, null, empty or
    /// not a string.
    static func requiredString(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> String {
        guard let text = try optionalString(value, path()) else {
            throw IngestError(path: path(), "required, expected a string")
        }
        guard !text.isEmpty else { throw IngestError(path: path(), "must not be empty") }
        return text
    }

    /// A string or a number, as text: Zabbix and Datadog send the same field
    /// either way depending on the media type or template. `nil` when absent
    /// or null.
    static func scalarText(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let text)?: return text
        default: throw IngestError(path: path(), "expected a string or a number, got \(describe(value))")
        }
    }

    /// Whole Unix seconds or milliseconds (a JSON number or a string of
    /// digits) as a date; `nil` when absent, null, empty or zero (senders'
    /// "no time").
    static func epoch(
        _ value: JSONValue?, _ path: @autoclosure () -> String, unit: EpochUnit
    ) throws(IngestError) -> Date? {
        guard let text = try scalarText(value, path()), !text.isEmpty else { return nil }
        guard let number = Int64(text), number >= 0 else {
            throw IngestError(path: path(), "expected Unix \(unit.rawValue) as an integer, got \"\(text.prefix(64))\"")
        }
        guard number > 0 else { return nil }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: unit == .seconds ? 1000 : 1)
        guard !overflow, milliseconds < 253_402_300_800_000 else {
            throw IngestError(path: path(), "Unix \(unit.rawValue) \(text) is past the year 9999")
        }
        return Date(unixMilliseconds: milliseconds)
    }

    enum EpochUnit: String {
        case seconds
        case milliseconds
    }

    /// The elements of an array of strings; `[]` when absent or null.
    static func strings(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> [String] {
        if value == nil || value == .null { return [] }
        let elements = try array(value, path(), what: "an array of strings")
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw IngestError(path: "\(path())[\(index)]", "expected a string, got \(element.kindDescription)")
            }
            strings.append(text)
        }
        return strings
    }

    /// An object's string members, skipping nothing: other value kinds are an
    /// error naming the member. `[]` when absent or null.
    static func stringMembers(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> [(String, String)] {
        if value == nil || value == .null { return [] }
        var pairs: [(String, String)] = []
        for (name, member) in try object(value, path(), what: "an object of strings") {
            guard case .string(let text) = member else {
                throw IngestError(path: "\(path()).\(name)", "expected a string, got \(member.kindDescription)")
            }
            pairs.append((name, text))
        }
        return pairs
    }

    /// A label set (or annotation set) built by an adapter from the source's
    /// own fields, held to the same limits as labels a sender spells out.
    /// Pairs with an empty value are dropped, as Prometheus drops empty labels;
    /// a later pair wins over an earlier one with the same name.
    static func built(
        _ pairs: [(String, String)], _ path: @autoclosure () -> String, limits: IngestLimits, valueLimit: Int
    ) throws(IngestError) -> LabelSet {
        let kept = pairs.filter { !$0.0.isEmpty && !$0.1.isEmpty }
        let set = LabelSet(kept)
        guard set.count <= limits.maxLabelsPerAlert else {
            throw IngestError(path: path(), "\(set.count) entries; the limit is \(limits.maxLabelsPerAlert)")
        }
        for label in set {
            guard label.name.utf8.count <= limits.maxLabelNameBytes else {
                throw IngestError(path: path(), "a label name is \(label.name.utf8.count) bytes; the limit is \(limits.maxLabelNameBytes)")
            }
            guard label.value.utf8.count <= valueLimit else {
                throw IngestError(path: "\(path()).\(label.name)", "\(label.value.utf8.count) bytes; the limit is \(valueLimit)")
            }
        }
        return set
    }

    /// A member of an object by any of several spellings (`alertRuleID` and
    /// `alertRuleId`, `SigningCertURL` and `SigningCertUrl`), with the name
    /// that matched for error paths.
    static func member(_ object: JSONValue, _ names: String...) -> (name: String, value: JSONValue)? {
        member(object, names)
    }

    static func member(_ object: JSONValue, _ names: [String]) -> (name: String, value: JSONValue)? {
        for name in names {
            if let value = object[name] { return (name, value) }
        }
        return nil
    }
}
