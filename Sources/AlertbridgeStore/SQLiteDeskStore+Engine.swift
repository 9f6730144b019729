public import AlertbridgeCore
import Foundation
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
                    UPDATE engine_state SET inbox_seq = ?, engine_now = ?, next_alert_id = ?, next_incident_id = ?, updated_at = ?
                    WHERE id = 1
                    """
            ).execute(arguments: [sequence, marks.now, marks.nextAlertID, marks.nextIncidentID, Date().unixMilliseconds])
        }
    }

    static func write(_ changes: DeskChanges, in db: Database) throws {
        // Incidents first: alerts reference them.
        if !changes.incidents.isEmpty {
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO incidents (id, title, severity, priority, status, group_key, group_labels, service, env,
                        opened_at, first_alert_at, last_alert_at, alert_count, firing_count, acknowledged_at, acknowledged_by,
                        resolved_at, resolved_by, closed_at, reopen_count, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        title = excluded.title, severity = excluded.severity, priority = excluded.priority,
                        status = excluded.status, last_alert_at = excluded.last_alert_at,
                        alert_count = excluded.alert_count, firing_count = excluded.firing_count,
                        acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
                        resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
                        closed_at = excluded.closed_at, reopen_count = excluded.reopen_count, updated_at = excluded.updated_at
                    """)
            for incident in changes.incidents {
                try upsert.execute(arguments: [
                    incident.id, incident.title, incident.severity.rawValue, incident.priority.rawValue,
                    incident.status.rawValue, incident.groupKey, JSON.object(incident.groupLabels),
                    incident.groupLabels["service"], incident.groupLabels["env"],
                    incident.openedAt.unixMilliseconds, incident.firstAlertAt.unixMilliseconds,
                    incident.lastAlertAt.unixMilliseconds, incident.alertCount, incident.firingCount,
                    incident.acknowledgedAt?.unixMilliseconds, incident.acknowledgedBy,
                    incident.resolvedAt?.unixMilliseconds, incident.resolvedBy, incident.closedAt?.unixMilliseconds,
                    incident.reopenCount, incident.updatedAt.unixMilliseconds,
                ])
            }
        }
        if !changes.alerts.isEmpty {
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO alerts (id, fingerprint, incident_id, source, alertname, severity, status, labels, annotations,
                        generator_url, starts_at, ends_at, first_seen_at, last_seen_at, resolved_at, resolution,
                        duplicate_count, refire_count, join_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let link = try db.cachedStatement(
                sql: "INSERT INTO incident_alerts (incident_id, alert_id, joined_at, reason) VALUES (?, ?, ?, ?)")
            let update = try db.cachedStatement(
                sql: """
                    UPDATE alerts SET status = ?, annotations = ?, generator_url = ?, starts_at = ?, ends_at = ?,
                        last_seen_at = ?, resolved_at = ?, resolution = ?, duplicate_count = ?, refire_count = ?
                    WHERE id = ?
                    """)
            // The storm case: a repeat moves these and nothing else, and no
            // indexed column (alerts_by_status) is touched.
            let refresh = try db.cachedStatement(
                sql: "UPDATE alerts SET ends_at = ?, last_seen_at = ?, duplicate_count = ? WHERE id = ?")
            let describe = try db.cachedStatement(sql: "UPDATE alerts SET annotations = ?, generator_url = ? WHERE id = ?")
            for alert in changes.alerts {
                let change = changes.change(ofAlert: alert.id)
                if change.contains(.created) {
                    try insert.execute(arguments: [
                        alert.id, alert.fingerprint.hex, alert.incidentID, alert.source, alert.labels["alertname"],
                        alert.labels["severity"], alert.status.rawValue, JSON.object(alert.labels), JSON.object(alert.annotations),
                        alert.generatorURL, alert.startsAt.unixMilliseconds, alert.endsAt?.unixMilliseconds,
                        alert.firstSeenAt.unixMilliseconds, alert.lastSeenAt.unixMilliseconds,
                        alert.resolvedAt?.unixMilliseconds, alert.resolution?.rawValue,
                        alert.duplicateCount, alert.refireCount, alert.joinReason,
                    ])
                    try link.execute(arguments: [alert.incidentID, alert.id, alert.firstSeenAt.unixMilliseconds, alert.joinReason])
                } else if change.contains(.lifecycle) {
                    try update.execute(arguments: [
                        alert.status.rawValue, JSON.object(alert.annotations), alert.generatorURL,
                        alert.startsAt.unixMilliseconds, alert.endsAt?.unixMilliseconds, alert.lastSeenAt.unixMilliseconds,
                        alert.resolvedAt?.unixMilliseconds, alert.resolution?.rawValue, alert.duplicateCount,
                        alert.refireCount, alert.id,
                    ])
                } else {
                    try refresh.execute(arguments: [
                        alert.endsAt?.unixMilliseconds, alert.lastSeenAt.unixMilliseconds, alert.duplicateCount, alert.id,
                    ])
                    if change.contains(.description) {
                        try describe.execute(arguments: [JSON.object(alert.annotations), alert.generatorURL, alert.id])
                    }
                }
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
            ] where delta != 0 {
                try add.execute(arguments: [delta, name])
            }
        }
    }

    /// Where the engine left off: its state and the last inbox entry it processed.
    public struct EngineCheckpoint: Sendable {
        public var snapshot: EngineSnapshot
        public var inboxSequence: Int64
    }

    /// Loads the engine's state as the last committed step left it.
    public func loadCheckpoint() async throws -> EngineCheckpoint {
        try await pool.read { db in
            guard let state = try Row.fetchOne(db, sql: "SELECT * FROM engine_state WHERE id = 1") else {
                throw StoreError("desk store has no engine_state row")
            }
            let incidents = try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE status != 'closed' ORDER BY id")
                .map(DeskQueries.incident(from:))
            let alerts = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM alerts WHERE incident_id IN (SELECT id FROM incidents WHERE status != 'closed') ORDER BY id
                    """
            ).map(DeskQueries.alert(from:))
            let snapshot = EngineSnapshot(
                alerts: alerts, incidents: incidents, nextAlertID: state["next_alert_id"],
                nextIncidentID: state["next_incident_id"], now: state["engine_now"])
            return EngineCheckpoint(snapshot: snapshot, inboxSequence: state["inbox_seq"])
        }
    }
}
