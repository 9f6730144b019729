public import Foundation

/// A syslog message as it travels from intake to the engine: an ``Alert``
/// with source `syslog`, no `alertname`, and these labels and annotations.
///
/// Messages travel the inbox as alerts so that they share its durability,
/// replay and rule tests; the engine's syslog stage decides which of them
/// become alerts (``SyslogRule``) and counts all of them.
public enum SyslogEvent {
    public static let source = "syslog"

    /// The labels intake sets on every message (rules match on them).
    public enum Label {
        /// The sender's HOSTNAME, else the peer's address.
        public static let host = "host"
        /// APP-NAME (RFC 5424) or TAG (RFC 3164), when the line has one.
        public static let app = "app"
        /// The facility's keyword: `kern`, `daemon`, `local7`, …
        public static let facility = "facility"
        /// The severity's keyword: `emerg` … `debug` (absent without a PRI).
        public static let severity = "severity"
        /// The id of the message text's template (a stable hash of it).
        public static let template = "template"
        /// MSGID (RFC 5424), or a Cisco mnemonic such as `LINK-3-UPDOWN`.
        public static let msgid = "msgid"
        /// `rfc5424`, `rfc3164` or `unparsed`.
        public static let format = "format"
    }

    /// The annotations intake sets.
    public enum Annotation {
        /// The free-text MSG part (for an unparsed line, the whole line).
        public static let message = "message"
        /// The template's text, variable parts as `<*>`.
        public static let template = "template"
        /// The sender's TIMESTAMP as written.
        public static let timestamp = "timestamp"
        /// Structured data, as written.
        public static let structuredData = "structured_data"
        /// What intake noticed: `truncated`, `invalid_utf8`, `malformed_header`, …
        public static let flags = "flags"
    }

    /// Whether `alert` is a syslog message still to be judged by the syslog
    /// stage, rather than an alert (which has an `alertname`).
    public static func isMessage(_ alert: Alert) -> Bool {
        alert.source == source && alert.labels["alertname"] == nil
    }
}

/// Decodes a raw syslog line received at a time into the event intake
/// would append (the parser and template miner live in AlertbridgeIngest):
/// how rule tests take syslog lines as input.
public typealias SyslogLineDecoder = (_ line: String, _ receivedAt: Date) -> Alert

/// Syslog severities, RFC 5424 §6.2.1: 0 is the most severe.
public enum SyslogSeverity: Int, Sendable, CaseIterable, Comparable {
    case emerg = 0, alert, crit, err, warning, notice, info, debug

    public static let keywords = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    public var keyword: String { Self.keywords[rawValue] }

    /// A keyword (`err`), a common synonym (`error`, `emergency`, `critical`,
    /// `warn`) or a number 0–7.
    public init?(keyword: String) {
        // The canonical keywords first, without lowercasing: they are what
        // intake writes on every syslog event.
        if let index = Self.keywords.firstIndex(of: keyword) {
            self.init(rawValue: index)
            return
        }
        switch keyword.lowercased() {
        case "emerg", "emergency", "panic", "0": self = .emerg
        case "alert", "1": self = .alert
        case "crit", "critical", "2": self = .crit
        case "err", "error", "3": self = .err
        case "warning", "warn", "4": self = .warning
        case "notice", "5": self = .notice
        case "info", "informational", "6": self = .info
        case "debug", "7": self = .debug
        default: return nil
        }
    }

    /// More severe sorts first, as the numbers do: `.emerg < .debug`.
    public static func < (lhs: SyslogSeverity, rhs: SyslogSeverity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Facility keywords, RFC 5424 §6.2.1, as rsyslog and syslog-ng name them.
public enum SyslogFacility {
    public static let keywords = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
        "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]

    public static func keyword(_ code: Int) -> String {
        keywords.indices.contains(code) ? keywords[code] : String(code)
    }
}

/// Turns selected syslog messages into alerts, and their recovery messages
/// into resolutions.
///
/// A message is selected when it matches `match` (on its labels: host, app,
/// facility, severity, template, msgid, format), is at least as severe as
/// `severity`, and its text matches `message` (searched, not anchored). The
/// alert's labels are `alertname`, `host`, `app`, `severity`, the named
/// groups of `message` and `labels`; a later message that matches `resolve`
/// and gives the same labels resolves it, and `timeout` resolves it when no
/// repeat arrives for that long. The first rule that selects a message wins.
public struct SyslogRule: Sendable {
    public var origin: RuleOrigin
    public var match: Matchers
    /// Messages less severe than this are not selected (nil: any, even none).
    public var minimumSeverity: SyslogSeverity?
    /// Searched in the message text; named groups become labels.
    public var message: RE2Pattern?
    public var alertname: LabelTemplate
    /// The alert's severity: fixed per rule, so a recovery message (often
    /// `notice`) names the same alert as the problem (often `err`).
    public var severity: Severity
    public var summary: LabelTemplate
    public var labels: [(name: String, value: LabelTemplate)]
    /// The recovery: same named groups as `message`.
    public var resolve: RE2Pattern?
    public var timeout: Duration?
}
