import Foundation
import AlertbridgeIngest
import AlertbridgeTestSupport
import Testing

/// The generic rules D1-D8 of `CorpusTests.swift`, applied to a reference parser's
/// expectation so that it describes our chosen behaviour.
enum Normalise {
    static let flagNames: [String: SyslogMessage.Flags] = [
        "truncated": .truncated, "invalidUTF8Replaced": .invalidUTF8Replaced, "byteOrderMark": .byteOrderMark,
        "malformedHeader": .malformedHeader, "nonCompliant": .nonCompliant, "trailerStripped": .trailerStripped,
        "clockNotAuthoritative": .clockNotAuthoritative, "clockNotSynchronized": .clockNotSynchronized,
        "yearInferred": .yearInferred, "offsetAssumed": .offsetAssumed,
    ]

    /// `<PRI>VERSION SP`: rsyslog's and syslog-ng's BSD-only rules (D3-D5) must not touch
    /// the RFC 5424 lines they also parsed.
    static func looksLike5424(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == UInt8(ascii: "<"), let close = bytes.firstIndex(of: UInt8(ascii: ">")) else { return false }
        var p = close + 1
        let start = p
        while p < bytes.count, bytes[p] >= 0x30, bytes[p] <= 0x39 { p += 1 }
        return p > start && p - start <= 3 && bytes[start] != 0x30 && p < bytes.count && bytes[p] == 0x20
    }

    /// Cisco `%FAC-SEV-MNEMONIC`, the shape rule D5 keeps in MSG.
    static func isCiscoMnemonic(_ s: String) -> Bool {
        guard s.hasPrefix("%") else { return false }
        let parts = s.dropFirst().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.allSatisfy({ !$0.isEmpty }) else { return false }
        return parts[parts.count - 2].allSatisfy(\.isNumber) && !parts.last!.allSatisfy(\.isNumber)
    }

    static func addFlag(_ name: String, _ e: inout [String: CorpusJSON]) {
        var flags = e["flags"]?.array ?? []
        flags.append(.string(name))
        e["flags"] = .array(flags)
    }

    /// Undo syslog-ng's sanitize-utf8 `\xNN` rendering: rebuild the octets, then decode
    /// them the way our parser does (U+FFFD).
    static func unsanitize(_ text: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count, utf8[i + 1] == UInt8(ascii: "x"),
               let value = UInt8(String(decoding: utf8[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func apply(_ raw: [String: CorpusJSON], row: CorpusRow) -> [String: CorpusJSON] {
        var e = raw
        let ref = row.refParser
        let isRsyslog = ref.hasPrefix("rsyslog")
        let isSyslogNG = ref.hasPrefix("syslog-ng")
        let bytes = row.bytes
        let isBSD = !looksLike5424(bytes)

        // D7: syslog-ng's \xNN text becomes U+FFFD text.
        if ref.contains("SANITIZE_UTF8"), let msg = e["message"]?.string, msg.contains("\\x") {
            e["message"] = .string(unsanitize(msg))
            addFlag("invalidUTF8Replaced", &e)
        }
        // Non-UTF-8 MSG: the corpus gives the octets; we hold their U+FFFD decoding.
        if let b64 = e["message_b64"]?.string, let data = Data(base64Encoded: b64) {
            e["message"] = .string(String(decoding: data, as: UTF8.self))
            if String(validating: data, as: UTF8.self) == nil { addFlag("invalidUTF8Replaced", &e) }
            e["message_b64"] = nil
        }
        // D2: the BOM is removed from MSG and flagged.
        if let msg = e["message"]?.string, msg.hasPrefix("\u{FEFF}") {
            e["message"] = .string(String(msg.dropFirst()))
            addFlag("byteOrderMark", &e)
        }
        // D8: trailing NUL octets are transport leftovers.
        if let msg = e["message"]?.string, msg.hasSuffix("\u{0}") {
            var trimmed = msg
            while trimmed.hasSuffix("\u{0}") { trimmed.removeLast() }
            e["message"] = .string(trimmed)
            addFlag("trailerStripped", &e)
        }

        var tagRuleApplied = false
        if isBSD, isRsyslog || isSyslogNG, let app = e["app_name"]?.string, !app.isEmpty {
            let rawMessage = e["message"]?.string ?? ""
            // rsyslog's %msg% keeps the separator space; syslog-ng's MSG does not.
            let separated = isRsyslog ? rawMessage : (rawMessage.isEmpty ? "" : " " + rawMessage)
            if isCiscoMnemonic(app) {
                // D5: `%PIX-6-302014:` is the event code and stays at the front of MSG.
                e["message"] = .string(app + ":" + separated)
                e["app_name"] = .null
                e["tag"] = nil
                tagRuleApplied = true
            } else if !row.line.contains(app + ":"), !row.line.contains(app + "[") {
                // D4: a program word without `:` or `[pid]` is not a TAG for us.
                e["message"] = .string(app + separated)
                e["app_name"] = .null
                e["tag"] = nil
                tagRuleApplied = true
            }
        }
        // D3: the space after the TAG separates; rsyslog keeps it in %msg%.
        if isBSD, isRsyslog, !tagRuleApplied, !ref.contains("remove.msgFirstSpace"),
           let msg = e["message"]?.string, msg.hasPrefix(" ") {
            e["message"] = .string(String(msg.dropFirst()))
        }
        // D1: empty means absent.
        for key in ["hostname", "app_name", "procid", "msgid", "message", "tag"] where e[key] == "" {
            e[key] = .null
        }
        // D6: no `<` means no PRI; syslog-ng/rsyslog's substituted <13> is not in the line.
        if bytes.first != UInt8(ascii: "<") {
            for key in ["pri", "facility", "severity"] where e[key] != nil { e[key] = .null }
        }
        // syslog-ng's vectors record no PRI for `<0>` lines; <0> is kern.emerg, value 0
        // (go-syslog asserts exactly that for the same `<0>` in 3164-045).
        if isSyslogNG, bytes.starts(with: Array("<0>".utf8)), e["pri"] == .null {
            e["pri"] = 0
            e["facility"] = 0
            e["severity"] = 0
        }
        // A PRI above 191 is not a PRI (syslog-ng's NOPARSE 65535, EasyPost's lenient 409).
        if let pri = e["pri"]?.number, pri > 191 {
            for key in ["pri", "facility", "severity"] { e[key] = .null }
        }
        return e
    }

    /// Placeholders used by the decision tables for values that are long or binary:
    /// `$token:N` is the Nth space-separated word of the line, `$from:N` the line from the
    /// start of that word on, `$bytesFrom:N` the input octets from offset N, decoded.
    static func resolve(_ value: String, row: CorpusRow) -> String {
        guard value.hasPrefix("$") else { return value }
        let parts = value.dropFirst().split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let n = Int(parts[1]) else { return value }
        let line = row.line
        switch parts[0] {
        case "token":
            return String(line.split(separator: " ", omittingEmptySubsequences: false)[n])
        case "from":
            var index = line.startIndex
            for _ in 0..<n { index = line[index...].firstIndex(of: " ").map { line.index(after: $0) } ?? line.endIndex }
            return String(line[index...])
        case "bytesFrom":
            return String(decoding: row.bytes[n...], as: UTF8.self)
        default:
            return value
        }
    }

    /// SD as {id: {name: value}}; the corpus gives objects, so order is compared elsewhere.
    static func sdDictionary(_ m: SyslogMessage) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for element in m.structuredData {
            var params = out[element.id] ?? [:]
            for p in element.parameters { params[p.name] = p.value }
            out[element.id] = params
        }
        return out
    }

    static func sdDictionary(_ value: CorpusJSON) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for (id, params) in value.object ?? [:] {
            out[id] = (params.object ?? [:]).compactMapValues(\.string)
        }
        return out
    }
}

struct Override: Sendable {
    let reason: String
    var drop: [String] = []
    let set: [String: CorpusJSON]
}

enum Decisions {
    static let sshdMessage: CorpusJSON = "PTHREAD support initialized"

    /// Lines whose reference result no generic rule translates, with the reason.
    static let overrides: [String: Override] = {
        let badHostname = Override(
            reason: "D12: recorded with syslog-ng bad-hostname(\"^ctld\"), a site regex we do not have",
            set: ["hostname": "ctld", "app_name": "snmpd", "procid": "2499", "message": sshdMessage])
        let mustFrom6 = ["format": CorpusJSON.string("rfc5424"), "structured_data": .null,
                         "message": "$from:6", "flags": ["malformedHeader"]]
        return [
            "3164-031": Override(reason: "D11: `hostname:` after the timestamp is a TAG",
                                 set: ["hostname": .null, "app_name": "hostname", "message": "message"]),
            "3164-049": Override(reason: "D12: recorded with syslog-ng's no-hostname flag",
                                 set: ["hostname": "alma", "app_name": "korte", "message": "message"]),
            "3164-065": Override(reason: "D12: recorded with syslog-ng's no-hostname flag",
                                 set: ["hostname": "bzorp", "app_name": "openvpn", "procid": "2499", "message": sshdMessage]),
            "3164-069": badHostname, "3164-070": badHostname, "3164-071": badHostname,
            "3164-072": badHostname, "3164-073": badHostname,
            "3164-077": Override(reason: "Cisco clock markers are flags, not a synthesised timeQuality SD",
                                 drop: ["structured_data_subset"], set: ["flags": ["clockNotSynchronized"]]),
            "3164-086": Override(reason: "D10: a lone word after the timestamp is the HOSTNAME",
                                 set: ["hostname": "prg0", "app_name": .null, "message": .null]),
            "3164-105": Override(reason: "D9: the year after the time is understood, so `2009` is no hostname",
                                 set: ["hostname": "netips-warden2-p", "app_name": .null,
                                       "message": "[audit] user=[*SMS] src=192.168.11.11 iface=5 access=9 Update State Reset"]),
            "5424-074": Override(reason: "D14: syslog-ng cuts PARAM-VALUE at 255 octets; RFC 5424 has no such limit",
                                 drop: ["sd_string", "structured_data_subset"],
                                 set: ["structured_data": ["a": ["i": .string(String(repeating: "a", count: 256))]]]),
            // syslog-ng truncates over-long header fields to the RFC limit; we keep them whole.
            "bad-068": Override(reason: "D14", set: ["app_name": "$token:3", "flags": ["nonCompliant"]]),
            "bad-069": Override(reason: "D14", set: ["procid": "$token:4", "flags": ["nonCompliant"]]),
            "bad-070": Override(reason: "D14", set: ["msgid": "$token:5", "flags": ["nonCompliant"]]),
            // malformed.jsonl, go-syslog best effort vs our lenient parse
            "bad-006": Override(reason: "a VERSION must be followed by SP; `3a` is no version",
                                set: ["format": "unparsed", "version": .null, "message": "3a"]),
            "bad-007": Override(reason: "`Z+07:00`: Z is authoritative, the redundant offset is skipped (beats 3164-010)",
                                set: ["timestamp": "2006-01-02T15:04:05Z+07:00", "flags": ["nonCompliant"]]),
            "bad-010": Override(reason: "D14", set: ["hostname": "$token:2", "flags": ["nonCompliant"]]),
            "bad-014": Override(reason: "D14", set: ["app_name": "$token:3", "flags": ["nonCompliant"]]),
            "bad-018": Override(reason: "D14", set: ["procid": "$token:4", "flags": ["nonCompliant"]]),
            "bad-022": Override(reason: "D14", set: ["msgid": "$token:5", "flags": ["nonCompliant"]]),
            "bad-032": Override(reason: "VERSION has at most 3 digits; the line is kept unparsed",
                                set: ["format": "unparsed", "version": .null, "message": "1000 2018-11-22"]),
            "bad-036": Override(reason: "lower-case `t` is RFC 3339-legal; accepted as non-compliant 5424",
                                set: ["timestamp": "2006-01-02t15:04:05Z", "flags": ["nonCompliant"]]),
            "bad-048": Override(reason: "D14: a 33-octet PARAM-NAME is kept",
                                set: ["structured_data": ["id": ["abcdefghilmnopqrstuvzabcdefghilmX": "val"]],
                                      "flags": ["nonCompliant"]]),
            "bad-049": Override(reason: "D15: invalid SD is not half-kept; the SD text stays in MSG", set: mustFrom6),
            "bad-051": Override(reason: "D14: a repeated SD-ID is merged",
                                set: ["structured_data": ["id1": [:], "dupe": ["e": "1", "class": "l"]],
                                      "flags": ["nonCompliant"]]),
            "bad-052": Override(reason: "D13: RFC 5424 §6.3.3 keeps `\\n` verbatim",
                                set: ["structured_data": ["meta": ["escape": "\\n"]],
                                      "message": "127.0.0.1 - - 1452819643 \"GET\""]),
            "bad-053": Override(reason: "an unescaped `]` ends nothing; the SD is invalid (both references)", set: mustFrom6),
            "bad-054": bomInvalid, "bad-055": bomInvalid, "bad-056": bomInvalid,
            "bad-057": bomInvalid, "bad-058": bomInvalid, "bad-059": bomInvalid,
            "bad-085": Override(reason: "no PRI and no timestamp: we keep the line instead of guessing host and tag",
                                set: ["format": "unparsed", "hostname": .null, "app_name": .null,
                                      "message": "This is a message!"]),
            "bad-108": Override(reason: "PRI 409 is invalid; an invalid PRI keeps the whole line unparsed",
                                set: ["format": "unparsed", "hostname": .null, "app_name": .null, "message": "$from:0"]),
        ]
    }()

    static let bomInvalid = Override(
        reason: "D2+D7: MSG after the BOM is kept, repaired, instead of dropped",
        set: ["message": "$bytesFrom:20", "flags": ["byteOrderMark", "invalidUTF8Replaced"]])

    /// Our decisions for lines the corpus gives no parse for.
    static let noExpectation: [String: [String: CorpusJSON]] = {
        let wholeLine: [String: CorpusJSON] = ["format": "unparsed", "pri": .null, "message": "$from:0"]
        func unparsed(_ pri: Int, _ message: String) -> [String: CorpusJSON] {
            ["format": "unparsed", "pri": .number(Double(pri)), "message": .string(message)]
        }
        let sdBroken: [String: CorpusJSON] = ["format": "rfc5424", "hostname": "mymachine", "app_name": "evntslog",
                                             "structured_data": .null, "message": "$from:6", "flags": ["malformedHeader"]]
        return [
            "3164-129": ["format": "rfc3164", "pri": 34, "timestamp_text": "Oct 11 22:14:15", "hostname": "mymachine",
                         "app_name": "su", "message": "'su root' failed for lonvick on /dev/pts/8"],
            "3164-130": ["format": "rfc3164", "pri": 13, "timestamp_iso": "2026-07-23T09:30:45.123+02:00",
                         "hostname": "host", "app_name": "daemon", "message": "timestamp variant"],
            // Relay + Cisco: the device's timestamp (with ms) is the event time.
            "3164-134": ["format": "rfc3164", "pri": .null, "hostname": "192.168.100.2", "sequence": 585917,
                         "timestamp_text": "Feb  8 04:00:47.272", "app_name": .null,
                         "message": "%SEC-6-IPACCESSLOGRP: list 177 denied igmp 192.168.100.197 -> 224.0.0.22, 1 packet"],
            "3164-135": ["hostname": "192.168.100.2", "sequence": 1991219, "timestamp_text": "Mar 24 18:06:03.424 UTC",
                         "timestamp_rendered_rfc3164": "Mar 24 18:06:03", "structured_data": .null,
                         "message": "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: john.smith] [Source: 10.2.55.3] [localport: 22] at 12:06:03 MST Wed Mar 24 2021"],
            "3164-136": ["hostname": "192.168.100.2", "sequence": 1991221, "timestamp_text": "Mar 24 17:37:39 UTC",
                         "message": "%PIM-SW1-6-INVALID_RP_JOIN: Received (*, 10.36.2.78) Join from 10.4.5.66 for invalid RP 10.3.66.3"],
            "3164-137": ["hostname": "my-router-hostname", "sequence": 1663312, "timestamp_text": "Jul 11 09:34:00.020",
                         "message": "%FMANFP-6-IPACCESSLOGP: R0/0: fman_fp_image: list internet_in_gig0 permitted tcp 172.16.0.26(59144) -> 10.100.8.34(1103), 1 packet"],
            // origin-id layout is not guessed: sequence, then the `BGP-BETA:` tag, rest kept.
            "3164-138": ["format": "rfc3164", "pri": 174, "sequence": 15162564, "hostname": .null, "timestamp": .null,
                         "app_name": "BGP-BETA", "message": "$from:2"],
            "bad-001": ["format": "unparsed", "pri": .null, "message": .null],
            "bad-002": wholeLine, "bad-003": wholeLine, "bad-024": wholeLine, "bad-025": wholeLine,
            "bad-026": wholeLine, "bad-027": wholeLine, "bad-028": wholeLine, "bad-029": wholeLine,
            "bad-030": unparsed(100, " 2018-11-22"),
            "bad-031": unparsed(103, "0 2018-11-22"),
            "bad-033": unparsed(102, "abc 2018-11-22"),
            "bad-061": sdBroken, "bad-071": sdBroken, "bad-072": sdBroken,
            "bad-062": ["format": "rfc5424", "hostname": "mymachine.example.com", "msgid": "ID47",
                        "structured_data": .null, "message": "$from:6", "flags": ["malformedHeader"]],
            "bad-066": ["format": "rfc5424", "hostname": "mymachine", "app_name": "evntslog",
                        "sd_element_count": 1, "message": "An application event log entry...", "flags": ["nonCompliant"]],
            "bad-067": ["format": "rfc5424", "hostname": "$token:2", "app_name": "evntslog",
                        "structured_data": ["a": ["i": "ok"]], "message": "An application event log entry...",
                        "flags": ["nonCompliant"]],
            "bad-075": unparsed(189, "some message"),
            "bad-086": ["format": "rfc3164", "hostname": "Hostname3", "app_name": .null, "message": "tag3 msgnum:3"],
            "bad-087": ["format": "rfc3164", "hostname": "Hostname4", "app_name": .null, "message": "tag4 :"],
            "bad-088": unparsed(13, "last message  repeated 5 times"),
            "bad-089": unparsed(13, "last message repeated 5 times -- more data"),
            "bad-090": unparsed(13, "last message repeated 5.2 times"),
            "bad-091": wholeLine,
            "bad-092": unparsed(14, "1: "),
            "bad-093": unparsed(14, "2: ."),
            "bad-094": ["format": "rfc3164", "pri": .null, "hostname": "host.example", "app_name": "app",
                        "procid": "123", "message": "legacy message without PRI"],
            "bad-095": unparsed(0, "x"),
            "bad-096": wholeLine, "bad-097": wholeLine, "bad-098": wholeLine, "bad-099": wholeLine,
            "bad-100": unparsed(13, " test-host this is the message"),
            "bad-101": unparsed(13, "Foo 11 22:14:15 test-host this is the message"),
            "bad-102": ["format": "rfc3164", "timestamp_text": "2003-08-24 05:14:15-07:00",
                        "timestamp_iso": "2003-08-24T05:14:15-07:00", "hostname": "test-host", "message": "this is the message"],
            "bad-103": ["format": "rfc3164", "hostname": .null, "message": "$from:3"],
            "bad-104": wholeLine,
            "bad-105": ["format": "rfc3164", "hostname": .null, "app_name": "haproxy", "procid": "376",
                        "message": "I am a message"],
            "bad-106": ["format": "rfc5424", "hostname": "host", "timestamp": "2003-08-24T05:14:15.1122334455+07:00",
                        "timestamp_iso": "2003-08-24T05:14:15.112+07:00", "flags": ["nonCompliant"]],
            "bad-107": ["format": "rfc5424", "hostname": "-web1west", "app_name": .null, "message": .null,
                        "flags": ["malformedHeader"]],
            "bad-109": wholeLine,
            "bad-110": ["format": "rfc3164", "pri": 166, "timestamp_iso": "2023-05-08T10:54:24.756+10:00",
                        "hostname": "AB1234-A-AB-AB01C-ABC", "app_name": .null,
                        "message": "- - - - AB1234-A-AB-AB01C-ABC nh_fabric_fill_jnhinfo: ABCDE: Test default message 123456"],
        ]
    }()
}

/// Properties every parse must have, whatever the line.
enum Invariants {
    /// Lines where dropping header text is the documented intent: the AIX relay prefix,
    /// and a relay's receive time that the Cisco device's own timestamp replaces.
    /// A repeated SD-ID is merged into its first element (D14), so the repeated name
    /// appears once in the result.
    static let droppingAllowed: Set<String> = ["3164-080", "3164-134", "3164-135", "3164-136", "3164-137",
                                               "5424-053", "bad-050", "bad-051"]

    static func check(row: CorpusRow, message m: SyslogMessage) {
        // "Never drops": every ASCII letter and digit of the input is still somewhere in
        // the result (multiset inclusion), so no part of the line silently vanished.
        if !droppingAllowed.contains(row.id) {
            var output = ""
            if let pri = m.pri { output += "\(pri)" }
            if let v = m.version { output += "\(v)" }
            if let s = m.sequenceNumber { output += "\(s)" }
            for field in [m.timestamp, m.hostname, m.appName, m.procID, m.msgID, m.structuredDataText, m.message] {
                if let field { output += field }
            }
            let have = alnumCounts(Array(output.utf8))
            let need = alnumCounts(row.bytes)
            for (byte, count) in need where (have[byte] ?? 0) < count {
                Issue.record("\(row.id): input character \(Character(UnicodeScalar(byte))) lost (\(count) in, \(have[byte] ?? 0) out)")
            }
        }
        // D1: empty strings never stand for "absent".
        for (name, field) in [("hostname", m.hostname), ("app_name", m.appName), ("procid", m.procID), ("msgid", m.msgID)] {
            #expect(field != "", "\(row.id): \(name) is an empty string")
        }
        if let pri = m.pri { #expect(pri <= 191, "\(row.id): PRI out of range") }
        if m.format == .unparsed {
            #expect(m.version == nil && m.hostname == nil && m.appName == nil && m.timestamp == nil,
                    "\(row.id): unparsed lines carry no header fields")
        }
    }

    static func alnumCounts(_ bytes: [UInt8]) -> [UInt8: Int] {
        var counts: [UInt8: Int] = [:]
        for b in bytes where (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) {
            counts[b, default: 0] += 1
        }
        return counts
    }
}
