public import AlertbridgeCore
public import Foundation
public import GRDB

/// Read-only queries over the desk store, shared by the HTTP API and the CLI.
///
/// Every statement is prepared with bound parameters; filters only choose
/// among fixed SQL fragments.
public struct DeskQueries: Sendable {
    let reader: any DatabaseReader
    /// The inbox file, for the backlog in ``stats()``; absent when a store
    /// is read without its inbox.
    let inboxReader: (any DatabaseReader)?

    public init(reader: any DatabaseReader, inboxReader: (any DatabaseReader)? = nil) {
        self.reader = reader
        self.inboxReader = inboxReader
    }

    // MARK: - Incidents

    public struct IncidentFilter: Sendable, Equatable {
        public var statuses: [Incident.Status]
        public var priority: Priority?
        public var service: String?
        public var limit: Int

        public init(statuses: [Incident.Status] = [], priority: Priority? = nil, service: String? = nil, limit: Int = 100) {
            self.statuses = statuses
            self.priority = priority
            self.service = service
            self.limit = limit
        }
    }

    /// Incidents matching `filter`, newest first.
    public func incidents(_ filter: IncidentFilter = IncidentFilter()) async throws -> [Incident] {
        try await reader.read { db in
            var clauses: [String] = []
            var arguments = StatementArguments()
            if !filter.statuses.isEmpty {
                clauses.append("status IN (\(filter.statuses.map { _ in "?" }.joined(separator: ", ")))")
                for status in filter.statuses { _ = arguments.append(contentsOf: [status.rawValue]) }
            }
            if let priority = filter.priority {
                clauses.append("priority = ?")
                _ = arguments.append(contentsOf: [priority.rawValue])
            }
            if let service = filter.service {
                clauses.append("service = ?")
                _ = arguments.append(contentsOf: [service])
            }
            _ = arguments.append(contentsOf: [filter.limit])
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM incidents \(whereClause) ORDER BY id DESC LIMIT ?", arguments: arguments)
                .map(Self.incident(from:))
        }
    }

    /// An incident with its alerts (in joining order) and its timeline.
    public struct IncidentDetail: Sendable {
        public var incident: Incident
        public var alerts: [TrackedAlert]
        public var events: [IncidentEvent]
    }

    public func incident(id: Int64) async throws -> IncidentDetail? {
        try await reader.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]) else { return nil }
            let alerts = try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE incident_id = ? ORDER BY id", arguments: [id])
                .map(Self.alert(from:))
            let events = try Row.fetchAll(db, sql: "SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id", arguments: [id])
                .map(Self.event(from:))
            return IncidentDetail(incident: try Self.incident(from: row), alerts: alerts, events: events)
        }
    }

    // MARK: - Alerts

    public struct AlertFilter: Sendable, Equatable {
        public var fingerprint: Fingerprint?
        public var status: AlertStatus?
        /// true: only alerts kept out of incidents; false: only alerts in one.
        public var suppressed: Bool?
        public var limit: Int

        public init(fingerprint: Fingerprint? = nil, status: AlertStatus? = nil, suppressed: Bool? = nil, limit: Int = 100) {
            self.fingerprint = fingerprint
            self.status = status
            self.suppressed = suppressed
            self.limit = limit
        }
    }

    /// Alert occurrences matching `filter`, newest first.
    public func alerts(_ filter: AlertFilter = AlertFilter()) async throws -> [TrackedAlert] {
        try await reader.read { db in
            var clauses: [String] = []
            var arguments = StatementArguments()
            if let fingerprint = filter.fingerprint {
                clauses.append("fingerprint = ?")
                _ = arguments.append(contentsOf: [fingerprint.hex])
            }
            if let status = filter.status {
                clauses.append("status = ?")
                _ = arguments.append(contentsOf: [status.rawValue])
            }
            if let suppressed = filter.suppressed {
                clauses.append(suppressed ? "incident_id IS NULL" : "incident_id IS NOT NULL")
            }
            _ = arguments.append(contentsOf: [filter.limit])
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM alerts \(whereClause) ORDER BY id DESC LIMIT ?", arguments: arguments)
                .map(Self.alert(from:))
        }
    }

    /// One alert occurrence and its own timeline: what the rules did to it,
    /// why it joined (or was kept out of) an incident, how it changed.
    public struct AlertDetail: Sendable {
        public var alert: TrackedAlert
        public var events: [IncidentEvent]
    }

    public func alert(id: Int64) async throws -> AlertDetail? {
        try await reader.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]) else { return nil }
            let events = try Row.fetchAll(db, sql: "SELECT * FROM incident_events WHERE alert_id = ? ORDER BY id", arguments: [id])
                .map(Self.event(from:))
            return AlertDetail(alert: try Self.alert(from: row), events: events)
        }
    }

    // MARK: - Silences

    /// Silences created through the API, newest first; `activeAt` keeps
    /// those that have not ended by then.
    public func silences(activeAt: Date? = nil, limit: Int = 100) async throws -> [Silence] {
        try await reader.read { db in
            if let activeAt {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM silences WHERE ends_at > ? ORDER BY id DESC LIMIT ?",
                    arguments: [activeAt.unixMilliseconds, limit]
                ).map(Self.silence(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM silences ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.silence(from:))
        }
    }

    public func silence(id: Int64) async throws -> Silence? {
        try await reader.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM silences WHERE id = ?", arguments: [id]).map(Self.silence(from:))
        }
    }

    // MARK: - Stats

    /// What the bridge has done: the engine's counters and the desk's state.
    public struct Stats: Sendable, Equatable {
        public var counters: EngineCounters
        public var incidentsByStatus: [Incident.Status: Int]
        public var alertsFiring: Int
        /// Inbox entries committed but not yet processed by the engine.
        public var inboxBacklog: Int64
        /// Alerts in those entries.
        public var inboxBacklogAlerts: Int
        public var inboxSequence: Int64
        public var engineSequence: Int64
    }

    public func stats() async throws -> Stats {
        var stats = try await reader.read { db in
            var counters = EngineCounters()
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counters") {
                let value: Int = row["value"]
                switch row["name"] as String {
                case "alerts_received": counters.received = value
                case "alerts_duplicate": counters.duplicates = value
                case "alerts_stale": counters.stale = value
                case "alerts_created": counters.alertsCreated = value
                case "incidents_opened": counters.incidentsOpened = value
                case "alerts_resolved_by_timeout": counters.resolvedByTimeout = value
                case "alerts_suppressed": counters.suppressed = value
                case "syslog_messages": counters.syslogMessages = value
                default: break
                }
            }
            var byStatus: [Incident.Status: Int] = [:]
            for status in Incident.Status.allCases { byStatus[status] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM incidents GROUP BY status") {
                if let status = Incident.Status(rawValue: row["status"]) { byStatus[status] = row["n"] }
            }
            let firing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE status = 'firing'") ?? 0
            let engineSequence = try Int64.fetchOne(db, sql: "SELECT inbox_seq FROM engine_state WHERE id = 1") ?? 0
            return Stats(
                counters: counters, incidentsByStatus: byStatus, alertsFiring: firing, inboxBacklog: 0, inboxBacklogAlerts: 0,
                inboxSequence: engineSequence, engineSequence: engineSequence)
        }
        if let inboxReader {
            let cursor = stats.engineSequence
            let inbox = try await inboxReader.read { db in try Inbox.counts(db, after: cursor) }
            stats.inboxSequence = max(inbox.sequence, stats.engineSequence)
            stats.inboxBacklog = Int64(inbox.backlogEntries)
            stats.inboxBacklogAlerts = inbox.backlogAlerts
        }
        return stats
    }

    // MARK: - Syslog

    /// Syslog messages per host and app since a time, for dashboards: how
    /// much each source says, and how much of it is errors or unparsable.
    public struct SyslogSourceCount: Sendable, Equatable {
        public var host: String
        public var app: String
        public var messages: Int
        public var errors: Int
        public var unparsed: Int
        /// 0 emerg … 7 debug; nil when no message had a PRI.
        public var worstSeverity: Int?
        public var templates: Int
        /// The start of the last minute with a message, Unix milliseconds.
        public var lastMinute: Int64
    }

    /// Counts since `since` (whole minutes: the minute holding `since` counts),
    /// optionally of one host or app, most messages first.
    public func syslogCounts(since: Date, host: String? = nil, app: String? = nil, limit: Int = 100) async throws -> [SyslogSourceCount] {
        let minute = since.unixMilliseconds - ((since.unixMilliseconds % 60_000) + 60_000) % 60_000
        return try await reader.read { db in
            var sql = """
                SELECT host, app, SUM(messages) AS messages, SUM(errors) AS errors, SUM(unparsed) AS unparsed,
                    MIN(worst_severity) AS worst_severity, COUNT(DISTINCT template) AS templates, MAX(minute) AS last_minute
                FROM syslog_counts WHERE minute >= ?
                """
            var arguments: StatementArguments = [minute]
            if let host {
                sql += " AND host = ?"
                _ = arguments.append(contentsOf: [host])
            }
            if let app {
                sql += " AND app = ?"
                _ = arguments.append(contentsOf: [app])
            }
            sql += " GROUP BY host, app ORDER BY messages DESC, host, app LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                SyslogSourceCount(
                    host: row["host"], app: row["app"], messages: row["messages"], errors: row["errors"], unparsed: row["unparsed"],
                    worstSeverity: row["worst_severity"], templates: row["templates"], lastMinute: row["last_minute"])
            }
        }
    }

    /// A template and how often it was seen since a time.
    public struct SyslogTemplateCount: Sendable, Equatable {
        public var app: String
        public var template: String
        public var text: String
        public var messages: Int
        public var hosts: Int
        public var firstSeenAt: Int64
        public var lastSeenAt: Int64
    }

    /// The templates seen since `since`, most messages first: what the
    /// logs mostly say, and on how many hosts.
    public func syslogTemplates(since: Date, app: String? = nil, limit: Int = 100) async throws -> [SyslogTemplateCount] {
        let minute = since.unixMilliseconds - ((since.unixMilliseconds % 60_000) + 60_000) % 60_000
        return try await reader.read { db in
            var sql = """
                SELECT c.app, c.template, coalesce(t.text, '') AS text, SUM(c.messages) AS messages, COUNT(DISTINCT c.host) AS hosts,
                    coalesce(t.first_seen_at, MIN(c.minute)) AS first_seen_at, coalesce(t.last_seen_at, MAX(c.minute)) AS last_seen_at
                FROM syslog_counts c LEFT JOIN syslog_templates t ON t.app = c.app AND t.template = c.template
                WHERE c.minute >= ? AND c.template <> ''
                """
            var arguments: StatementArguments = [minute]
            if let app {
                sql += " AND c.app = ?"
                _ = arguments.append(contentsOf: [app])
            }
            sql += " GROUP BY c.app, c.template ORDER BY messages DESC, c.app, c.template LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                SyslogTemplateCount(
                    app: row["app"], template: row["template"], text: row["text"], messages: row["messages"], hosts: row["hosts"],
                    firstSeenAt: row["first_seen_at"], lastSeenAt: row["last_seen_at"])
            }
        }
    }

    /// SQLite's `PRAGMA integrity_check`: `ok` for a sound file.
    public func integrityCheck() async throws -> String {
        try await reader.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    // MARK: - Rows

    static func incident(from row: Row) throws -> Incident {
        Incident(
            id: row["id"], title: row["title"],
            severity: try enumValue(row, "severity"), priority: try enumValue(row, "priority"), status: try enumValue(row, "status"),
            groupKey: row["group_key"], groupLabels: try labels(row, "group_labels"),
            openedAt: date(row, "opened_at")!, firstAlertAt: date(row, "first_alert_at")!, lastAlertAt: date(row, "last_alert_at")!,
            alertCount: row["alert_count"], firingCount: row["firing_count"],
            acknowledgedAt: date(row, "acknowledged_at"), acknowledgedBy: row["acknowledged_by"],
            resolvedAt: date(row, "resolved_at"), resolvedBy: row["resolved_by"], closedAt: date(row, "closed_at"),
            reopenCount: row["reopen_count"], updatedAt: date(row, "updated_at")!, rule: row["rule"], rootCause: row["root_cause"])
    }

    static func alert(from row: Row) throws -> TrackedAlert {
        let fingerprintHex: String = row["fingerprint"]
        guard let fingerprint = Fingerprint(hex: fingerprintHex) else {
            throw StoreError("alerts row \(row["id"] as Int64): bad fingerprint \(fingerprintHex)")
        }
        let resolution: String? = row["resolution"]
        let suppression: String? = row["suppressed_by"]
        let stateChanges: String? = row["state_changes"]
        return TrackedAlert(
            id: row["id"], fingerprint: fingerprint, incidentID: row["incident_id"], source: row["source"],
            labels: try labels(row, "labels"), annotations: try labels(row, "annotations"), generatorURL: row["generator_url"],
            status: try enumValue(row, "status"), startsAt: date(row, "starts_at")!, endsAt: date(row, "ends_at"),
            firstSeenAt: date(row, "first_seen_at")!, lastSeenAt: date(row, "last_seen_at")!, resolvedAt: date(row, "resolved_at"),
            resolution: resolution.flatMap(TrackedAlert.Resolution.init(rawValue:)),
            duplicateCount: row["duplicate_count"], refireCount: row["refire_count"], joinReason: row["join_reason"],
            suppression: suppression.flatMap(Suppression.init(storedValue:)), priority: try enumValue(row, "priority"),
            flapping: row["flapping"], stateChanges: stateChanges.map { $0.split(separator: ",").compactMap { Int64($0) } } ?? [])
    }

    static func silence(from row: Row) throws -> Silence {
        let text: String = row["matchers"]
        let matchers: Matchers
        do {
            matchers = try Matchers(parsing: text)
        } catch {
            throw StoreError("silences row \(row["id"] as Int64): matchers \(text): \(error)")
        }
        return Silence(
            id: row["id"], matchers: matchers, startsAt: date(row, "starts_at")!, endsAt: date(row, "ends_at")!,
            createdBy: row["created_by"], comment: row["comment"], createdAt: date(row, "created_at")!)
    }

    static func event(from row: Row) throws -> IncidentEvent {
        let fingerprint: String? = row["fingerprint"]
        return IncidentEvent(
            incidentID: row["incident_id"], at: date(row, "at")!, kind: try enumValue(row, "kind"), alertID: row["alert_id"],
            fingerprint: fingerprint.flatMap { Fingerprint(hex: $0) }, detail: row["detail"], actor: row["actor"])
    }

    private static func date(_ row: Row, _ column: String) -> Date? {
        (row[column] as Int64?).map(Date.init(unixMilliseconds:))
    }

    private static func labels(_ row: Row, _ column: String) throws -> LabelSet {
        let text: String = row[column]
        guard let labels = JSON.labelSet(fromObject: text) else {
            throw StoreError("\(column) of a row is not a JSON object of strings")
        }
        return labels
    }

    private static func enumValue<Value: RawRepresentable>(_ row: Row, _ column: String) throws -> Value where Value.RawValue == String {
        let text: String = row[column]
        guard let value = Value(rawValue: text) else { throw StoreError("unexpected \(column) \"\(text)\"") }
        return value
    }
}
