// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the syslog parser and framer, in a package of their own
// (as Benchmarks/ is) so that the main package and CI never build them with
// sanitizers. Build and run as Fuzz/README.md says:
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address
//   .build/debug/FuzzSyslogParser -max_total_time=600 .fuzz-corpus/parser Corpus/parser
//
// `-parse-as-library`: no top-level code. SwiftPM links every executable with
// `main` aliased to `<Module>_main` (so that tests could link the module), and
// each target defines that symbol itself to hand over to libFuzzer's driver
// (CLibFuzzer declares LLVMFuzzerRunDriver, which -sanitize=fuzzer links).
let fuzzSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .unsafeFlags(["-parse-as-library"]),
]

let package = Package(
    name: "alertbridge-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "alertbridge", path: ".."),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        // SyslogParser.parse: total, deterministic, never loses MSG text.
        .executableTarget(
            name: "FuzzSyslogParser",
            dependencies: ["CLibFuzzer", .product(name: "AlertbridgeIngest", package: "alertbridge")],
            swiftSettings: fuzzSettings
        ),
        // SyslogFramer: the same frames however the stream is split, never above maxFrameSize.
        .executableTarget(
            name: "FuzzSyslogFramer",
            dependencies: ["CLibFuzzer", .product(name: "AlertbridgeIngest", package: "alertbridge")],
            swiftSettings: fuzzSettings
        ),
    ]
)
