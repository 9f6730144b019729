import Foundation
import AlertbridgeIngest
import AlertbridgeTestSupport
import Testing

/// A JSON value that is `Sendable`, so corpus rows can be `@Test` arguments and the
/// decision tables can be static constants.
enum CorpusJSON: Sendable, Equatable, Decodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([CorpusJSON])
    case object([String: CorpusJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([CorpusJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: CorpusJSON].self)) }
    }

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(nilLiteral: ()) { self = .null }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: CorpusJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, CorpusJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var object: [String: CorpusJSON]? { if case .object(let o) = self { o } else { nil } }
    var array: [CorpusJSON]? { if case .array(let a) = self { a } else { nil } }
    var isNull: Bool { self == .null }
}

/// One line of a corpus file, kept as JSON text so that it is trivially `Sendable`.
struct CorpusRow: Sendable, CustomTestStringConvertible {
    let file: String
    let id: String
    let fields: [String: CorpusJSON]

    var testDescription: String { id }

    var line: String { fields["line"]?.string ?? "" }
    var refParser: String { fields["ref_parser"]?.string ?? "" }

    /// The exact input octets: `line_b64` when the line is not UTF-8 (`line` then holds
    /// U+FFFD and must not be used), else the UTF-8 of `line`.
    var bytes: [UInt8] {
        if let b64 = fields["line_b64"]?.string, let data = Data(base64Encoded: b64) { return [UInt8](data) }
        return Array(line.utf8)
    }
}

enum Corpus {
    static func url(_ name: String) -> URL {
        Fixture.url("corpus/syslog/\(name).jsonl")
    }

    static func rows(_ name: String) -> [CorpusRow] {
        guard let text = try? String(contentsOf: url(name), encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n", omittingEmptySubsequences: true).enumerated().map { index, line in
            guard let object = try? decoder.decode([String: CorpusJSON].self, from: Data(line.utf8)) else {
                fatalError("unreadable corpus line in \(name): \(line.prefix(80))")
            }
            // framing.jsonl has no ids: number its lines.
            return CorpusRow(file: name, id: object["id"]?.string ?? "\(name)-\(index + 1)", fields: object)
        }
    }
}

// MARK: - Time helpers (Foundation, test side only)

enum TestTime {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// 2019-06-01T12:00:00Z: the receive time assumed for every corpus row. syslog-ng's
    /// vectors resolve yearless dates to 2019 (Jan 1, Jan 10, Oct 7, Nov 22), which the
    /// nearest-year rule reproduces from mid-2019.
    static let referenceMillis: Int64 = 1_559_390_400_000

    /// Parses the normalised ISO strings the corpus uses (`2006-10-29T01:59:59.156000+01:00`,
    /// `...Z`, or no zone) into (Unix ms, offset seconds?).
    static func parseISO(_ text: String) -> (millis: Int64, offset: Int32?, localMillis: Int64)? {
        let scalars = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= scalars.count else { return nil }
            var v = 0
            for b in scalars[from..<(from + count)] {
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
              let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2) else { return nil }
        var p = 19
        var fraction = 0.0
        if p < scalars.count, scalars[p] == 46 {
            var digits = ""
            p += 1
            while p < scalars.count, scalars[p] >= 48, scalars[p] <= 57 {
                digits.append(Character(UnicodeScalar(scalars[p])))
                p += 1
            }
            fraction = Double("0." + digits) ?? 0
        }
        var offset: Int32?
        if p < scalars.count {
            if scalars[p] == 90 { offset = 0 } else {
                let sign: Int32 = scalars[p] == 45 ? -1 : 1
                guard let hh = num(p + 1, 2), let mm = num(p + 4, 2) else { return nil }
                offset = sign * Int32(hh * 3600 + mm * 60)
            }
        }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = utc.date(from: components) else { return nil }
        let local = Int64(date.timeIntervalSince1970) * 1000 + Int64((fraction * 1000).rounded(.down))
        return (local - Int64(offset ?? 0) * 1000, offset, local)
    }

    /// Calendar fields of `millis` as seen at `offset`.
    static func fields(_ millis: Int64, offset: Int32) -> DateComponents {
        let local = Date(timeIntervalSince1970: Double(floorDiv(millis, 1000) + Int64(offset)))
        return utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: local)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static let monthAbbreviations = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// rsyslog's `%timestamp%` for a message: `Mmm dd hh:mm:ss`, day padded with a space.
    static func rfc3164(_ millis: Int64, offset: Int32) -> String {
        let c = fields(millis, offset: offset)
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let day = c.day ?? 0
        return "\(monthAbbreviations[(c.month ?? 1) - 1]) \(day < 10 ? " \(day)" : "\(day)") \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    static func offsetText(_ seconds: Int32) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(Int(seconds))
        let hh = magnitude / 3600, mm = (magnitude % 3600) / 60
        return "\(sign)\(hh < 10 ? "0" : "")\(hh):\(mm < 10 ? "0" : "")\(mm)"
    }
}
