import AlertbridgeIngest
import Foundation

// Grouping accuracy of TemplateMiner on Loghub-2k, beside Drain's published figures.
//
//   swift build -c release --product LoghubAccuracy --scratch-path .build-loghub
//   .build-loghub/release/LoghubAccuracy [DATA_DIR] [--logparser-regex]
//
// DATA_DIR defaults to ../../shared/loghub-2k from the Benchmarks directory. For each
// dataset: the Content column of <DS>_2k.log_structured.csv (original labels, as in
// ICSE'19), mined in file order with Drain's benchmark depth, similarity threshold and
// max children from drain_settings.json, and MaskingChoice in place of the regexes.
// A line's predicted group is the final template of its cluster: logparser's Drain
// writes EventId = md5(template), so clusters that end with equal templates count as
// one group there, and here too.
//
// --logparser-regex applies the datasets' regexes exactly (Swift Regex, each match
// replaced by <*>) and turns masking off, to separate the miner from the masks.
//
// LOGHUB_DUMP=<dataset> also prints, for each of its lines, the true event id, the
// template it got and the line, tab-separated after "DUMP", to see what was split or merged.
//
// Exit status 1 when the average is below 0.865 (Drain's ICSE'19 average) or a
// dataset is more than 0.05 below Drain, so that the run can serve as a check.

let order = ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Thunderbird", "Windows",
             "Linux", "Android", "HealthApp", "Apache", "Proxifier", "OpenSSH", "OpenStack", "Mac"]
let minimumAverage = 0.865
let maximumShortfall = 0.05

var arguments = Array(CommandLine.arguments.dropFirst())
let useLogparserRegex = arguments.contains("--logparser-regex")
arguments.removeAll { $0 == "--logparser-regex" }
if arguments.contains(where: { $0.hasPrefix("-") }) || arguments.count > 1 {
    FileHandle.standardError.write(Data("usage: LoghubAccuracy [DATA_DIR] [--logparser-regex]\n".utf8))
    exit(2)
}
// Relative to the Benchmarks directory (this file is Benchmarks/Sources/LoghubAccuracy/main.swift),
// so the default works from any working directory.
let benchmarksDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let dataDirectory = arguments.first.map { URL(fileURLWithPath: $0) }
    ?? benchmarksDirectory.appendingPathComponent("../../shared/loghub-2k").standardizedFileURL

struct Row {
    var dataset: String
    var lines: Int
    var accuracy: Double
    var clusterAccuracy: Double
    var published: Double
    var templates: Int
    var seconds: Double
    var difference: Double { accuracy - published }
}

func run() throws -> [Row] {
    let settingsURL = dataDirectory.appendingPathComponent("drain_settings.json")
    let settings = try JSONDecoder().decode(DrainSettingsFile.self, from: Data(contentsOf: settingsURL)).datasets
    var rows: [Row] = []
    for dataset in order {
        guard let setting = settings[dataset], let choice = MaskingChoice.byDataset[dataset] else {
            throw RunError("\(settingsURL.path) or MaskingChoice has no entry for \(dataset)")
        }
        if choice.regex != setting.regex {
            FileHandle.standardError.write(Data(
                "warning: \(dataset): drain_settings.json regexes differ from those MaskingChoice was chosen for\n".utf8))
        }
        let file = dataDirectory.appendingPathComponent("\(dataset)/\(dataset)_2k.log_structured.csv")
        let table = try CSVTable(contentsOf: file)
        var contents = try table.column("Content", file: file.path)
        let truth = try table.column("EventId", file: file.path)

        var masking = choice.masking
        if useLogparserRegex {
            let regexes = try setting.regex.map {
                try Regex($0).wordBoundaryKind(.simple).matchingSemantics(.unicodeScalar)
            }
            contents = contents.map { content in
                regexes.reduce(content) { $0.replacing($1, with: TemplateMiner.parameter) }
            }
            masking = .none
        }

        var miner = TemplateMiner(configuration: .init(
            depth: setting.depth, similarityThreshold: setting.similarityThreshold,
            maxChildren: setting.maxChildren, maxClusters: max(10_000, contents.count),
            parametrizeNumericTokens: true, masking: masking))
        var clusterIDs: [Int] = []
        clusterIDs.reserveCapacity(contents.count)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for content in contents { clusterIDs.append(miner.add(content).clusterID) }
        }
        let finalTemplates = clusterIDs.map { miner.template(forCluster: $0) ?? "evicted \($0)" }
        if let dump = ProcessInfo.processInfo.environment["LOGHUB_DUMP"], dump == dataset {
            for (index, template) in finalTemplates.enumerated() { print("DUMP\t\(truth[index])\t\(template)\t\(contents[index])") }
        }
        rows.append(Row(
            dataset: dataset, lines: contents.count,
            accuracy: groupingAccuracy(truth: truth, predicted: finalTemplates),
            clusterAccuracy: groupingAccuracy(truth: truth, predicted: clusterIDs.map(String.init)),
            published: setting.publishedAccuracy, templates: Set(finalTemplates).count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
    }
    return rows
}

struct RunError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func format(_ value: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }
func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + fill : fill + text
}

do {
    let rows = try run()
    print("Loghub-2k grouping accuracy, TemplateMiner vs Drain (ICSE'19); data: \(dataDirectory.path)")
    print("masks: \(useLogparserRegex ? "logparser's regexes, exactly" : "TemplateMiner.Masking (MaskingChoice)")")
    print("")
    print([pad("dataset", 12, left: true), pad("lines", 6), pad("accuracy", 9), pad("Drain", 7), pad("diff", 8),
           pad("by cluster", 11), pad("templates", 10), pad("lines/s", 9)].joined(separator: "  "))
    for row in rows {
        print([pad(row.dataset, 12, left: true), pad("\(row.lines)", 6), pad(format(row.accuracy), 9),
               pad(format(row.published, 3), 7), pad((row.difference >= 0 ? "+" : "") + format(row.difference), 8),
               pad(format(row.clusterAccuracy), 11), pad("\(row.templates)", 10),
               pad("\(Int((Double(row.lines) / row.seconds).rounded()))", 9)].joined(separator: "  "))
    }
    let count = Double(rows.count)
    let average = rows.map(\.accuracy).reduce(0, +) / count
    let publishedAverage = rows.map(\.published).reduce(0, +) / count
    let clusterAverage = rows.map(\.clusterAccuracy).reduce(0, +) / count
    let lines = rows.map(\.lines).reduce(0, +)
    let seconds = rows.map(\.seconds).reduce(0, +)
    let difference = average - publishedAverage
    print([pad("average", 12, left: true), pad("\(lines)", 6), pad(format(average), 9), pad(format(publishedAverage), 7),
           pad((difference >= 0 ? "+" : "") + format(difference), 8), pad(format(clusterAverage), 11), pad("", 10),
           pad("\(Int((Double(lines) / seconds).rounded()))", 9)].joined(separator: "  "))
    print("")
    print("mining: \(lines) lines in \(format(seconds * 1000, 1)) ms, \(Int((Double(lines) / seconds).rounded())) lines/s"
          + " (TemplateMiner.add only, masking included)")

    var failures: [String] = []
    if average < minimumAverage { failures.append("average \(format(average)) is below \(minimumAverage)") }
    for row in rows where row.difference < -maximumShortfall {
        failures.append("\(row.dataset) is \(format(-row.difference)) below Drain (limit \(maximumShortfall))")
    }
    if failures.isEmpty {
        print("check passed: average >= \(minimumAverage), no dataset more than \(maximumShortfall) below Drain")
    } else {
        for failure in failures { print("check failed: \(failure)") }
        exit(1)
    }
} catch {
    FileHandle.standardError.write(Data("LoghubAccuracy: \(error)\n".utf8))
    exit(2)
}
