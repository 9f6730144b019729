// Parsers for the two ways operators write matchers:
//
//  (a) rule-file map form, one label and one expression:
//        severity: critical              equality with a plain value
//        severity: '=~"crit|critical"'   operator + double-quoted value
//        env: '!~dev|test'               operator + unquoted value (taken verbatim)
//  (b) Alertmanager/amtool brace form, a port of Alertmanager's matcher/parse:
//        {alertname="Foo", severity=~"crit.*"}
//
// Positions are 0-based half-open ranges of Unicode scalars, as Alertmanager
// prints them. Quoted strings use Go's escapes (`\"`, `\\`, `\n`, `\t`, `\xHH`,
// `\u`, `\U`, octal), so anything Alertmanager or amtool prints reads back.

extension Matcher {
    /// Parses exactly one matcher in brace form, e.g. `severity=~"crit.*"` or `{foo="bar"}`.
    public init(parsing input: String) throws(MatcherError) {
        let matchers = try Matchers(parsing: input)
        guard matchers.count == 1 else {
            throw MatcherError(
                message: matchers.isEmpty ? "no matchers" : "expected 1 matcher, found \(matchers.count)",
                columns: 0..<input.unicodeScalars.count
            )
        }
        self = matchers[0]
    }

    /// Parses the rule-file map form: `label` is the YAML key, `expression` its value.
    ///
    /// - A value that does not start with an operator (blanks before it are
    ///   ignored) is matched for equality as written: `api`, `a = b`. One
    ///   starting with `"` is a quoted string.
    /// - `=`, `!=`, `=~`, `!~` may be followed by a double-quoted value
    ///   (escapes as in Alertmanager) or by an unquoted value, which runs to
    ///   the end of the expression and is taken verbatim, so `=~\d+` keeps its
    ///   backslash. Blanks around the value are ignored.
    /// - An empty value needs quotes (`!=""`), so a dangling `=~` is reported.
    public init(label: String, expression: String) throws(MatcherError) {
        self = try MapFormParser(label: label, expression: expression).parse()
    }
}

extension Matchers {
    /// Parses Alertmanager's brace form: comma-separated matchers, optional
    /// braces, optional trailing comma (`{}` and `""` give no matchers).
    public init(parsing input: String) throws(MatcherError) {
        var parser = BraceFormParser(input)
        self.init(try parser.parse())
    }

    /// Parses a rule-file `match:` map. Pass a `Dictionary` (then matchers are
    /// sorted by label so errors and descriptions are deterministic) or
    /// `KeyValuePairs`/an array of pairs to keep the file's order.
    public init(ruleMap: some Sequence<(key: String, value: String)>) throws(MatcherError) {
        var matchers: [Matcher] = []
        for (label, expression) in ruleMap {
            matchers.append(try Matcher(label: label, expression: expression))
        }
        self.init(matchers)
    }

    public init(ruleMap: [String: String]) throws(MatcherError) {
        try self.init(ruleMap: ruleMap.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
    }
}

// MARK: - Tokens

struct Token {
    enum Kind: Equatable {
        case openBrace, closeBrace, comma
        case equals, notEquals, matches, notMatches
        case quoted, unquoted
        /// A character that cannot start any token.
        case invalid
        case endOfInput
    }

    var kind: Kind
    /// Source text, including the quotes of a quoted token.
    var text: String
    var start: Int
    var end: Int

    var columns: Range<Int> { start..<end }

    var matchType: MatchType? {
        switch kind {
        case .equals: .equal
        case .notEquals: .notEqual
        case .matches: .regexMatch
        case .notMatches: .regexNoMatch
        default: nil
        }
    }
}

/// Splits the brace form into tokens, like Alertmanager's lexer: blanks
/// separate tokens; unquoted tokens run until a reserved character.
struct Lexer {
    let scalars: [Unicode.Scalar]
    private(set) var position = 0

    init(_ input: String) {
        scalars = Array(input.unicodeScalars)
    }

    func text(_ range: Range<Int>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[range])
        return s
    }

    mutating func next() throws(MatcherError) -> Token {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
        let start = position
        guard start < scalars.count else {
            return Token(kind: .endOfInput, text: "", start: start, end: start)
        }
        let c = scalars[start]
        let kind: Token.Kind
        switch c {
        case "{": kind = .openBrace; position += 1
        case "}": kind = .closeBrace; position += 1
        case ",": kind = .comma; position += 1
        case "=":
            if peekScalar(start + 1) == "~" { kind = .matches; position += 2 } else { kind = .equals; position += 1 }
        case "!":
            switch peekScalar(start + 1) {
            case "=": kind = .notEquals; position += 2
            case "~": kind = .notMatches; position += 2
            default: kind = .invalid; position += 1
            }
        case "\"":
            position = try Self.endOfQuoted(scalars, from: start)
            kind = .quoted
        default:
            if Matcher.isReserved(c) {
                kind = .invalid
                position += 1
            } else {
                while position < scalars.count, !Matcher.isReserved(scalars[position]) { position += 1 }
                kind = .unquoted
            }
        }
        return Token(kind: kind, text: text(start..<position), start: start, end: position)
    }

    private func peekScalar(_ i: Int) -> Unicode.Scalar? {
        i < scalars.count ? scalars[i] : nil
    }

    /// Index just past the closing quote of the string opening at `start`.
    /// A raw line break ends the string unterminated (Go forbids them in
    /// quoted strings), which also keeps the error on the right line.
    static func endOfQuoted(_ scalars: [Unicode.Scalar], from start: Int) throws(MatcherError) -> Int {
        var i = start + 1
        while i < scalars.count {
            switch scalars[i] {
            case "\"": return i + 1
            case "\\": i += 2
            case "\n", "\r": i = scalars.count + 1  // leave the loop, report below
            default: i += 1
            }
        }
        var end = start + 1
        while end < scalars.count, scalars[end] != "\n", scalars[end] != "\r" { end += 1 }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<end])
        throw MatcherError(message: "\(text): unterminated quoted string", columns: start..<end)
    }
}

// MARK: - Unquoting

enum Unquote {
    /// Decodes a quoted token (with its quotes) using Go's `strconv.Unquote`
    /// escapes, then requires valid UTF-8, as Alertmanager does.
    static func decode(_ token: Token) throws(MatcherError) -> String {
        let body = Array(token.text.unicodeScalars.dropFirst().dropLast())
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count)
        var i = 0

        func fail(_ problem: String) -> MatcherError {
            MatcherError(message: "\(token.text): \(problem)", columns: token.columns)
        }
        func digits(_ count: Int, radix: UInt32) -> UInt32? {
            guard i + count <= body.count else { return nil }
            var value: UInt32 = 0
            for scalar in body[i..<i + count] {
                guard let digit = Character(scalar).hexDigitValue, UInt32(digit) < radix else { return nil }
                value = value * radix + UInt32(digit)
            }
            i += count
            return value
        }

        while i < body.count {
            let c = body[i]
            i += 1
            guard c == "\\" else {
                bytes.append(contentsOf: String(Character(c)).utf8)
                continue
            }
            guard i < body.count else { throw fail("invalid escape sequence at end of string") }
            let e = body[i]
            i += 1
            switch e {
            case "a": bytes.append(0x07)
            case "b": bytes.append(0x08)
            case "f": bytes.append(0x0C)
            case "n": bytes.append(0x0A)
            case "r": bytes.append(0x0D)
            case "t": bytes.append(0x09)
            case "v": bytes.append(0x0B)
            case "\\": bytes.append(UInt8(ascii: "\\"))
            case "\"": bytes.append(UInt8(ascii: "\""))
            case "x":
                guard let byte = digits(2, radix: 16) else { throw fail("invalid escape sequence \\x: expected two hex digits") }
                bytes.append(UInt8(byte))
            case "0"..."7":
                i -= 1
                guard let byte = digits(3, radix: 8), byte <= 0xFF else {
                    throw fail("invalid octal escape sequence: expected three octal digits up to \\377")
                }
                bytes.append(UInt8(byte))
            case "u", "U":
                let count = e == "u" ? 4 : 8
                guard let value = digits(count, radix: 16), let scalar = Unicode.Scalar(value) else {
                    throw fail("invalid escape sequence \\\(e): expected \(count) hex digits of a Unicode code point")
                }
                bytes.append(contentsOf: String(Character(scalar)).utf8)
            default:
                throw fail("invalid escape sequence \\\(e) (to pass a backslash to the regex, write \\\\\(e))")
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw fail("quoted string contains invalid UTF-8")
        }
        return decoded
    }
}

// MARK: - Brace form

/// Alertmanager's matcher/parse state machine, with every error positioned
/// (Alertmanager leaves some end-of-input errors without a position).
struct BraceFormParser {
    private var lexer: Lexer
    private var lookahead: Token?
    private var matchers: [Matcher] = []

    init(_ input: String) {
        lexer = Lexer(input)
    }

    mutating func parse() throws(MatcherError) -> [Matcher] {
        let hasOpenBrace = try peek().kind == .openBrace
        if hasOpenBrace { _ = try next() }
        if try peek().kind != .closeBrace {
            // Matchers separated by commas; a trailing comma is allowed.
            matchers: while try peek().kind != .endOfInput {
                try parseMatcher()
                let t = try peek()
                if t.kind == .closeBrace || t.kind == .endOfInput { break }
                guard t.kind == .comma else { throw unexpected(t, "expected a comma or close brace") }
                _ = try next()
                let after = try peek()
                switch after.kind {
                case .quoted, .unquoted: continue matchers
                case .closeBrace, .endOfInput: break matchers
                default: throw unexpected(after, "expected a matcher or close brace after comma")
                }
            }
        }
        let t = try next()
        if hasOpenBrace {
            guard t.kind == .closeBrace else { throw unexpected(t, "expected close brace") }
        } else if t.kind == .closeBrace {
            throw MatcherError(message: "}: expected opening brace", columns: t.columns)
        } else if t.kind != .endOfInput {
            throw unexpected(t, "expected a comma or close brace")
        }
        let last = try next()
        guard last.kind == .endOfInput else {
            throw MatcherError(message: "\(last.text): expected end of input", columns: last.columns)
        }
        return matchers
    }

    private mutating func parseMatcher() throws(MatcherError) {
        let nameToken = try next()
        guard nameToken.kind == .quoted || nameToken.kind == .unquoted else {
            throw unexpected(nameToken, "expected label name")
        }
        let name = nameToken.kind == .quoted ? try Unquote.decode(nameToken) : nameToken.text
        guard !name.isEmpty else {
            throw MatcherError(message: "\(nameToken.text): label name must not be empty", columns: nameToken.columns)
        }
        let opToken = try next()
        guard let type = opToken.matchType else {
            throw unexpected(opToken, "expected an operator such as '=', '!=', '=~' or '!~'")
        }
        let valueToken = try next()
        guard valueToken.kind == .quoted || valueToken.kind == .unquoted else {
            throw unexpected(valueToken, "expected label value")
        }
        let value = valueToken.kind == .quoted ? try Unquote.decode(valueToken) : valueToken.text
        do {
            matchers.append(try Matcher(name: name, type: type, value: value))
        } catch {
            let span = nameToken.start..<valueToken.end
            let reason = error.patternError.map(String.init(describing:)) ?? error.message
            throw MatcherError(message: "\(lexer.text(span)): \(reason)", columns: span, patternError: error.patternError)
        }
    }

    private mutating func peek() throws(MatcherError) -> Token {
        if let lookahead { return lookahead }
        let t = try lexer.next()
        lookahead = t
        return t
    }

    private mutating func next() throws(MatcherError) -> Token {
        let t = try peek()
        lookahead = nil
        return t
    }

    private func unexpected(_ t: Token, _ expectation: String) -> MatcherError {
        switch t.kind {
        case .endOfInput:
            MatcherError(message: "end of input: \(expectation)", columns: t.columns)
        case .invalid:
            MatcherError(message: "\(t.text): invalid input: \(expectation)", columns: t.columns)
        default:
            MatcherError(message: "unexpected \(t.text): \(expectation)", columns: t.columns)
        }
    }
}

// MARK: - Map form

struct MapFormParser {
    let label: String
    let scalars: [Unicode.Scalar]

    init(label: String, expression: String) {
        self.label = label
        self.scalars = Array(expression.unicodeScalars)
    }

    func parse() throws(MatcherError) -> Matcher {
        guard !label.isEmpty else {
            throw MatcherError(message: "label name must not be empty")
        }
        let (type, operatorEnd) = leadingOperator()
        guard let type else {
            // Plain value: equality with the text exactly as written.
            if scalars.first == "\"" {
                return try quotedValue(type: .equal, from: 0)
            }
            return try build(.equal, value: text(0..<scalars.count), span: 0..<scalars.count)
        }
        var start = operatorEnd
        while start < scalars.count, isBlank(scalars[start]) { start += 1 }
        guard start < scalars.count else {
            throw fail(
                "end of input: expected a value after '\(type.rawValue)' (write \(type.rawValue)\"\" for an empty value)",
                start..<start
            )
        }
        if scalars[start] == "\"" {
            return try quotedValue(type: type, from: start)
        }
        var end = scalars.count
        while end > start, isBlank(scalars[end - 1]) { end -= 1 }
        return try build(type, value: text(start..<end), span: start..<end)
    }

    /// The operator at the start (after blanks, so `' =~"x"'` is not taken
    /// for the literal value ` =~"x"`) and the index just past it.
    private func leadingOperator() -> (MatchType?, Int) {
        var i = 0
        while i < scalars.count, isBlank(scalars[i]) { i += 1 }
        let first = i < scalars.count ? scalars[i] : nil
        let second = i + 1 < scalars.count ? scalars[i + 1] : nil
        switch (first, second) {
        case ("=", "~"): return (.regexMatch, i + 2)
        case ("!", "~"): return (.regexNoMatch, i + 2)
        case ("!", "="): return (.notEqual, i + 2)
        case ("=", _): return (.equal, i + 1)
        default: return (nil, 0)
        }
    }

    private func quotedValue(type: MatchType, from start: Int) throws(MatcherError) -> Matcher {
        let end: Int
        do {
            end = try Lexer.endOfQuoted(scalars, from: start)
        } catch {
            throw relabeled(error)
        }
        let token = Token(kind: .quoted, text: text(start..<end), start: start, end: end)
        let value: String
        do {
            value = try Unquote.decode(token)
        } catch {
            throw relabeled(error)
        }
        var rest = end
        while rest < scalars.count, isBlank(scalars[rest]) { rest += 1 }
        guard rest == scalars.count else {
            throw fail("unexpected \(text(rest..<scalars.count)): expected end of input after the quoted value", rest..<scalars.count)
        }
        return try build(type, value: value, span: start..<end)
    }

    private func build(_ type: MatchType, value: String, span: Range<Int>) throws(MatcherError) -> Matcher {
        do {
            return try Matcher(name: label, type: type, value: value)
        } catch {
            let reason = error.patternError.map(String.init(describing:)) ?? error.message
            let whole = 0..<scalars.count
            throw MatcherError(message: "\(text(whole)): \(reason)", columns: whole, label: label, patternError: error.patternError)
        }
    }

    private func relabeled(_ error: MatcherError) -> MatcherError {
        var error = error
        error.label = label
        return error
    }

    private func fail(_ message: String, _ columns: Range<Int>) -> MatcherError {
        MatcherError(message: message, columns: columns, label: label)
    }

    private func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }

    private func text(_ range: Range<Int>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[range])
        return s
    }
}
