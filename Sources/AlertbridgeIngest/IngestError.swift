/// Why a payload was rejected, naming the place in it that is wrong.
///
/// `path` uses the payload's own structure: `alerts[3].labels`, `[0].startsAt`,
/// or empty for the body as a whole. The HTTP shell turns it into
/// `400 {"error": "alerts[3].labels: expected an object of strings"}`.
public struct IngestError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}
