import AlertbridgeCore
import NIOCore
import Foundation

/// Typed reads from a parsed payload, each naming the field it reads in its
/// error: `alerts[3].labels: expected an object of strings, got an array`.
///
/// Paths are autoclosures: the string is built only when there is an error
/// to report, so the happy path pays nothing for precise messages.
enum PayloadFields {
    static func object(_ value: JSONValue?, _ path: @autoclosure () -> String, what: String = "an object") throws(IngestError)
        -> [(key: String, value: JSONValue)]
    {
        guard case .object(let members)? = value else {
            throw IngestError(path: path(), "expected \(what), got \(describe(value))")
        }
        return members
    }

    static func array(_ value: JSONValue?, _ path: @autoclosure () -> String, what: String) throws(IngestError) -> [JSONValue] {
        guard case .array(let elements)? = value else {
            throw IngestError(path: path(), "expected \(what), got \(describe(value))")
        }
        return elements
    }

    /// A string, or `nil` when the field is absent or null.
    static func optionalString(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let string)?: return string
        default: throw IngestError(path: path(), "expected a string, got \(describe(value))")
        }
    }

    /// `firing` or `resolved`; `nil` when absent.
    static func status(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> AlertStatus? {
        guard let text = try optionalString(value, path()) else { return nil }
        guard let status = AlertStatus(rawValue: text) else {
            throw IngestError(path: path(), "expected \"firing\" or \"resolved\", got \"\(text)\"")
        }
        return status
    }

    /// An RFC 3339 time; `nil` when absent, null, empty, or Go's zero time
    /// (`0001-01-01T00:00:00Z`, which Alertmanager sends for "no end").
    static func time(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(IngestError) -> Date? {
        guard var text = try optionalString(value, path()), !text.isEmpty else { return nil }
        guard let milliseconds = text.withUTF8({ RFC3339.unixMilliseconds(utf8: $0) }) else {
            throw IngestError(path: path(), "expected an RFC 3339 time, got \"\(text.prefix(64))\"")
        }
        return milliseconds <= goZeroTime ? nil : Date(unixMilliseconds: milliseconds)
    }

    /// Go's `time.Time{}` in Unix milliseconds.
    static let goZeroTime: Int64 = -62_135_596_800_000

    /// A map of label names to string values, within `limits`.
    static func labels(
        _ value: JSONValue?, _ path: @autoclosure () -> String, limits: IngestLimits, valueLimit: Int, required: Bool
    ) throws(IngestError) -> LabelSet {
        if value == nil || value == .null {
            guard !required else { throw IngestError(path: path(), "required, expected an object of strings") }
            return .empty
        }
        let members = try object(value, path(), what: "an object of strings")
        guard members.count <= limits.maxLabelsPerAlert else {
            throw IngestError(path: path(), "\(members.count) entries; the limit is \(limits.maxLabelsPerAlert)")
        }
        if required, members.isEmpty { throw IngestError(path: path(), "at least one label is required") }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(members.count)
        for (name, member) in members {
            guard case .string(let text) = member else {
                throw IngestError(path: "\(path()).\(name)", "expected a string, got \(describe(member))")
            }
            guard !name.isEmpty else { throw IngestError(path: path(), "a label name must not be empty") }
            guard name.utf8.count <= limits.maxLabelNameBytes else {
                throw IngestError(path: path(), "a label name is \(name.utf8.count) bytes; the limit is \(limits.maxLabelNameBytes)")
            }
            guard text.utf8.count <= valueLimit else {
                throw IngestError(path: "\(path()).\(name)", "\(text.utf8.count) bytes; the limit is \(valueLimit)")
            }
            pairs.append((name, text))
        }
        return LabelSet(pairs)
    }

    static func checkCount(_ count: Int, _ path: @autoclosure () -> String, limits: IngestLimits) throws(IngestError) {
        guard count <= limits.maxAlertsPerRequest else {
            throw IngestError(path: path(), "\(count) alerts; the limit is \(limits.maxAlertsPerRequest) per request")
        }
    }

    static func describe(_ value: JSONValue?) -> String {
        value?.kindDescription ?? "nothing (the field is missing)"
    }
}

extension IngestAdapter {
    /// Parses the body as JSON with this adapter's depth limit.
    func parseJSON(_ body: ByteBuffer, limits: IngestLimits) throws(IngestError) -> JSONValue {
        try body.withUnsafeReadableBytes { raw in
            Result { () throws(IngestError) in try JSONReader.parse(raw, maxDepth: limits.maxDepth) }
        }.get()
    }
}
