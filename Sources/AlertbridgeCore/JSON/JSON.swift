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
