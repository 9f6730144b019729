import AlertbridgeCore
import Foundation
import Testing

/// A run of consecutive activations after `start`, in the schedule's zone.
struct SequenceCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var zone: String
    var start: String
    var expected: [String]

    var testDescription: String { "\(expression) in \(zone) after \(start)" }
}

/// Berlin 2024: clocks go 02:00 CET -> 03:00 CEST on 31 March, 03:00 CEST -> 02:00 CET on 27 October.
/// New York 2024: 02:00 EST -> 03:00 EDT on 10 March, 02:00 EDT -> 01:00 EST on 3 November.
/// Lord Howe moves by 30 minutes: 02:00 -> 02:30 (+11:00) on 6 Oct 2024, 02:00 -> 01:30 (+10:30) on 6 Apr 2025.
/// Apia skipped all of 30 December 2011 (-10:00 -> +14:00).
@Suite struct DaylightSavingTests {
    static let springForward: [SequenceCase] = [
        // Fixed-time schedules run once, at the first instant after the gap.
        .init(expression: "30 2 * * *", zone: "Europe/Berlin", start: "2024-03-30T12:00:00+01:00",
              expected: ["2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"]),
        .init(expression: "0,30 2 * * *", zone: "Europe/Berlin", start: "2024-03-30T12:00:00+01:00",
              expected: ["2024-03-31T03:00:00+02:00", "2024-04-01T02:00:00+02:00", "2024-04-01T02:30:00+02:00"]),
        .init(expression: "30 1-3 * * *", zone: "Europe/Berlin", start: "2024-03-31T00:00:00+01:00",
              expected: ["2024-03-31T01:30:00+01:00", "2024-03-31T03:00:00+02:00",
                         "2024-03-31T03:30:00+02:00", "2024-04-01T01:30:00+02:00"]),
        .init(expression: "30 2 * * *", zone: "America/New_York", start: "2024-03-09T12:00:00-05:00",
              expected: ["2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"]),
        .init(expression: "15 2 * * *", zone: "Australia/Lord_Howe", start: "2024-10-05T12:00:00+10:30",
              expected: ["2024-10-06T02:30:00+11:00", "2024-10-07T02:15:00+11:00"]),
        .init(expression: "0 12 * * *", zone: "Pacific/Apia", start: "2011-12-29T12:00:00-10:00",
              expected: ["2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00"]),
        // Periodic schedules skip the missing wall times.
        .init(expression: "30 * * * *", zone: "Europe/Berlin", start: "2024-03-31T00:45:00+01:00",
              expected: ["2024-03-31T01:30:00+01:00", "2024-03-31T03:30:00+02:00", "2024-03-31T04:30:00+02:00"]),
        .init(expression: "*/15 * * * *", zone: "Europe/Berlin", start: "2024-03-31T01:40:00+01:00",
              expected: ["2024-03-31T01:45:00+01:00", "2024-03-31T03:00:00+02:00", "2024-03-31T03:15:00+02:00"]),
        .init(expression: "*/30 2 * * *", zone: "Europe/Berlin", start: "2024-03-30T12:00:00+01:00",
              expected: ["2024-04-01T02:00:00+02:00", "2024-04-01T02:30:00+02:00"]),
        .init(expression: "*/20 * * * *", zone: "Australia/Lord_Howe", start: "2024-10-06T01:50:00+10:30",
              expected: ["2024-10-06T02:40:00+11:00", "2024-10-06T03:00:00+11:00"]),
        .init(expression: "0 * * * *", zone: "Pacific/Apia", start: "2011-12-29T22:30:00-10:00",
              expected: ["2011-12-29T23:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T01:00:00+14:00"]),
    ]

    static let fallBack: [SequenceCase] = [
        // Fixed-time schedules run at the first occurrence only.
        .init(expression: "30 2 * * *", zone: "Europe/Berlin", start: "2024-10-26T12:00:00+02:00",
              expected: ["2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"]),
        .init(expression: "0,30 2 * * *", zone: "Europe/Berlin", start: "2024-10-27T00:00:00+02:00",
              expected: ["2024-10-27T02:00:00+02:00", "2024-10-27T02:30:00+02:00", "2024-10-28T02:00:00+01:00"]),
        .init(expression: "30 1 * * *", zone: "America/New_York", start: "2024-11-02T12:00:00-04:00",
              expected: ["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"]),
        .init(expression: "45 1 * * *", zone: "Australia/Lord_Howe", start: "2025-04-05T12:00:00+11:00",
              expected: ["2025-04-06T01:45:00+11:00", "2025-04-07T01:45:00+10:30"]),
        // Periodic schedules run at both occurrences, keeping their real-time rhythm.
        .init(expression: "30 * * * *", zone: "Europe/Berlin", start: "2024-10-27T01:00:00+02:00",
              expected: ["2024-10-27T01:30:00+02:00", "2024-10-27T02:30:00+02:00",
                         "2024-10-27T02:30:00+01:00", "2024-10-27T03:30:00+01:00"]),
        // Starting inside the first pass: the next run is back in the repeated hour.
        .init(expression: "*/15 * * * *", zone: "Europe/Berlin", start: "2024-10-27T02:40:00+02:00",
              expected: ["2024-10-27T02:45:00+02:00", "2024-10-27T02:00:00+01:00", "2024-10-27T02:15:00+01:00"]),
        .init(expression: "*/30 2 * * *", zone: "Europe/Berlin", start: "2024-10-27T00:00:00+02:00",
              expected: ["2024-10-27T02:00:00+02:00", "2024-10-27T02:30:00+02:00", "2024-10-27T02:00:00+01:00",
                         "2024-10-27T02:30:00+01:00", "2024-10-28T02:00:00+01:00"]),
        .init(expression: "*/30 * * * *", zone: "America/New_York", start: "2024-11-03T00:45:00-04:00",
              expected: ["2024-11-03T01:00:00-04:00", "2024-11-03T01:30:00-04:00", "2024-11-03T01:00:00-05:00",
                         "2024-11-03T01:30:00-05:00", "2024-11-03T02:00:00-05:00"]),
        .init(expression: "*/15 * * * *", zone: "Australia/Lord_Howe", start: "2025-04-06T01:40:00+11:00",
              expected: ["2025-04-06T01:45:00+11:00", "2025-04-06T01:30:00+10:30",
                         "2025-04-06T01:45:00+10:30", "2025-04-06T02:00:00+10:30"]),
    ]

    /// Walks forward with `nextActivation`, then back with `previousActivation`, which must
    /// retrace the same instants.
    @Test(arguments: springForward + fallBack)
    func runsAcrossTransition(_ scenario: SequenceCase) throws {
        let cron = try schedule(scenario.expression, scenario.zone)
        let start = try instant(scenario.start)
        #expect(activations(of: cron, after: start, count: scenario.expected.count) == scenario.expected)

        let instants = try scenario.expected.map(instant)
        for (earlier, later) in zip([start] + instants, instants) {
            let previous = cron.previousActivation(atOrBefore: later.addingTimeInterval(-1))
            if earlier == start {
                #expect(previous.map { $0 <= start } ?? true, "nothing between the start and the first run")
            } else {
                #expect(iso(previous, in: cron.timeZone) == iso(earlier, in: cron.timeZone))
            }
            #expect(cron.previousActivation(atOrBefore: later) == later)
        }
    }

    /// Look-ups from inside the repeated hour, where wall-clock order and real order disagree.
    @Test(arguments: [
        // Second pass: a fixed-time schedule's latest run was in the first pass, even one at a
        // later wall time than now.
        ActivationCase(expression: "0,30 2 * * *", zone: "Europe/Berlin", reference: "2024-10-27T02:10:00+01:00",
                       previous: "2024-10-27T02:30:00+02:00", next: "2024-10-28T02:00:00+01:00"),
        ActivationCase(expression: "30 2 * * *", zone: "Europe/Berlin", reference: "2024-10-27T02:45:00+01:00",
                       previous: "2024-10-27T02:30:00+02:00", next: "2024-10-28T02:30:00+01:00"),
        // Second pass: a periodic schedule's latest run is in the second pass.
        ActivationCase(expression: "*/15 * * * *", zone: "Europe/Berlin", reference: "2024-10-27T02:10:00+01:00",
                       previous: "2024-10-27T02:00:00+01:00", next: "2024-10-27T02:15:00+01:00"),
        ActivationCase(expression: "30 * * * *", zone: "Europe/Berlin", reference: "2024-10-27T02:10:00+01:00",
                       previous: "2024-10-27T02:30:00+02:00", next: "2024-10-27T02:30:00+01:00"),
        // First pass: a periodic schedule runs again at an earlier wall time after the transition.
        ActivationCase(expression: "0 * * * *", zone: "Europe/Berlin", reference: "2024-10-27T02:10:00+02:00",
                       previous: "2024-10-27T02:00:00+02:00", next: "2024-10-27T02:00:00+01:00"),
        ActivationCase(expression: "0 2 * * *", zone: "Europe/Berlin", reference: "2024-10-27T02:10:00+02:00",
                       previous: "2024-10-27T02:00:00+02:00", next: "2024-10-28T02:00:00+01:00"),
        // Inside the gap's aftermath.
        ActivationCase(expression: "30 2 * * *", zone: "Europe/Berlin", reference: "2024-03-31T03:10:00+02:00",
                       previous: "2024-03-31T03:00:00+02:00", next: "2024-04-01T02:30:00+02:00"),
        ActivationCase(expression: "30 2 * * *", zone: "Europe/Berlin", reference: "2024-03-31T01:59:59+01:00",
                       previous: "2024-03-30T02:30:00+01:00", next: "2024-03-31T03:00:00+02:00"),
    ])
    func looksUpAroundRepeatedAndSkippedTimes(_ scenario: ActivationCase) throws {
        let cron = try schedule(scenario.expression, scenario.zone)
        let reference = try instant(scenario.reference)
        #expect(iso(cron.previousActivation(atOrBefore: reference), in: cron.timeZone) == scenario.previous)
        #expect(iso(cron.nextActivation(after: reference), in: cron.timeZone) == scenario.next)
    }
}
