public import Foundation

/// Parses and prints RFC 3339 timestamps at millisecond precision.
///
/// Hand-written because Foundation's ISO 8601 parsers are the slowest part of
/// decoding an alert (`ISO8601DateFormatter` made a JSON decode ten times
/// slower here), and because senders vary: fractions of 0 to 9 digits,
/// `Z` or `±hh:mm` or `±hhmm` offsets, a space instead of `T`.
public enum RFC3339 {
    /// Milliseconds since 1970 for `text`, or `nil` when it is not a timestamp.
    ///
    /// Fractions beyond milliseconds are truncated. A missing offset means UTC.
    public static func unixMilliseconds(_ text: some StringProtocol) -> Int64? {
        var text = String(text)
        return text.withUTF8 { unixMilliseconds(utf8: $0) }
    }

    public static func date(_ text: some StringProtocol) -> Date? {
        unixMilliseconds(text).map(Date.init(unixMilliseconds:))
    }

    /// Parses UTF-8 bytes; the hot path of every adapter.
    public static func unixMilliseconds(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let count = bytes.count

        func digits(_ width: Int) -> Int? {
            guard index + width <= count else { return nil }
            var value = 0
            for _ in 0..<width {
                let digit = Int(bytes[index]) - 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        guard let year = digits(4), expect(UInt8(ascii: "-")),
            let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2)
        else { return nil }
        guard index < count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") || bytes[index] == UInt8(ascii: " ")
        else { return nil }
        index += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")),
            let minute = digits(2), expect(UInt8(ascii: ":")),
            let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }

        var milliseconds = 0
        if index < count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var fractionDigits = 0
            while index < count, bytes[index] >= 48, bytes[index] <= 57 {
                if fractionDigits < 3 {
                    milliseconds = milliseconds * 10 + Int(bytes[index] - 48)
                }
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }
            var scale = fractionDigits
            while scale < 3 {
                milliseconds *= 10
                scale += 1
            }
        }

        var offsetSeconds = 0
        if index < count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let offsetHours = digits(2) else { return nil }
                _ = expect(UInt8(ascii: ":"))
                guard let offsetMinutes = digits(2), offsetHours <= 23, offsetMinutes <= 59 else { return nil }
                offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
            default:
                return nil
            }
        }
        guard index == count else { return nil }

        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(milliseconds)
    }

    /// `2024-05-13T10:02:41.227Z`: UTC, always with milliseconds.
    public static func string(_ date: Date) -> String {
        string(unixMilliseconds: date.unixMilliseconds)
    }

    public static func string(unixMilliseconds: Int64) -> String {
        let milliseconds = Int(((unixMilliseconds % 1000) + 1000) % 1000)
        let seconds = (unixMilliseconds - Int64(milliseconds)) / 1000
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        var output = [UInt8]()
        output.reserveCapacity(24)
        func append(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var value = value
            while divisor > 0 {
                output.append(UInt8(48 + (value / divisor) % 10))
                value %= divisor
                divisor /= 10
            }
        }
        append(year, width: 4)
        output.append(UInt8(ascii: "-"))
        append(month, width: 2)
        output.append(UInt8(ascii: "-"))
        append(day, width: 2)
        output.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        output.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        output.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        output.append(UInt8(ascii: "."))
        append(milliseconds, width: 3)
        output.append(UInt8(ascii: "Z"))
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: - Civil calendar (Howard Hinnant's algorithms, proleptic Gregorian)

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
