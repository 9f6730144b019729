public import Foundation

/// A recurring set of wall-clock minutes in one time zone, written as a standard
/// 5-field cron expression: `minute hour day-of-month month day-of-week`.
///
/// Syntax: `*`, lists (`1,15`), ranges (`1-5`), steps (`*/15`, `10-50/10`), month names
/// `JAN`–`DEC` and day names `SUN`–`SAT` (any case), day-of-week `0` or `7` for Sunday,
/// and the macros `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
/// A step needs `*` or a range before it: `5/10` is rejected rather than guessed at, because
/// cron dialects disagree on what it means.
///
/// Day rule, as in Vixie cron and crontab(5): when both day fields are restricted, that is
/// neither *starts* with `*`, a day matches if EITHER matches (`0 0 13 * FRI` runs on every
/// 13th and every Friday). Otherwise both must match, so `0 0 */2 * MON` runs on odd-numbered
/// days that are Mondays. Operators copy schedules from crontabs, so we keep crontab's meaning.
///
/// Daylight saving time follows Vixie cron / cronie, which is what the maintenance jobs these
/// schedules describe actually run under. A schedule is *fixed-time* when neither its minute
/// nor its hour field starts with `*` (`30 2 * * *`, `@daily`), and *periodic* otherwise
/// (`*/15 * * * *`, `@hourly`, `0 * * * *`):
/// - Wall times skipped by a forward jump: a fixed-time schedule runs once at the first instant
///   after the gap (02:30 on Berlin's spring-forward day runs at 03:00 CEST), so a daily job
///   still runs that day; a periodic schedule just skips them, since its next run is at most
///   one period away and a catch-up run would double up with it.
/// - Wall times repeated by a backward jump: a fixed-time schedule runs only at the first
///   occurrence (once a day stays once a day); a periodic schedule runs at both, so
///   "every 15 minutes" keeps running every 15 real minutes through the repeated hour.
/// Gaps and repeats of any size are treated alike (cron special-cases jumps over 3 hours,
/// which only clock changes and the odd zone re-definition produce).
///
/// Evaluation is pure: results depend only on the schedule and the instants passed in, with
/// minute precision (wall-clock seconds are zero). Instants from year 1 to 9999 are supported,
/// dates being proleptic Gregorian; outside that range, look-ups return nil.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The five fields, numbered as in error messages.
    public enum Field: Int, Sendable, CaseIterable, CustomStringConvertible {
        case minute = 1, hour, dayOfMonth, month, dayOfWeek

        public var description: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }
    }

    /// The expression as written (trimmed), kept for messages and logs.
    public let expression: String
    /// The zone whose wall clock the fields are read in.
    public let timeZone: TimeZone
    /// False when no calendar date can ever match (`0 0 30 2 *`); look-ups then return nil at once.
    /// Worth surfacing when a rule file is loaded.
    public let canEverMatch: Bool

    // One bit per allowed value, bit n for value n.
    private let minutes: UInt64      // 0-59
    private let hours: UInt64        // 0-23
    private let daysOfMonth: UInt64  // 1-31
    private let months: UInt64       // 1-12
    private let daysOfWeek: UInt64   // 0-6, Sunday = 0 (7 is folded into 0)
    /// A day field was written with a leading `*`, so days must match both fields (else either).
    private let dayFieldsMustBothMatch: Bool
    /// Neither minute nor hour starts with `*`; decides the DST behaviour described above.
    private let isFixedTime: Bool

    /// Parses `expression`, whose wall-clock times are read in `timeZone`.
    public init(parsing expression: String, timeZone: TimeZone) throws(CronError) {
        let trimmed = expression.trimmingCharacters(in: .whitespacesAndNewlines)
        let fieldTexts: [Substring]
        if trimmed.hasPrefix("@") {
            guard let expansion = Self.macros[trimmed.lowercased()] else {
                throw CronError(
                    field: nil,
                    problem: "unknown macro \"\(trimmed)\"; expected one of "
                        + "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")
            }
            fieldTexts = expansion.split(separator: " ")
        } else {
            fieldTexts = trimmed.split(whereSeparator: \.isWhitespace)
        }
        guard fieldTexts.count == 5 else {
            throw CronError(field: nil, problem: "expected 5 fields, got \(fieldTexts.count)")
        }
        let minuteText = fieldTexts[0], hourText = fieldTexts[1]
        let dayOfMonthText = fieldTexts[2], dayOfWeekText = fieldTexts[4]

        self.expression = trimmed
        self.timeZone = timeZone
        minutes = try Self.parse(minuteText, as: .minute)
        hours = try Self.parse(hourText, as: .hour)
        daysOfMonth = try Self.parse(dayOfMonthText, as: .dayOfMonth)
        months = try Self.parse(fieldTexts[3], as: .month)
        let weekdays = try Self.parse(dayOfWeekText, as: .dayOfWeek)
        daysOfWeek = (weekdays | (weekdays >> 7)) & 0b111_1111
        dayFieldsMustBothMatch = dayOfMonthText.hasPrefix("*") || dayOfWeekText.hasPrefix("*")
        isFixedTime = !minuteText.hasPrefix("*") && !hourText.hasPrefix("*")
        canEverMatch = Self.canEverMatch(
            months: months, daysOfMonth: daysOfMonth, daysMustMatchBoth: dayFieldsMustBothMatch)
    }

    /// Resolves an IANA zone name such as `Europe/Berlin` or `UTC`.
    ///
    /// `GMT+1`-style names are refused: Foundation reads them as UTC+1, while the IANA
    /// `Etc/GMT+1` means UTC-1, and a rule file should not depend on which reading applies.
    public static func timeZone(named identifier: String) throws(CronError) -> TimeZone {
        let offsetPrefixes = ["GMT+", "GMT-", "UTC+", "UTC-"]
        if offsetPrefixes.contains(where: identifier.hasPrefix) {
            throw CronError(
                field: nil,
                problem: "\"\(identifier)\" is not an IANA time zone name; for a fixed offset use "
                    + "Etc/GMT-N or Etc/GMT+N (IANA inverts the sign: Etc/GMT-1 is UTC+1)")
        }
        guard let zone = TimeZone(identifier: identifier) else {
            throw CronError(field: nil, problem: "unknown time zone \"\(identifier)\"")
        }
        return zone
    }

    /// The expression and zone, e.g. `0 2 * * * (Europe/Berlin)`.
    public var description: String { "\(expression) (\(timeZone.identifier))" }

    /// Equal when parsed to the same fields, day rule, DST behaviour and zone, however they
    /// were spelled (`@daily` equals `0 0 * * *`).
    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.minutes == rhs.minutes && lhs.hours == rhs.hours
            && lhs.daysOfMonth == rhs.daysOfMonth && lhs.months == rhs.months
            && lhs.daysOfWeek == rhs.daysOfWeek
            && lhs.dayFieldsMustBothMatch == rhs.dayFieldsMustBothMatch
            && lhs.isFixedTime == rhs.isFixedTime
            && lhs.timeZone == rhs.timeZone
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(minutes)
        hasher.combine(hours)
        hasher.combine(daysOfMonth)
        hasher.combine(months)
        hasher.combine(daysOfWeek)
        hasher.combine(dayFieldsMustBothMatch)
        hasher.combine(isFixedTime)
        hasher.combine(timeZone)
    }

    // MARK: Evaluation

    /// The latest activation at or before `date`, or nil if there is none within 400 years
    /// (a full Gregorian cycle, so only a schedule that can never match comes back empty;
    /// a Feb 29 schedule can be 8 years between runs, Feb 29 on a Sunday 40).
    public func previousActivation(atOrBefore date: Date) -> Date? {
        guard let seconds = Self.wholeSeconds(of: date) else { return nil }
        let earliest = max(seconds - Self.searchHorizon, Self.earliestSupported)
        return latestActivation(atOrBefore: seconds, notBefore: earliest).map(Self.date(fromSeconds:))
    }

    /// The earliest activation strictly after `date`, or nil if there is none within 400 years.
    public func nextActivation(after date: Date) -> Date? {
        guard let seconds = Self.wholeSeconds(of: date) else { return nil }
        let first = seconds + 1  // activations are whole seconds, so "> date" is ">= floor(date) + 1"
        let last = min(first + Self.searchHorizon, Self.latestSupported)
        return earliestActivation(atOrAfter: first, notAfter: last).map(Self.date(fromSeconds:))
    }

    /// The window `[activation, activation + duration)` that contains `date`, if any.
    ///
    /// `duration` is elapsed time, so a 1h window that starts just before clocks go back ends
    /// one real hour later, not at the same wall time plus one. When windows overlap (duration
    /// longer than the gap between activations) the latest activation wins: all windows have
    /// the same length, so if the latest one has ended, every earlier one has too.
    public func activeWindow(containing date: Date, duration: Duration) -> (start: Date, end: Date)? {
        let (wholeSeconds, attoseconds) = duration.components
        let length = Double(wholeSeconds) + Double(attoseconds) * 1e-18
        guard length > 0, let seconds = Self.wholeSeconds(of: date) else { return nil }
        // Only activations after `date - duration` can still cover `date`; this also keeps the
        // search short for sparse schedules.
        let horizonStart = Double(max(seconds - Self.searchHorizon, Self.earliestSupported))
        let earliest = Int(max(date.timeIntervalSince1970 - length, horizonStart).rounded(.down))
        guard let startSeconds = latestActivation(atOrBefore: seconds, notBefore: earliest) else {
            return nil
        }
        let start = Self.date(fromSeconds: startSeconds)
        let end = start.addingTimeInterval(length)
        return date < end ? (start, end) : nil
    }
}

/// A cron expression or time zone that could not be used, naming the field at fault.
public struct CronError: Error, Equatable, CustomStringConvertible {
    /// The field at fault, or nil when the problem is the expression as a whole or the zone.
    public let field: CronSchedule.Field?
    /// What is wrong, e.g. `24 is out of range 0-23`.
    public let problem: String

    public init(field: CronSchedule.Field?, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// E.g. `field 2 (hour): 24 is out of range 0-23`, or `expected 5 fields, got 4`.
    public var description: String {
        guard let field else { return problem }
        return "field \(field.rawValue) (\(field)): \(problem)"
    }
}

// MARK: - Parsing

extension CronSchedule {
    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    private static func bounds(of field: Field) -> ClosedRange<Int> {
        switch field {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Parses one field into a bit set of its allowed values.
    private static func parse(_ text: Substring, as field: Field) throws(CronError) -> UInt64 {
        let bounds = bounds(of: field)
        var allowed: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw CronError(field: field, problem: "empty list item in \"\(text)\"")
            }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw CronError(field: field, problem: "\"\(item)\" has more than one step")
            }
            let step = try parts.count == 2 ? parseStep(parts[1], in: item, field: field) : 1
            let span = parts[0]
            let low: Int, high: Int
            if span == "*" {
                (low, high) = (bounds.lowerBound, bounds.upperBound)
            } else if span.contains("-") {
                let ends = span.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count == 2, !ends[0].isEmpty, !ends[1].isEmpty else {
                    throw CronError(field: field, problem: "\"\(span)\" is not a valid range")
                }
                low = try parseValue(ends[0], field: field)
                high = try parseValue(ends[1], field: field)
                guard low <= high else {
                    throw CronError(field: field, problem: "range \"\(span)\" runs backwards")
                }
            } else {
                low = try parseValue(span, field: field)
                guard parts.count == 1 else {
                    throw CronError(
                        field: field,
                        problem: "\"\(item)\": a step needs * or a range before it, "
                            + "e.g. \(low)-\(bounds.upperBound)/\(step)")
                }
                high = low
            }
            for value in stride(from: low, through: high, by: step) {
                allowed |= 1 << UInt64(value)
            }
        }
        return allowed
    }

    private static func parseStep(_ text: Substring, in item: Substring, field: Field) throws(CronError) -> Int {
        guard let step = decimal(text) else {
            throw CronError(field: field, problem: "step \"\(text)\" in \"\(item)\" is not a number")
        }
        guard step >= 1 else {
            throw CronError(field: field, problem: "step 0 in \"\(item)\" must be at least 1")
        }
        return step
    }

    private static func parseValue(_ text: Substring, field: Field) throws(CronError) -> Int {
        let bounds = bounds(of: field)
        if text.allSatisfy(isDigit) {
            guard let value = decimal(text), bounds.contains(value) else {
                throw CronError(
                    field: field,
                    problem: "\(text) is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
            }
            return value
        }
        switch field {
        case .month:
            if let index = monthNames.firstIndex(of: text.uppercased()) { return index + 1 }
            throw CronError(field: field, problem: "\"\(text)\" is not a number or month name (JAN-DEC)")
        case .dayOfWeek:
            if let index = dayNames.firstIndex(of: text.uppercased()) { return index }
            throw CronError(field: field, problem: "\"\(text)\" is not a number or day name (SUN-SAT)")
        case .minute, .hour, .dayOfMonth:
            throw CronError(field: field, problem: "\"\(text)\" is not a number")
        }
    }

    /// A non-negative decimal, or nil if `text` is not all digits or too long to be a field value.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy(isDigit) else { return nil }
        return Int(text)
    }

    private static func isDigit(_ character: Character) -> Bool { character.isASCII && character.isNumber }

    /// Whether any date can match; time fields always can, as parsing never leaves them empty.
    private static func canEverMatch(months: UInt64, daysOfMonth: UInt64, daysMustMatchBoth: Bool) -> Bool {
        // Either-field matching: every month has every weekday.
        guard daysMustMatchBoth else { return true }
        // Both must match: each date falls on every weekday in some year (the calendar cycles
        // through them), so it is enough that some allowed month has an allowed day.
        let longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains { month in
            months & (1 << UInt64(month)) != 0 && daysOfMonth & Self.bits(through: longestMonth[month - 1]) != 0
        }
    }
}


// MARK: - Searching instants
//
// Instants are whole seconds since 1970 (UTC). Wall-clock times are on the same scale as if the
// zone were UTC: wall = instant + UTC offset. Wall times are searched with plain Gregorian
// arithmetic; the zone is asked only for offsets and transition instants, a few times per call.

extension CronSchedule {
    /// A stretch of instants with one UTC offset, between two transitions of the zone.
    private struct OffsetSpan {
        var start: Int
        var end: Int  // exclusive
        var offset: Int
        /// The offset before `start`, or nil when `start` is merely where the search window begins.
        var previousOffset: Int?
    }

    /// No UTC offset reaches a day (today's span -12h to +14h; historical local mean times stay
    /// under 16h), so an instant and its wall-clock time are always less than this apart.
    private static let offsetBound = 86_400
    /// Longer than any change of offset (about a day at most, when a zone crossed the date line),
    /// so in a window that starts this long before the instants searched, every transition that
    /// affects them is seen.
    private static let transitionMargin = 2 * 86_400
    /// How far past the margin one window searches before jumping ahead by wall time.
    private static let windowReach = 2 * 86_400
    /// 400 Gregorian years: the calendar repeats after that, so a longer search finds nothing new.
    private static let searchHorizon = 146_097 * 86_400
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    private static let earliestSupported = -62_135_596_800
    private static let latestSupported = 253_402_300_799

    private static func wholeSeconds(of date: Date) -> Int? {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= Double(earliestSupported), seconds <= Double(latestSupported) else { return nil }
        return Int(seconds)
    }

    private static func date(fromSeconds seconds: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The earliest activation in `first...last`.
    private func earliestActivation(atOrAfter first: Int, notAfter last: Int) -> Int? {
        guard canEverMatch else { return nil }
        var from = first
        while from <= last {
            let spans = offsetSpans(from: from - Self.transitionMargin, to: from + Self.windowReach)
            if let found = earliestActivation(in: spans, atOrAfter: from) {
                return found <= last ? found : nil
            }
            // Nothing before `searchedTo`. Any later activation comes from a matching wall time no
            // earlier than `searchedTo - offsetBound` and lies less than `offsetBound` before it,
            // so jump to the next matching wall time instead of walking empty windows.
            let searchedTo = from + Self.windowReach
            guard let wall = firstMatchingWall(
                atOrAfter: searchedTo - Self.offsetBound, notAfter: last + Self.offsetBound)
            else { return nil }
            from = max(searchedTo, wall - Self.offsetBound)
        }
        return nil
    }

    /// The latest activation in `first...last`.
    private func latestActivation(atOrBefore last: Int, notBefore first: Int) -> Int? {
        guard canEverMatch else { return nil }
        var through = last
        while through >= first {
            let searchedFrom = through + 1 - Self.windowReach
            let spans = offsetSpans(from: searchedFrom - Self.transitionMargin, to: through + 1)
            if let found = latestActivation(in: spans, atOrBefore: through, atOrAfter: searchedFrom) {
                return found >= first ? found : nil
            }
            // Mirror image of the jump in `earliestActivation`.
            guard let wall = lastMatchingWall(
                atOrBefore: searchedFrom - 1 + Self.offsetBound, notBefore: first - Self.offsetBound)
            else { return nil }
            through = min(searchedFrom - 1, wall + Self.offsetBound)
        }
        return nil
    }

    /// Splits `lower..<upper` at the zone's transitions.
    private func offsetSpans(from lower: Int, to upper: Int) -> [OffsetSpan] {
        var spans: [OffsetSpan] = []
        var current = OffsetSpan(start: lower, end: upper, offset: offset(at: lower), previousOffset: nil)
        while let transition = nextTransition(after: current.start), transition < upper {
            current.end = transition
            spans.append(current)
            current = OffsetSpan(
                start: transition, end: upper, offset: offset(at: transition), previousOffset: current.offset)
        }
        spans.append(current)
        return spans
    }

    private func offset(at instant: Int) -> Int {
        timeZone.secondsFromGMT(for: Self.date(fromSeconds: instant))
    }

    /// The zone's next change of UTC offset after `instant`. Despite its name, Foundation's
    /// call reports every change (Apia's skipped day in 2011 included), not only DST ones.
    private func nextTransition(after instant: Int) -> Int? {
        guard let next = timeZone.nextDaylightSavingTimeTransition(after: Self.date(fromSeconds: instant)),
              let transition = Int(exactly: next.timeIntervalSince1970.rounded(.up)),
              transition > instant
        else { return nil }
        return transition
    }

    /// The earliest activation at or after `from` within `spans`, applying the DST rules.
    private func earliestActivation(in spans: [OffsetSpan], atOrAfter from: Int) -> Int? {
        for span in spans where span.end > from {
            if span.start >= from, gapRunsAtStart(of: span) { return span.start }
            let lowestWall = max(max(span.start, from) + span.offset, firstFreshWall(in: span))
            if let wall = firstMatchingWall(atOrAfter: lowestWall, notAfter: span.end - 1 + span.offset) {
                return wall - span.offset
            }
        }
        return nil
    }

    /// The latest activation in `from...through` within `spans`, applying the DST rules.
    private func latestActivation(in spans: [OffsetSpan], atOrBefore through: Int, atOrAfter from: Int) -> Int? {
        for span in spans.reversed() where span.start <= through && span.end > from {
            let lowestWall = max(max(span.start, from) + span.offset, firstFreshWall(in: span))
            let highestWall = min(span.end - 1, through) + span.offset
            if let wall = lastMatchingWall(atOrBefore: highestWall, notBefore: lowestWall) {
                return wall - span.offset
            }
            if span.start >= from, gapRunsAtStart(of: span) { return span.start }
        }
        return nil
    }

    /// Whether the span starts with a forward jump that skipped a matching wall time, which a
    /// fixed-time schedule then runs at the first instant after the gap.
    private func gapRunsAtStart(of span: OffsetSpan) -> Bool {
        guard isFixedTime, let previous = span.previousOffset, previous < span.offset else { return false }
        return firstMatchingWall(atOrAfter: span.start + previous, notAfter: span.start + span.offset - 1) != nil
    }

    /// The first wall time in the span that a fixed-time schedule may run at: after a backward
    /// jump, the repeated wall times already had their run before the transition.
    private func firstFreshWall(in span: OffsetSpan) -> Int {
        guard isFixedTime, let previous = span.previousOffset, previous > span.offset else { return .min }
        return span.start + previous
    }
}

// MARK: - Matching wall-clock times

extension CronSchedule {
    /// The first matching wall time (whole minute) in `lower...upper`, skipping by fields:
    /// a non-matching month, day or hour is passed over whole.
    private func firstMatchingWall(atOrAfter lower: Int, notAfter upper: Int) -> Int? {
        let start = Self.floorDivide(lower + 59, by: 60) * 60
        guard start <= upper else { return nil }
        var (year, month, day, hour, minute) = Self.civilTime(fromWall: start)
        let last = Self.civilTime(fromWall: upper)
        let lastMonthIndex = last.year * 12 + last.month
        // Overflowing a field (month 13, day 32, hour 24) leaves no bits at or above it, which
        // carries into the next larger field on the next pass.
        while year * 12 + month <= lastMonthIndex {
            let laterMonths = months & (~0 << UInt64(month))
            guard laterMonths != 0 else { (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0); continue }
            let nextMonth = laterMonths.trailingZeroBitCount
            guard nextMonth == month else { (month, day, hour, minute) = (nextMonth, 1, 0, 0); continue }
            let laterDays = matchingDays(year: year, month: month) & (~0 << UInt64(day))
            guard laterDays != 0 else { (month, day, hour, minute) = (month + 1, 1, 0, 0); continue }
            let nextDay = laterDays.trailingZeroBitCount
            if nextDay != day { (day, hour, minute) = (nextDay, 0, 0) }
            let laterHours = hours & (~0 << UInt64(hour))
            guard laterHours != 0 else { (day, hour, minute) = (day + 1, 0, 0); continue }
            let nextHour = laterHours.trailingZeroBitCount
            if nextHour != hour { (hour, minute) = (nextHour, 0) }
            let laterMinutes = minutes & (~0 << UInt64(minute))
            guard laterMinutes != 0 else { (hour, minute) = (hour + 1, 0); continue }
            let wall = Self.wall(year: year, month: month, day: day, hour: hour,
                                 minute: laterMinutes.trailingZeroBitCount)
            return wall <= upper ? wall : nil
        }
        return nil
    }

    /// The last matching wall time (whole minute) in `lower...upper`, skipping by fields.
    private func lastMatchingWall(atOrBefore upper: Int, notBefore lower: Int) -> Int? {
        let end = Self.floorDivide(upper, by: 60) * 60
        guard end >= lower else { return nil }
        var (year, month, day, hour, minute) = Self.civilTime(fromWall: end)
        let first = Self.civilTime(fromWall: lower)
        let firstMonthIndex = first.year * 12 + first.month
        // Underflowing a field (month 0, day 0, hour -1) leaves no bits at or below it, which
        // borrows from the next larger field on the next pass. Day 31 stands for "last day".
        while year * 12 + month >= firstMonthIndex {
            let earlierMonths = months & Self.bits(through: month)
            guard earlierMonths != 0 else { (year, month, day, hour, minute) = (year - 1, 12, 31, 23, 59); continue }
            let previousMonth = Self.highestBit(of: earlierMonths)
            guard previousMonth == month else { (month, day, hour, minute) = (previousMonth, 31, 23, 59); continue }
            let earlierDays = matchingDays(year: year, month: month) & Self.bits(through: day)
            guard earlierDays != 0 else { (month, day, hour, minute) = (month - 1, 31, 23, 59); continue }
            let previousDay = Self.highestBit(of: earlierDays)
            if previousDay != day { (day, hour, minute) = (previousDay, 23, 59) }
            let earlierHours = hours & Self.bits(through: hour)
            guard earlierHours != 0 else { (day, hour, minute) = (day - 1, 23, 59); continue }
            let previousHour = Self.highestBit(of: earlierHours)
            if previousHour != hour { (hour, minute) = (previousHour, 59) }
            let earlierMinutes = minutes & Self.bits(through: minute)
            guard earlierMinutes != 0 else { (hour, minute) = (hour - 1, 59); continue }
            let wall = Self.wall(year: year, month: month, day: day, hour: hour,
                                 minute: Self.highestBit(of: earlierMinutes))
            return wall >= lower ? wall : nil
        }
        return nil
    }

    /// The matching days of one month, bit n for day n.
    private func matchingDays(year: Int, month: Int) -> UInt64 {
        let validDays = Self.bits(through: Self.daysIn(month: month, year: year)) & ~1
        let firstWeekday = Self.weekday(ofDay: Self.days(year: year, month: month, day: 1))
        // Days 1, 8, 15, 22, 29 (and 36, beyond any month), shifted to each allowed weekday.
        let everySeventhDay: UInt64 = 1 << 1 | 1 << 8 | 1 << 15 | 1 << 22 | 1 << 29 | 1 << 36
        var weekdayMatches: UInt64 = 0
        for weekday in 0..<7 where daysOfWeek & (1 << UInt64(weekday)) != 0 {
            weekdayMatches |= everySeventhDay << UInt64((weekday - firstWeekday + 7) % 7)
        }
        let days = dayFieldsMustBothMatch
            ? daysOfMonth & weekdayMatches
            : daysOfMonth | weekdayMatches
        return days & validDays
    }
}

// MARK: - Gregorian arithmetic

extension CronSchedule {
    /// Bits 0 through `n`; none for negative `n`.
    private static func bits(through n: Int) -> UInt64 {
        n < 0 ? 0 : n >= 63 ? ~0 : (1 << UInt64(n + 1)) - 1
    }

    private static func highestBit(of value: UInt64) -> Int { 63 - value.leadingZeroBitCount }

    private static func floorDivide(_ value: Int, by divisor: Int) -> Int {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 0 = Sunday; 1970-01-01 was a Thursday.
    private static func weekday(ofDay days: Int) -> Int {
        (days % 7 + 11) % 7
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year  // years start in March, so Feb 29 comes last
        let era = floorDivide(shiftedYear, by: 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
    private static func date(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchBasedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchBasedMonth + 2) / 5 + 1
        let month = marchBasedMonth < 10 ? marchBasedMonth + 3 : marchBasedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func civilTime(fromWall wall: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let days = floorDivide(wall, by: 86_400)
        let secondOfDay = wall - days * 86_400
        let (year, month, day) = date(fromDays: days)
        return (year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60)
    }

    private static func wall(year: Int, month: Int, day: Int, hour: Int, minute: Int) -> Int {
        days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60
    }
}
