// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in a package of their own so that `swift test` on the main
// package (and CI) does not build package-benchmark and its dependencies.
// Run them with `swift package benchmark` from this directory
// (docs/performance.md).
let package = Package(
    name: "alertbridge-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "alertbridge", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Microbenchmarks of the hot path: fingerprint, adapters, engine, store.
        .executableTarget(
            name: "AlertbridgeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AlertbridgeCore", package: "alertbridge"),
                .product(name: "AlertbridgeIngest", package: "alertbridge"),
                .product(name: "AlertbridgeStore", package: "alertbridge"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/AlertbridgeBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A Hummingbird POST route that ignores its body: the machine's
        // ceiling for one alert per request, measured beside alertbridge by
        // scripts/loadtest.
        .executableTarget(
            name: "bare-hummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/BareHummingbird",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // TemplateMiner's grouping accuracy on Loghub-2k beside Drain's published
        // figures; exits non-zero below them, so it can serve as a check (README.md).
        .executableTarget(
            name: "LoghubAccuracy",
            dependencies: [.product(name: "AlertbridgeIngest", package: "alertbridge")],
            path: "Sources/LoghubAccuracy",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
