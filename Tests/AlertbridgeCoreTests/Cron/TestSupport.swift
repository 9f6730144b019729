import AlertbridgeCore
import Foundation
import Testing

/// Parses an ISO 8601 instant with an explicit offset, e.g. `2024-03-31T03:00:00+02:00`.
func instant(_ text: String) throws -> Date {
    try Date(text, strategy: .iso8601)
}

/// Formats an instant as ISO 8601 in `zone`, seconds included, e.g. `2024-03-31T03:00:00+02:00`.
/// Uses Foundation's Calendar, independently of the schedule's own date arithmetic.
func iso(_ date: Date?, in zone: TimeZone) -> String {
    guard let date else { return "nil" }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    let offset = zone.secondsFromGMT(for: date)
    func padded(_ value: Int?, _ width: Int = 2) -> String {
        let digits = String(value ?? -1)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    let sign = offset < 0 ? "-" : "+"
    return "\(padded(parts.year, 4))-\(padded(parts.month))-\(padded(parts.day))"
        + "T\(padded(parts.hour)):\(padded(parts.minute)):\(padded(parts.second))"
        + "\(sign)\(padded(abs(offset) / 3600)):\(padded(abs(offset) % 3600 / 60))"
}

func schedule(_ expression: String, _ zoneName: String = "UTC") throws -> CronSchedule {
    try CronSchedule(parsing: expression, timeZone: CronSchedule.timeZone(named: zoneName))
}

/// The first `count` activations after `start`, formatted in the schedule's zone.
func activations(of schedule: CronSchedule, after start: Date, count: Int) -> [String] {
    var found: [String] = []
    var cursor = start
    while found.count < count, let next = schedule.nextActivation(after: cursor) {
        guard next > cursor else {
            Issue.record("nextActivation(after: \(cursor)) went backwards to \(next)")
            break
        }
        found.append(iso(next, in: schedule.timeZone))
        cursor = next
    }
    return found
}
