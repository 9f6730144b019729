import AlertbridgeCore
import Foundation
import Testing

/// One look-up case: the latest activation at or before `reference` and the first after it,
/// written in the schedule's zone ("nil" for none).
struct ActivationCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var zone: String = "UTC"
    var reference: String
    var previous: String
    var next: String

    var testDescription: String { "\(expression) in \(zone) around \(reference)" }
}

@Suite struct ActivationTests {
    // 2024-05-15 is a Wednesday.
    static let fieldKinds: [ActivationCase] = [
        .init(expression: "* * * * *", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T12:34:00+00:00", next: "2024-05-15T12:35:00+00:00"),
        .init(expression: "*/15 * * * *", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T12:30:00+00:00", next: "2024-05-15T12:45:00+00:00"),
        .init(expression: "10-50/10 * * * *", reference: "2024-05-15T12:54:56Z",
              previous: "2024-05-15T12:50:00+00:00", next: "2024-05-15T13:10:00+00:00"),
        .init(expression: "0 9-17 * * *", reference: "2024-05-15T17:34:56Z",
              previous: "2024-05-15T17:00:00+00:00", next: "2024-05-16T09:00:00+00:00"),
        .init(expression: "0 0 1,15 * *", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T00:00:00+00:00", next: "2024-06-01T00:00:00+00:00"),
        .init(expression: "0 0 * * MON-FRI", reference: "2024-05-17T12:00:00Z",
              previous: "2024-05-17T00:00:00+00:00", next: "2024-05-20T00:00:00+00:00"),
        .init(expression: "0 0 * * SAT,SUN", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-12T00:00:00+00:00", next: "2024-05-18T00:00:00+00:00"),
        .init(expression: "30 23 * * 7", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-12T23:30:00+00:00", next: "2024-05-19T23:30:00+00:00"),
        .init(expression: "0 0 1 JAN,jul *", reference: "2024-05-15T12:34:56Z",
              previous: "2024-01-01T00:00:00+00:00", next: "2024-07-01T00:00:00+00:00"),
        // Both day fields restricted: the 13th OR any Friday.
        .init(expression: "0 12 13 * FRI", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-13T12:00:00+00:00", next: "2024-05-17T12:00:00+00:00"),
        // Day-of-month starts with "*": odd days that are ALSO Mondays (13th, 27th).
        .init(expression: "0 0 */2 * MON", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-13T00:00:00+00:00", next: "2024-05-27T00:00:00+00:00"),
        // Same days written without "*": odd days OR Mondays.
        .init(expression: "0 0 1-31/2 * MON", reference: "2024-05-16T12:34:56Z",
              previous: "2024-05-15T00:00:00+00:00", next: "2024-05-17T00:00:00+00:00"),
        .init(expression: "@hourly", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T12:00:00+00:00", next: "2024-05-15T13:00:00+00:00"),
        .init(expression: "@daily", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T00:00:00+00:00", next: "2024-05-16T00:00:00+00:00"),
        .init(expression: "@weekly", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-12T00:00:00+00:00", next: "2024-05-19T00:00:00+00:00"),
        .init(expression: "@monthly", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-01T00:00:00+00:00", next: "2024-06-01T00:00:00+00:00"),
        .init(expression: "@yearly", reference: "2024-05-15T12:34:56Z",
              previous: "2024-01-01T00:00:00+00:00", next: "2025-01-01T00:00:00+00:00"),
        // Exactly at an activation: previous includes it, next excludes it.
        .init(expression: "0 2 * * *", reference: "2024-05-15T02:00:00Z",
              previous: "2024-05-15T02:00:00+00:00", next: "2024-05-16T02:00:00+00:00"),
        .init(expression: "0 0 1 1 *", reference: "2024-01-01T00:00:00Z",
              previous: "2024-01-01T00:00:00+00:00", next: "2025-01-01T00:00:00+00:00"),
    ]

    // The reference instant is 12:34:56Z on a Wednesday; each zone sees another wall time.
    static let zonesWithOffsets: [ActivationCase] = [
        .init(expression: "0 2 * * *", zone: "Asia/Kolkata", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T02:00:00+05:30", next: "2024-05-16T02:00:00+05:30"),
        .init(expression: "0 2 * * *", zone: "Asia/Kathmandu", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T02:00:00+05:45", next: "2024-05-16T02:00:00+05:45"),
        .init(expression: "30 8 * * MON-FRI", zone: "America/New_York", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T08:30:00-04:00", next: "2024-05-16T08:30:00-04:00"),
        // Already Thursday the 16th in Auckland.
        .init(expression: "0 0 * * THU", zone: "Pacific/Auckland", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-16T00:00:00+12:00", next: "2024-05-23T00:00:00+12:00"),
        .init(expression: "0 0 1 * *", zone: "Pacific/Auckland", reference: "2024-05-31T12:34:56Z",
              previous: "2024-06-01T00:00:00+12:00", next: "2024-07-01T00:00:00+12:00"),
        .init(expression: "0 0 * * *", zone: "Pacific/Kiritimati", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-16T00:00:00+14:00", next: "2024-05-17T00:00:00+14:00"),
        .init(expression: "0 0 * * *", zone: "Pacific/Pago_Pago", reference: "2024-05-15T12:34:56Z",
              previous: "2024-05-15T00:00:00-11:00", next: "2024-05-16T00:00:00-11:00"),
        .init(expression: "0 0 31 * *", zone: "Europe/Berlin", reference: "2024-04-15T12:00:00+02:00",
              previous: "2024-03-31T00:00:00+01:00", next: "2024-05-31T00:00:00+02:00"),
    ]

    static let monthEndsAndLeapYears: [ActivationCase] = [
        .init(expression: "0 0 31 * *", reference: "2024-04-15T00:00:00Z",
              previous: "2024-03-31T00:00:00+00:00", next: "2024-05-31T00:00:00+00:00"),
        .init(expression: "0 0 30 * *", reference: "2024-02-15T00:00:00Z",
              previous: "2024-01-30T00:00:00+00:00", next: "2024-03-30T00:00:00+00:00"),
        .init(expression: "59 23 31 12 *", reference: "2024-06-01T00:00:00Z",
              previous: "2023-12-31T23:59:00+00:00", next: "2024-12-31T23:59:00+00:00"),
        .init(expression: "0 0 29 2 *", reference: "2025-03-01T00:00:00Z",
              previous: "2024-02-29T00:00:00+00:00", next: "2028-02-29T00:00:00+00:00"),
        // 2100 is not a leap year: eight years between runs.
        .init(expression: "0 0 29 2 *", reference: "2097-03-01T00:00:00Z",
              previous: "2096-02-29T00:00:00+00:00", next: "2104-02-29T00:00:00+00:00"),
        // 2000 is (divisible by 400).
        .init(expression: "0 0 29 2 *", reference: "1999-03-01T00:00:00Z",
              previous: "1996-02-29T00:00:00+00:00", next: "2000-02-29T00:00:00+00:00"),
        .init(expression: "0 0 29 2 *", zone: "Europe/Berlin", reference: "2025-03-01T00:00:00Z",
              previous: "2024-02-29T00:00:00+01:00", next: "2028-02-29T00:00:00+01:00"),
        // Feb 29 that is also a Sunday: 28 years apart here.
        .init(expression: "0 0 29 2 */7", reference: "2005-01-01T00:00:00Z",
              previous: "2004-02-29T00:00:00+00:00", next: "2032-02-29T00:00:00+00:00"),
        // Either field: the 29th or any Monday of February, so no leap year is needed.
        .init(expression: "0 0 29 2 MON", reference: "2025-02-12T12:00:00Z",
              previous: "2025-02-10T00:00:00+00:00", next: "2025-02-17T00:00:00+00:00"),
        .init(expression: "0 0 * * *", reference: "2024-02-29T12:00:00Z",
              previous: "2024-02-29T00:00:00+00:00", next: "2024-03-01T00:00:00+00:00"),
        .init(expression: "0 0 * * *", reference: "2100-02-28T12:00:00Z",
              previous: "2100-02-28T00:00:00+00:00", next: "2100-03-01T00:00:00+00:00"),
    ]

    @Test(arguments: fieldKinds + zonesWithOffsets + monthEndsAndLeapYears)
    func findsPreviousAndNext(_ scenario: ActivationCase) throws {
        let cron = try schedule(scenario.expression, scenario.zone)
        let reference = try instant(scenario.reference)
        #expect(iso(cron.previousActivation(atOrBefore: reference), in: cron.timeZone) == scenario.previous)
        #expect(iso(cron.nextActivation(after: reference), in: cron.timeZone) == scenario.next)
    }

    @Test func comparesFractionalSecondsExactly() throws {
        let cron = try schedule("0 2 * * *")
        let activation = try instant("2024-05-15T02:00:00Z")
        #expect(cron.nextActivation(after: activation.addingTimeInterval(-0.5)) == activation)
        #expect(cron.previousActivation(atOrBefore: activation.addingTimeInterval(-0.5))
            == activation.addingTimeInterval(-86_400))
        #expect(cron.previousActivation(atOrBefore: activation.addingTimeInterval(0.5)) == activation)
        #expect(cron.nextActivation(after: activation.addingTimeInterval(0.5)) == activation.addingTimeInterval(86_400))
    }

    @Test(arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 */1"])
    func neverMatchingScheduleReturnsNilQuickly(expression: String) throws {
        let cron = try schedule(expression, "Europe/Berlin")
        let reference = try instant("2024-05-15T12:00:00Z")
        let elapsed = ContinuousClock().measure {
            #expect(cron.previousActivation(atOrBefore: reference) == nil)
            #expect(cron.nextActivation(after: reference) == nil)
            #expect(cron.activeWindow(containing: reference, duration: .seconds(3600)) == nil)
        }
        #expect(elapsed < .milliseconds(5))
    }

    @Test func rareScheduleIsFoundQuickly() throws {
        let cron = try schedule("0 0 29 2 */7", "America/New_York")
        let reference = try instant("2005-01-01T00:00:00Z")
        var next: Date?
        let elapsed = ContinuousClock().measure { next = cron.nextActivation(after: reference) }
        #expect(iso(next, in: cron.timeZone) == "2032-02-29T00:00:00-05:00")
        #expect(elapsed < .milliseconds(20))  // debug build; release is far below this
    }

    @Test func outOfRangeInstantsHaveNoActivations() throws {
        let cron = try schedule("* * * * *")
        #expect(cron.nextActivation(after: .distantFuture) != nil)  // year 4001 is supported
        #expect(cron.nextActivation(after: Date(timeIntervalSince1970: 1e15)) == nil)
        #expect(cron.previousActivation(atOrBefore: Date(timeIntervalSince1970: -1e15)) == nil)
        #expect(cron.previousActivation(atOrBefore: Date(timeIntervalSince1970: .nan)) == nil)
        #expect(cron.nextActivation(after: Date(timeIntervalSince1970: .infinity)) == nil)
    }

    /// For random instants, `previous <= t < next` with nothing in between, from both sides.
    @Test(arguments: [
        ("*/7 */5 * * *", "UTC"),
        ("0 2 * * *", "Europe/Berlin"),
        ("30 1 * * SUN", "America/New_York"),
        ("*/15 * * * *", "America/New_York"),
        ("15 2 1-7 * MON", "Australia/Lord_Howe"),
        ("0 0 */3 * 5", "Asia/Kathmandu"),
        ("0 12 13 * FRI", "Pacific/Auckland"),
    ])
    func previousAndNextAreAdjacent(expression: String, zone: String) throws {
        let cron = try schedule(expression, zone)
        var generator = SplitMix64(seed: 0xC0FFEE)
        let start = 1_700_000_000  // 2023-11-14
        for _ in 0..<300 {
            let seconds = start + Int(generator.next() % (3 * 366 * 86_400))
            let reference = Date(timeIntervalSince1970: TimeInterval(seconds))
            let previous = try #require(cron.previousActivation(atOrBefore: reference))
            let next = try #require(cron.nextActivation(after: reference))
            #expect(previous <= reference && reference < next)
            #expect(cron.nextActivation(after: previous) == next, "after \(iso(previous, in: cron.timeZone))")
            #expect(cron.previousActivation(atOrBefore: next.addingTimeInterval(-1)) == previous)
            #expect(cron.previousActivation(atOrBefore: next) == next)
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
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
