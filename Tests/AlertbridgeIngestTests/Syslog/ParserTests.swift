import AlertbridgeIngest
import AlertbridgeTestSupport
import Testing

/// Behaviour the corpus does not pin down: time resolution, ordering, flags, robustness.
@Suite("Parser")
struct ParserTests {
    static let utc = SyslogReferenceTime(unixMillis: 1_700_000_000_000)  // 2023-11-14T22:13:20Z

    @Test("RFC 5424 timestamp with offset resolves to Unix ms")
    func rfc5424Time() {
        let m = SyslogParser.parse("<34>1 2003-10-11T22:14:15.003-07:00 host app - - - hi", reference: Self.utc)
        #expect(m.timestampUnixMillis == 1_065_935_655_003)
        #expect(m.timestampUTCOffsetSeconds == -25_200)
        #expect(m.timestamp == "2003-10-11T22:14:15.003-07:00")
        #expect(m.flags.isEmpty)
    }

    @Test("BSD year is the one nearest the reference, in both directions")
    func nearestYear() {
        // Reference 2024-01-01T00:30Z: "Dec 31 23:59:59" is last year, "Jan  1 00:10:00" this year.
        let newYear = SyslogReferenceTime(unixMillis: 1_704_069_000_000)
        let december = SyslogParser.parse("<13>Dec 31 23:59:59 host app: x", reference: newYear)
        #expect(december.timestampUnixMillis == 1_704_067_199_000)
        #expect(december.flags.contains(.yearInferred))
        let january = SyslogParser.parse("<13>Jan  1 00:10:00 host app: x", reference: newYear)
        #expect(january.timestampUnixMillis == 1_704_067_800_000)
        // Reference 2023-12-31T23:50Z and a device clock a little ahead: next year.
        let beforeMidnight = SyslogReferenceTime(unixMillis: 1_704_066_600_000)
        let ahead = SyslogParser.parse("<13>Jan  1 00:01:00 host app: x", reference: beforeMidnight)
        #expect(ahead.timestampUnixMillis == 1_704_067_260_000)
    }

    @Test("Feb 29 finds a leap year; the caller's offset applies to zone-less times")
    func leapDayAndOffset() {
        let reference = SyslogReferenceTime(unixMillis: 1_700_000_000_000, utcOffsetSeconds: 3600)
        let m = SyslogParser.parse("<13>Feb 29 12:00:00 host app: x", reference: reference)
        // 2024-02-29T12:00+01:00 (2023 has no Feb 29; 2024 is nearer than 2020).
        #expect(m.timestampUnixMillis == 1_709_204_400_000)
        #expect(m.timestampUTCOffsetSeconds == 3600)
        #expect(m.flags.contains(.offsetAssumed))
        let iso = SyslogParser.parse("<13>2024-02-29T12:00:00 host app: x", reference: reference)
        #expect(iso.timestampUnixMillis == 1_709_204_400_000)
        let explicitYear = SyslogParser.parse("<13>Feb 29 2023 12:00:00 host app: x", reference: reference)
        #expect(explicitYear.timestamp == "Feb 29 2023 12:00:00" && explicitYear.timestampUnixMillis == nil,
                "a written but impossible date keeps its text and has no absolute time")
    }

    @Test("Structured data keeps wire order and repairs invalid UTF-8 in values")
    func sdOrder() {
        var bytes = Array(#"<1>1 - - - - - [b@1 z="1" a="2" z="3"][a@1 q="\\x"] m"#.utf8)
        let sd = SyslogParser.parse(bytes, reference: Self.utc)
        #expect(sd.structuredData.map(\.id) == ["b@1", "a@1"])
        #expect(sd.structuredData[0].parameters.map(\.name) == ["z", "a", "z"])
        #expect(sd.structuredData(id: "a@1")?.first?.value == #"\x"#)
        #expect(sd.structuredDataText == #"[b@1 z="1" a="2" z="3"][a@1 q="\\x"]"#)
        bytes = Array(#"<1>1 - - - - - [x v=""#.utf8) + [0xFF] + Array(#""] m"#.utf8)
        let repaired = SyslogParser.parse(bytes, reference: Self.utc)
        #expect(repaired.structuredData.first?.parameters.first?.value == "\u{FFFD}")
        #expect(repaired.flags.contains(.invalidUTF8Replaced))
        #expect(repaired.message == "m")
    }

    @Test("Invalid UTF-8 in a BSD line and a truncated frame are flagged, not fatal")
    func flags() {
        let bytes = Array("<13>Oct 11 22:14:15 host app: caf".utf8) + [0xC3] + Array("\r\n".utf8)
        let m = SyslogParser.parse(bytes, reference: Self.utc, truncated: true)
        #expect(m.message == "caf\u{FFFD}")
        #expect(m.flags.isSuperset(of: [.invalidUTF8Replaced, .truncated, .trailerStripped]))
    }

    @Test("Cisco variants", arguments: [
        ("<189>16261: May 28 16:09:56.185: %SYS-5-CONFIG_I: Configured from console", 16261, "%SYS-5-CONFIG_I: Configured from console"),
        ("<187>33: *Mar  1 00:00:01.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down", 33,
         "%LINK-3-UPDOWN: Interface Gi0/1, changed state to down"),
    ])
    func cisco(line: String, sequence: Int, message: String) {
        let m = SyslogParser.parse(line, reference: Self.utc)
        #expect(m.format == .rfc3164)
        #expect(m.sequenceNumber == UInt64(sequence))
        #expect(m.message == message)
        #expect(m.hostname == nil && m.appName == nil)
    }

    @Test("Clock marker, kernel line, tags with and without pid")
    func bsdShapes() {
        let star = SyslogParser.parse("<187>12: *Mar  1 00:00:01.123: %LINK-3-UPDOWN: x", reference: Self.utc)
        #expect(star.flags.contains(.clockNotAuthoritative) && star.timestamp == "Mar  1 00:00:01.123")
        let kernel = SyslogParser.parse("<4>Mar  1 00:00:01 myhost kernel: [12345.678] eth0: link up", reference: Self.utc)
        #expect(kernel.appName == "kernel" && kernel.procID == nil && kernel.message == "[12345.678] eth0: link up")
        let pid = SyslogParser.parse("<30>Mar  1 00:00:01 myhost systemd[1]: Started.", reference: Self.utc)
        #expect(pid.appName == "systemd" && pid.procID == "1" && pid.message == "Started.")
    }

    @Test("Every prefix of valid lines parses without trapping and keeps its text")
    func prefixesAreTotal() {
        let lines = [
            #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry"#,
            "<190>589265: Feb  8 18:55:31.306: %SEC-6-IPACCESSLOGP: list 177 denied udp 10.0.0.1(53640) -> 10.100.0.1(15600), 1 packet",
            "<13>Feb 13 21:31:56 74794bfb6795 liblogging-stdlog:  [origin software=\"rsyslogd\" x-info=\"http://www.rsyslog.com\"] start",
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            for length in 0...bytes.count {
                let m = SyslogParser.parse(Array(bytes[..<length]), reference: Self.utc)
                if length > 0 { #expect(m.pri != nil || m.message != nil, "prefix \(length) lost everything") }
            }
        }
    }

    @Test("Random bytes never trap")
    func randomBytes() {
        var generator = SplitMix64(seed: 42)
        // 5,000, not more: in a debug build 20,000 held one of the test pool's
        // threads (two on CI) for 10 s, and listener tests waiting on that
        // pool timed out. The fuzzer (Fuzz/) is where volume goes.
        for _ in 0..<5_000 {
            let length = Int(generator.next() % 300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Bias towards syslog-looking prefixes so that deep paths are reached.
            if generator.next() % 2 == 0 { bytes = Array("<13>1 ".utf8) + bytes }
            if generator.next() % 3 == 0 { bytes = Array("<13>Oct 11 22:14:15 ".utf8) + bytes }
            _ = SyslogParser.parse(bytes, reference: Self.utc)
        }
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
