/// A syslog listener that cannot start, in a sentence that names the setting
/// (and its flag) and the address or file at fault.
///
/// `syslog.tcp (--syslog-tcp) 127.0.0.1:5514: cannot listen: Address already in use (errno: 98)`
public struct SyslogListenerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
