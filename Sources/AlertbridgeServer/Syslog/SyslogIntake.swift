import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeStore
import Foundation
import Logging
import Synchronization

/// The listeners' sink: parses frames, mines their templates, and appends
/// them to the inbox as syslog events, one inbox entry per read (per
/// gathered batch and sender over UDP), in the order they were submitted.
///
/// Templates are mined here, at intake, so that the inbox holds each
/// message with the template it had when it arrived: replay and the engine
/// see the same labels, whatever the miner learns later.
final class SyslogIntake: SyslogSink {
    let inbox: Inbox
    let now: @Sendable () -> Date
    let logger: Logger
    /// One miner per app (Drain per app-name keeps apps from sharing a
    /// cluster tree); at most `maxApps`, then the rest share one.
    private let miners = Mutex(Miners())
    static let maxApps = 1024
    /// The offset assumed for timestamps without one: this machine's.
    private let utcOffsetSeconds = Int32(TimeZone.current.secondsFromGMT())

    private struct Miners: ~Copyable {
        var byApp: [String: TemplateMiner] = [:]
        var overflow = TemplateMiner()

        mutating func add(_ line: TemplateMiner.Prepared, app: String) -> TemplateMiner.Match {
            if byApp[app] == nil, byApp.count >= SyslogIntake.maxApps {
                return overflow.add(line)
            }
            return byApp[app, default: TemplateMiner()].add(line)
        }
    }

    init(inbox: Inbox, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.inbox = inbox
        self.now = now
        self.logger = logger
    }

    func submit(_ frames: [SyslogFramer.Frame], from peer: SyslogPeer) async throws -> SyslogCommit {
        guard !frames.isEmpty else { return .committed }
        let receivedAt = now()
        let reference = SyslogReferenceTime(unixMillis: receivedAt.unixMilliseconds, utcOffsetSeconds: utcOffsetSeconds)
        let messages = frames.map { SyslogParser.parse($0.bytes, reference: reference, truncated: $0.isTruncated) }
        // By index: mapping over the messages copied each one. Masking needs
        // no miner, so it runs before the lock, on as many cores as there are peers.
        let lines = messages.indices.map { index -> TemplateMiner.Prepared? in
            guard let text = messages[index].message, !text.isEmpty else { return nil }
            return TemplateMiner.prepare(text)
        }
        let templates = miners.withLock { miners in
            lines.indices.map { index -> TemplateMiner.Match? in
                guard let line = lines[index] else { return nil }
                return miners.add(line, app: messages[index].appName ?? "")
            }
        }
        var events: [Alert] = []
        events.reserveCapacity(frames.count)
        for index in frames.indices {
            events.append(
                SyslogEventAdapter.event(
                    messages[index], peerAddress: peer.address, template: templates[index], receivedAt: receivedAt,
                    incomplete: frames[index].isIncomplete))
        }
        return try await queue(events, receivedAt: receivedAt, from: peer)
    }

    /// Appends without waiting for the commit. UDP gives up at once when the
    /// inbox is full (the sender does not wait; the listener counts the
    /// loss). TCP and TLS wait and try again: the peer's reads stop
    /// meanwhile, and TCP's window pushes back on it.
    private func queue(_ events: [Alert], receivedAt: Date, from peer: SyslogPeer) async throws -> SyslogCommit {
        var delay = Duration.milliseconds(10)
        while true {
            let commit = SyslogCommit()
            inbox.append(source: SyslogEvent.source, alerts: events, receivedAt: receivedAt) { result in
                commit.finish(result.map { _ in () })
            }
            // The inbox answers a refusal before `append` returns.
            switch commit.failure {
            case nil:
                return commit
            case let error as Inbox.OverloadedError:
                if peer.transport == .udp { throw SyslogRefused("inbox full: \(error.description)") }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(500))
            case is Inbox.ClosedError:
                throw SyslogRefused("the inbox is closed: the server is shutting down")
            case let error?:
                throw error
            }
        }
    }
}
