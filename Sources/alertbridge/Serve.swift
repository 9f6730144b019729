import AlertbridgeServer
import AlertbridgeStore
import ArgumentParser
import Foundation
import Hummingbird
import Logging

extension Alertbridge {
    /// Runs intake, the engine and the API until SIGTERM or SIGINT.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the bridge: HTTP intake, the engine and the API, on the SQLite desk store.",
            discussion: """
                Defaults: HTTP on 127.0.0.1:9190, desk store alertbridge.sqlite in the working directory, \
                rules from rules/. Port 0 picks a free port; the chosen address is logged as \
                `msg=listening http=HOST:PORT`. SIGTERM drains in-flight requests, lets the engine \
                process the inbox to its end, and exits 0.
                """)

        @Option(name: .long, help: "A YAML configuration file (see the README); flags override it.")
        var config: String?

        @Option(name: .long, help: "The directory of rule files.")
        var rules: String?

        @Option(name: .long, help: "The desk store: a SQLite file path.")
        var db: String?

        @Option(name: .long, help: "The HTTP listen address, HOST:PORT (port 0 picks a free port).")
        var http: String?

        @Option(name: .long, help: "full (default: a 202 survives power loss) or normal (faster; may lose the last commits on power loss).")
        var durability: String?

        @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel: String?

        func run() async throws {
            let configuration = try resolvedConfiguration()
            LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: configuration.logLevel) }
            var logger = Logger(label: "alertbridge")
            logger.logLevel = configuration.logLevel
            let app = try buildApplication(configuration, logger: logger)
            try await app.runService()
            logger.info("stopped")
        }

        func resolvedConfiguration() throws -> ServerConfiguration {
            var configuration = ServerConfiguration()
            if let config {
                let text: String
                do {
                    text = try String(contentsOfFile: config, encoding: .utf8)
                } catch {
                    throw ValidationError("cannot read --config \(config): \(error.localizedDescription)")
                }
                try configuration.apply(yaml: text, file: config)
            }
            if let rules { configuration.rulesDirectory = rules }
            if let db {
                if db.hasPrefix("postgres://") || db.hasPrefix("postgresql://") {
                    throw ValidationError("--db \(db): PostgreSQL desk stores are not supported yet; give a SQLite file path")
                }
                configuration.databasePath = db
            }
            if let http {
                guard let address = HostPort(http) else { throw ValidationError("--http \(http): expected HOST:PORT, e.g. 127.0.0.1:9190") }
                configuration.http = address
            }
            if let durability {
                guard let parsed = Durability(rawValue: durability) else {
                    throw ValidationError("--durability \(durability): expected full or normal")
                }
                configuration.durability = parsed
            }
            if let logLevel {
                guard let level = Logger.Level(rawValue: logLevel) else {
                    throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical")
                }
                configuration.logLevel = level
            }
            try configuration.validate()
            return configuration
        }
    }
}
