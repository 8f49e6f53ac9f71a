// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets over sendledger's readers. The library folders under Sources/ are symbolic
// links to the product's own (../Sources/...), so the fuzzers run the exact code the product
// ships; only this package is built with `-sanitize=fuzzer,address` (see fuzz/run).
let package = Package(
    name: "sendledger-fuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0"),
        .target(name: "LedgerCore"),
        .target(name: "LedgerXLSX", dependencies: ["CZlib", "CLibXML2", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "LedgerStore",
            dependencies: [
                "LedgerCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "LedgerIngest",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerXLSX", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        .target(name: "FuzzSupport", dependencies: ["LedgerIngest", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport", "LedgerIngest", "LedgerXLSX"]),
        .executableTarget(name: "FuzzXLSX", dependencies: ["FuzzSupport", "LedgerXLSX"]),
        .executableTarget(name: "FuzzProfile", dependencies: ["FuzzSupport", "LedgerIngest"]),
    ],
    swiftLanguageModes: [.v6]
)
