import AlertbridgeCore
import Foundation
import Testing

@Suite struct ParsingTests {
    /// Each expression must parse to exactly the schedule spelled out on the right.
    @Test(arguments: [
        ("*/15 * * * *", "0,15,30,45 * * * *"),
        ("10-50/10 * * * *", "10,20,30,40,50 * * * *"),
        ("0 9-17/4 * * *", "0 9,13,17 * * *"),
        ("0 0 * jan-Mar *", "0 0 * 1,2,3 *"),
        ("0 0 * * MON-fri", "0 0 * * 1-5"),
        ("0 0 * * Sun", "0 0 * * 0"),
        ("0 0 * * 7", "0 0 * * 0"),
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("0 0 * * */2", "0 0 * * 0,2,4,6"),
        ("0 0 1 */3 *", "0 0 1 1,4,7,10 *"),
        ("0 0 * JAN-DEC/6 *", "0 0 * 1,7 *"),
        ("*/60 * * * *", "0 * * * *"),
        ("  0\t2  * * *  ", "0 2 * * *"),
        ("0 2\n* * *", "0 2 * * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("@Daily", "0 0 * * *"),
    ])
    func parsesLikeExplicitForm(expression: String, explicit: String) throws {
        #expect(try schedule(expression) == schedule(explicit))
        #expect(try schedule(expression).hashValue == schedule(explicit).hashValue)
    }

    /// Equality must tell schedules apart, including ones that differ only in how the day
    /// fields combine or in their time zone.
    @Test(arguments: [
        ("0 0 * * 1", "UTC", "0 0 * * 2", "UTC"),
        ("0 0 */2 * MON", "UTC", "0 0 1-31/2 * MON", "UTC"),  // AND vs OR of the day fields
        ("*/30 2 * * *", "UTC", "0,30 2 * * *", "UTC"),         // periodic vs fixed-time under DST
        ("0 2 * * *", "UTC", "0 2 * * *", "Europe/Berlin"),
    ])
    func distinguishesDifferentSchedules(_ left: String, _ leftZone: String, _ right: String, _ rightZone: String) throws {
        #expect(try schedule(left, leftZone) != schedule(right, rightZone))
    }

    @Test(arguments: [
        ("", "expected 5 fields, got 0"),
        ("* * * *", "expected 5 fields, got 4"),
        ("* * * * * *", "expected 5 fields, got 6"),
        ("60 * * * *", "field 1 (minute): 60 is out of range 0-59"),
        ("* 24 * * *", "field 2 (hour): 24 is out of range 0-23"),
        ("* * 0 * *", "field 3 (day-of-month): 0 is out of range 1-31"),
        ("* * 32 * *", "field 3 (day-of-month): 32 is out of range 1-31"),
        ("* * * 13 *", "field 4 (month): 13 is out of range 1-12"),
        ("* * * 0 *", "field 4 (month): 0 is out of range 1-12"),
        ("* * * * 8", "field 5 (day-of-week): 8 is out of range 0-7"),
        ("99999999999 * * * *", "field 1 (minute): 99999999999 is out of range 0-59"),
        ("x * * * *", "field 1 (minute): \"x\" is not a number"),
        ("* * * FOO *", "field 4 (month): \"FOO\" is not a number or month name (JAN-DEC)"),
        ("* * * * MONDAY", "field 5 (day-of-week): \"MONDAY\" is not a number or day name (SUN-SAT)"),
        ("* * * * JAN", "field 5 (day-of-week): \"JAN\" is not a number or day name (SUN-SAT)"),
        ("1,,2 * * * *", "field 1 (minute): empty list item in \"1,,2\""),
        ("1, * * * *", "field 1 (minute): empty list item in \"1,\""),
        ("5-1 * * * *", "field 1 (minute): range \"5-1\" runs backwards"),
        ("* * * * FRI-MON", "field 5 (day-of-week): range \"FRI-MON\" runs backwards"),
        ("1-2-3 * * * *", "field 1 (minute): \"1-2-3\" is not a valid range"),
        ("-5 * * * *", "field 1 (minute): \"-5\" is not a valid range"),
        ("*/0 * * * *", "field 1 (minute): step 0 in \"*/0\" must be at least 1"),
        ("*/x * * * *", "field 1 (minute): step \"x\" in \"*/x\" is not a number"),
        ("*/ * * * *", "field 1 (minute): step \"\" in \"*/\" is not a number"),
        ("*/2/3 * * * *", "field 1 (minute): \"*/2/3\" has more than one step"),
        ("5/10 * * * *", "field 1 (minute): \"5/10\": a step needs * or a range before it, e.g. 5-59/10"),
        ("* * * JAN/2 *", "field 4 (month): \"JAN/2\": a step needs * or a range before it, e.g. 1-12/2"),
        ("@reboot", "unknown macro \"@reboot\"; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"),
        ("@daily 5", "unknown macro \"@daily 5\"; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"),
    ])
    func rejectsWithMessage(expression: String, message: String) {
        #expect(throws: CronError.self) { try schedule(expression) }
        do {
            _ = try CronSchedule(parsing: expression, timeZone: .gmt)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func errorNamesTheField() {
        #expect(throws: CronError(field: .hour, problem: "24 is out of range 0-23")) {
            try CronSchedule(parsing: "0 24 * * *", timeZone: .gmt)
        }
    }

    @Test(arguments: [
        ("Europe/Berlin", 3600),
        ("America/New_York", -18_000),
        ("UTC", 0),
        ("Etc/GMT-1", 3600),  // IANA's inverted sign: this is UTC+1
        ("Asia/Kathmandu", 20_700),
    ])
    func resolvesIANAZones(name: String, januaryOffset: Int) throws {
        let zone = try CronSchedule.timeZone(named: name)
        #expect(zone.secondsFromGMT(for: try instant("2024-01-15T12:00:00Z")) == januaryOffset)
    }

    @Test(arguments: [
        ("Europe/Berln", "unknown time zone \"Europe/Berln\""),
        ("", "unknown time zone \"\""),
        ("europe/berlin", "unknown time zone \"europe/berlin\""),
        ("GMT+1", "\"GMT+1\" is not an IANA time zone name; for a fixed offset use Etc/GMT-N or Etc/GMT+N (IANA inverts the sign: Etc/GMT-1 is UTC+1)"),
        ("UTC-05:00", "\"UTC-05:00\" is not an IANA time zone name; for a fixed offset use Etc/GMT-N or Etc/GMT+N (IANA inverts the sign: Etc/GMT-1 is UTC+1)"),
    ])
    func rejectsUnknownZones(name: String, message: String) {
        #expect(throws: CronError(field: nil, problem: message)) {
            try CronSchedule.timeZone(named: name)
        }
    }

    @Test func describesExpressionAndZone() throws {
        let nightly = try schedule("  0 2 * * *\n", "Europe/Berlin")
        #expect(nightly.description == "0 2 * * * (Europe/Berlin)")
        #expect(nightly.expression == "0 2 * * *")
        #expect(try schedule("@daily").description == "@daily (GMT)")
    }

    @Test(arguments: [
        ("0 0 30 2 *", false),
        ("0 0 31 4,6,9,11 *", false),
        ("0 0 31 2 */1", false),     // both day fields must match, and Feb 31 never exists
        ("0 0 30 2 MON", true),      // either field: any Monday in February
        ("0 0 29 2 *", true),
        ("0 0 31 * *", true),
    ])
    func knowsWhetherAScheduleCanEverMatch(expression: String, canMatch: Bool) throws {
        #expect(try schedule(expression).canEverMatch == canMatch)
    }
}
