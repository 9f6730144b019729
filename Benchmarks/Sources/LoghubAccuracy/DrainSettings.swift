import AlertbridgeIngest

/// One dataset's entry in `drain_settings.json`: logparser's `benchmark_settings` for
/// Drain (logparser/Drain/benchmark.py) and Drain's published grouping accuracy.
struct DrainSettings: Decodable {
    /// Applied in order to Content by logparser, each match replaced by `<*>`.
    var regex: [String]
    var similarityThreshold: Double
    var depth: Int
    var maxChildren: Int
    /// ICSE'19, Table "accuracy of log parsers on different datasets".
    var publishedAccuracy: Double

    enum CodingKeys: String, CodingKey {
        case regex, depth
        case similarityThreshold = "st"
        case maxChildren = "max_child"
        case publishedAccuracy = "icse19_drain_grouping_accuracy"
    }
}

struct DrainSettingsFile: Decodable {
    var datasets: [String: DrainSettings]
}

/// The `TemplateMiner.Masking` that stands in for a dataset's logparser regexes.
///
/// The miner masks fixed shapes at word boundaries instead of running regexes, so this
/// is the closest set, not an equivalent; `regex` records what it replaces, so that
/// the tool can say when drain_settings.json has moved on. Differences that remain:
/// - `.numbers` is the only way to get `core\.\d+` (BGL), `=\d+` (HPC) or `\d+`
///   (OpenStack), and it masks every number, not only those. For Linux's
///   `\d{2}:\d{2}:\d{2}` that costs more than it gains, so Linux goes without.
/// - Nothing masks dotted names (`([\w-]+\.){2,}[\w-]+`: Spark, Android, OpenSSH,
///   Proxifier, Mac) or size units (`[KGTM]B`); such tokens stay as they are, and the
///   ones with digits still go down the `<*>` branch of the tree. `.paths` takes whole
///   tokens starting with `/`, where `/.+?\s` (OpenStack) also cuts inside a token.
/// - `.ipAddresses` also takes an optional `:port`, comma-separated lists, and IPv6.
struct MaskingChoice {
    var masking: TemplateMiner.Masking
    var regex: [String]
    var why: String

    static let byDataset: [String: MaskingChoice] = [
        "HDFS": .init(
            masking: [.ipAddresses], regex: [#"blk_-?\d+"#, #"(\d+\.){3}\d+(:\d+)?"#],
            why: "IPv4:port; block ids are left alone: their digits already send them down the <*> branch"),
        "Hadoop": .init(masking: [.ipAddresses], regex: [#"(\d+\.){3}\d+"#], why: "IPv4"),
        "Spark": .init(
            masking: [.ipAddresses], regex: [#"(\d+\.){3}\d+"#, #"\b[KGTM]?B\b"#, #"([\w-]+\.){2,}[\w-]+"#],
            why: "IPv4; no mask for size units or dotted names"),
        "Zookeeper": .init(masking: [.ipAddresses], regex: [#"(/|)(\d+\.){3}\d+(:\d+)?"#], why: "IPv4:port (a leading / stays)"),
        "BGL": .init(masking: [.numbers], regex: [#"core\.\d+"#], why: "numbers, for core.N: masks all numbers"),
        "HPC": .init(masking: [.numbers], regex: [#"=\d+"#], why: "numbers, for =N: masks all numbers"),
        "Thunderbird": .init(masking: [.ipAddresses], regex: [#"(\d+\.){3}\d+"#], why: "IPv4"),
        "Windows": .init(masking: [.hexadecimal], regex: [#"0x.*?\s"#], why: "0x literals (and long hex runs)"),
        "Linux": .init(
            masking: [.ipAddresses], regex: [#"(\d+\.){3}\d+"#, #"\d{2}:\d{2}:\d{2}"#],
            why: "IPv4; hh:mm:ss stays: .numbers, the only mask that takes it, merges events that differ in a number (0.24)"),
        "Android": .init(
            masking: [.pathsWithDigits, .numbers, .hexadecimal],
            regex: [#"(/[\w-]+)+"#, #"([\w-]+\.){2,}[\w-]+"#, #"\b(\-?\+?\d+)\b|\b0[Xx][a-fA-F\d]+\b|\b[a-fA-F\d]{4,}\b"#],
            why: "paths with digits only; no dotted names; numbers and hex"),
        "HealthApp": .init(masking: .none, regex: [], why: "none"),
        "Apache": .init(masking: [.ipAddresses], regex: [#"(\d+\.){3}\d+"#], why: "IPv4"),
        "Proxifier": .init(
            masking: [.ipAddresses, .numbers],
            regex: [#"<\d+\ssec"#, #"([\w-]+\.)+[\w-]+(:\d+)?"#, #"\d{2}:\d{2}(:\d{2})*"#, #"[KGTM]B"#],
            why: "IPv4:port and numbers; no host names or size units"),
        "OpenSSH": .init(
            masking: [.ipAddresses], regex: [#"(\d+\.){3}\d+"#, #"([\w-]+\.){2,}[\w-]+"#],
            why: "IPv4; no dotted host names"),
        "OpenStack": .init(
            masking: [.ipAddresses, .paths, .pathsWithDigits, .numbers], regex: [#"((\d+\.){3}\d+,?)+"#, #"/.+?\s"#, #"\d+"#],
            why: "IPv4 lists; paths; numbers"),
        "Mac": .init(masking: .none, regex: [#"([\w-]+\.){2,}[\w-]+"#], why: "no mask for dotted names"),
    ]
}
