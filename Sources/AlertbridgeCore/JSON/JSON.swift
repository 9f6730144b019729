/// JSON text helpers shared by every place that writes JSON by hand
/// (the store's label columns, API responses, replay output).
public enum JSON {
    /// `string`'s content escaped for a JSON string literal, without the quotes.
    public static func escapedContent(_ string: String) -> String {
        var needsEscaping = false
        for byte in string.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        guard needsEscaping else { return string }
        var output = ""
        output.reserveCapacity(string.utf8.count + 8)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// A quoted JSON string literal.
    public static func quoted(_ string: String) -> String {
        "\"" + escapedContent(string) + "\""
    }

    /// A JSON object of the labels, keys in name order: `{"alertname":"X"}`.
    public static func object(_ labels: LabelSet) -> String {
        var output = "{"
        var first = true
        for label in labels {
            if !first { output += "," }
            first = false
            output += quoted(label.name)
            output += ":"
            output += quoted(label.value)
        }
        output += "}"
        return output
    }
}

extension JSON {
    /// Parses a flat JSON object of strings, the shape ``object(_:)`` writes
    /// (the store's label columns). Returns `nil` for anything else.
    public static func labelSet(fromObject text: String) -> LabelSet? {
        var text = text
        return text.withUTF8 { bytes -> LabelSet? in
            var parser = FlatObjectParser(bytes: bytes)
            return parser.parse()
        }
    }
}

/// A minimal reader for `{"name":"value",...}`; whitespace allowed, string
/// escapes honoured, nothing nested.
private struct FlatObjectParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    mutating func parse() -> LabelSet? {
        skipSpace()
        guard consume(UInt8(ascii: "{")) else { return nil }
        var pairs: [(String, String)] = []
        skipSpace()
        if consume(UInt8(ascii: "}")) { return LabelSet(pairs) }
        while true {
            skipSpace()
            guard let name = string() else { return nil }
            skipSpace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            guard let value = string() else { return nil }
            pairs.append((name, value))
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            skipSpace()
            return index == bytes.count ? LabelSet(pairs) : nil
        }
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        // Escapes: slow path.
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self).unicodeScalars)
        var utf8Run: [UInt8] = []
        func flush() {
            if !utf8Run.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8Run, as: UTF8.self).unicodeScalars)
                utf8Run.removeAll(keepingCapacity: true)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code), consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")), let low = hex4(),
                        (0xDC00..<0xE000).contains(low)
                    {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: return nil
                }
            default:
                utf8Run.append(byte)
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 65...70: digit = UInt32(byte - 55)
            case 97...102: digit = UInt32(byte - 87)
            default: return nil
            }
            value = value * 16 + digit
        }
        return value
    }
}
