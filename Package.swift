// swift-tools-version:6.1
import PackageDescription

// Upcoming features as Hummingbird uses them: explicit `any`, imports that are
// visible only where they are written, and internal imports unless re-exported.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "alertbridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "alertbridge", targets: ["alertbridge"]),
        .library(name: "AlertbridgeCore", targets: ["AlertbridgeCore"]),
        .library(name: "AlertbridgeIngest", targets: ["AlertbridgeIngest"]),
        .library(name: "AlertbridgeStore", targets: ["AlertbridgeStore"]),
        .library(name: "AlertbridgeServer", targets: ["AlertbridgeServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // A plain C API over RE2 (Debian's libre2-dev): operators' regexes run
        // in linear time, with Prometheus' and Alertmanager's syntax.
        .target(
            name: "CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),
        // HMAC and certificate signatures over OpenSSL's libcrypto (Debian
        // libssl-dev): swift-crypto is not available here.
        .target(
            name: "CCrypto",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // Pure domain: model, fingerprint, rules, engine. No I/O, no clock, no logging, no NIO.
        .target(
            name: "AlertbridgeCore",
            dependencies: [
                "CRE2",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Bytes in, [Alert] out: webhook adapters and the JSON reader they share.
        .target(
            name: "AlertbridgeIngest",
            dependencies: [
                "AlertbridgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The desk store and the durable inbox on SQLite (GRDB).
        .target(
            name: "AlertbridgeStore",
            dependencies: [
                "AlertbridgeCore",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hummingbird application, services and their wiring.
        .target(
            name: "AlertbridgeServer",
            dependencies: [
                "AlertbridgeCore",
                "AlertbridgeIngest",
                "AlertbridgeStore",
                "CCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The thin command line: argument parsing only.
        .executableTarget(
            name: "alertbridge",
            dependencies: [
                "AlertbridgeCore",
                "AlertbridgeIngest",
                "AlertbridgeStore",
                "AlertbridgeServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            // jemalloc in place of glibc's malloc: intake allocates on some
            // threads and frees on others, and glibc's arenas serialise that
            // on a lock (see Allocator.swift and docs/performance.md).
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),

        // MARK: - Tests

        .target(
            name: "AlertbridgeTestSupport",
            dependencies: ["AlertbridgeCore"],
            path: "Tests/AlertbridgeTestSupport",
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertbridgeCoreTests",
            dependencies: ["AlertbridgeCore", "AlertbridgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertbridgeIngestTests",
            dependencies: [
                "AlertbridgeIngest", "AlertbridgeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertbridgeStoreTests",
            dependencies: [
                "AlertbridgeStore", "AlertbridgeTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertbridgeServerTests",
            dependencies: [
                "AlertbridgeCore", "AlertbridgeIngest", "AlertbridgeServer", "AlertbridgeStore", "AlertbridgeTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
