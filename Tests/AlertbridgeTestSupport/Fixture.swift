public import Foundation

/// Files under `Tests/AlertbridgeTestSupport/Fixtures`, shared by every test target.
///
/// `corpus/` is a copy of the project's reference corpus of real webhook
/// payloads and syslog lines (see its README): tests decode every example.
public enum Fixture {
    /// The URL of a fixture, e.g. `Fixture.url("corpus/alertmanager-webhook-v4.json")`.
    public static func url(_ path: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    public static func data(_ path: String) throws -> Data {
        try Data(contentsOf: url(path))
    }

    public static func string(_ path: String) throws -> String {
        String(decoding: try data(path), as: UTF8.self)
    }

    /// The fixture parsed with `JSONSerialization` (test code only; the
    /// product has its own reader).
    public static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try data(path), options: [.fragmentsAllowed])
    }

    /// The corpus's request bodies of a webhook file, with the corpus
    /// annotations (`_source`, `_note`, …) stripped, re-serialized as bytes.
    /// `unwrapBody` takes each element's `body` instead (the API v2 file).
    public static func corpusBodies(_ file: String, unwrapBody: Bool = false) throws -> [(note: String, body: [UInt8])] {
        guard let examples = try json("corpus/\(file)") as? [[String: Any]] else { return [] }
        return try examples.map { example in
            let note = (example["_note"] as? String) ?? (example["_source"] as? String) ?? ""
            let payload: Any = unwrapBody ? example["body"] as Any : stripAnnotations(example)
            let data = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .fragmentsAllowed])
            return (note, [UInt8](data))
        }
    }

    /// Removes every key starting with `_`, recursively.
    public static func stripAnnotations(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            var stripped: [String: Any] = [:]
            for (key, inner) in object where !key.hasPrefix("_") {
                stripped[key] = stripAnnotations(inner)
            }
            return stripped
        }
        if let array = value as? [Any] {
            return array.map(stripAnnotations)
        }
        return value
    }
}

/// A fresh directory under the system's temporary directory, removed when
/// the value is released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ name: String = "alertbridge") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ file: String) -> String {
        url.appendingPathComponent(file).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
