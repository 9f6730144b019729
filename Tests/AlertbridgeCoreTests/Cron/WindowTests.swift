import AlertbridgeCore
import Foundation
import Testing

struct WindowCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var zone: String = "UTC"
    var duration: Duration
    var date: String
    /// The expected `[start, end)` in the schedule's zone, or nil for "no active window".
    var window: (start: String, end: String)?

    var testDescription: String { "\(expression) in \(zone) for \(duration) at \(date)" }
}

@Suite struct WindowTests {
    static let cases: [WindowCase] = [
        // Crossing midnight; start inclusive, end exclusive.
        .init(expression: "30 23 * * *", duration: .seconds(2 * 3600), date: "2024-05-16T00:45:00Z",
              window: ("2024-05-15T23:30:00+00:00", "2024-05-16T01:30:00+00:00")),
        .init(expression: "30 23 * * *", duration: .seconds(2 * 3600), date: "2024-05-15T23:30:00Z",
              window: ("2024-05-15T23:30:00+00:00", "2024-05-16T01:30:00+00:00")),
        .init(expression: "30 23 * * *", duration: .seconds(2 * 3600), date: "2024-05-16T01:30:00Z", window: nil),
        .init(expression: "30 23 * * *", duration: .seconds(2 * 3600), date: "2024-05-15T23:29:59Z", window: nil),
        // Crossing month, leap-day and year ends.
        .init(expression: "0 22 31 * *", duration: .seconds(4 * 3600), date: "2024-02-01T01:00:00Z",
              window: ("2024-01-31T22:00:00+00:00", "2024-02-01T02:00:00+00:00")),
        .init(expression: "0 22 29 2 *", duration: .seconds(3 * 3600), date: "2024-03-01T00:30:00Z",
              window: ("2024-02-29T22:00:00+00:00", "2024-03-01T01:00:00+00:00")),
        .init(expression: "0 23 31 12 *", duration: .seconds(2 * 3600), date: "2025-01-01T00:30:00Z",
              window: ("2024-12-31T23:00:00+00:00", "2025-01-01T01:00:00+00:00")),
        // Overlapping windows: the latest activation's window is the one reported.
        .init(expression: "*/10 * * * *", duration: .seconds(25 * 60), date: "2024-05-15T12:17:00Z",
              window: ("2024-05-15T12:10:00+00:00", "2024-05-15T12:35:00+00:00")),
        .init(expression: "@daily", duration: .seconds(36 * 3600), date: "2024-05-16T06:00:00Z",
              window: ("2024-05-16T00:00:00+00:00", "2024-05-17T12:00:00+00:00")),
        // Sub-second precision of the duration is kept.
        .init(expression: "0 12 * * *", duration: .milliseconds(1500), date: "2024-05-15T12:00:01Z",
              window: ("2024-05-15T12:00:00+00:00", "2024-05-15T12:00:01+00:00")),
        // Sparse schedule, far from an activation.
        .init(expression: "@yearly", duration: .seconds(3600), date: "2024-07-01T00:00:00Z", window: nil),
        .init(expression: "0 0 30 2 *", duration: .seconds(3600), date: "2024-07-01T00:00:00Z", window: nil),
        // Empty windows never contain anything.
        .init(expression: "* * * * *", duration: .zero, date: "2024-05-15T12:00:00Z", window: nil),
        .init(expression: "* * * * *", duration: .seconds(-60), date: "2024-05-15T12:00:00Z", window: nil),
        // In a zone, on an ordinary day.
        .init(expression: "0 2 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-05-15T02:30:00+02:00",
              window: ("2024-05-15T02:00:00+02:00", "2024-05-15T03:00:00+02:00")),
        // The rule-file example: nightly-db-maintenance, 02:00 Berlin for 1h, seen from UTC.
        .init(expression: "0 2 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-01-15T00:59:59Z", window: nil),
        .init(expression: "0 2 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-01-15T02:00:00Z", window: nil),
        .init(expression: "0 2 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-01-15T01:00:00Z",
              window: ("2024-01-15T02:00:00+01:00", "2024-01-15T03:00:00+01:00")),
    ]

    /// Durations are elapsed time, so across a clock change the window's wall-clock length differs.
    static let daylightSaving: [WindowCase] = [
        // Berlin fall-back: 01:30 CEST + 1h ends at 02:30 CEST; 02:15 CET is 1h45 later.
        .init(expression: "30 1 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-10-27T02:20:00+02:00",
              window: ("2024-10-27T01:30:00+02:00", "2024-10-27T02:30:00+02:00")),
        .init(expression: "30 1 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-10-27T02:15:00+01:00", window: nil),
        // Berlin spring-forward: 01:30 CET + 1h ends at 03:30 CEST.
        .init(expression: "30 1 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-03-31T03:20:00+02:00",
              window: ("2024-03-31T01:30:00+01:00", "2024-03-31T03:30:00+02:00")),
        .init(expression: "30 1 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-03-31T03:30:00+02:00", window: nil),
        // A fixed time inside the gap opens its window at the end of the gap.
        .init(expression: "30 2 * * *", zone: "Europe/Berlin", duration: .seconds(3600), date: "2024-03-31T03:59:00+02:00",
              window: ("2024-03-31T03:00:00+02:00", "2024-03-31T04:00:00+02:00")),
        // New York fall-back: 01:00 EDT + 1h ends at 01:00 EST.
        .init(expression: "0 1 * * *", zone: "America/New_York", duration: .seconds(3600), date: "2024-11-03T01:30:00-04:00",
              window: ("2024-11-03T01:00:00-04:00", "2024-11-03T01:00:00-05:00")),
        .init(expression: "0 1 * * *", zone: "America/New_York", duration: .seconds(3600), date: "2024-11-03T01:30:00-05:00", window: nil),
        // New York spring-forward: 01:30 EST + 1h ends at 03:30 EDT.
        .init(expression: "30 1 * * *", zone: "America/New_York", duration: .seconds(3600), date: "2024-03-10T03:15:00-04:00",
              window: ("2024-03-10T01:30:00-05:00", "2024-03-10T03:30:00-04:00")),
    ]

    @Test(arguments: cases + daylightSaving)
    func findsActiveWindow(_ scenario: WindowCase) throws {
        let cron = try schedule(scenario.expression, scenario.zone)
        let window = cron.activeWindow(containing: try instant(scenario.date), duration: scenario.duration)
        #expect(iso(window?.start, in: cron.timeZone) == scenario.window?.start ?? "nil")
        #expect(iso(window?.end, in: cron.timeZone) == scenario.window?.end ?? "nil")
    }

    @Test func windowEndKeepsSubSecondDuration() throws {
        let cron = try schedule("0 12 * * *")
        let start = try instant("2024-05-15T12:00:00Z")
        let window = try #require(cron.activeWindow(containing: start.addingTimeInterval(1.25), duration: .milliseconds(1500)))
        #expect(window.start == start)
        #expect(window.end == start.addingTimeInterval(1.5))
        #expect(cron.activeWindow(containing: start.addingTimeInterval(1.5), duration: .milliseconds(1500)) == nil)
    }
}
