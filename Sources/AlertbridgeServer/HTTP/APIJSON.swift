public import AlertbridgeCore
import Foundation

/// The read API's JSON, for the CLI's `--json`: one shape whether an
/// operator asks the server or reads the store directly.
public enum APIJSON {
    public static func incidents(_ incidents: [Incident]) throws -> String {
        try encode(IncidentListRepresentation(incidents: incidents.map(IncidentRepresentation.init)))
    }

    public static func alerts(_ alerts: [TrackedAlert]) throws -> String {
        try encode(AlertListRepresentation(alerts: alerts.map(AlertRepresentation.init)))
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
