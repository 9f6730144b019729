public import AlertbridgeCore

/// Deterministic alert storms for tests: repeats, resolutions, refreshes and
/// timeouts, the same on every run for the same seed.
public enum StormFixture {
    /// A rule set that puts every stage to work on the storms below: the
    /// services, alert names and severities they use are the ones it matches.
    public static let ruleText = """
        enrich: [{name: sev, normalize_severity: true}]
        flapping: {transitions: 3, within: 2m, quiet: 1m}
        silence: [{name: w, match: {service: db}, cron: '*/20 * * * *', duration: 5m}]
        inhibit: [{name: i, source: {alertname: Down}, target: {alertname: Slow}, equal: [service]}]
        correlate: [{name: by-service, group_by: [service], window: 3m}]
        priority:
          impact: [{match: {service: api}, value: high}, {value: medium}]
          urgency: [{match: {severity: critical}, value: high}, {value: low}]
        heartbeat: [{name: hb, match: {alertname: Full, service: queue}, interval: 3m}]
        """

    public static func ruleSet() throws -> RuleSet {
        try RuleSet.load(files: [(name: "storm.yaml", text: ruleText)]) { _ in "" }.ruleSet
    }

    /// `count` batches, each `(seconds after the epoch, alerts)`.
    public static func storm(seed: UInt64, count: Int) -> [(Double, [Alert])] {
        var generator = SeededGenerator(seed: seed)
        var batches: [(Double, [Alert])] = []
        var now = 0.0
        for _ in 0..<count {
            now += Double(generator.next() % 20)
            var batch: [Alert] = []
            for _ in 0..<(1 + generator.next() % 5) {
                let service = ["api", "db", "web", "queue"][Int(generator.next() % 4)]
                let labels: LabelSet = [
                    "alertname": ["Down", "Slow", "Full"][Int(generator.next() % 3)], "service": service, "env": "prod",
                    "instance": "i-\(generator.next() % 6)", "severity": ["critical", "warning", "info"][Int(generator.next() % 3)],
                ]
                // Repeats sometimes change their description, as a
                // Prometheus annotation with a templated value does.
                let annotations: LabelSet = ["summary": "value \(generator.next() % 3)"]
                switch generator.next() % 4 {
                case 0:
                    batch.append(
                        AlertBuilder.alert(
                            labels, annotations: annotations, status: .resolved, startsAt: max(0, now - 100), endsAt: now, at: now))
                case 1:
                    batch.append(AlertBuilder.alert(labels, annotations: annotations, startsAt: max(0, now - 50), endsAt: now + 120, at: now))
                default:
                    batch.append(AlertBuilder.alert(labels, annotations: annotations, startsAt: max(0, now - 50), at: now))
                }
            }
            batches.append((now, batch))
        }
        return batches
    }
}

/// SplitMix64: a tiny deterministic generator.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
