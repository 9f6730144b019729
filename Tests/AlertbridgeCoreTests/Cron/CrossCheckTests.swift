import AlertbridgeCore
import Foundation
import Testing

/// Compares the schedule with a brute-force model written independently of it: every minute
/// of a few days around a zone transition is turned into wall-clock fields by Foundation's
/// Calendar, and the DST rules are applied literally (skipped wall times run at the gap's end
/// for fixed-time schedules; repeated wall times run once for fixed-time schedules).
@Suite struct CrossCheckTests {
    /// Wall-clock fields of one minute; weekday 0 = Sunday.
    struct Wall: Hashable, Sendable {
        var year, month, day, hour, minute, weekday: Int
    }

    struct Model: Sendable {
        var expression: String
        var isFixedTime: Bool
        var matches: @Sendable (Wall) -> Bool
    }

    static let models: [Model] = [
        Model(expression: "* * * * *", isFixedTime: false) { _ in true },
        Model(expression: "*/15 * * * *", isFixedTime: false) { $0.minute % 15 == 0 },
        Model(expression: "30 * * * *", isFixedTime: false) { $0.minute == 30 },
        Model(expression: "*/30 2 * * *", isFixedTime: false) { $0.hour == 2 && $0.minute % 30 == 0 },
        Model(expression: "*/20 1-3 * * *", isFixedTime: false) { (1...3).contains($0.hour) && $0.minute % 20 == 0 },
        Model(expression: "30 2 * * *", isFixedTime: true) { $0.hour == 2 && $0.minute == 30 },
        Model(expression: "0,30 1-3 * * *", isFixedTime: true) { (1...3).contains($0.hour) && $0.minute % 30 == 0 },
        Model(expression: "15,45 1 * * *", isFixedTime: true) { $0.hour == 1 && $0.minute % 30 == 15 },
        Model(expression: "0-59 2 * * *", isFixedTime: true) { $0.hour == 2 },
        Model(expression: "0 12 * * *", isFixedTime: true) { $0.hour == 12 && $0.minute == 0 },
        Model(expression: "0 0 * * SUN", isFixedTime: true) { $0.weekday == 0 && $0.hour == 0 && $0.minute == 0 },
        Model(expression: "5 2 * * SUN", isFixedTime: true) { $0.weekday == 0 && $0.hour == 2 && $0.minute == 5 },
    ]

    /// Zone and a day on which its offset changes.
    @Test(arguments: [
        ("Europe/Berlin", "2024-03-31T00:00:00+01:00"),
        ("Europe/Berlin", "2024-10-27T00:00:00+02:00"),
        ("America/New_York", "2024-03-10T00:00:00-05:00"),
        ("America/New_York", "2024-11-03T00:00:00-04:00"),
        ("Australia/Lord_Howe", "2024-10-06T00:00:00+10:30"),
        ("Australia/Lord_Howe", "2025-04-06T00:00:00+11:00"),
        ("Pacific/Apia", "2011-12-29T00:00:00-10:00"),
        ("UTC", "2024-06-01T00:00:00+00:00"),
    ])
    func agreesWithBruteForceAroundTransition(zoneName: String, day: String) throws {
        let zone = try CronSchedule.timeZone(named: zoneName)
        let middle = Int(try instant(day).timeIntervalSince1970)
        // One day of warm-up, so repeated wall times are recognised; then compare two days.
        let warmUpStart = middle - 2 * 86_400
        let compareStart = middle - 86_400
        let compareEnd = middle + 2 * 86_400

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var utcCalendar = Calendar(identifier: .gregorian)
        utcCalendar.timeZone = .gmt
        func wall(_ date: Date, _ calendar: Calendar) -> Wall {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
            return Wall(year: parts.year!, month: parts.month!, day: parts.day!,
                        hour: parts.hour!, minute: parts.minute!, weekday: parts.weekday! - 1)
        }

        struct Minute { var instant: Int; var wall: Wall; var repeated: Bool; var skipped: [Wall] }
        var minutes: [Minute] = []
        var seenWalls = Set<Wall>()
        for seconds in stride(from: warmUpStart, to: compareEnd, by: 60) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let offset = zone.secondsFromGMT(for: date)
            let offsetBefore = zone.secondsFromGMT(for: date.addingTimeInterval(-60))
            // Wall times jumped over just before this instant, read as UTC wall times.
            let skipped = offset > offsetBefore
                ? stride(from: seconds + offsetBefore, to: seconds + offset, by: 60).map {
                    wall(Date(timeIntervalSince1970: TimeInterval($0)), utcCalendar)
                }
                : []
            let current = wall(date, calendar)
            minutes.append(Minute(instant: seconds, wall: current, repeated: seenWalls.contains(current), skipped: skipped))
            seenWalls.insert(current)
        }

        for model in Self.models {
            let cron = try CronSchedule(parsing: model.expression, timeZone: zone)
            let expected = minutes.filter { minute in
                guard minute.instant >= compareStart else { return false }
                if model.isFixedTime {
                    return (model.matches(minute.wall) && !minute.repeated) || minute.skipped.contains(where: model.matches)
                }
                return model.matches(minute.wall)
            }.map { iso(Date(timeIntervalSince1970: TimeInterval($0.instant)), in: zone) }

            var forward: [String] = []
            var cursor = Date(timeIntervalSince1970: TimeInterval(compareStart - 1))
            while let next = cron.nextActivation(after: cursor), next < Date(timeIntervalSince1970: TimeInterval(compareEnd)) {
                guard next > cursor else { Issue.record("\(model.expression): no progress after \(cursor)"); break }
                forward.append(iso(next, in: zone))
                cursor = next
            }
            #expect(forward == expected, "\(model.expression) forward")

            var backward: [String] = []
            cursor = Date(timeIntervalSince1970: TimeInterval(compareEnd - 1))
            while let previous = cron.previousActivation(atOrBefore: cursor),
                  previous >= Date(timeIntervalSince1970: TimeInterval(compareStart)) {
                guard previous <= cursor else { Issue.record("\(model.expression): no progress before \(cursor)"); break }
                backward.append(iso(previous, in: zone))
                cursor = previous.addingTimeInterval(-1)
            }
            #expect(backward.reversed() == expected, "\(model.expression) backward")
        }
    }

    /// Random expressions built from known value sets, checked minute by minute over three days
    /// in UTC against those sets and the crontab day rule.
    @Test func agreesWithBruteForceOnRandomSchedules() throws {
        var generator = SplitMix64(seed: 7)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt

        func randomField(_ range: ClosedRange<Int>, starChance: Double) -> (text: String, values: Set<Int>) {
            if Double.random(in: 0..<1, using: &generator) < starChance { return ("*", Set(range)) }
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let step = Int.random(in: 2...max(2, range.count / 3), using: &generator)
                return ("*/\(step)", Set(stride(from: range.lowerBound, through: range.upperBound, by: step)))
            case 1:
                let low = Int.random(in: range, using: &generator)
                let high = Int.random(in: low...range.upperBound, using: &generator)
                return ("\(low)-\(high)", Set(low...high))
            default:
                let values = (0..<Int.random(in: 1...4, using: &generator)).map { _ in Int.random(in: range, using: &generator) }
                return (values.map(String.init).joined(separator: ","), Set(values))
            }
        }

        var schedulesThatRan = 0
        for _ in 0..<100 {
            let minute = randomField(0...59, starChance: 0.2)
            let hour = randomField(0...23, starChance: 0.3)
            let dayOfMonth = randomField(1...31, starChance: 0.5)
            let month = randomField(1...12, starChance: 0.9)
            let dayOfWeek = randomField(0...6, starChance: 0.5)
            let expression = [minute, hour, dayOfMonth, month, dayOfWeek].map(\.text).joined(separator: " ")
            let bothDaysMustMatch = dayOfMonth.text.hasPrefix("*") || dayOfWeek.text.hasPrefix("*")
            let cron = try CronSchedule(parsing: expression, timeZone: .gmt)

            let start = 1_704_067_200 + Int.random(in: 0..<(3 * 365), using: &generator) * 86_400
            let end = start + 3 * 86_400
            let expected = stride(from: start, to: end, by: 60).filter { seconds in
                let parts = utc.dateComponents([.month, .day, .hour, .minute, .weekday],
                                               from: Date(timeIntervalSince1970: TimeInterval(seconds)))
                let dayOfMonthMatches = dayOfMonth.values.contains(parts.day!)
                let dayOfWeekMatches = dayOfWeek.values.contains(parts.weekday! - 1)
                let dayMatches = bothDaysMustMatch
                    ? dayOfMonthMatches && dayOfWeekMatches
                    : dayOfMonthMatches || dayOfWeekMatches
                return dayMatches && month.values.contains(parts.month!)
                    && hour.values.contains(parts.hour!) && minute.values.contains(parts.minute!)
            }.map { Date(timeIntervalSince1970: TimeInterval($0)) }

            let endDate = Date(timeIntervalSince1970: TimeInterval(end))
            var forward: [Date] = []
            var cursor = Date(timeIntervalSince1970: TimeInterval(start - 1))
            while let next = cron.nextActivation(after: cursor), next < endDate, next > cursor {
                forward.append(next)
                cursor = next
            }
            #expect(forward == expected, "\(expression) from \(iso(Date(timeIntervalSince1970: TimeInterval(start)), in: .gmt))")
            if let last = expected.last {
                schedulesThatRan += 1
                #expect(cron.previousActivation(atOrBefore: endDate.addingTimeInterval(-1)) == last, "\(expression)")
            }
        }
        // Keeps the comparison from passing vacuously on schedules that never run in the window.
        #expect(schedulesThatRan >= 40, "only \(schedulesThatRan) of 100 schedules ran")
    }
}
