public import Foundation
import OrderedCollections

/// Recorded alerts run through a rule set, with no store and the alerts'
/// own times for a clock: what incidents the rules would have made.
///
/// Operators run it (`alertbridge replay`) before deploying a changed rule
/// set, and against the old one with `--baseline` to see the difference.
/// The same input and rules give the same result, every time.
public struct Replay: Sendable {
    public struct Result: Sendable {
        /// Every incident made, closed ones included, by id.
        public var incidents: [Incident]
        /// Every alert occurrence, by id.
        public var alerts: [TrackedAlert]
        public var counters: EngineCounters
        /// When the replay's clock stopped: the last alert's time, plus the
        /// time `until` added.
        public var endedAt: Date

        /// The alerts of an incident, in id order.
        public func alerts(ofIncident id: Int64) -> [TrackedAlert] {
            alerts.filter { $0.incidentID == id }
        }

        /// Occurrences kept out of incidents (suppressed), in id order.
        public var suppressedAlerts: [TrackedAlert] {
            alerts.filter { $0.incidentID == nil }
        }
    }

    /// Runs `alerts`, each at its `receivedAt` (in input order; time never
    /// runs back), then lets the clock run `settle` further so that timeouts
    /// and windows that end after the last alert take effect.
    public static func run(
        _ alerts: [Alert], rules: RuleSet, configuration: EngineConfiguration = EngineConfiguration(), settle: Duration = .zero
    ) -> Result {
        var iterator = alerts.makeIterator()
        return run(next: { iterator.next() }, rules: rules, configuration: configuration, settle: settle)
    }

    /// ``run(_:rules:configuration:settle:)`` over alerts handed out one at a
    /// time by `next` (`nil` at the end), so that a recording need not be
    /// held in memory whole: `alertbridge replay` decodes each line as the
    /// engine gets to it. An error `next` throws ends the replay.
    public static func run<Failure: Error>(
        next: () throws(Failure) -> Alert?, rules: RuleSet, configuration: EngineConfiguration = EngineConfiguration(),
        settle: Duration = .zero
    ) throws(Failure) -> Result {
        var engine = Engine(configuration: configuration, rules: rules)
        var changes = DeskChanges()
        var pending = try next()
        while let first = pending {
            // Alerts received at the same millisecond are one arrival.
            let at = first.receivedAt
            var batch = [first]
            pending = try next()
            while let alert = pending, alert.receivedAt == at {
                batch.append(alert)
                pending = try next()
            }
            engine.process(batch, at: at, into: &changes)
        }
        let end = Date(unixMilliseconds: max(engine.now, 0) + settle.milliseconds)
        engine.advance(to: end, into: &changes)
        return Result(
            incidents: changes.incidents.sorted { $0.id < $1.id }, alerts: changes.alerts.sorted { $0.id < $1.id },
            counters: changes.counters, endedAt: Date(unixMilliseconds: engine.now))
    }
}

/// What changed between a replay with a baseline rule set and one with the
/// candidate: incidents are the same when they gathered the same alerts.
public struct ReplayDiff: Sendable {
    public struct Grouping: Sendable, Equatable {
        public var title: String
        public var groupKey: String
        public var priority: Priority
        public var fingerprints: [Fingerprint]
    }

    /// Incidents only the candidate makes, and only the baseline makes.
    public var onlyCandidate: [Grouping]
    public var onlyBaseline: [Grouping]
    /// Incidents both make (the same alerts) whose priority differs.
    public var priorityChanged: [(baseline: Grouping, candidate: Grouping)]
    public var unchanged: Int

    public init(baseline: Replay.Result, candidate: Replay.Result) {
        func groupings(_ result: Replay.Result) -> [Grouping] {
            result.incidents.map { incident in
                Grouping(
                    title: incident.title, groupKey: incident.groupKey, priority: incident.priority,
                    fingerprints: result.alerts(ofIncident: incident.id).map(\.fingerprint).sorted())
            }
        }
        var remaining = groupings(baseline)
        var onlyCandidate: [Grouping] = []
        var priorityChanged: [(Grouping, Grouping)] = []
        var unchanged = 0
        for grouping in groupings(candidate) {
            if let index = remaining.firstIndex(where: { $0.fingerprints == grouping.fingerprints }) {
                let match = remaining.remove(at: index)
                if match.priority != grouping.priority { priorityChanged.append((match, grouping)) } else { unchanged += 1 }
            } else {
                onlyCandidate.append(grouping)
            }
        }
        self.onlyCandidate = onlyCandidate
        self.onlyBaseline = remaining
        self.priorityChanged = priorityChanged
        self.unchanged = unchanged
    }

    public var isEmpty: Bool { onlyCandidate.isEmpty && onlyBaseline.isEmpty && priorityChanged.isEmpty }
}
