import AlertbridgeIngest
import Testing

@Suite struct JSONReaderTests {
    @Test("values of every kind")
    func kinds() throws {
        let value = try JSONReader.parse(#" {"a": [1, -2.5e3, true, false, null, "x"], "b": {}, "c": []} "#)
        #expect(
            value
                == .object([
                    ("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("x")])),
                    ("b", .object([])), ("c", .array([])),
                ]))
    }

    @Test(
        "string escapes and UTF-8",
        arguments: [
            (#""plain""#, "plain"), (#""a\"b\\c\/d""#, "a\"b\\c/d"), (#""\n\t\r\b\f""#, "\n\t\r\u{08}\u{0C}"),
            (#""\u00e9\u4e2d""#, "é中"), (#""\ud83d\udea8""#, "🚨"), ("\"κόσμε 🚨\"", "κόσμε 🚨"),
        ])
    func strings(_ json: String, _ expected: String) throws {
        #expect(try JSONReader.parse(json) == .string(expected))
    }

    @Test("duplicate keys: the last one wins on lookup")
    func duplicateKeys() throws {
        #expect(try JSONReader.parse(#"{"a": "1", "a": "2"}"#)["a"] == .string("2"))
    }

    @Test(
        "malformed documents name the byte and what was expected",
        arguments: [
            ("", "invalid JSON at byte 0: unexpected end of the document, expected a value"),
            ("{", "invalid JSON at byte 1: expected a string key, found the end of the document"),
            (#"{"a" 1}"#, "invalid JSON at byte 5: expected ':' after a key, found '1'"),
            (#"{"a": 1,}"#, "invalid JSON at byte 8: expected a string key, found '}'"),
            ("[1, 2", "invalid JSON at byte 5: expected ',' or ']', found the end of the document"),
            ("[1] x", "invalid JSON at byte 4: expected the end of the document"),
            ("tru", "invalid JSON at byte 0: unexpected end of the document"),
            ("01", "invalid JSON at byte 1: expected the end of the document"),
            ("-", "invalid JSON at byte 1: expected a digit"),
            ("1.", "invalid JSON at byte 2: expected a digit after '.'"),
            (#""abc"#, "invalid JSON at byte 4: unterminated string"),
            (#""\x""#, "invalid JSON at byte 2: invalid escape \\x"),
            (#""\ud83d""#, "invalid JSON at byte 7: unpaired surrogate in \\u escape"),
            ("\"a\u{01}b\"", "invalid JSON at byte 2: control character in a string (escape it)"),
            ("NaN", "invalid JSON at byte 0: expected a value, found 'N'"),
            ("// c\n1", "invalid JSON at byte 0: expected a value, found '/'"),
        ])
    func malformed(_ json: String, _ message: String) {
        #expect(throws: IngestError(path: "", message)) { try JSONReader.parse(json) }
    }

    @Test("invalid UTF-8 in a string is rejected")
    func invalidUTF8() {
        #expect(throws: IngestError(path: "", "invalid JSON at byte 1: invalid UTF-8 in a string")) {
            try JSONReader.parse([0x22, 0xC3, 0x28, 0x22])
        }
    }

    @Test("10,000 nested arrays are an error, not a stack overflow")
    func depth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: IngestError(path: "", "invalid JSON at byte 64: nesting deeper than 64 levels")) {
            try JSONReader.parse(deep)
        }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONReader.parse(ok) }
    }

    @Test("a byte order mark at the start is tolerated")
    func byteOrderMark() throws {
        #expect(try JSONReader.parse([0xEF, 0xBB, 0xBF] + Array("[]".utf8)) == .array([]))
    }
}
