/// The engine's knobs that exist before any rule file does.
public struct EngineConfiguration: Equatable, Sendable {
    /// How alerts are grouped into incidents.
    public var correlation: CorrelationPolicy
    /// How long a resolved incident stays resolved (visible, reopenable
    /// within the window) before it is closed.
    public var closeAfter: Duration

    public init(correlation: CorrelationPolicy = .default, closeAfter: Duration = .seconds(3600)) {
        self.correlation = correlation
        self.closeAfter = closeAfter
    }
}

extension Duration {
    /// Whole milliseconds, the engine's unit of time.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
