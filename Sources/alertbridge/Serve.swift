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

        @Option(name: .long, help: "Syslog over UDP: HOST:PORT, or off (default 127.0.0.1:5514).")
        var syslogUdp: String?

        @Option(name: .long, help: "Syslog over TCP, RFC 6587 framing: HOST:PORT, or off (default 127.0.0.1:5514).")
        var syslogTcp: String?

        @Option(name: .long, help: "Syslog over TLS, RFC 5425: HOST:PORT (needs --tls-cert and --tls-key).")
        var syslogTls: String?

        @Option(name: .long, help: "PEM file: the TLS listener's certificate chain.")
        var tlsCert: String?

        @Option(name: .long, help: "PEM file: the TLS listener's private key.")
        var tlsKey: String?

        @Option(name: .long, help: "PEM file of CAs: TLS clients must present a certificate one of them signed.")
        var tlsClientCa: String?

        @Option(name: .long, help: "full (default: a 202 survives power loss) or normal (faster; may lose the last commits on power loss).")
        var durability: String?

        @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel: String?

        @Flag(name: .long, help: .hidden)
        var exitWhenStdinCloses = false

        func run() async throws {
            let configuration = try resolvedConfiguration()
            if exitWhenStdinCloses { Self.exitWhenStdinCloses() }
            LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: configuration.logLevel) }
            var logger = Logger(label: "alertbridge")
            logger.logLevel = configuration.logLevel
            Allocator.purgeInBackground()
            let app = try await buildApplication(configuration, logger: logger)
            try await app.runService()
            logger.info("stopped")
        }

        /// Test harnesses hand the server a pipe as stdin and keep its write
        /// end: when the harness dies, even by SIGKILL, the pipe closes and
        /// the server goes with it instead of lingering as an orphan.
        private static func exitWhenStdinCloses() {
            Thread.detachNewThread {
                var byte: UInt8 = 0
                while true {
                    let count = read(STDIN_FILENO, &byte, 1)
                    if count == 0 || (count < 0 && errno != EINTR) { _exit(75) }
                }
            }
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
            for (flag, value, keyPath) in [
                ("--syslog-udp", syslogUdp, \SyslogConfiguration.udp), ("--syslog-tcp", syslogTcp, \SyslogConfiguration.tcp),
                ("--syslog-tls", syslogTls, \SyslogConfiguration.tls),
            ] {
                guard let value else { continue }
                if value == "off" {
                    configuration.syslog[keyPath: keyPath] = nil
                } else {
                    guard let address = HostPort(value) else { throw ValidationError("\(flag) \(value): expected HOST:PORT or off") }
                    configuration.syslog[keyPath: keyPath] = address
                }
            }
            if let tlsCert { configuration.syslog.tlsCertificate = tlsCert }
            if let tlsKey { configuration.syslog.tlsKey = tlsKey }
            if let tlsClientCa { configuration.syslog.tlsClientCA = tlsClientCa }
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
