import AlertbridgeCore
import Foundation
import Testing

@Suite struct RFC3339Tests {
    @Test(
        "parses what senders send",
        arguments: [
            ("2024-05-13T10:02:41.227Z", 1_715_594_561_227),
            ("2024-05-13T10:02:41Z", 1_715_594_561_000),
            ("2024-05-13T10:02:41.5Z", 1_715_594_561_500),
            ("2024-05-13T10:02:41.123456789Z", 1_715_594_561_123),
            ("2024-05-13T12:02:41.227+02:00", 1_715_594_561_227),
            ("2024-05-13T05:02:41.227-0500", 1_715_594_561_227),
            ("2024-05-13 10:02:41Z", 1_715_594_561_000),
            ("2024-05-13t10:02:41z", 1_715_594_561_000),
            ("2024-05-13T10:02:41", 1_715_594_561_000),
            ("1970-01-01T00:00:00Z", 0),
            ("0001-01-01T00:00:00Z", -62_135_596_800_000),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ] as [(String, Int64)])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(RFC3339.unixMilliseconds(text) == milliseconds)
    }

    @Test(
        "rejects what is not a time",
        arguments: [
            "", "yesterday", "2024-05-13", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-05-13T24:00:00Z",
            "2024-05-13T10:02:41.Z", "2024-05-13T10:02:41+25:00", "2024-05-13T10:02:41Zjunk", "<startTime>",
        ])
    func rejects(_ text: String) {
        #expect(RFC3339.unixMilliseconds(text) == nil)
    }

    @Test("prints UTC with milliseconds, and round-trips", arguments: [0, 1_715_594_561_227, -62_135_596_800_000, -1] as [Int64])
    func prints(_ milliseconds: Int64) {
        let text = RFC3339.string(unixMilliseconds: milliseconds)
        #expect(text.hasSuffix("Z") && text.count == 24)
        #expect(RFC3339.unixMilliseconds(text) == milliseconds)
    }

    @Test func knownString() {
        #expect(RFC3339.string(unixMilliseconds: 1_715_594_561_227) == "2024-05-13T10:02:41.227Z")
        #expect(RFC3339.string(Date(unixMilliseconds: 0)) == "1970-01-01T00:00:00.000Z")
    }
}

@Suite struct DurationTextTests {
    @Test(
        "parses Prometheus durations",
        arguments: [
            ("500ms", 500), ("30s", 30_000), ("10m", 600_000), ("1h30m", 5_400_000), ("7d", 604_800_000), ("1w", 604_800_000),
            ("1h0m10s", 3_610_000), ("0s", 0),
        ] as [(String, Int64)])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(DurationText.parse(text)?.milliseconds == milliseconds)
    }

    @Test("rejects", arguments: ["", "10", "m", "10x", "30m1h", "1h1h", "-5m", "1.5h", "99999999999999999999s"])
    func rejects(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formats() {
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.milliseconds(1500)) == "1s500ms")
        #expect(DurationText.format(.zero) == "0s")
    }
}
