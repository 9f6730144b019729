import AlertbridgeCore
@testable import AlertbridgeStore
import AlertbridgeTestSupport
import Foundation
import GRDB
import Testing

private let t = AlertBuilder.time

@Suite struct AlertCodecTests {
    @Test("alerts survive the inbox's binary form bit for bit")
    func roundTrip() throws {
        let alerts = [
            AlertBuilder.alert(
                ["alertname": "InstanceDown", "instance": "κόσμε:9100", "empty": ""], annotations: ["summary": "a \"quoted\"\nline"],
                startsAt: -5, endsAt: 300, at: 0),
            Alert(
                source: "prometheus", labels: ["a": "b"], status: .resolved, startsAt: Date(unixMilliseconds: -62_135_596_800_000),
                endsAt: nil, receivedAt: Date(unixMilliseconds: 1_715_594_561_227), generatorURL: "http://x/graph?g0.expr=up"),
        ]
        #expect(try AlertCodec.decode(AlertCodec.encode(alerts)) == alerts)
        #expect(AlertCodec.encodeData(alerts) == Data(AlertCodec.encode(alerts)))
        #expect(try AlertCodec.decode(AlertCodec.encodeData(alerts)) == alerts)
        #expect(try AlertCodec.decode(AlertCodec.encode([])) == [])
        var withIdentity = alerts
        withIdentity[1].identity = "dedup-κλειδί-1"
        withIdentity.append(Alert(source: "zabbix", labels: ["a": "c"], startsAt: t(1), receivedAt: t(1), identity: "4251"))
        #expect(try AlertCodec.decode(AlertCodec.encode(withIdentity)) == withIdentity)
    }

    @Test("long strings and large batches take multi-byte lengths and still round-trip")
    func multiByteLengths() throws {
        // 127 and 128 are the edges of a one-byte length; 20,000 takes three.
        let long = Alert(
            source: "generic", labels: ["alertname": String(repeating: "a", count: 127), "b": String(repeating: "β", count: 64)],
            annotations: ["description": String(repeating: "x", count: 20_000)], startsAt: t(1), receivedAt: t(2),
            generatorURL: String(repeating: "u", count: 128), identity: String(repeating: "i", count: 300))
        let batch = (0..<300).map { index in AlertBuilder.alert(["alertname": "A\(index)"], at: Double(index)) } + [long]
        let bytes = AlertCodec.encode(batch)
        #expect(try AlertCodec.decode(bytes) == batch)
        #expect(bytes.count > 20_000 + 300 * 10)
    }

    @Test("a batch without identities is written as version 1, byte for byte as before; one with them as version 2")
    func versions() throws {
        // Written by the release before identities (version 1): must stay readable.
        let versionOne: [UInt8] = [
            1, 1, 4, 0x67, 0x65, 0x6E, 0x65, 1, 1, 0x61, 1, 0x62, 0, 0, 0, 0, 0, 1, 3, 0x75, 0x72, 0x6C,
        ]
        let decoded = try AlertCodec.decode(versionOne)
        let zero = Date(unixMilliseconds: 0)
        #expect(decoded == [Alert(source: "gene", labels: ["a": "b"], startsAt: zero, receivedAt: zero, generatorURL: "url")])
        #expect(AlertCodec.encode(decoded) == versionOne)
        var identified = decoded
        identified[0].identity = "k"
        let versionTwo = AlertCodec.encode(identified)
        #expect(versionTwo.first == 2 && Array(versionTwo.suffix(7)) == [3, 3, 0x75, 0x72, 0x6C, 1, 0x6B])
        #expect(try AlertCodec.decode(versionTwo) == identified)
        // A version-1 entry cannot say "identity follows".
        var forged = versionOne
        forged[forged.count - 5] = 3
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode(forged) }
    }

    @Test("an alert that repeats the one before is written as version 3, and what it repeats costs a byte")
    func repeats() throws {
        // Syslog lines from one sender, as intake builds them: same source,
        // labels and template; message and timestamp differ.
        let template = "session opened for user <*> by (uid=<*>)"
        let lines = (0..<100).map { index in
            Alert(
                source: "syslog", labels: ["app": "sshd", "facility": "auth", "format": "rfc5424", "host": "web-1", "template": "1f2e3d4c5b6a7988"],
                annotations: ["message": "session opened for user u\(index) by (uid=\(1000 + index))", "template": template, "timestamp": "2026-11-24T04:00:\(index % 60)Z"],
                startsAt: t(Double(index)), receivedAt: t(100))
        }
        let bytes = AlertCodec.encode(lines)
        #expect(bytes.first == 3)
        #expect(try AlertCodec.decode(bytes) == lines)
        let alone = lines.map { AlertCodec.encode([$0]).count - 2 }.reduce(0, +)
        #expect(bytes.count < alone / 2, "\(bytes.count) bytes for what takes \(alone) one alert at a time")

        // Every kind of difference from the alert before, in one batch.
        var mixed = lines.prefix(3).map { $0 }
        mixed[1].annotations = ["message": "other", "summary": "new name at the template's place", "timestamp": "t"]
        mixed[2].labels = mixed[2].labels.setting("host", to: "web-2")
        mixed[2].identity = "k-2"
        mixed.append(Alert(source: "generic", labels: ["a": "b"], status: .resolved, startsAt: t(1), endsAt: t(2), receivedAt: t(3), generatorURL: "http://g"))
        mixed.append(mixed[3])
        let encoded = AlertCodec.encode(mixed)
        #expect(encoded.first == 3)
        #expect(try AlertCodec.decode(encoded) == mixed)
        var memo = LabelSetMemo()
        #expect(try AlertCodec.decode(encoded, memo: &memo).map(\.fingerprint) == mixed.map(\.fingerprint))
        // Nothing repeated: still version 1, as the release before writes it.
        let distinct = [
            Alert(source: "prometheus", labels: ["a": "1"], startsAt: t(0), receivedAt: t(0)),
            Alert(source: "grafana", labels: ["b": "2"], annotations: ["summary": "s"], startsAt: t(0), receivedAt: t(0)),
        ]
        #expect(AlertCodec.encode(distinct).first == 1)
        #expect(try AlertCodec.decode(AlertCodec.encode(distinct)) == distinct)
    }

    @Test("version 3 that repeats what is not there, or is cut short, is an error")
    func corruptRepeats() throws {
        let zero = Date(unixMilliseconds: 0)
        // One alert: source "s", labels a=b, no annotations; the second says "same source".
        let first: [UInt8] = [0, 1, 0x73, 1, 1, 0x61, 1, 0x62, 0, 0, 0, 0, 0]
        let valid: [UInt8] = [3, 2] + first + [4, 1, 1, 0x61, 1, 0x63, 0, 0, 0, 0, 0]
        #expect(try AlertCodec.decode(valid) == [
            Alert(source: "s", labels: ["a": "b"], startsAt: zero, receivedAt: zero),
            Alert(source: "s", labels: ["a": "c"], startsAt: zero, receivedAt: zero),
        ])
        for length in 0..<valid.count {
            #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode(Array(valid.prefix(length))) }
        }
        // The first alert cannot repeat anything.
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([3, 1, 4, 1, 0x61, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([3, 1, 8, 1, 0x73, 0, 0, 0, 0, 0]) }
        // An annotation repeating a place the alert before does not have.
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([3, 2] + first + [12, 1, 2, 0, 0, 0, 0]) }
        // Unknown head bits and tags.
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([3, 1, 16, 1, 0x73, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([3, 2] + first + [12, 1, 3, 0, 0, 0, 0]) }
    }

    @Test("truncated or foreign bytes are an error, never a crash")
    func corrupt() {
        let bytes = AlertCodec.encode([AlertBuilder.alert(["a": "b"], at: 0)])
        for length in 0..<bytes.count {
            #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode(Array(bytes.prefix(length))) }
        }
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([4, 0]) }
        #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode([1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
    }

    @Test("label sets remembered from entry to entry decode exactly as alone; truncation is still an error")
    func rememberedLabelSets() throws {
        let batches = (0..<3).map { batch in
            [
                AlertBuilder.alert(["alertname": "A", "instance": "x:1"], annotations: ["summary": "batch \(batch)"], at: Double(batch)),
                AlertBuilder.alert(["alertname": "A", "instance": "x:2"], at: Double(batch)),
                AlertBuilder.alert(["alertname": "A", "instance": "x:1", "job": "j"], at: Double(batch)),
                AlertBuilder.alert(["alertname": "A"], annotations: ["alertname": "A"], at: Double(batch)),
                AlertBuilder.alert(["alertname": "A", "instance": "x:1"], status: .resolved, endsAt: 9, at: Double(batch)),
            ]
        }
        var memo = LabelSetMemo()
        for alerts in batches {
            let decoded = try AlertCodec.decode(AlertCodec.encode(alerts), memo: &memo)
            #expect(decoded == alerts)
            #expect(decoded.map(\.fingerprint) == alerts.map { Fingerprint($0.labels) })
        }
        #expect(memo.count == 4, "one entry per distinct label set")
        let bytes = AlertCodec.encode(batches[0])
        for length in 0..<bytes.count {
            #expect(throws: AlertCodec.DecodingError.self) { try AlertCodec.decode(Array(bytes.prefix(length)), memo: &memo) }
        }
    }
}

@Suite struct BoundStatementTests {
    @Test("values bound straight to SQLite read back as GRDB binds them: NULL, integers, text, blobs, the empty blob")
    func roundTrip() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n BLOB)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t (i, s, b, n) VALUES (?, ?, ?, ?)")
            let rows: [(Int64?, String, Data, Data?)] = [
                (.min, "ünïcode ✓ \u{0}", Data([0, 1, 2, 255]), nil),
                (nil, "", Data(), Data()),
                (42, String(repeating: "x", count: 10_000), Data(repeating: 7, count: 100_000), Data([9])),
            ]
            for row in rows {
                try insert.execute(bound: .integer(row.0), .text(row.1), .blob(row.2), .blob(row.3))
            }
            // The text's bytes as a blob: GRDB reads text up to a NUL.
            let stored = try Row.fetchAll(
                db, sql: "SELECT i, CAST(s AS BLOB) AS s, typeof(s) AS ts, b, n, typeof(b) AS tb, typeof(n) AS tn FROM t ORDER BY rowid")
            #expect(stored.count == rows.count)
            for (row, expected) in zip(stored, rows) {
                #expect(row["i"] as Int64? == expected.0)
                #expect(row["s"] as Data? ?? Data() == Data(expected.1.utf8))
                #expect(row["ts"] as String == "text")
                #expect(row["b"] as Data == expected.2)
                #expect(row["tb"] as String == "blob")
                #expect(row["n"] as Data? == expected.3)
                #expect(row["tn"] as String == (expected.3 == nil ? "null" : "blob"))
            }
            // A failing step is an error that names it, and the statement runs again after it.
            try db.execute(sql: "CREATE TABLE u (i INTEGER NOT NULL)")
            let strict = try db.cachedStatement(sql: "INSERT INTO u (i) VALUES (?)")
            #expect(throws: DatabaseError.self) { try strict.execute(bound: .null) }
            try strict.execute(bound: .integer(1))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM u") == 1)
        }
    }
}

@Suite struct DeskStoreTests {
    @Test("the store opens in WAL mode with synchronous=FULL, and NORMAL only when asked")
    func durability() throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("full.sqlite"))
        #expect(try store.synchronousSettings() == (desk: 2, inbox: 2))
        let relaxed = try SQLiteDeskStore(path: directory.path("normal.sqlite"), durability: .normal)
        #expect(try relaxed.synchronousSettings() == (desk: 1, inbox: 1))
    }

    @Test(
        "the inbox is a file of its own beside the desk store",
        arguments: [
            ("alertbridge.sqlite", "alertbridge.inbox.sqlite"), ("/var/lib/desk.db", "/var/lib/desk.inbox.db"),
            ("store", "store.inbox"), (".sqlite", ".sqlite.inbox"),
        ])
    func inboxPath(desk: String, inbox: String) {
        #expect(SQLiteDeskStore.inboxPath(for: desk) == inbox)
    }

    @Test("a new inbox file beside a desk store that processed more continues after its cursor")
    func replacedInbox() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("desk.sqlite")
        do {
            let store = try SQLiteDeskStore(path: path)
            var engine = Engine()
            try await store.apply(engine.process([], at: t(0)), through: 41, marks: engine.marks)
        }
        try FileManager.default.removeItem(atPath: SQLiteDeskStore.inboxPath(for: path))
        let reopened = try SQLiteDeskStore(path: path)
        #expect(reopened.inbox.committedSequence == 41)
        let committer = Task { await reopened.inbox.run() }
        let sequence = try await reopened.inbox.append(source: "test", alerts: [AlertBuilder.alert(["a": "b"], at: 0)], receivedAt: t(0))
        #expect(sequence == 42)
        reopened.inbox.close()
        await committer.value
    }

    @Test("past the backlog limit an append is refused and nothing is kept; processing makes room")
    func backlogLimit() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("limit.sqlite"), inboxLimits: Inbox.Limits(maxBacklogAlerts: 5))
        let committer = Task { await store.inbox.run() }
        let three = (0..<3).map { AlertBuilder.alert(["alertname": "A\($0)"], at: 0) }
        _ = try await store.inbox.append(source: "test", alerts: three, receivedAt: t(0))
        #expect(store.inbox.backlogAlerts == 3)
        await #expect(throws: Inbox.OverloadedError.self) {
            try await store.inbox.append(source: "test", alerts: three, receivedAt: t(1))
        }
        #expect(store.inbox.committedSequence == 1)
        #expect(try await store.inbox.entries(after: 0, maxAlerts: 100).count == 1)
        store.inbox.markProcessed(through: 1, alerts: 3)
        #expect(try await store.inbox.append(source: "test", alerts: three, receivedAt: t(2)) == 2)
        store.inbox.close()
        await committer.value
    }

    @Test("a commit that finds the inbox locked (a WAL restart) waits for the lock instead of failing")
    func commitWaitsForLock() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("locked.sqlite"))
        let committer = Task { await store.inbox.run() }
        // Another connection holds the write lock, as a RESTART checkpoint does.
        let other = try DatabaseQueue(path: SQLiteDeskStore.inboxPath(for: directory.path("locked.sqlite")))
        let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
        let holder = Task.detached {
            try other.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                lockTaken.yield()
                Thread.sleep(forTimeInterval: 0.05)
                try db.execute(sql: "COMMIT")
            }
        }
        for await _ in locked { break }
        let sequence = try await store.inbox.append(source: "test", alerts: [AlertBuilder.alert(["a": "b"], at: 0)], receivedAt: t(0))
        #expect(sequence == 1)
        try await holder.value
        store.inbox.close()
        await committer.value
    }

    @Test("entries from memory, from the file, and across the gap memory leaves, are the same entries")
    func entriesFromMemoryAndFile() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("recent.sqlite")
        // Memory holds 10 alerts: the third request (of 5) does not fit and
        // is left to the file; memory resumes once the first two are processed.
        let store = try SQLiteDeskStore(path: path, inboxLimits: Inbox.Limits(maxRecentAlerts: 10))
        let committer = Task { await store.inbox.run() }
        var appended: [[Alert]] = []
        for request in 0..<6 {
            let alerts = (0..<5).map {
                AlertBuilder.alert(
                    ["alertname": "R\(request)", "n": "\($0)"], annotations: ["summary": "κόσμε \($0)"], startsAt: -5, endsAt: 300,
                    at: Double(request))
            }
            _ = try await store.inbox.append(source: "test", alerts: alerts, receivedAt: t(Double(request)))
            appended.append(alerts)
            if request == 3 { store.inbox.markProcessed(through: 2, alerts: 10) }
        }
        let live = try await store.inbox.entries(after: 0, maxAlerts: .max)
        #expect(live.map(\.alerts) == appended)
        #expect(live.map(\.receivedAt) == (0..<6).map { t(Double($0)) })
        // Steps of one entry each walk through memory, the gap and memory again.
        var cursor: Int64 = 0
        var stepped: [[Alert]] = []
        while let entry = try await store.inbox.entries(after: cursor, maxAlerts: 1).first {
            stepped.append(entry.alerts)
            cursor = entry.sequence
        }
        #expect(stepped == appended)
        store.inbox.close()
        await committer.value

        let reopened = try SQLiteDeskStore(path: path)
        #expect(try await reopened.inbox.entries(after: 0, maxAlerts: .max).map(\.alerts) == appended)
    }

    @Test("a step reads entries up to an alert budget, and always at least one")
    func entriesByAlertBudget() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("budget.sqlite"))
        let committer = Task { await store.inbox.run() }
        for size in [4, 3, 10, 1] {
            let alerts = (0..<size).map { AlertBuilder.alert(["alertname": "S\(size)-\($0)"], at: 0) }
            _ = try await store.inbox.append(source: "test", alerts: alerts, receivedAt: t(0))
        }
        #expect(try await store.inbox.entries(after: 0, maxAlerts: 8).map(\.sequence) == [1, 2])
        #expect(try await store.inbox.entries(after: 2, maxAlerts: 8).map(\.sequence) == [3])
        #expect(try await store.inbox.entries(after: 3, maxAlerts: 8).map(\.sequence) == [4])
        #expect(try await store.inbox.entries(after: 4, maxAlerts: 8).isEmpty)
        store.inbox.close()
        await committer.value
    }

    @Test("concurrent appends all commit, in one sequence, and read back in order")
    func groupCommit() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("inbox.sqlite"))
        let committer = Task { await store.inbox.run() }
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await store.inbox.append(
                        source: "test", alerts: [AlertBuilder.alert(["alertname": "A\(index)"], at: Double(index))],
                        receivedAt: t(Double(index)), body: Data("{\"n\":\(index)}".utf8))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(sequences).count == 200)
        #expect(store.inbox.committedSequence == sequences.max())
        let entries = try await store.inbox.entries(after: 0, maxAlerts: 1000)
        #expect(entries.map(\.sequence) == sequences.sorted())
        #expect(Set(entries.compactMap { $0.alerts.first?.labels["alertname"] }).count == 200)
        store.inbox.close()
        await committer.value
        await #expect(throws: Inbox.ClosedError.self) {
            try await store.inbox.append(source: "test", alerts: [], receivedAt: t(0))
        }
    }

    @Test("a waiter for a commit wakes when one lands")
    func waitForCommit() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("wait.sqlite"))
        let committer = Task { await store.inbox.run() }
        async let woke: Void = store.inbox.waitForCommit(after: 0)
        _ = try await store.inbox.append(source: "test", alerts: [AlertBuilder.alert(["a": "b"], at: 0)], receivedAt: t(0))
        await woke
        #expect(store.inbox.committedSequence == 1)
        store.inbox.close()
        await committer.value
    }

    @Test("pruning every processed entry keeps the sequence: a reopened store continues after it")
    func pruneKeepsSequence() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("prune.sqlite")
        do {
            let store = try SQLiteDeskStore(path: path)
            let committer = Task { await store.inbox.run() }
            for index in 0..<3 {
                _ = try await store.inbox.append(
                    source: "test", alerts: [AlertBuilder.alert(["alertname": "A\(index)"], at: 0)], receivedAt: t(0))
            }
            var engine = Engine()
            try await store.apply(engine.process([], at: t(0)), through: 3, marks: engine.marks)
            #expect(try await store.inbox.prune(processedThrough: 3, receivedBefore: t(1)) == 3)
            store.inbox.close()
            await committer.value
        }
        let reopened = try SQLiteDeskStore(path: path)
        #expect(reopened.inbox.committedSequence == 3)
        #expect(try await reopened.queries.stats().inboxSequence == 3)
        #expect(try await reopened.queries.stats().inboxBacklog == 0)
        let committer = Task { await reopened.inbox.run() }
        let next = try await reopened.inbox.append(source: "test", alerts: [AlertBuilder.alert(["a": "b"], at: 1)], receivedAt: t(1))
        #expect(next == 4)
        #expect(try await reopened.queries.stats().inboxBacklog == 1)
        reopened.inbox.close()
        await committer.value
    }

    @Test(
        "what the engine wrote restores the engine exactly, at every step",
        arguments: [(false, false), (true, false), (true, true)])
    func applyAndRestore(withOperator: Bool, withRules: Bool) async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("desk.sqlite"))
        let configuration = EngineConfiguration(closeAfter: .seconds(900))
        let rules = withRules ? try StormFixture.ruleSet() : .empty
        var engine = Engine(configuration: configuration, rules: rules)
        var sequence: Int64 = 0
        for (index, (at, alerts)) in StormFixture.storm(seed: 3, count: 300).enumerated() {
            var changes = engine.process(alerts, at: t(at))
            if withOperator, index % 40 == 39, let open = engine.liveIncidents.first(where: { $0.status == .open }) {
                changes.merge(try engine.acknowledge(incident: open.id, at: t(at), by: "alice"))
            }
            if withRules, index % 60 == 30 {
                // A silence of one service for a while, ended early every other time.
                let (silence, created) = try engine.createSilence(
                    matchers: try Matchers(parsing: #"{service="web"}"#), startsAt: nil, endsAt: t(at + 600), by: "bob", comment: "",
                    at: t(at))
                changes.merge(created)
                if index % 120 == 30 { changes.merge(try engine.expireSilence(silence.id, by: "bob", at: t(at))) }
            }
            sequence += 1
            try await store.apply(changes, through: sequence, marks: engine.marks)
            if index % 50 == 0 || index == 299 {
                let checkpoint = try await store.loadCheckpoint(forgetAfter: configuration.closeAfter)
                #expect(checkpoint.inboxSequence == sequence)
                #expect(checkpoint.snapshot == engine.snapshot)
                // And an engine rebuilt from it goes on exactly as this one does.
                var restored = Engine(configuration: configuration, rules: rules, restoring: checkpoint.snapshot)
                var original = engine
                let next = StormFixture.storm(seed: 4, count: 20).map { (at + $0.0, $0.1) }
                for (nextAt, nextAlerts) in next {
                    #expect(restored.process(nextAlerts, at: t(nextAt)).verdicts == original.process(nextAlerts, at: t(nextAt)).verdicts)
                }
                #expect(restored.snapshot == original.snapshot)
            }
        }
        let stats = try await store.queries.stats()
        #expect(stats.counters.received == StormFixture.storm(seed: 3, count: 300).reduce(0) { $0 + $1.1.count })
        #expect(stats.counters.incidentsOpened == engine.marks.nextIncidentID - 1)
    }

    @Test("a store written before receipts had a table of their own migrates with every alert, incident and cursor as it was")
    func receiptsMigration() async throws {
        let directory = TemporaryDirectory()
        // The current schema, written by the engine: alerts firing, resolved,
        // suppressed, repeated, with and without ends_at.
        let current = try SQLiteDeskStore(path: directory.path("current.sqlite"))
        let configuration = EngineConfiguration(closeAfter: .seconds(900))
        let rules = try StormFixture.ruleSet()
        var engine = Engine(configuration: configuration, rules: rules)
        var sequence: Int64 = 0
        for (at, alerts) in StormFixture.storm(seed: 5, count: 120) {
            sequence += 1
            try await current.apply(engine.process(alerts, at: t(at)), through: sequence, marks: engine.marks)
        }
        let expected = try await current.loadCheckpoint(forgetAfter: configuration.closeAfter)
        let expectedAlerts = try await current.queries.alerts(.init(limit: 100_000))
        #expect(expectedAlerts.contains { $0.duplicateCount > 0 } && expectedAlerts.contains { $0.endsAt == nil })

        // The same contents in a file at the first schema: the old `alerts`
        // table filled from the view that replaced it, column for column.
        let oldPath = directory.path("old.sqlite")
        let old = try DatabaseQueue(path: oldPath)
        try Migrations.migrator.migrate(old, upTo: "v1: alerts, incidents, timeline, silences, engine state, syslog counts")
        try await old.write { db in
            try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [directory.path("current.sqlite")])
            for table in ["engine_state", "counters"] {
                try db.execute(sql: "DELETE FROM main.\(table)")
            }
            for table in ["engine_state", "counters", "incidents", "alerts", "incident_alerts", "incident_events", "silences"] {
                try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM current.\(table)")
            }
        }
        try old.close()

        let migrated = try SQLiteDeskStore(path: oldPath)
        let restored = try await migrated.loadCheckpoint(forgetAfter: configuration.closeAfter)
        #expect(restored.inboxSequence == sequence)
        #expect(restored.snapshot == expected.snapshot)
        #expect(try await migrated.queries.alerts(.init(limit: 100_000)) == expectedAlerts)

        // And the migrated store takes the next step as the current one does.
        let next = StormFixture.storm(seed: 6, count: 10).map { (1_000 + $0.0, $0.1) }
        var resumed = Engine(configuration: configuration, rules: rules, restoring: restored.snapshot)
        for (at, alerts) in next {
            sequence += 1
            try await current.apply(engine.process(alerts, at: t(at)), through: sequence, marks: engine.marks)
            try await migrated.apply(resumed.process(alerts, at: t(at)), through: sequence, marks: resumed.marks)
        }
        #expect(try await migrated.queries.alerts(.init(limit: 100_000)) == (try await current.queries.alerts(.init(limit: 100_000))))
    }

    @Test("queries filter, order newest first, and return alerts and timeline")
    func queries() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("query.sqlite"))
        var engine = Engine()
        let alerts = [
            AlertBuilder.alert(["alertname": "Down", "service": "api", "env": "prod", "severity": "critical"], at: 0),
            AlertBuilder.alert(["alertname": "Slow", "service": "api", "env": "prod"], at: 0),
            AlertBuilder.alert(["alertname": "Down", "service": "db", "env": "prod", "severity": "info"], at: 0),
        ]
        try await store.apply(engine.process(alerts, at: t(0)), through: 1, marks: engine.marks)
        try await store.apply(try engine.acknowledge(incident: 2, at: t(5), by: "bob"), through: 1, marks: engine.marks)

        let all = try await store.queries.incidents()
        #expect(all.map(\.id) == [2, 1])
        #expect(try await store.queries.incidents(.init(statuses: [.acknowledged])).map(\.id) == [2])
        #expect(try await store.queries.incidents(.init(priority: .p1)).map(\.id) == [1])
        #expect(try await store.queries.incidents(.init(service: "db")).map(\.id) == [2])
        #expect(try await store.queries.incidents(.init(limit: 1)).map(\.id) == [2])

        let detail = try #require(try await store.queries.incident(id: 1))
        #expect(detail.alerts.map(\.id) == [1, 2])
        #expect(detail.alerts.allSatisfy { $0.joinReason == "group_by service=api env=prod" })
        #expect(detail.events.map(\.kind) == [.opened, .alertJoined])
        #expect(try await store.queries.incident(id: 99) == nil)

        let fingerprint = alerts[0].fingerprint
        #expect(try await store.queries.alerts(.init(fingerprint: fingerprint)).map(\.id) == [1])
        #expect(try await store.queries.alerts(.init(status: .firing)).count == 3)
        #expect(try await store.queries.alerts(.init(status: .resolved)).isEmpty)
    }

    @Test("a hostile label value is stored and read back verbatim")
    func hostileValues() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteDeskStore(path: directory.path("hostile.sqlite"))
        var engine = Engine()
        let payload = "'; DROP TABLE alerts;-- <script>alert(1)</script> \u{0} \\ \""
        let alert = AlertBuilder.alert(["alertname": payload, "service": payload], annotations: ["summary": payload], at: 0)
        try await store.apply(engine.process([alert], at: t(0)), through: 1, marks: engine.marks)
        let stored = try #require(try await store.queries.alerts().first)
        #expect(stored.labels == alert.labels && stored.annotations == alert.annotations)
        #expect(try await store.queries.incidents(.init(service: payload)).count == 1)
    }
}
