public import AlertbridgeIngest

/// Where the syslog listeners hand what they read: frames in, durable (or
/// refused) out. The listeners only move bytes; parsing, templates and the
/// inbox are the sink's.
public protocol SyslogSink: Sendable {
    /// Takes the frames that one read produced from one peer, and returns
    /// once they are durable in the inbox.
    ///
    /// A TCP or TLS listener reads nothing more from that peer until this
    /// returns: that is its backpressure (the sink waits while the inbox is
    /// over its limits rather than fail). For UDP it fails at once when the
    /// frames cannot be taken (``SyslogRefused``), and the listener counts
    /// them as dropped.
    func accept(_ frames: [SyslogFramer.Frame], from peer: SyslogPeer) async throws
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
