public import AlertbridgeCore
public import AlertbridgeStore
public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Owns the engine: restores it from the store, feeds it the inbox in order,
/// the clock's ticks and operators' commands, and writes what it changes.
///
/// The engine is a value owned by this service's one task, so it needs no
/// lock. Every step's changes are written together with the inbox position
/// they cover (``SQLiteDeskStore/apply(_:through:marks:)``): a crash at any
/// point loses no acknowledged alert and processes none twice. If a write
/// fails (disk full), the engine is rebuilt from the store and the step is
/// retried, so memory never runs ahead of disk.
public final class EngineService: Service, Sendable {
    /// What an operator asks of the engine.
    public enum Command: Sendable {
        case acknowledge(incident: Int64, by: String, note: String?)
        case resolve(incident: Int64, by: String, note: String?)
        case createSilence(matchers: Matchers, startsAt: Date?, endsAt: Date, by: String, comment: String)
        case expireSilence(id: Int64, by: String)
        /// New rules; all state is kept.
        case reload(RuleSet)
    }

    /// What a command produced, as committed.
    public enum Outcome: Sendable {
        case incident(Incident)
        case silence(Silence)
        case reloaded
    }

    /// The engine is not running (starting up or shutting down).
    public struct UnavailableError: Error, CustomStringConvertible {
        public var description: String { "the engine is not running" }
    }

    private struct PendingCommand: Sendable {
        var command: Command
        var reply: CheckedContinuation<Outcome, any Error>
    }

    private let store: SQLiteDeskStore
    private let configuration: EngineConfiguration
    /// The rules in force: the engine's, kept here too so that an engine
    /// rebuilt from the store after a failed write gets the current ones.
    private let rules: Mutex<RuleSet>
    private let tickInterval: Duration
    private let inboxRetention: Duration
    /// How long syslog counts are kept (`syslog.counts_retention`).
    private let syslogCountsRetention: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let doorbell = Doorbell()
    private let commands = Mutex<(accepting: Bool, pending: [PendingCommand])>((false, []))
    private let ready = Atomic<Bool>(false)
    private let processedSequence = Atomic<Int64>(0)

    /// Alerts read and processed per store transaction, at most (an entry
    /// larger than this is still processed whole).
    static let alertsPerStep = 20_000
    /// The shortest time between two steps. A storm is mostly repeats: the
    /// longer a step's window, the more repeats of one alert coalesce into a
    /// single row write, and the fewer fsyncs the desk store competes with
    /// intake for. Incidents lag a 202 by at most this much plus a step.
    static let minimumStepInterval: Duration = .milliseconds(50)

    public init(
        store: SQLiteDeskStore, configuration: EngineConfiguration, rules: RuleSet, tickInterval: Duration,
        inboxRetention: Duration, syslogCountsRetention: Duration = .seconds(30 * 86_400), now: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.rules = Mutex(rules)
        self.tickInterval = tickInterval
        self.inboxRetention = inboxRetention
        self.syslogCountsRetention = syslogCountsRetention
        self.now = now
        self.logger = logger
    }

    /// True once the engine has been restored and is processing.
    public var isReady: Bool { ready.load(ordering: .acquiring) }

    /// The last inbox sequence whose changes are committed.
    public var processedThrough: Int64 { processedSequence.load(ordering: .acquiring) }

    /// Carries out an operator's command once the engine reaches it, and
    /// returns what it produced once that is committed.
    public func perform(_ command: Command) async throws -> Outcome {
        try await withCheckedThrowingContinuation { reply in
            let accepted = commands.withLock { state in
                guard state.accepting else { return false }
                state.pending.append(PendingCommand(command: command, reply: reply))
                return true
            }
            if accepted { doorbell.ring() } else { reply.resume(throwing: UnavailableError()) }
        }
    }

    // MARK: - Running

    public func run() async throws {
        var state = try await restore()
        commands.withLock { $0.accepting = true }
        ready.store(true, ordering: .releasing)
        defer {
            ready.store(false, ordering: .releasing)
            let stranded = commands.withLock { state in
                state.accepting = false
                defer { state.pending = [] }
                return state.pending
            }
            for pending in stranded { pending.reply.resume(throwing: UnavailableError()) }
        }

        try await withThrowingDiscardingTaskGroup { group in
            let inbox = store.inbox
            let doorbell = self.doorbell
            let tickInterval = self.tickInterval
            group.addTask {
                // Wakes the loop on every commit; a commit wave rings once.
                var seen = inbox.committedSequence
                while !Task.isCancelled, !inbox.isClosed {
                    await inbox.waitForCommit(after: seen)
                    seen = inbox.committedSequence
                    doorbell.ring()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    doorbell.ring()
                }
            }
            doorbell.ring()
            for await _ in doorbell.rings.cancelOnGracefulShutdown() {
                let started = ContinuousClock.now
                await step(&state)
                try? await Task.sleep(until: started + Self.minimumStepInterval)
            }
            // Graceful shutdown: HTTP has stopped, so the inbox holds all
            // there will be; process it to the end before the inbox closes.
            await step(&state)
            logger.info("engine stopped", metadata: ["inbox.processed": "\(state.cursor)"])
            group.cancelAll()
        }
    }

    private struct State {
        var engine: Engine
        var cursor: Int64
        var lastPrune: Date = .distantPast
        var failing = false
        /// Alerts processed since the heap was last trimmed.
        var alertsSinceTrim = 0
    }

    private func restore() async throws -> State {
        let checkpoint = try await store.loadCheckpoint(forgetAfter: configuration.closeAfter)
        let engine = Engine(configuration: configuration, rules: rules.withLock { $0 }, restoring: checkpoint.snapshot)
        processedSequence.store(checkpoint.inboxSequence, ordering: .releasing)
        logger.info(
            "engine restored",
            metadata: [
                "incidents": "\(checkpoint.snapshot.incidents.count)", "alerts": "\(checkpoint.snapshot.alerts.count)",
                "inbox.processed": "\(checkpoint.inboxSequence)",
                "inbox.backlog.alerts": "\(store.inbox.backlogAlerts)",
            ])
        return State(engine: engine, cursor: checkpoint.inboxSequence)
    }

    /// One pass: operators' commands, then the inbox to its end, then the clock.
    private func step(_ state: inout State) async {
        do {
            try await runCommands(&state)
            // Everything committed before the step began, in transactions of
            // at most `alertsPerStep` alerts; what arrives meanwhile waits for
            // the next step, so that repeats coalesce instead of trickling
            // into one transaction (and one fsync) each. (A read that did not
            // fill the budget is no sign of the end: entries are not split, so
            // a read of syslog entries of hundreds of lines stops short of it,
            // and the rest waited for the next tick, a second away.)
            let committed = store.inbox.committedSequence
            var processed = 0
            while state.cursor < committed {
                let entries = try await store.inbox.entries(after: state.cursor, maxAlerts: Self.alertsPerStep)
                guard let last = entries.last else { break }
                var changes = DeskChanges()
                var alerts = 0  // syslog messages included, which `counters.received` leaves out
                for entry in entries {
                    state.engine.process(entry.alerts, at: entry.receivedAt, into: &changes)
                    alerts += entry.alerts.count
                }
                try await store.apply(changes, through: last.sequence, marks: state.engine.marks)
                store.inbox.markProcessed(through: last.sequence, alerts: alerts)
                state.cursor = last.sequence
                processedSequence.store(last.sequence, ordering: .releasing)
                // Commands wait at most one batch behind a backlog.
                try await runCommands(&state)
                processed += alerts
            }
            trimHeapIfIdle(&state, processed: processed)
            let changes = state.engine.advance(to: now())
            if !changes.isEmpty {
                try await store.apply(changes, through: state.cursor, marks: state.engine.marks)
            }
            try await pruneIfDue(&state)
            if state.failing {
                state.failing = false
                logger.info("desk store writable again")
            }
        } catch {
            // The engine may be ahead of the store: rebuild it from what is
            // committed and retry on the next ring (the tick guarantees one).
            if !state.failing {
                logger.error("engine step failed; retrying from the store", metadata: ["error": "\(error)"])
            }
            state.failing = true
            if let restored = try? await restore() { state = restored }
        }
    }

    /// Gives the memory a burst used back to the system once the burst is
    /// over. A storm's requests, decoded alerts and inbox entries are freed
    /// once processed, but the allocator keeps the freed pages (glibc until
    /// trimmed, jemalloc for its decay time); with glibc they were a fifth
    /// of the RSS after a million alerts. Trimming only when
    /// the engine falls idle after at least `alertsPerTrim` alerts keeps it
    /// off the path of a steady stream.
    private func trimHeapIfIdle(_ state: inout State, processed: Int) {
        state.alertsSinceTrim += processed
        guard processed == 0, state.alertsSinceTrim >= Self.alertsPerTrim else { return }
        state.alertsSinceTrim = 0
        Allocator.trim()
    }

    static let alertsPerTrim = 100_000

    private func runCommands(_ state: inout State) async throws {
        let pending = commands.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        for (index, item) in pending.enumerated() {
            let at = now()
            var changes = state.engine.advance(to: at)
            do {
                let outcome: Outcome
                switch item.command {
                case .acknowledge(let incident, let actor, let note):
                    changes.merge(try state.engine.acknowledge(incident: incident, at: at, by: actor, note: note))
                    outcome = .incident(state.engine.incident(incident)!)
                case .resolve(let incident, let actor, let note):
                    changes.merge(try state.engine.resolve(incident: incident, at: at, by: actor, note: note))
                    outcome = .incident(state.engine.incident(incident)!)
                case .createSilence(let matchers, let startsAt, let endsAt, let actor, let comment):
                    let (silence, silenceChanges) = try state.engine.createSilence(
                        matchers: matchers, startsAt: startsAt, endsAt: endsAt, by: actor, comment: comment, at: at)
                    changes.merge(silenceChanges)
                    outcome = .silence(silence)
                case .expireSilence(let id, let actor):
                    let silenceChanges = try state.engine.expireSilence(id, by: actor, at: at)
                    changes.merge(silenceChanges)
                    outcome = .silence(silenceChanges.silences.first!)
                case .reload(let ruleSet):
                    rules.withLock { $0 = ruleSet }
                    changes.merge(state.engine.reload(ruleSet, at: at))
                    outcome = .reloaded
                }
                try await store.apply(changes, through: state.cursor, marks: state.engine.marks)
                item.reply.resume(returning: outcome)
            } catch let error where error is IncidentCommandError || error is SilenceError {
                if !changes.isEmpty {
                    do {
                        try await store.apply(changes, through: state.cursor, marks: state.engine.marks)
                    } catch {
                        failRemaining(pending[index...], with: error)
                        throw error
                    }
                }
                item.reply.resume(throwing: error)
            } catch {
                failRemaining(pending[index...], with: error)
                throw error
            }
        }
    }

    private func failRemaining(_ pending: ArraySlice<PendingCommand>, with error: any Error) {
        for item in pending { item.reply.resume(throwing: error) }
    }

    private func pruneIfDue(_ state: inout State) async throws {
        let at = now()
        guard at.timeIntervalSince(state.lastPrune) >= 60 else { return }
        state.lastPrune = at
        let cutoff = at.addingTimeInterval(-Double(inboxRetention.milliseconds) / 1000)
        let pruned = try await store.inbox.prune(processedThrough: state.cursor, receivedBefore: cutoff)
        if pruned > 0 {
            logger.debug("inbox pruned", metadata: ["entries": "\(pruned)"])
        }
        let countsCutoff = at.addingTimeInterval(-Double(syslogCountsRetention.milliseconds) / 1000)
        let prunedCounts = try await store.pruneSyslogCounts(before: countsCutoff)
        if prunedCounts > 0 {
            logger.debug("syslog counts pruned", metadata: ["rows": "\(prunedCounts)"])
        }
    }
}
