import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeServer
import AlertbridgeStore
import ArgumentParser
import Foundation

extension Alertbridge {
    /// `alertbridge replay --rules DIR INPUT`: recorded alerts through a rule
    /// set, without touching any store.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run recorded alerts through a rule set and report the incidents, without touching any store.",
            discussion: """
                INPUT is a file of JSON lines, one generic alert each with its receivedAt \
                ({"labels": {...}, "status": "firing", "receivedAt": "2026-11-23T10:00:00Z", ...}; - reads \
                standard input), or a desk store (a .sqlite file), whose inbox holds the alerts received \
                in the last inbox.retention. Alerts are processed in input order at their receivedAt; \
                the clock then runs --settle further so that timeouts after the last alert take effect. \
                With --baseline, the same alerts run through a second rule set and the incidents that \
                differ are listed.
                """)

        @Option(name: .long, help: "The rule directory to replay with.")
        var rules = "rules"

        @Option(name: .long, help: "A second rule directory to compare with.")
        var baseline: String?

        @Option(name: .long, help: "How long the clock runs after the last alert (a duration like 1h).")
        var settle = "0s"

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @Argument(help: "Recorded alerts: a JSON lines file, - for standard input, or a desk store.")
        var input: String

        @OptionGroup var engineSettings: EngineSettingsOption

        func run() async throws {
            guard let settleDuration = DurationText.parse(settle) else { throw ValidationError("--settle \(settle): expected a duration like 1h") }
            let configuration = try engineSettings.engineConfiguration()
            let ruleSet = try loadRules(rules)
            let baselineRules = try baseline.map(loadRules)
            let recording = try Recording(path: input)
            let (result, alertsIn) = try recording.replay(rules: ruleSet, configuration: configuration, settle: settleDuration)
            let diff = try baselineRules.map { baselineRules in
                ReplayDiff(
                    baseline: try recording.replay(rules: baselineRules, configuration: configuration, settle: settleDuration).result,
                    candidate: result)
            }
            if json {
                print(try ReplayReport(result: result, alertsIn: alertsIn, diff: diff).encoded())
            } else {
                printText(result, alertsIn: alertsIn, ruleCount: ruleSet.count, diff: diff)
            }
        }

        func loadRules(_ directory: String) throws -> RuleSet {
            do {
                return try RuleDirectory(path: directory).load().ruleSet
            } catch {
                for error in error.errors { standardError("\(error)") }
                throw ValidationError("the rules in \(directory) do not load")
            }
        }

        func printText(_ result: AlertbridgeCore.Replay.Result, alertsIn: Int, ruleCount: Int, diff: ReplayDiff?) {
            let counters = result.counters
            print("replayed \(alertsIn) alerts with \(rules) (\(ruleCount) rules)")
            print(
                "incidents: \(result.incidents.count)   alerts: \(result.alerts.count)   duplicates: \(counters.duplicates)"
                    + "   suppressed: \(counters.suppressed)   noise reduction: \(String(format: "%.1f%%", counters.noiseReduction * 100))")
            print("")
            print(
                Table(
                    headers: ["ID", "STATUS", "PRI", "ALERTS", "FIRING", "GROUP", "TITLE"],
                    rows: result.incidents.map {
                        ["\($0.id)", $0.status.rawValue, $0.priority.rawValue, "\($0.alertCount)", "\($0.firingCount)", $0.groupKey, $0.title]
                    }
                ).rendered, terminator: "")
            guard let diff, let baseline else { return }
            print("")
            if diff.isEmpty {
                print("the same incidents as with \(baseline) (\(diff.unchanged))")
                return
            }
            print(
                "against \(baseline): \(diff.onlyCandidate.count) incidents only with \(rules), \(diff.onlyBaseline.count) only with \(baseline),"
                    + " \(diff.priorityChanged.count) with another priority, \(diff.unchanged) unchanged")
            for grouping in diff.onlyCandidate { print("  + \(grouping.priority.rawValue) \(grouping.groupKey) \(grouping.title) (\(grouping.fingerprints.count) alerts)") }
            for grouping in diff.onlyBaseline { print("  - \(grouping.priority.rawValue) \(grouping.groupKey) \(grouping.title) (\(grouping.fingerprints.count) alerts)") }
            for (old, new) in diff.priorityChanged { print("  ~ \(old.priority.rawValue) -> \(new.priority.rawValue) \(new.groupKey) \(new.title)") }
        }
    }
}

/// The `--json` shape: DESIGN.md's `{"incidents": [...], "problems": [...], "stats": {...}}`.
private struct ReplayReport: Encodable {
    struct AlertShape: Encodable {
        var fingerprint: String
        var labels: [String: String]
        var status: String
        var startsAt: String
        var endsAt: String?
        var suppressedBy: String?
    }

    struct IncidentShape: Encodable {
        var id: Int64
        var title: String
        var status: String
        var priority: String
        var severity: String
        var groupKey: String
        var rule: String?
        var rootCause: String?
        var alerts: [AlertShape]
    }

    struct Stats: Encodable {
        var alertsIn: Int
        var alerts: Int
        var duplicates: Int
        var suppressed: Int
        var incidents: Int
        var noiseReduction: Double
    }

    struct Difference: Encodable {
        var onlyCandidate: [String]
        var onlyBaseline: [String]
        var priorityChanged: [String]
        var unchanged: Int
    }

    var incidents: [IncidentShape]
    var suppressed: [AlertShape]
    var problems: [String] = []
    var stats: Stats
    var diff: Difference?

    init(result: AlertbridgeCore.Replay.Result, alertsIn: Int, diff: ReplayDiff?) {
        func shape(_ alert: TrackedAlert) -> AlertShape {
            AlertShape(
                fingerprint: alert.fingerprint.hex, labels: alert.labels.dictionary, status: alert.status.rawValue,
                startsAt: RFC3339.string(alert.startsAt), endsAt: alert.endsAt.map(RFC3339.string), suppressedBy: alert.suppression?.description)
        }
        incidents = result.incidents.map { incident in
            IncidentShape(
                id: incident.id, title: incident.title, status: incident.status.rawValue, priority: incident.priority.rawValue,
                severity: incident.severity.rawValue, groupKey: incident.groupKey, rule: incident.rule, rootCause: incident.rootCause,
                alerts: result.alerts(ofIncident: incident.id).map(shape))
        }
        suppressed = result.suppressedAlerts.map(shape)
        stats = Stats(
            alertsIn: alertsIn, alerts: result.alerts.count, duplicates: result.counters.duplicates, suppressed: result.counters.suppressed,
            incidents: result.incidents.count, noiseReduction: (result.counters.noiseReduction * 10_000).rounded() / 10_000)
        self.diff = diff.map { diff in
            Difference(
                onlyCandidate: diff.onlyCandidate.map { "\($0.groupKey) \($0.title)" },
                onlyBaseline: diff.onlyBaseline.map { "\($0.groupKey) \($0.title)" },
                priorityChanged: diff.priorityChanged.map { "\($0.baseline.priority.rawValue) -> \($0.candidate.priority.rawValue) \($0.candidate.groupKey)" },
                unchanged: diff.unchanged)
        }
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// The recorded alerts `replay` reads: a desk store's inbox, or JSON lines
/// decoded one line at a time as the engine gets to them, so a recording of
/// a million alerts is never held in memory as alerts (a file is mapped,
/// not read; standard input is read whole).
struct Recording {
    enum Source {
        case alerts([Alert])
        case lines(Data)
    }

    let name: String
    let source: Source

    init(path: String) throws {
        name = path
        if path.hasSuffix(".sqlite") || path.hasSuffix(".sqlite3") || path.hasSuffix(".db") {
            source = .alerts(try SQLiteDeskStore.recordedEntries(path: path).flatMap(\.alerts))
        } else if path == "-" {
            source = .lines(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            do {
                source = .lines(try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped))
            } catch {
                throw ValidationError("\(path): cannot read")
            }
        }
    }

    /// Runs the recording through `rules`; the result, and how many alerts went in.
    func replay(rules: RuleSet, configuration: EngineConfiguration, settle: Duration) throws -> (result: AlertbridgeCore.Replay.Result, alertsIn: Int) {
        switch source {
        case .alerts(let alerts):
            return (AlertbridgeCore.Replay.run(alerts, rules: rules, configuration: configuration, settle: settle), alerts.count)
        case .lines(let data):
            return try data.withUnsafeBytes { bytes in
                var lines = AlertLines(bytes: bytes, name: name)
                let result = try AlertbridgeCore.Replay.run(
                    next: { () throws(ValidationError) -> Alert? in try lines.next() }, rules: rules, configuration: configuration,
                    settle: settle)
                return (result, lines.count)
            }
        }
    }
}

/// Generic alerts from JSON lines, one at a time; blank lines are skipped
/// and an error names the line.
struct AlertLines {
    let bytes: UnsafeRawBufferPointer
    let name: String
    private let adapter = GenericAdapter(acceptsReceivedAt: true, labelSets: LabelSetCache())
    private var start = 0
    private var lineNumber = 0
    private var decoded: [Alert] = []
    private var decodedIndex = 0
    /// Alerts handed out so far.
    private(set) var count = 0

    init(bytes: UnsafeRawBufferPointer, name: String) {
        self.bytes = bytes
        self.name = name
    }

    mutating func next() throws(ValidationError) -> Alert? {
        while decodedIndex == decoded.count {
            guard start < bytes.count else { return nil }
            lineNumber += 1
            // memchr for the line end: `Data.split` cost half of a
            // million-alert replay, and a generic `firstIndex(of:)` 4%.
            let base = bytes.baseAddress!
            let end = memchr(base + start, 0x0A, bytes.count - start).map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            start = end + 1
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
            do {
                // receivedAt is required in replay input: without it there is no clock.
                let parsed = try adapter.decode(line, receivedAt: Date(unixMilliseconds: .min))
                if parsed.contains(where: { $0.receivedAt.unixMilliseconds == .min }) {
                    throw IngestError(path: "receivedAt", "required in replay input")
                }
                decoded = parsed
                decodedIndex = 0
            } catch {
                throw ValidationError("\(name):\(lineNumber): \(error)")
            }
        }
        defer { decodedIndex += 1 }
        count += 1
        return decoded[decodedIndex]
    }
}
