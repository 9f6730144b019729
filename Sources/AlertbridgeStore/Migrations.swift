import GRDB

/// The desk store's schema history (the inbox file has its own, in ``Inbox``). Migrations are frozen: never edit one
/// that has shipped, add a new one. `docs/schema.md` documents every column.
///
/// Times are Unix milliseconds (INTEGER, UTC); label maps are JSON objects
/// (TEXT), readable with SQLite's `json_extract`.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: alerts, incidents, timeline, silences, engine state, syslog counts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE engine_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        inbox_seq INTEGER NOT NULL,
                        engine_now INTEGER NOT NULL,
                        next_alert_id INTEGER NOT NULL,
                        next_incident_id INTEGER NOT NULL,
                        next_silence_id INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    INSERT INTO engine_state (id, inbox_seq, engine_now, next_alert_id, next_incident_id, next_silence_id, updated_at)
                        VALUES (1, 0, -9223372036854775808, 1, 1, 1, 0);

                    CREATE TABLE incidents (
                        id INTEGER PRIMARY KEY,
                        title TEXT NOT NULL,
                        severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning', 'info')),
                        priority TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
                        status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'closed')),
                        group_key TEXT NOT NULL,
                        group_labels TEXT NOT NULL,
                        rule TEXT,
                        root_cause TEXT,
                        service TEXT,
                        env TEXT,
                        opened_at INTEGER NOT NULL,
                        first_alert_at INTEGER NOT NULL,
                        last_alert_at INTEGER NOT NULL,
                        alert_count INTEGER NOT NULL,
                        firing_count INTEGER NOT NULL,
                        acknowledged_at INTEGER,
                        acknowledged_by TEXT,
                        resolved_at INTEGER,
                        resolved_by TEXT,
                        closed_at INTEGER,
                        reopen_count INTEGER NOT NULL DEFAULT 0,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX incidents_by_status ON incidents (status, id);
                    CREATE INDEX incidents_by_service ON incidents (service, id);

                    CREATE TABLE alerts (
                        id INTEGER PRIMARY KEY,
                        fingerprint TEXT NOT NULL,
                        incident_id INTEGER REFERENCES incidents (id),
                        source TEXT NOT NULL,
                        alertname TEXT,
                        severity TEXT,
                        status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
                        labels TEXT NOT NULL,
                        annotations TEXT NOT NULL,
                        generator_url TEXT,
                        starts_at INTEGER NOT NULL,
                        ends_at INTEGER,
                        first_seen_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        resolved_at INTEGER,
                        resolution TEXT CHECK (resolution IN ('sender', 'timeout', 'incident_closed')),
                        duplicate_count INTEGER NOT NULL,
                        refire_count INTEGER NOT NULL,
                        join_reason TEXT NOT NULL,
                        suppressed_by TEXT,
                        priority TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
                        flapping INTEGER NOT NULL DEFAULT 0,
                        state_changes TEXT
                    );
                    CREATE INDEX alerts_suppressed ON alerts (id) WHERE incident_id IS NULL;
                    CREATE INDEX alerts_by_fingerprint ON alerts (fingerprint, id);
                    CREATE INDEX alerts_by_incident ON alerts (incident_id, id);
                    CREATE INDEX alerts_by_status ON alerts (status, id);

                    CREATE TABLE incident_alerts (
                        incident_id INTEGER NOT NULL REFERENCES incidents (id),
                        alert_id INTEGER NOT NULL REFERENCES alerts (id),
                        joined_at INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        PRIMARY KEY (incident_id, alert_id)
                    ) WITHOUT ROWID;

                    CREATE TABLE incident_events (
                        id INTEGER PRIMARY KEY,
                        incident_id INTEGER REFERENCES incidents (id),
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        alert_id INTEGER,
                        fingerprint TEXT,
                        detail TEXT NOT NULL,
                        actor TEXT
                    );
                    CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
                    CREATE INDEX incident_events_by_alert ON incident_events (alert_id, id) WHERE alert_id IS NOT NULL;

                    CREATE TABLE silences (
                        id INTEGER PRIMARY KEY,
                        matchers TEXT NOT NULL,
                        starts_at INTEGER NOT NULL,
                        ends_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        comment TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX silences_by_end ON silences (ends_at);

                    CREATE TABLE counters (
                        name TEXT PRIMARY KEY,
                        value INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    INSERT INTO counters (name, value) VALUES
                        ('alerts_received', 0), ('alerts_duplicate', 0), ('alerts_stale', 0),
                        ('alerts_created', 0), ('incidents_opened', 0), ('alerts_resolved_by_timeout', 0),
                        ('alerts_suppressed', 0), ('syslog_messages', 0);

                    CREATE TABLE syslog_counts (
                        minute INTEGER NOT NULL,
                        host TEXT NOT NULL,
                        app TEXT NOT NULL,
                        template TEXT NOT NULL,
                        messages INTEGER NOT NULL,
                        errors INTEGER NOT NULL,
                        unparsed INTEGER NOT NULL,
                        worst_severity INTEGER,
                        PRIMARY KEY (minute, host, app, template)
                    ) WITHOUT ROWID;
                    CREATE INDEX syslog_counts_by_host ON syslog_counts (host, app, minute);

                    CREATE TABLE syslog_templates (
                        app TEXT NOT NULL,
                        template TEXT NOT NULL,
                        text TEXT NOT NULL,
                        first_seen_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        messages INTEGER NOT NULL,
                        PRIMARY KEY (app, template)
                    ) WITHOUT ROWID;
                    """)
        }
        // A repeat of a known alert moves three columns, and in a storm nearly
        // every alert of a step is one. Updated in the wide row (400 bytes,
        // ten to a page), each cost 6 µs of SQLite's CPU and another 5 µs
        // writing its page to the WAL at commit; in a row of their own, 1.9
        // and 0.7 µs (600 refreshes of 5,000 alerts per transaction, the load
        // test's mix). `alerts` stays what dashboards read: a view joining
        // the two, column for column as before.
        migrator.registerMigration("v2: an alert's receipts apart from its row") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alerts RENAME TO alert_rows;
                    CREATE TABLE alert_receipts (
                        alert_id INTEGER PRIMARY KEY REFERENCES alert_rows (id),
                        ends_at INTEGER,
                        last_seen_at INTEGER NOT NULL,
                        duplicate_count INTEGER NOT NULL
                    );
                    INSERT INTO alert_receipts (alert_id, ends_at, last_seen_at, duplicate_count)
                        SELECT id, ends_at, last_seen_at, duplicate_count FROM alert_rows;
                    ALTER TABLE alert_rows DROP COLUMN ends_at;
                    ALTER TABLE alert_rows DROP COLUMN last_seen_at;
                    ALTER TABLE alert_rows DROP COLUMN duplicate_count;
                    CREATE VIEW alerts AS
                        SELECT r.id, r.fingerprint, r.incident_id, r.source, r.alertname, r.severity, r.status, r.labels,
                            r.annotations, r.generator_url, r.starts_at, a.ends_at, r.first_seen_at, a.last_seen_at,
                            r.resolved_at, r.resolution, a.duplicate_count, r.refire_count, r.join_reason, r.suppressed_by,
                            r.priority, r.flapping, r.state_changes
                        FROM alert_rows AS r JOIN alert_receipts AS a ON a.alert_id = r.id;
                    """)
        }
        return migrator
    }
}
