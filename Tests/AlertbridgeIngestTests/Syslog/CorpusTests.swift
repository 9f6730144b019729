import Foundation
import AlertbridgeIngest
import AlertbridgeTestSupport
import Testing

// Every line of the four corpus files is its own test case.
//
// The reference parsers disagree, and so their expectations cannot all hold at once.
// Where they differ we follow ONE documented behaviour and translate the other
// parsers' expectations into it with a fixed, generic rule (see `Normalise`). The rules
// only rewrite what the corpus README documents as a reference-parser difference; a
// handful of lines that no rule covers are listed in `Decisions.overrides`, each with its
// reason. Every key present in an expectation is asserted: an unknown key fails the test.
//
// Behaviours chosen where the references disagree:
// - D1 empty = absent: MSG/HOSTNAME/... that are empty or NILVALUE are nil (go-syslog).
//   syslog-ng's "" for NILVALUE, beats' "" for absent and the Rust crate's "" for no MSG
//   are therefore read as nil.
// - D2 BOM: stripped from MSG and recorded in `flags` (syslog-ng). go-syslog keeps it.
// - D3 the space after a BSD TAG is the separator, not MSG (go-syslog, beats, syslog-ng;
//   rsyslog's `remove.msgFirstSpace="on"`). Default rsyslog keeps it in %msg%.
// - D4 a TAG needs a `:` or a `[pid]` (go-syslog, beats). rsyslog and syslog-ng take any
//   first word as TAG/program; for us such a word stays the start of MSG.
// - D5 Cisco `%FAC-SEV-MNEMONIC:` stays in MSG (beats 3164-001); syslog-ng and rsyslog
//   make it the program.
// - D6 a missing PRI stays nil. syslog-ng and rsyslog substitute <13> (user.notice).
// - D7 invalid UTF-8 becomes U+FFFD with `.invalidUTF8Replaced`; syslog-ng's
//   sanitize-utf8 writes `\xNN` text instead.
// - D8 trailing NUL/CR/LF are transport leftovers and are removed (`.trailerStripped`);
//   beats keeps a trailing NUL in MSG.
// - D9 a year after the BSD time is understood (syslog-ng 3164-079); rsyslog takes it as
//   the hostname (3164-105).
// - D10 a single word after a BSD timestamp is the HOSTNAME (rsyslog 3164-099/108);
//   syslog-ng takes it as program (3164-086).
// - D11 a word ending in `:` right after the timestamp is a TAG with no hostname
//   (syslog-ng 3164-087, HAProxy/Cisco practice); beats takes it as hostname (3164-031).
// - D12 hostnames are always expected (syslog-ng's LP_EXPECT_HOSTNAME); rows recorded
//   with syslog-ng's no-hostname flag or with a site-specific `bad-hostname()` regex are
//   overridden.
// - D13 RFC 5424 §6.3.3: an unknown backslash escape in PARAM-VALUE is kept verbatim
//   (syslog-ng, the RFC); go-syslog rejects it.
// - D14 lenient RFC 5424 header: over-long HOSTNAME/APP-NAME/PROCID/MSGID/SD-NAMEs are
//   kept and flagged `.nonCompliant` (syslog-ng bad-060..070); go-syslog rejects them.
//   A repeated SD-ID is merged (Rust crate 5424-053); go-syslog rejects it.
// - D15 a header that breaks off keeps its fields so far; the rest of the line, from the
//   break, is MSG with `.malformedHeader`. go-syslog's best-effort result drops that rest.

@Suite("Corpus")
struct CorpusTests {
    static let rfc5424 = Corpus.rows("rfc5424")
    static let rfc3164 = Corpus.rows("rfc3164")
    static let malformed = Corpus.rows("malformed")

    @Test("corpus files are complete", arguments: [("rfc5424", 97), ("rfc3164", 140), ("malformed", 110), ("framing", 14)])
    func lineCounts(file: String, count: Int) {
        let rows = Corpus.rows(file)
        print("corpus \(file).jsonl: \(rows.count) lines checked")
        #expect(rows.count == count)
    }

    @Test("rfc5424.jsonl", arguments: rfc5424)
    func rfc5424Line(_ row: CorpusRow) throws {
        let expect = try #require(row.fields["expect"]?.object, "every 5424 row has an expectation")
        Checker(row: row).check(expect, complete: row.fields["expect_complete"] == .bool(true))
    }

    @Test("rfc3164.jsonl", arguments: rfc3164)
    func rfc3164Line(_ row: CorpusRow) {
        let checker = Checker(row: row)
        if let expect = row.fields["expect"]?.object {
            checker.check(expect, complete: row.fields["expect_complete"] == .bool(true))
        } else {
            // Rows with `expect: null` (fuzz seeds, raw device lines) carry our own decision.
            let decision = Decisions.noExpectation[row.id]
            #expect(decision != nil, "no decision recorded for \(row.id)")
            checker.check(decision ?? [:], complete: false)
        }
    }

    @Test("malformed.jsonl", arguments: malformed)
    func malformedLine(_ row: CorpusRow) {
        let checker = Checker(row: row)
        if let expect = row.fields["expect"]?.object {
            checker.check(expect, complete: row.fields["expect_complete"] == .bool(true))
        } else if let bestEffort = row.fields["best_effort"]?.object {
            checker.check(bestEffort, complete: false, isBestEffort: true)
        } else {
            let decision = Decisions.noExpectation[row.id]
            #expect(decision != nil, "no decision recorded for \(row.id)")
            checker.check(decision ?? [:], complete: false)
        }
    }
}

/// Applies the normalisation rules, the overrides, and compares every key.
struct Checker {
    let row: CorpusRow
    let message: SyslogMessage
    let reference: SyslogReferenceTime

    init(row: CorpusRow) {
        self.row = row
        let expected = row.fields["expect"]?.object ?? row.fields["best_effort"]?.object ?? [:]
        // The row's own zone when it asserts one (syslog-ng resolves zone-less times in
        // CET/CEST); otherwise syslog-ng's +02:00 noted in the corpus, else UTC.
        var offset: Int32 = row.refParser.hasPrefix("syslog-ng") ? 7200 : 0
        if let iso = expected["timestamp_iso"]?.string, let parsed = TestTime.parseISO(iso), let o = parsed.offset {
            offset = o
        }
        reference = SyslogReferenceTime(unixMillis: TestTime.referenceMillis, utcOffsetSeconds: offset)
        message = SyslogParser.parse(row.bytes, reference: reference)
    }

    func check(_ raw: [String: CorpusJSON], complete: Bool, isBestEffort: Bool = false) {
        var expected = Normalise.apply(raw, row: row)
        if isBestEffort, message.flags.contains(.malformedHeader) {
            // D15: go-syslog's best effort drops the unparsed rest; we keep it as MSG.
            expected["message"] = nil
            expected["message_b64"] = nil
        }
        if let override = Decisions.overrides[row.id] {
            for key in override.drop { expected[key] = nil }
            for (key, value) in override.set { expected[key] = value }
        }
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            compare(key, value)
        }
        if complete {
            // Fields the source compared but did not list are absent there; they must be here too.
            let covered: [String: Bool] = [
                "version": message.version == nil, "msgid": message.msgID == nil,
                "structured_data": message.structuredData.isEmpty, "sequence": message.sequenceNumber == nil,
                "procid": message.procID == nil, "hostname": message.hostname == nil, "app_name": message.appName == nil,
            ]
            for (key, isAbsent) in covered where expected[key] == nil && raw[key] == nil {
                #expect(isAbsent, "\(row.id): complete expectation has no \(key), parser set one")
            }
        }
        Invariants.check(row: row, message: message)
    }

    func compareString(_ key: String, _ actual: String?, _ value: CorpusJSON) {
        switch value {
        case .null: #expect(actual == nil, "\(row.id) \(key)")
        case .string(let s): #expect(actual == Normalise.resolve(s, row: row), "\(row.id) \(key)")
        default: Issue.record("\(row.id): unexpected JSON for \(key): \(value)")
        }
    }

    func compareInt(_ key: String, _ actual: Int?, _ value: CorpusJSON) {
        switch value {
        case .null: #expect(actual == nil, "\(row.id) \(key)")
        case .number(let n): #expect(actual == Int(n), "\(row.id) \(key)")
        default: Issue.record("\(row.id): unexpected JSON for \(key): \(value)")
        }
    }

    // swiftlint:disable:next cyclomatic_complexity
    func compare(_ key: String, _ value: CorpusJSON) {
        let m = message
        switch key {
        case "pri": compareInt(key, m.pri.map(Int.init), value)
        case "facility": compareInt(key, m.facility.map(Int.init), value)
        case "severity": compareInt(key, m.severity.map(Int.init), value)
        case "version": compareInt(key, m.version.map(Int.init), value)
        case "sequence": compareInt(key, m.sequenceNumber.map(Int.init), value)
        case "hostname": compareString(key, m.hostname, value)
        case "app_name": compareString(key, m.appName, value)
        case "procid": compareString(key, m.procID, value)
        case "msgid": compareString(key, m.msgID, value)
        case "message": compareString(key, m.message, value)
        case "timestamp", "timestamp_text": compareString(key, m.timestamp, value)
        case "sd_string": compareString(key, m.structuredDataText, value)
        case "format":
            #expect(value.string == "\(m.format)", "\(row.id) format")
        case "flags":
            for flag in value.array ?? [] {
                guard let name = flag.string, let bit = Normalise.flagNames[name] else {
                    Issue.record("\(row.id): unknown flag \(flag)")
                    continue
                }
                #expect(m.flags.contains(bit), "\(row.id): flag \(name) expected in \(m.flags)")
            }
        case "timestamp_iso":
            if value.isNull {
                #expect(m.timestamp == nil && m.timestampUnixMillis == nil, "\(row.id) timestamp")
            } else if let text = value.string, let want = TestTime.parseISO(text) {
                #expect(m.timestampUnixMillis == want.millis, "\(row.id) timestamp millis (\(text))")
                if let offset = want.offset { #expect(m.timestampUTCOffsetSeconds == offset, "\(row.id) offset") }
            } else {
                Issue.record("\(row.id): bad timestamp_iso \(value)")
            }
        case "timestamp_iso_local":
            let want = TestTime.parseISO(value.string ?? "")
            let local = m.timestampUnixMillis.map { $0 + Int64(m.timestampUTCOffsetSeconds ?? 0) * 1000 }
            #expect(want != nil && local == want?.localMillis, "\(row.id) local time")
        case "timestamp_epoch":
            #expect(m.timestampUnixMillis.map { TestTime.floorDiv($0, 1000) } == Int64(value.number ?? -1), "\(row.id) epoch")
        case "timestamp_nanos":
            // Milliseconds are all we keep: the sub-millisecond part is truncated.
            let fraction = m.timestampUnixMillis.map { $0 - TestTime.floorDiv($0, 1000) * 1000 }
            #expect(fraction == Int64((value.number ?? 0) / 1_000_000), "\(row.id) fraction")
        case "timestamp_rendered_rfc3164":
            if let millis = m.timestampUnixMillis, let offset = m.timestampUTCOffsetSeconds {
                #expect(TestTime.rfc3164(millis, offset: offset) == value.string, "\(row.id) rendered timestamp")
            } else {
                Issue.record("\(row.id): no resolved timestamp to render")
            }
        case "timestamp_fields":
            guard let fields = value.object else {
                #expect(m.timestamp == nil, "\(row.id): no timestamp expected")
                return
            }
            guard let millis = m.timestampUnixMillis, let offset = m.timestampUTCOffsetSeconds else {
                Issue.record("\(row.id): no resolved timestamp")
                return
            }
            let c = TestTime.fields(millis, offset: offset)
            #expect(c.month == fields["month"]?.number.map(Int.init), "\(row.id) month")
            #expect(c.day == fields["day"]?.number.map(Int.init), "\(row.id) day")
            #expect(c.hour == fields["hour"]?.number.map(Int.init), "\(row.id) hour")
            #expect(c.minute == fields["minute"]?.number.map(Int.init), "\(row.id) minute")
            #expect(c.second == fields["second"]?.number.map(Int.init), "\(row.id) second")
            let wantMillis = Int64((fields["nanosecond"]?.number ?? 0) / 1_000_000)
            #expect((millis % 1000 + 1000) % 1000 == wantMillis, "\(row.id) fraction")
            if let utcOffset = fields["utc_offset"]?.string {
                #expect(TestTime.offsetText(offset) == utcOffset, "\(row.id) utc_offset")
            }
        case "structured_data":
            if value.isNull {
                #expect(m.structuredData.isEmpty, "\(row.id) structured_data")
            } else {
                #expect(Normalise.sdDictionary(m) == Normalise.sdDictionary(value), "\(row.id) structured_data")
            }
        case "structured_data_subset":
            let actual = Normalise.sdDictionary(m)
            for (id, params) in value.object ?? [:] {
                for (name, v) in params.object ?? [:] {
                    #expect(actual[id]?[name] == v.string, "\(row.id) SD \(id) \(name)")
                }
            }
        case "sd_element_count":
            #expect(m.structuredData.count == Int(value.number ?? -1), "\(row.id) SD element count")
        case "sd_param_count":
            for (id, count) in value.object ?? [:] {
                #expect(m.structuredData(id: id)?.count == Int(count.number ?? -1), "\(row.id) SD param count \(id)")
            }
        case "tag":
            // rsyslog's %syslogtag% is APP-NAME[PROCID] (5424) or the TAG as written.
            guard let tag = value.string else { #expect(m.appName == nil); return }
            var name = Substring(tag)
            if name.hasSuffix(":") { name = name.dropLast() }
            var pid: Substring?
            if name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                pid = name[name.index(after: open)..<name.index(before: name.endIndex)]
                name = name[..<open]
            }
            #expect(m.appName == (name.isEmpty ? nil : String(name)), "\(row.id) tag name")
            if let pid { #expect(m.procID == String(pid), "\(row.id) tag pid") }
        default:
            Issue.record("\(row.id): expectation key \(key) is not checked by the test")
        }
    }
}
