import AlertbridgeCore
import AlertbridgeTestSupport
import Foundation
import Testing

@Suite struct FingerprintTests {
    struct Vector: CustomTestStringConvertible {
        var labels: [String: String]
        var fingerprint: String
        var testDescription: String { "\(labels) → \(fingerprint)" }
    }

    /// Vectors from Alertmanager's and Grafana's own tests, and computed ones
    /// (see the corpus file for each one's source).
    static func vectors() throws -> [Vector] {
        let root = try Fixture.json("corpus/alertmanager-fingerprint-vectors.json") as! [String: Any]
        return (root["vectors"] as! [[String: Any]]).map {
            Vector(labels: $0["labels"] as! [String: String], fingerprint: $0["fingerprint"] as! String)
        }
    }

    @Test("fingerprints equal Alertmanager's", arguments: try vectors())
    func alertmanagerVectors(_ vector: Vector) {
        #expect(Fingerprint(LabelSet(vector.labels)).hex == vector.fingerprint)
    }

    @Test("the label order of the input does not matter")
    func orderIndependent() {
        let a = LabelSet([("job", "foo"), ("severity", "warning")])
        let b = LabelSet([("severity", "warning"), ("job", "foo")])
        #expect(Fingerprint(a) == Fingerprint(b))
        #expect(Fingerprint(a).hex == "9266ef3da838ad95")
    }

    @Test("hex round-trips, zero padded to 16 digits")
    func hexRoundTrip() {
        let fingerprint = Fingerprint(rawValue: 0xAB)
        #expect(fingerprint.hex == "00000000000000ab")
        #expect(Fingerprint(hex: fingerprint.hex) == fingerprint)
        #expect(Fingerprint(hex: "not hex") == nil)
        #expect(Fingerprint(hex: "") == nil)
        #expect(Fingerprint(hex: "00000000000000000") == nil)
    }

    @Test("an alert's fingerprint follows its labels")
    func alertFingerprint() {
        var alert = AlertBuilder.alert(["job": "foo", "severity": "warning"], at: 0)
        #expect(alert.fingerprint.hex == "9266ef3da838ad95")
        alert.labels = ["job": "foo", "severity": "critical"]
        #expect(alert.fingerprint.hex == "3b15fd163d36582e")
    }
}

@Suite struct LabelSetTests {
    @Test("sorted, unique, last pair wins")
    func sortedUnique() {
        let labels = LabelSet([("b", "1"), ("a", "2"), ("b", "3")])
        #expect(labels.names == ["a", "b"])
        #expect(labels["b"] == "3")
        #expect(labels["c"] == nil)
    }

    @Test("any order and size gives the same set; among repeated names the last wins", arguments: [3, 31, 33, 300])
    func anyOrder(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let pairs = (0..<count).map { ("label\($0 % (count / 3 + 1))", "value\($0)") }
        let expected = Dictionary(pairs, uniquingKeysWith: { _, last in last })
        let shuffledDistinct = Array(expected).shuffled(using: &generator)
        for input in [pairs, shuffledDistinct.map { ($0.key, $0.value) }] {
            let labels = LabelSet(input)
            #expect(labels.dictionary == expected)
            #expect(labels.names == expected.keys.sorted())
        }
    }

    @Test("setting and removing keeps the order")
    func setting() {
        var labels: LabelSet = ["m": "1"]
        labels.set("a", to: "x")
        labels.set("z", to: "y")
        labels.set("m", to: nil)
        #expect(labels.names == ["a", "z"])
        #expect(labels.setting("a", to: "w")["a"] == "w")
    }

    @Test("an unsorted array given as sorted is sorted anyway")
    func sortedLabelsFallback() {
        let labels = LabelSet(sortedLabels: [Label("b", "1"), Label("a", "2")])
        #expect(labels.names == ["a", "b"])
    }

    @Test("restricted keeps the named labels only")
    func restricted() {
        let labels: LabelSet = ["a": "1", "b": "2", "c": "3"]
        #expect(labels.restricted(to: ["c", "a", "missing"]) == ["a": "1", "c": "3"])
    }

    @Test("shrinkToFit gives back the room an insert doubled, and keeps the labels")
    func shrinkToFit() {
        var labels = LabelSet((0..<6).map { ("name\($0)", "value\($0)") })
        labels.set("added", to: "x")
        let grown = labels.labels.capacity
        #expect(grown >= 12, "an insert into a full array doubles it")
        let before = labels
        labels.shrinkToFit()
        #expect(labels.labels.capacity < grown)
        #expect(labels == before && Fingerprint(labels) == Fingerprint(before))
    }

    @Test("JSON object text round-trips, escapes included")
    func jsonRoundTrip() {
        let labels: LabelSet = ["alertname": "κόσμε", "x": "a\"b\\c\nd\u{01}", "emoji": "🚨"]
        let text = JSON.object(labels)
        #expect(text.contains("\\\"") && text.contains("\\n") && text.contains("\\u0001"))
        #expect(JSON.labelSet(fromObject: text) == labels)
        #expect(JSON.labelSet(fromObject: "{\"a\": \"\\ud83d\\udea8\"}") == ["a": "🚨"])
        #expect(JSON.labelSet(fromObject: "{\"a\": 1}") == nil)
        #expect(JSON.labelSet(fromObject: "[]") == nil)
        #expect(JSON.labelSet(fromObject: "{}") == .empty)
    }
}
