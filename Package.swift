// swift-tools-version:6.1
import PackageDescription

// Every module of sendledger is declared here, one target per folder of Sources/.
// System C libraries come through shim targets (CZlib, CLibXML2); Swift packages come
// only from the machine's local package copy, by their usual GitHub URLs.
// Release builds of the modules on the hot paths (ingest, the stores, the XLSX engine, reports)
// skip the run-time exclusivity checks: they were 9-10% of the ingest's reading thread and of
// the PostgreSQL encoder (`swift_beginAccess` on class and captured state per field). Debug
// builds, which the tests run, keep them, so a violation still fails the tests.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "sendledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sendledger", targets: ["sendledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),

        .systemLibrary(
            name: "CSQLiteConfig", path: "Sources/CSQLiteConfig", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // OpenSSL's libcrypto for the recipient HMAC on the ingest hot path (a plain-struct
        // SHA-256 state copied per message; swift-crypto's copies allocate).
        .systemLibrary(
            name: "CLibCrypto", path: "Sources/CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),

        .target(name: "LedgerCore", swiftSettings: hotPathSettings),
        .target(
            name: "LedgerXLSX",
            dependencies: ["CZlib", "CLibXML2", .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPathSettings),
        .target(
            name: "LedgerStore",
            dependencies: [
                "LedgerCore", "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPathSettings),
        .target(
            name: "LedgerPostgres",
            dependencies: [
                "LedgerCore", "LedgerStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPathSettings),
        .target(
            name: "LedgerIngest",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerXLSX", "CZlib", "CLibCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: hotPathSettings),
        .target(
            name: "LedgerBilling",
            dependencies: [
                "LedgerCore", "LedgerStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        .target(
            name: "LedgerReports",
            dependencies: [
                "LedgerCore", "LedgerBilling", "LedgerXLSX",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPathSettings),
        .target(
            name: "SendledgerCLI",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerPostgres", "LedgerIngest", "LedgerBilling", "LedgerReports", "LedgerXLSX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        .executableTarget(name: "sendledger", dependencies: ["SendledgerCLI"]),

        // Helpers the test targets share (a seeded generator); not part of the product.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "LedgerCoreTests",
            dependencies: ["LedgerCore", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "LedgerXLSXTests", dependencies: ["LedgerXLSX", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerCore"]),
        .testTarget(
            name: "LedgerIngestTests",
            dependencies: ["LedgerIngest", "LedgerStore", "LedgerCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "LedgerBillingTests", dependencies: ["LedgerBilling", "LedgerCore", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "LedgerReportsTests", dependencies: ["LedgerReports", "LedgerBilling", "LedgerCore", "LedgerXLSX", "TestSupport"]),
        .testTarget(name: "SendledgerCLITests", dependencies: ["SendledgerCLI"]),
        .testTarget(
            name: "LedgerStoreConformanceTests",
            dependencies: [
                "LedgerStore", "LedgerPostgres", "LedgerCore",
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["LedgerStore", "LedgerCore", "TestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
