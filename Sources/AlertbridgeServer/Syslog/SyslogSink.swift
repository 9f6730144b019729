public import AlertbridgeIngest
import Synchronization

/// Where the syslog listeners hand what they read: frames in, durable (or
/// refused) out. The listeners only move bytes; parsing, templates and the
/// inbox are the sink's.
public protocol SyslogSink: Sendable {
    /// Takes the frames that one read produced from one peer and queues them
    /// for the inbox, behind everything queued before; returns once they are
    /// queued, with their commit to wait for.
    ///
    /// A TCP or TLS listener waits for one read's commit while the sink takes
    /// the next, and reads nothing more meanwhile: that is its backpressure
    /// (the sink waits here while the inbox is over its limits, rather than
    /// fail). For UDP it fails at once when the frames cannot be taken
    /// (``SyslogRefused``), and the listener counts them as dropped.
    func submit(_ frames: [SyslogFramer.Frame], from peer: SyslogPeer) async throws -> SyslogCommit
}

extension SyslogSink {
    /// Submits the frames and waits until they are durable.
    func accept(_ frames: [SyslogFramer.Frame], from peer: SyslogPeer) async throws {
        try await submit(frames, from: peer).durable()
    }
}

/// The commit of frames a sink has queued: it happens whether or not anyone
/// waits, and ``durable()`` says when it has, or why it never will.
public final class SyslogCommit: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Void, any Error>?)
        case finished(Result<Void, any Error>)
    }

    private let state: Mutex<State>

    /// A commit still to come; ``finish(_:)`` ends it.
    public init() {
        state = Mutex(.waiting(nil))
    }

    /// Frames already durable (or nothing to commit).
    public static var committed: SyslogCommit {
        let commit = SyslogCommit()
        commit.finish(.success(()))
        return commit
    }

    /// Ends the commit; the first call counts.
    public func finish(_ result: Result<Void, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard case .waiting(let waiter) = state else { return nil }
            state = .finished(result)
            return waiter
        }
        waiter?.resume(with: result)
    }

    /// The error the commit has already failed with, if it has.
    var failure: (any Error)? {
        state.withLock { state in
            guard case .finished(.failure(let error)) = state else { return nil }
            return error
        }
    }

    /// Returns once the frames are durable; throws why they will not be.
    /// One caller at a time.
    public func durable() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, any Error>? in
                switch state {
                case .finished(let result): return result
                case .waiting: state = .waiting(continuation)
                }
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }
}

/// Who sent frames, and over what.
public struct SyslogPeer: Sendable, Hashable, CustomStringConvertible {
    public enum Transport: String, Sendable, Hashable {
        case udp, tcp, tls
    }

    /// The peer's IP address (no port): the host of a message that names none.
    public var address: String
    public var transport: Transport

    public init(address: String, transport: Transport) {
        self.address = address
        self.transport = transport
    }

    public var description: String { "\(transport.rawValue)://\(address)" }
}

/// The sink could not take frames (the inbox is over its limits, or the
/// server is shutting down); UDP listeners count them as dropped.
public struct SyslogRefused: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
