public import AlertbridgeCore
public import Foundation
import GRDB

extension SQLiteDeskStore {
    /// Writes one engine step and advances the engine's inbox cursor to
    /// `sequence`, in one transaction: either both are durable or neither is,
    /// so after a crash no inbox entry is processed twice or skipped.
    ///
    /// Alerts are written as they are after the step (coalesced): a storm of
    /// repeats costs one row update per touched alert, not one per receipt.
    public func apply(_ changes: DeskChanges, through sequence: Int64, marks: Engine.Marks) async throws {
        try await pool.write { db in
            try Self.write(changes, in: db)
            try db.cachedStatement(
                sql: """
                    UPDATE engine_state SET inbox_seq = ?, engine_now = ?, next_alert_id = ?, next_incident_id = ?,
                        next_silence_id = ?, updated_at = ?
                    WHERE id = 1
                    """
            ).execute(arguments: [
                sequence, marks.now, marks.nextAlertID, marks.nextIncidentID, marks.nextSilenceID, Date().unixMilliseconds,
            ])
        }
    }

    /// Drops the syslog counts of minutes before `cutoff`, and templates not
    /// seen since: dashboards look back days, not years.
    public func pruneSyslogCounts(before cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM syslog_counts WHERE minute < ?", arguments: [cutoff.unixMilliseconds])
            let rows = db.changesCount
            try db.execute(sql: "DELETE FROM syslog_templates WHERE last_seen_at < ?", arguments: [cutoff.unixMilliseconds])
            return rows
        }
    }

    static func write(_ changes: DeskChanges, in db: Database) throws {
        // Incidents first: alerts reference them.
        if !changes.incidents.isEmpty {
            try writeIncidents(changes.incidents, in: db)
        }
        if !changes.alerts.isEmpty {
            try writeAlerts(changes, in: db)
        }
        if !changes.silences.isEmpty {
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET ends_at = excluded.ends_at
                    """)
            for silence in changes.silences {
                try upsert.execute(arguments: [
                    silence.id, silence.matchers.description, silence.startsAt.unixMilliseconds, silence.endsAt.unixMilliseconds,
                    silence.createdBy, silence.comment, silence.createdAt.unixMilliseconds,
                ])
            }
        }
        if !changes.events.isEmpty {
            let insert = try db.cachedStatement(
                sql: "INSERT INTO incident_events (incident_id, at, kind, alert_id, fingerprint, detail, actor) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for event in changes.events {
                try insert.execute(arguments: [
                    event.incidentID, event.at.unixMilliseconds, event.kind.rawValue, event.alertID,
                    event.fingerprint?.hex, event.detail, event.actor,
                ])
            }
        }
        let counters = changes.counters
        if counters != EngineCounters() {
            let add = try db.cachedStatement(sql: "UPDATE counters SET value = value + ? WHERE name = ?")
            for (name, delta) in [
                ("alerts_received", counters.received), ("alerts_duplicate", counters.duplicates),
                ("alerts_stale", counters.stale), ("alerts_created", counters.alertsCreated),
                ("incidents_opened", counters.incidentsOpened), ("alerts_resolved_by_timeout", counters.resolvedByTimeout),
                ("alerts_suppressed", counters.suppressed), ("syslog_messages", counters.syslogMessages),
            ] where delta != 0 {
                try add.execute(arguments: [delta, name])
            }
        }
        if !changes.syslogCounts.isEmpty {
            try writeSyslogCounts(changes, in: db)
        }
    }

    /// A touched incident is updated in place, and inserted when there is
    /// none. Not as an upsert (`INSERT … ON CONFLICT DO UPDATE`): SQLite
    /// 3.40 took about 190 µs for an upsert that changes `status` (an
    /// indexed column) against 16 µs for the same plain `UPDATE`, and a step
    /// of a storm touches every open incident.
    private static func writeIncidents(_ incidents: [Incident], in db: Database) throws {
        let update = try db.cachedStatement(
            sql: """
                UPDATE incidents SET title = ?, severity = ?, priority = ?, status = ?, root_cause = ?, last_alert_at = ?,
                    alert_count = ?, firing_count = ?, acknowledged_at = ?, acknowledged_by = ?, resolved_at = ?,
                    resolved_by = ?, closed_at = ?, reopen_count = ?, updated_at = ?
                WHERE id = ?
                """)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO incidents (id, title, severity, priority, status, group_key, group_labels, rule, root_cause,
                    service, env, opened_at, first_alert_at, last_alert_at, alert_count, firing_count, acknowledged_at,
                    acknowledged_by, resolved_at, resolved_by, closed_at, reopen_count, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for incident in incidents {
            try update.execute(
                bound: .text(incident.title), .text(incident.severity.rawValue), .text(incident.priority.rawValue),
                .text(incident.status.rawValue), .text(incident.rootCause), .integer(incident.lastAlertAt.unixMilliseconds),
                .integer(Int64(incident.alertCount)), .integer(Int64(incident.firingCount)),
                .integer(incident.acknowledgedAt?.unixMilliseconds), .text(incident.acknowledgedBy),
                .integer(incident.resolvedAt?.unixMilliseconds), .text(incident.resolvedBy),
                .integer(incident.closedAt?.unixMilliseconds), .integer(Int64(incident.reopenCount)),
                .integer(incident.updatedAt.unixMilliseconds), .integer(incident.id))
            guard db.changesCount == 0 else { continue }
            try insert.execute(arguments: [
                incident.id, incident.title, incident.severity.rawValue, incident.priority.rawValue,
                incident.status.rawValue, incident.groupKey, JSON.object(incident.groupLabels), incident.rule, incident.rootCause,
                incident.groupLabels["service"], incident.groupLabels["env"],
                incident.openedAt.unixMilliseconds, incident.firstAlertAt.unixMilliseconds,
                incident.lastAlertAt.unixMilliseconds, incident.alertCount, incident.firingCount,
                incident.acknowledgedAt?.unixMilliseconds, incident.acknowledgedBy,
                incident.resolvedAt?.unixMilliseconds, incident.resolvedBy, incident.closedAt?.unixMilliseconds,
                incident.reopenCount, incident.updatedAt.unixMilliseconds,
            ])
        }
    }

    /// Adds a batch's syslog tallies to their minutes' rows, and refreshes
    /// the templates seen.
    private static func writeSyslogCounts(_ changes: DeskChanges, in db: Database) throws {
        let add = try db.cachedStatement(
            sql: """
                INSERT INTO syslog_counts (minute, host, app, template, messages, errors, unparsed, worst_severity)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (minute, host, app, template) DO UPDATE SET
                    messages = messages + excluded.messages, errors = errors + excluded.errors,
                    unparsed = unparsed + excluded.unparsed,
                    worst_severity = nullif(min(coalesce(worst_severity, 8), coalesce(excluded.worst_severity, 8)), 8)
                """)
        for (key, tally) in changes.syslogCounts {
            try add.execute(arguments: [
                key.minute, key.host, key.app, key.template, tally.messages, tally.errors, tally.unparsed, tally.worstSeverity,
            ])
        }
        guard !changes.syslogTemplates.isEmpty else { return }
        let seen = try db.cachedStatement(
            sql: """
                INSERT INTO syslog_templates (app, template, text, first_seen_at, last_seen_at, messages)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (app, template) DO UPDATE SET
                    text = CASE WHEN excluded.text <> '' THEN excluded.text ELSE text END,
                    last_seen_at = max(last_seen_at, excluded.last_seen_at), messages = messages + excluded.messages
                """)
        for (key, template) in changes.syslogTemplates {
            try seen.execute(arguments: [key.app, key.template, template.text, template.firstSeen, template.lastSeen, template.messages])
        }
    }

    /// Each alert as little as its change needs: a new one inserted (and
    /// linked to its incident), a changed lifecycle written whole, a repeat
    /// as its receipt (``Migrations``: `alert_receipts`).
    private static func writeAlerts(_ changes: DeskChanges, in db: Database) throws {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO alert_rows (id, fingerprint, incident_id, source, alertname, severity, status, labels, annotations,
                    generator_url, starts_at, first_seen_at, resolved_at, resolution, refire_count, join_reason, suppressed_by,
                    priority, flapping, state_changes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insertReceipt = try db.cachedStatement(
            sql: "INSERT INTO alert_receipts (ends_at, last_seen_at, duplicate_count, alert_id) VALUES (?, ?, ?, ?)")
        let link = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO incident_alerts (incident_id, alert_id, joined_at, reason) VALUES (?, ?, ?, ?)")
        let update = try db.cachedStatement(
            sql: """
                UPDATE alert_rows SET incident_id = ?, status = ?, annotations = ?, generator_url = ?, starts_at = ?,
                    resolved_at = ?, resolution = ?, refire_count = ?, join_reason = ?, suppressed_by = ?, flapping = ?,
                    state_changes = ?
                WHERE id = ?
                """)
        // The storm case: a repeat moves these and nothing else.
        let refresh = try db.cachedStatement(
            sql: "UPDATE alert_receipts SET ends_at = ?, last_seen_at = ?, duplicate_count = ? WHERE alert_id = ?")
        let describe = try db.cachedStatement(sql: "UPDATE alert_rows SET annotations = ?, generator_url = ? WHERE id = ?")
        for alert in changes.alerts {
            let change = changes.change(ofAlert: alert.id)
            let receipt = (alert.endsAt?.unixMilliseconds, alert.lastSeenAt.unixMilliseconds, Int64(alert.duplicateCount), alert.id)
            if change.contains(.created) {
                try insert.execute(arguments: [
                    alert.id, alert.fingerprint.hex, alert.incidentID, alert.source, alert.labels["alertname"],
                    alert.labels["severity"], alert.status.rawValue, JSON.object(alert.labels), JSON.object(alert.annotations),
                    alert.generatorURL, alert.startsAt.unixMilliseconds, alert.firstSeenAt.unixMilliseconds,
                    alert.resolvedAt?.unixMilliseconds, alert.resolution?.rawValue, alert.refireCount, alert.joinReason,
                    alert.suppression?.storedValue, alert.priority.rawValue, alert.flapping, stateChangesText(alert.stateChanges),
                ])
                try insertReceipt.execute(bound: .integer(receipt.0), .integer(receipt.1), .integer(receipt.2), .integer(receipt.3))
            } else {
                try refresh.execute(bound: .integer(receipt.0), .integer(receipt.1), .integer(receipt.2), .integer(receipt.3))
                if change.contains(.lifecycle) || change.contains(.attached) {
                    try update.execute(arguments: [
                        alert.incidentID, alert.status.rawValue, JSON.object(alert.annotations), alert.generatorURL,
                        alert.startsAt.unixMilliseconds, alert.resolvedAt?.unixMilliseconds, alert.resolution?.rawValue,
                        alert.refireCount, alert.joinReason, alert.suppression?.storedValue, alert.flapping,
                        stateChangesText(alert.stateChanges), alert.id,
                    ])
                } else if change.contains(.description) {
                    try describe.execute(arguments: [JSON.object(alert.annotations), alert.generatorURL, alert.id])
                }
            }
            if let incidentID = alert.incidentID, change.contains(.created) || change.contains(.attached) {
                try link.execute(arguments: [incidentID, alert.id, alert.lastSeenAt.unixMilliseconds, alert.joinReason])
            }
        }
    }

    /// Recent state change times as comma-separated milliseconds; NULL for none.
    static func stateChangesText(_ changes: [Int64]) -> String? {
        changes.isEmpty ? nil : changes.map(String.init).joined(separator: ",")
    }

    /// Where the engine left off: its state and the last inbox entry it processed.
    public struct EngineCheckpoint: Sendable {
        public var snapshot: EngineSnapshot
        public var inboxSequence: Int64
    }

    /// Loads the engine's state as the last committed step left it: incidents
    /// not closed and their alerts, suppressed alerts the engine still holds
    /// (firing, or resolved less than `forgetAfter` ago), silences not ended.
    public func loadCheckpoint(forgetAfter: Duration) async throws -> EngineCheckpoint {
        try await pool.read { db in
            guard let state = try Row.fetchOne(db, sql: "SELECT * FROM engine_state WHERE id = 1") else {
                throw StoreError("desk store has no engine_state row")
            }
            let now: Int64 = state["engine_now"]
            let incidents = try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE status != 'closed' ORDER BY id")
                .map(DeskQueries.incident(from:))
            let alerts = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM alerts WHERE incident_id IN (SELECT id FROM incidents WHERE status != 'closed')
                    UNION ALL
                    SELECT * FROM alerts WHERE incident_id IS NULL
                        AND (status = 'firing' OR flapping = 1 OR resolved_at > ?)
                    ORDER BY id
                    """, arguments: [now == .min ? Int64.min : now - forgetAfter.milliseconds]
            ).map(DeskQueries.alert(from:))
            let silences = try Row.fetchAll(db, sql: "SELECT * FROM silences WHERE ends_at > ? ORDER BY id", arguments: [now])
                .map(DeskQueries.silence(from:))
            let snapshot = EngineSnapshot(
                alerts: alerts, incidents: incidents, silences: silences, nextAlertID: state["next_alert_id"],
                nextIncidentID: state["next_incident_id"], nextSilenceID: state["next_silence_id"], now: now)
            return EngineCheckpoint(snapshot: snapshot, inboxSequence: state["inbox_seq"])
        }
    }
}
