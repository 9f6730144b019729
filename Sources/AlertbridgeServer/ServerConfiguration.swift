public import AlertbridgeCore
public import AlertbridgeIngest
public import AlertbridgeStore
import Foundation
public import Logging

/// A listening address, `HOST:PORT`; port 0 picks a free port.
public struct HostPort: Equatable, Sendable, LosslessStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:9190`, `[::1]:9190`, `localhost:0` or `:9190` (loopback).
    public init?(_ description: String) {
        guard let colon = description.lastIndex(of: ":"), let port = Int(description[description.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(description[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "127.0.0.1" : host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// The syslog listeners: UDP and TCP on 127.0.0.1:5514 by default (the
/// unprivileged twin of 514), TLS (RFC 5425) when given a port and a
/// certificate. A nil address turns a listener off.
public struct SyslogConfiguration: Sendable, Equatable {
    public var udp: HostPort? = HostPort(host: "127.0.0.1", port: 5514)
    public var tcp: HostPort? = HostPort(host: "127.0.0.1", port: 5514)
    public var tls: HostPort?
    /// PEM files: the server's certificate chain and its private key (TLS).
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// A PEM bundle of CAs: when set, TLS clients must present a
    /// certificate one of them signed.
    public var tlsClientCA: String?
    /// Longer messages are truncated to this and flagged (RFC 5425 asks for
    /// at least 2048, recommends 8192).
    public var maxMessageBytes = 64 * 1024
    /// Concurrent TCP and TLS connections; one beyond it is closed at once
    /// (and counted), so the sender fails over rather than hang.
    public var maxConnections = 1024
    /// A TCP or TLS connection idle this long is closed.
    public var idleTimeout: Duration = .seconds(600)
    /// The UDP socket's receive buffer: bursts, and the moments the
    /// listener is held up (a commit, a checkpoint), wait there rather than
    /// on the floor. Measured at 53k msgs/s: 0.46% lost with 4 MiB, none
    /// with 32 MiB. Memory is only used while datagrams wait.
    public var udpReceiveBufferBytes = 32 << 20
    /// How long the per-minute message counts are kept.
    public var countsRetention: Duration = .seconds(30 * 86_400)

    public init() {}
}

/// Everything `alertbridge serve` can be told, with the embedded defaults.
///
/// Sources, in increasing precedence: these defaults, the YAML file given with
/// `--config`, command-line flags. Every key is documented in the README.
public struct ServerConfiguration: Sendable {
    /// The HTTP listener. Loopback unless told otherwise.
    public var http = HostPort(host: "127.0.0.1", port: 9190)
    /// The SQLite desk store file.
    public var databasePath = "alertbridge.sqlite"
    public var durability: Durability = .full
    /// Where rule files are read from. Unset, `rules` in the working
    /// directory is used if it exists, else the built-in grouping; set, the
    /// directory must exist.
    public var rulesDirectory: String?
    /// Largest accepted request body; larger ones get 413 before being read.
    public var maxBodyBytes = 1 << 20
    public var ingestLimits = IngestLimits()
    /// How long an Alertmanager API v2 alert without `endsAt` stays firing
    /// without a refresh (Alertmanager's `resolve_timeout`).
    public var resolveTimeout: Duration = .seconds(300)
    public var engine = EngineConfiguration()
    /// How long processed inbox entries (raw payloads) are kept for audit.
    public var inboxRetention: Duration = .seconds(86_400)
    public var keepRawPayloads = true
    /// Committed alerts kept in memory for the engine (``Inbox/Limits/maxRecentAlerts``).
    public var maxRecentAlerts = Inbox.Limits().maxRecentAlerts
    /// Concurrent HTTP connections; more wait in the kernel's backlog.
    public var maxConnections = 2048
    /// Request bodies held at once; a request beyond it gets `503`.
    public var maxInFlightBytes = 128 << 20
    /// Committed alerts the engine may lag behind before intake answers `503`.
    public var maxBacklogAlerts = 1_000_000
    /// Idle keep-alive connections are closed after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// A request must arrive whole (head to end) within this long of its
    /// head, or its connection is closed: slow senders are cut off.
    public var requestReadTimeout: Duration = .seconds(30)
    public var logLevel: Logger.Level = .info
    /// How often the engine applies what time alone changes (timeouts, closing).
    public var tickInterval: Duration = .seconds(1)
    public var syslog = SyslogConfiguration()
    /// Per-source authentication and limits, by adapter `source` name
    /// (`grafana`, `prometheus`, …); a source not listed has none.
    public var sources: [String: SourceSettings] = [:]

    public init() {}

    /// The keys a configuration file may hold.
    static let topLevelKeys = ["http", "db", "durability", "rules", "log_level", "limits", "engine", "inbox", "syslog", "sources"]

    /// Applies a YAML configuration file's settings on top of `self`.
    ///
    /// Secrets under `sources:` are read now, from `environment` (the
    /// process's when nil) or files.
    public mutating func apply(yaml text: String, file: String, environment: [String: String]? = nil) throws(YAMLError) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let root = try YAMLValue.parse(text, file: file)
        for (key, value) in try root.mapping(allowedKeys: Self.topLevelKeys) {
            switch key {
            case "http":
                let text = try value.string()
                guard let address = HostPort(text) else { throw value.error("expected HOST:PORT, got \"\(text)\"") }
                http = address
            case "db": databasePath = try value.string()
            case "durability":
                let text = try value.string()
                guard let parsed = Durability(rawValue: text) else { throw value.error("expected full or normal, got \"\(text)\"") }
                durability = parsed
            case "rules": rulesDirectory = try value.string()
            case "log_level":
                let text = try value.string()
                guard let level = Logger.Level(rawValue: text) else {
                    throw value.error("expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
                }
                logLevel = level
            case "limits":
                for (key, value) in try value.mapping(allowedKeys: [
                    "max_body_bytes", "max_alerts_per_request", "max_labels_per_alert", "max_label_value_bytes", "max_connections",
                    "idle_timeout", "request_read_timeout", "max_inflight_bytes", "max_backlog_alerts",
                ]) {
                    switch key {
                    case "max_body_bytes": maxBodyBytes = try Self.positive(value)
                    case "max_alerts_per_request": ingestLimits.maxAlertsPerRequest = try Self.positive(value)
                    case "max_labels_per_alert": ingestLimits.maxLabelsPerAlert = try Self.positive(value)
                    case "max_label_value_bytes": ingestLimits.maxLabelValueBytes = try Self.positive(value)
                    case "max_connections": maxConnections = try Self.positive(value)
                    case "max_inflight_bytes": maxInFlightBytes = try Self.positive(value)
                    case "max_backlog_alerts": maxBacklogAlerts = try Self.positive(value)
                    case "request_read_timeout": requestReadTimeout = try Self.positiveDuration(value)
                    default: idleTimeout = try value.duration()
                    }
                }
            case "engine":
                for (key, value) in try value.mapping(allowedKeys: ["resolve_timeout", "correlation_window", "close_after", "tick_interval"]) {
                    switch key {
                    case "resolve_timeout": resolveTimeout = try value.duration()
                    case "correlation_window": engine.correlation.window = try value.duration()
                    case "close_after": engine.closeAfter = try value.duration()
                    default: tickInterval = try value.duration()
                    }
                }
            case "syslog":
                for (key, value) in try value.mapping(allowedKeys: [
                    "udp", "tcp", "tls", "tls_cert", "tls_key", "tls_client_ca", "max_message_bytes", "max_connections", "idle_timeout",
                    "udp_receive_buffer_bytes", "counts_retention",
                ]) {
                    switch key {
                    case "udp": syslog.udp = try Self.listenAddress(value)
                    case "tcp": syslog.tcp = try Self.listenAddress(value)
                    case "tls": syslog.tls = try Self.listenAddress(value)
                    case "tls_cert": syslog.tlsCertificate = try value.string()
                    case "tls_key": syslog.tlsKey = try value.string()
                    case "tls_client_ca": syslog.tlsClientCA = try value.string()
                    case "max_message_bytes": syslog.maxMessageBytes = try Self.positive(value)
                    case "max_connections": syslog.maxConnections = try Self.positive(value)
                    case "idle_timeout": syslog.idleTimeout = try value.duration()
                    case "counts_retention": syslog.countsRetention = try value.duration()
                    default: syslog.udpReceiveBufferBytes = try Self.positive(value)
                    }
                }
            case "sources": sources = try SourceSettings.parse(value, environment: environment)
            default:  // inbox
                for (key, value) in try value.mapping(allowedKeys: ["retention", "keep_raw_payloads", "max_recent_alerts"]) {
                    switch key {
                    case "retention": inboxRetention = try value.duration()
                    case "max_recent_alerts": maxRecentAlerts = try Self.positive(value)
                    default: keepRawPayloads = try value.bool()
                    }
                }
            }
        }
    }

    /// The rule directory to load: the configured one (which must exist),
    /// else `rules` if it exists, else none.
    public func ruleDirectory() throws(ConfigurationError) -> RuleDirectory? {
        var isDirectory: ObjCBool = false
        if let rulesDirectory {
            guard FileManager.default.fileExists(atPath: rulesDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ConfigurationError("rules: \(rulesDirectory) is not a directory")
            }
            return RuleDirectory(path: rulesDirectory)
        }
        guard FileManager.default.fileExists(atPath: "rules", isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return RuleDirectory(path: "rules")
    }

    /// Checks relations between settings that each look fine alone.
    public func validate() throws(ConfigurationError) {
        if engine.closeAfter < engine.correlation.window {
            throw ConfigurationError(
                "engine.close_after (\(DurationText.format(engine.closeAfter))) must not be shorter than engine.correlation_window (\(DurationText.format(engine.correlation.window))): a resolved incident must stay reopenable for the whole window"
            )
        }
        if resolveTimeout <= .zero { throw ConfigurationError("engine.resolve_timeout must be positive") }
        if syslog.tls != nil, syslog.tlsCertificate == nil || syslog.tlsKey == nil {
            throw ConfigurationError("syslog.tls needs syslog.tls_cert and syslog.tls_key (--tls-cert, --tls-key): PEM files")
        }
        if syslog.maxMessageBytes < 2048 {
            throw ConfigurationError("syslog.max_message_bytes must be at least 2048 (RFC 5425 requires messages of 2048 octets)")
        }
        if tickInterval <= .zero { throw ConfigurationError("engine.tick_interval must be positive") }
    }

    /// `HOST:PORT`, or `off` (or null) for no listener.
    private static func listenAddress(_ value: YAMLValue) throws(YAMLError) -> HostPort? {
        if value.isNull { return nil }
        let text = try value.string()
        if text == "off" { return nil }
        guard let address = HostPort(text) else { throw value.error("expected HOST:PORT or off, got \"\(text)\"") }
        return address
    }

    private static func positiveDuration(_ value: YAMLValue) throws(YAMLError) -> Duration {
        let duration = try value.duration()
        guard duration > .zero else { throw value.error("expected a duration above zero") }
        return duration
    }

    private static func positive(_ value: YAMLValue) throws(YAMLError) -> Int {
        let number = try value.int()
        guard number > 0 else { throw value.error("expected a positive integer, got \(number)") }
        return number
    }
}

/// A configuration that cannot run, in a sentence an operator can act on.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
