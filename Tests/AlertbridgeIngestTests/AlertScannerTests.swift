import AlertbridgeCore
@testable import AlertbridgeIngest
import AlertbridgeTestSupport
import Foundation
import NIOCore
import Testing

private let receivedAt = Date(unixMilliseconds: RFC3339.unixMilliseconds("2024-05-13T10:05:00Z")!)

/// The scanner (the adapters' tree-free path) against the JSON tree: for any
/// body, an adapter's `decode` must give exactly what decoding through the
/// tree gives, alerts or error.
@Suite struct AlertScannerTests {
    /// What a decode gave, comparable: the alerts, or the error's text.
    enum Outcome: Equatable, CustomStringConvertible {
        case alerts([Alert])
        case error(String)

        init(_ decode: () throws(IngestError) -> [Alert]) {
            do { self = .alerts(try decode()) } catch { self = .error(error.description) }
        }

        var description: String {
            switch self {
            case .alerts(let alerts): "\(alerts.count) alerts: \(alerts)"
            case .error(let text): "error: \(text)"
            }
        }
    }

    static let generic = GenericAdapter(acceptsReceivedAt: true)
    static let prometheus = AlertmanagerAPIAdapter()

    /// Shared by every decode of a test, so that later bodies meet label
    /// sets the earlier ones left in it.
    static func outcomes(
        _ body: [UInt8], generic: GenericAdapter = generic, prometheus: AlertmanagerAPIAdapter = prometheus,
        labelSets: LabelSetCache = LabelSetCache()
    ) -> [(name: String, scanned: Outcome, tree: Outcome)] {
        func remembering(_ adapter: GenericAdapter) -> GenericAdapter {
            var adapter = adapter
            adapter.labelSets = labelSets
            return adapter
        }
        func remembering(_ adapter: AlertmanagerAPIAdapter) -> AlertmanagerAPIAdapter {
            var adapter = adapter
            adapter.labelSets = labelSets
            return adapter
        }
        return body.withUnsafeBytes { raw in
            [
                ("generic", Outcome { () throws(IngestError) in try generic.decode(raw, receivedAt: receivedAt) },
                 Outcome { () throws(IngestError) in try generic.decodeTree(raw, receivedAt: receivedAt) }),
                ("generic with label sets remembered",
                 Outcome { () throws(IngestError) in try remembering(generic).decode(raw, receivedAt: receivedAt) },
                 Outcome { () throws(IngestError) in try generic.decodeTree(raw, receivedAt: receivedAt) }),
                ("prometheus with label sets remembered",
                 Outcome { () throws(IngestError) in try remembering(prometheus).decode(ByteBuffer(bytes: body), receivedAt: receivedAt) },
                 Outcome { () throws(IngestError) in try prometheus.decodeTree(ByteBuffer(bytes: body), receivedAt: receivedAt) }),
                ("generic without receivedAt", Outcome { () throws(IngestError) in try GenericAdapter(limits: generic.limits).decode(raw, receivedAt: receivedAt) },
                 Outcome { () throws(IngestError) in try GenericAdapter(limits: generic.limits).decodeTree(raw, receivedAt: receivedAt) }),
                ("prometheus", Outcome { () throws(IngestError) in try prometheus.decode(ByteBuffer(bytes: body), receivedAt: receivedAt) },
                 Outcome { () throws(IngestError) in try prometheus.decodeTree(ByteBuffer(bytes: body), receivedAt: receivedAt) }),
            ]
        }
    }

    static func expectAgreement(
        _ text: String, generic: GenericAdapter = generic, prometheus: AlertmanagerAPIAdapter = prometheus,
        labelSets: LabelSetCache = LabelSetCache()
    ) {
        for (name, scanned, tree) in outcomes(Array(text.utf8), generic: generic, prometheus: prometheus, labelSets: labelSets) {
            #expect(scanned == tree, "\(name) on \(text)")
        }
    }

    static let prometheusBodies: [[UInt8]] = (try? Fixture.corpusBodies("alertmanager-api-v2-alerts.json", unwrapBody: true).map(\.body)) ?? []

    @Test("the scanner reads what Prometheus sends, without the tree")
    func readsTheCorpus() throws {
        #expect(!Self.prometheusBodies.isEmpty)
        for body in Self.prometheusBodies {
            let scanned = body.withUnsafeBytes { AlertScanner(limits: IngestLimits()).scan($0) }
            let alerts = try #require(scanned, "the scanner gave up on \(String(decoding: body, as: UTF8.self).prefix(200))")
            #expect(!alerts.isEmpty)
            for (name, scanned, tree) in Self.outcomes(body) where name == "prometheus" {
                #expect(scanned == tree)
                guard case .alerts(let decoded) = scanned else { Issue.record("the corpus decodes"); continue }
                #expect(decoded.count == alerts.count)
            }
        }
    }

    @Test("the scanner reads the generic format's every member")
    func readsEveryMember() throws {
        let line = #"""
            {"labels":{"b":"2","a":"1"},"annotations":{"summary":"s"},"status":"resolved","startsAt":"2024-05-13T10:00:00Z",
             "endsAt":"2024-05-13T10:04:00.5+02:00","receivedAt":"2024-05-13T10:03:00Z","generatorURL":"http://x/?a=\"b\"","identity":"k-1"}
            """#
        let scanned = try #require(Array(line.utf8).withUnsafeBytes {
            AlertScanner(limits: IngestLimits(), reads: [.status, .receivedAt, .identity], acceptsObject: true).scan($0)
        })
        #expect(scanned.count == 1)
        #expect(scanned[0].labels == ["a": "1", "b": "2"])
        #expect(scanned[0].status == .resolved)
        #expect(scanned[0].identity == "k-1")
        #expect(scanned[0].generatorURL == #"http://x/?a="b""#)
        Self.expectAgreement(line)
    }

    /// Shapes the scanner must read or leave to the tree, and errors it
    /// must leave to the tree: each agrees with the tree.
    static let edgeCases: [String] = [
        #"[]"#, #" [ ] "#, #"{}"#, #"[{}]"#, #"null"#, #"42"#, #""x""#, #"[1]"#, #"[{"labels":{"a":"1"}},]"#,
        #"[{"labels":{"a":"1"}}"#, #"[{"labels":{"a":"1"}}] x"#, "\u{FEFF}[{\"labels\":{\"a\":\"1\"}}]",
        #"{"labels":{"a":"1"}}"#, #"[{"labels":{"a":"1"}}]"#, #"[{"labels":{}}]"#, #"[{"labels":null}]"#, #"[{"labels":[]}]"#,
        #"[{"labels":{"a":1}}]"#, #"[{"labels":{"":"1"}}]"#, #"[{"labels":{"a":"1","a":"2"}}]"#, #"[{"labels":{"b":"1","a":"2"}}]"#,
        #"[{"labels":{"a":"1"},"labels":{"a":"2"}}]"#, #"[{"labels":{"a":"1"},"annotations":null}]"#,
        #"[{"labels":{"a":"1"},"annotations":{}}]"#, #"[{"labels":{"a":"1"},"annotations":"x"}]"#,
        #"[{"labels":{"a\u0062":"1\n"}}]"#, #"[{"lab\u0065ls":{"a":"1"}}]"#, #"[{"labels":{"a":"\ud800"}}]"#,
        #"[{"labels":{"a":"é"},"annotations":{"ü":"ß"}}]"#,
        #"[{"labels":{"a":"1"},"status":"resolved"}]"#, #"[{"labels":{"a":"1"},"status":"firin"}]"#,
        #"[{"labels":{"a":"1"},"status":null}]"#, #"[{"labels":{"a":"1"},"status":"fir\u0069ng"}]"#,
        #"[{"labels":{"a":"1"},"startsAt":"2024-05-13T10:00:00Z"}]"#, #"[{"labels":{"a":"1"},"startsAt":""}]"#,
        #"[{"labels":{"a":"1"},"startsAt":"yesterday"}]"#, #"[{"labels":{"a":"1"},"startsAt":17}]"#,
        #"[{"labels":{"a":"1"},"endsAt":"0001-01-01T00:00:00Z"}]"#, #"[{"labels":{"a":"1"},"endsAt":"2024-05-13T10:00:00Z"}]"#,
        #"[{"labels":{"a":"1"},"startsAt":"2024-05-13T11:00:00Z","endsAt":"2024-05-13T10:00:00Z"}]"#,
        #"[{"labels":{"a":"1"},"endsAt":"2030-05-13T10:00:00Z","status":"resolved"}]"#,
        #"[{"labels":{"a":"1"},"receivedAt":"2024-05-13T09:00:00Z"}]"#, #"[{"labels":{"a":"1"},"receivedAt":"soon"}]"#,
        #"[{"labels":{"a":"1"},"identity":""}]"#, #"[{"labels":{"a":"1"},"identity":7}]"#, #"[{"labels":{"a":"1"},"identity":null}]"#,
        #"[{"labels":{"a":"1"},"generatorURL":null}]"#, #"[{"labels":{"a":"1"},"generatorURL":false}]"#,
        #"[{"labels":{"a":"1"},"extra":{"deep":[1,2.5e3,{"x":null}]},"more":true}]"#, #"[{"labels":{"a":"1"},"extra":[1,}]"#,
        #"[{"labels":{"a":"1"},"extra":01}]"#, #"[{"labels":{"a":"1"},"extra":"\x"}]"#,
        #"[{"labels":{"a":"1"}},{"labels":{"a":"2"},"endsAt":"nope"}]"#, #"[{"labels":{"a":"1"}},3]"#,
        #"[{"labels":{"alertname":"braces}{[ and \"quotes\" and \\","b":"}}}}}}}}}}"},"annotations":{"s":"\\\"}"}}]"#,
        #"[{"labels":{"a":"1\\"},"annotations":{"a":"1\\"}},{"labels":{"a":"1\\"}}]"#,
        #"[{"labels":{"a_long_label_name":"a long value","b":{"nested":"object after sixteen bytes"}}}]"#,
        #"[{"labels":{"a_long_label_name":"a long value","b":["array"]}}]"#, #"[{"labels":{"a_long_label_name":"unterminated"#,
        "[{\"labels\":{\"a\":\"1\u{1}\"}}]", "\t[\n{ \"labels\" : { \"a\" : \"1\" } , \"startsAt\" : \"2024-05-13T10:00:00Z\" }\r\n]\n",
    ]

    @Test("edge cases agree with the tree", arguments: edgeCases)
    func edgeCase(_ text: String) {
        Self.expectAgreement(text)
    }

    @Test("edge cases agree with the tree after every other one filled the label set cache")
    func edgeCasesThroughOneCache() {
        let labelSets = LabelSetCache()
        for text in Self.edgeCases + Self.edgeCases.reversed() {
            Self.expectAgreement(text, labelSets: labelSets)
        }
        #expect(labelSets.count > 0)
    }

    @Test("a repeated label set is read once; the same bytes as annotations are checked against their own limit")
    func labelSetCache() throws {
        let labelSets = LabelSetCache()
        let adapter = GenericAdapter(limits: IngestLimits(maxLabelValueBytes: 8, maxAnnotationValueBytes: 4), labelSets: labelSets)
        func decode(_ text: String) -> Outcome {
            Outcome { () throws(IngestError) in try adapter.decode(text, receivedAt: receivedAt) }
        }
        let first = decode(#"{"labels":{"b":"123456","a":"1"}}"#)
        #expect(labelSets.count == 1)
        #expect(decode(#"{"labels":{"b":"123456","a":"1"},"status":"resolved"}"#) != first)
        #expect(labelSets.count == 1, "the second read of the same labels is a hit")
        guard case .alerts(let alerts) = first else { Issue.record("decodes: \(first)"); return }
        #expect(alerts[0].labels == ["a": "1", "b": "123456"])
        #expect(alerts[0].fingerprint == Fingerprint(alerts[0].labels))
        #expect(
            decode(#"{"labels":{"a":"1"},"annotations":{"b":"123456","a":"1"}}"#)
                == .error("annotations.b: 6 bytes; the limit is 4"))
    }

    /// The cache answers the same whether or not it finds where a label set
    /// ends (a miss is only slower), so this checks that it does find it.
    @Test("label sets with escapes and braces in their strings are remembered, wherever those fall in a word")
    func escapesAreRemembered() throws {
        let labelSets = LabelSetCache()
        let adapter = GenericAdapter(limits: IngestLimits(), labelSets: labelSets)
        for padding in 0..<16 {
            let filler = String(repeating: "x", count: padding)
            let line = #"{"labels":{"a":"\#(filler)\"}{[\\","b":"\#(filler)\\\"}"},"annotations":{"s":"\#(filler)}\"]"}}"#
            let alerts = try adapter.decode(line, receivedAt: receivedAt)
            #expect(alerts[0].labels == ["a": filler + #""}{[\"#, "b": filler + #"\"}"#])
            #expect(alerts[0].annotations == ["s": filler + #"}"]"#])
            #expect(labelSets.count == 2 * (padding + 1), "padding \(padding): labels and annotations are both remembered")
            _ = try adapter.decode(line, receivedAt: receivedAt)
            #expect(labelSets.count == 2 * (padding + 1), "padding \(padding): the repeat is a hit")
        }
    }

    @Test("annotations that change with every send do not push the labels out")
    func annotationChurnKeepsLabels() throws {
        let labelSets = LabelSetCache(capacity: 4)
        let adapter = GenericAdapter(limits: IngestLimits(), labelSets: labelSets)
        for value in 0..<20 {
            let line = #"{"labels":{"alertname":"DiskFull","host":"db-1"},"annotations":{"description":"\#(value)% used"}}"#
            let alerts = try adapter.decode(line, receivedAt: receivedAt)
            #expect(alerts[0].annotations == ["description": "\(value)% used"])
            #expect(labelSets.count(.labels) == 1, "after \(value + 1) sends the label set is still the one entry")
            #expect(labelSets.count(.annotations) == value % 4 + 1, "the annotations' own table is bounded")
        }
    }

    @Test("limits agree with the tree")
    func limits() {
        let tight = IngestLimits(
            maxAlertsPerRequest: 2, maxLabelsPerAlert: 2, maxLabelNameBytes: 3, maxLabelValueBytes: 4, maxAnnotationValueBytes: 5, maxDepth: 3)
        let generic = GenericAdapter(acceptsReceivedAt: true, limits: tight)
        let prometheus = AlertmanagerAPIAdapter(limits: tight)
        for text in [
            #"[{"labels":{"a":"1"}},{"labels":{"a":"2"}}]"#, #"[{"labels":{"a":"1"}},{"labels":{"a":"2"}},{"labels":{"a":"3"}}]"#,
            #"[{"labels":{"a":"1","b":"2","c":"3"}}]"#, #"[{"labels":{"abcd":"1"}}]"#, #"[{"labels":{"a":"12345"}}]"#,
            #"[{"labels":{"a":"1"},"annotations":{"a":"123456"}}]"#, #"[{"labels":{"a":"1"},"annotations":{"a":"12345"}}]"#,
            #"[{"labels":{"a":"1"},"x":{"y":1}}]"#, #"[{"labels":{"a":"1"},"identity":"12345"}]"#,
        ] {
            Self.expectAgreement(text, generic: generic, prometheus: prometheus)
        }
        let shallow = IngestLimits(maxDepth: 2)
        Self.expectAgreement(
            #"{"labels":{"a":"1"}}"#, generic: GenericAdapter(limits: shallow), prometheus: AlertmanagerAPIAdapter(limits: shallow))
    }

    /// Bytes that matter to JSON, for mutations.
    static let alphabet = Array(#"{}[]:,"\ 0aeln-.Z"#.utf8) + [0x01, 0xC3, 0xFF]

    @Test("mutated payloads agree with the tree")
    func mutations() {
        var generator = SplitMix64(seed: 0xA1E7)
        let seeds =
            Self.prometheusBodies + Self.edgeCases.prefix(40).map { Array($0.utf8) }
            + [Array(#"{"labels":{"alertname":"A","job":"j"},"status":"resolved","startsAt":"2024-05-13T10:00:00Z","endsAt":"2024-05-13T10:01:00Z","receivedAt":"2024-05-13T10:02:00Z","identity":"i"}"#.utf8)]
        var disagreements = 0
        let labelSets = LabelSetCache(capacity: 64)
        for _ in 0..<4_000 {
            var body = seeds[Int(generator.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(generator.next() % 3)) where !body.isEmpty {
                let position = Int(generator.next() % UInt64(body.count))
                let byte = Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))]
                switch generator.next() % 3 {
                case 0: body[position] = byte
                case 1: body.insert(byte, at: position)
                default: body.remove(at: position)
                }
            }
            for (name, scanned, tree) in Self.outcomes(body, labelSets: labelSets) where scanned != tree {
                disagreements += 1
                Issue.record("\(name) disagrees on \(String(decoding: body, as: UTF8.self)):\n  scanned: \(scanned)\n  tree: \(tree)")
            }
            if disagreements > 5 { break }
        }
    }
}
