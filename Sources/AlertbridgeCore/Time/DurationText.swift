/// Prometheus-style durations: `500ms`, `30s`, `10m`, `1h30m`, `7d`, `1w`.
///
/// The notation operators already write in Prometheus and Alertmanager
/// configuration, for rules and for the server's own settings.
public enum DurationText {
    /// The duration `text` denotes, or `nil` when it is not one.
    public static func parse(_ text: String) -> Duration? {
        // Largest first: units must appear in this order, each at most once.
        let units: [(name: String, milliseconds: Int64)] = [
            ("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1000), ("ms", 1),
        ]
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        var nextUnit = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let name = rest.hasPrefix("ms") ? "ms" : String(rest.prefix(1))
            guard let index = units.firstIndex(where: { $0.name == name }), index >= nextUnit else { return nil }
            nextUnit = index + 1
            rest = rest.dropFirst(name.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: units[index].milliseconds)
            guard !overflow, !total.addingReportingOverflow(product).overflow else { return nil }
            total += product
        }
        return .milliseconds(total)
    }

    /// The shortest text for `duration`: `1h30m`, `10m`, `1500ms`.
    public static func format(_ duration: Duration) -> String {
        var milliseconds = duration.milliseconds
        if milliseconds == 0 { return "0s" }
        var output = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where milliseconds >= size {
            output += "\(milliseconds / size)\(unit)"
            milliseconds %= size
        }
        return output
    }
}
