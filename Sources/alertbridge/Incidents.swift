import AlertbridgeCore
import AlertbridgeServer
import AlertbridgeStore
import ArgumentParser
import Foundation

/// Options shared by the commands that read the desk store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The desk store: a SQLite file path.")
    var db = "alertbridge.sqlite"

    @Flag(name: .long, help: "Print JSON (the API's shape) instead of a table.")
    var json = false

    @Option(name: .long, help: "How many to show, newest first.")
    var limit = 50
}

extension Alertbridge {
    /// `alertbridge incidents`: the incidents in the store, newest first.
    struct Incidents: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List incidents from the desk store, newest first.")

        @OptionGroup var options: StoreOptions

        @Option(name: .long, help: "Only these statuses, comma separated: open, acknowledged, resolved, closed.")
        var status: String?

        @Option(name: .long, help: "Only this priority (P1 to P5).")
        var priority: String?

        @Option(name: .long, help: "Only this service.")
        var service: String?

        func run() async throws {
            var filter = DeskQueries.IncidentFilter(limit: options.limit)
            if let status {
                filter.statuses = try status.split(separator: ",").map { text in
                    guard let status = Incident.Status(rawValue: String(text)) else {
                        throw ValidationError("--status \(text): expected open, acknowledged, resolved or closed")
                    }
                    return status
                }
            }
            if let priority {
                guard let parsed = Priority(rawValue: priority.uppercased()) else { throw ValidationError("--priority \(priority): expected P1 to P5") }
                filter.priority = parsed
            }
            filter.service = service
            let incidents = try await SQLiteDeskStore.openForReading(path: options.db).incidents(filter)
            if options.json {
                print(try APIJSON.incidents(incidents))
            } else {
                print(
                    Table(
                        headers: ["ID", "STATUS", "PRI", "SEVERITY", "ALERTS", "FIRING", "LAST ALERT", "GROUP", "TITLE"],
                        rows: incidents.map {
                            [
                                "\($0.id)", $0.status.rawValue, $0.priority.rawValue, $0.severity.rawValue, "\($0.alertCount)",
                                "\($0.firingCount)", RFC3339.string($0.lastAlertAt), $0.groupKey, $0.title,
                            ]
                        }
                    ).rendered, terminator: "")
            }
        }
    }

    /// `alertbridge alerts`: alert occurrences with duplicate counts.
    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts from the desk store, newest first.")

        @OptionGroup var options: StoreOptions

        @Option(name: .long, help: "Only this fingerprint (16 hex digits).")
        var fingerprint: String?

        @Option(name: .long, help: "Only firing or resolved alerts.")
        var status: String?

        func run() async throws {
            var filter = DeskQueries.AlertFilter(limit: options.limit)
            if let fingerprint {
                guard let parsed = Fingerprint(hex: fingerprint) else {
                    throw ValidationError("--fingerprint \(fingerprint): expected 16 hexadecimal digits")
                }
                filter.fingerprint = parsed
            }
            if let status {
                guard let parsed = AlertStatus(rawValue: status) else { throw ValidationError("--status \(status): expected firing or resolved") }
                filter.status = parsed
            }
            let alerts = try await SQLiteDeskStore.openForReading(path: options.db).alerts(filter)
            if options.json {
                print(try APIJSON.alerts(alerts))
            } else {
                print(
                    Table(
                        headers: ["ID", "FINGERPRINT", "STATUS", "INCIDENT", "DUPLICATES", "LAST SEEN", "ALERTNAME", "LABELS"],
                        rows: alerts.map {
                            [
                                "\($0.id)", $0.fingerprint.hex, $0.status.rawValue, $0.incidentID.map { "\($0)" } ?? "-", "\($0.duplicateCount)",
                                RFC3339.string($0.lastSeenAt), $0.labels["alertname"] ?? "", $0.labels.description,
                            ]
                        }
                    ).rendered, terminator: "")
            }
        }
    }
}
