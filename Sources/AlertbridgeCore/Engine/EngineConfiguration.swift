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

extension RuleSet {
    /// What the rules ask for that these engine settings cannot give: a
    /// correlation window longer than `close_after` ends early, since a
    /// closed incident cannot be joined.
    public func warnings(under configuration: EngineConfiguration) -> [RuleError] {
        let closeAfter = configuration.closeAfter
        var warnings: [RuleError] = []
        for rule in correlate where rule.window > closeAfter {
            warnings.append(
                RuleError(
                    file: rule.origin.file, line: rule.origin.line, rule: rule.origin.name,
                    message:
                        "window \(DurationText.format(rule.window)) is longer than engine.close_after (\(DurationText.format(closeAfter))): incidents close, and cannot be joined, after \(DurationText.format(closeAfter))"
                ))
        }
        return warnings
    }
}
