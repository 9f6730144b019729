import AlertbridgeCore
import Foundation
public import Logging
import Synchronization

/// Writes one logfmt line per entry to standard error:
///
/// ```
/// ts=2026-11-22T17:32:00.123Z level=info msg=listening http=127.0.0.1:9190
/// ```
///
/// logfmt because a script (or a test) can read a field with a pattern, such
/// as the chosen port when serving on port 0, and log pipelines parse it natively.
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    /// One lock for all handlers: lines from concurrent tasks never interleave.
    private static let output = Mutex<Void>(())

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = "ts=\(RFC3339.string(Date())) level=\(event.level.rawValue) msg=\(Self.quote(event.message.description))"
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quote(Self.render(merged[key]!)))"
        }
        line += "\n"
        Self.output.withLock { _ in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): "[" + array.map(render).joined(separator: ",") + "]"
        case .dictionary(let dictionary): "{" + dictionary.keys.sorted().map { "\($0):\(render(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// Bare when safe, else double-quoted with `"`, `\` and control characters escaped.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\\") }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20: quoted += "\\u{\(String(scalar.value, radix: 16))}"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
