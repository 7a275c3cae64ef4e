// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cratefeed",
    products: [
        .library(name: "CrateDB", targets: ["CrateDB"]),
        .executable(name: "cratefeed", targets: ["cratefeed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Debian's C libraries, found through pkg-config. Each module map points at a shim header that
        // includes the library and adds prefixed static inline wrappers for the variadic calls Swift cannot make.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // SHA-1 and CRC-32C on the CPU's own instructions, where it has them (x86-64 SHA extensions, SSE4.2).
        .target(name: "CHash"),

        .target(name: "CrateDB", dependencies: ["CCurl", "CZlib", "CHash"]),
        .target(
            name: "CrateFeed",
            dependencies: [
                "CrateDB", "CMosquitto", "CSystemd", "CHash",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            // The engine's hot path (batcher, spool, decoders) mutates class properties per reading, and the
            // runtime's exclusivity checks on them cost about a tenth of the batcher's time. Release builds leave
            // them out; debug builds, and so every test run, keep them, and the compile-time checks always apply.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "cratefeed",
            dependencies: [
                "CrateDB", "CrateFeed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "CrateDBTests", dependencies: ["CrateDB", "CMosquitto", "CSystemd"]),
        // Servers the integration tests start and drive: the CrateDB stand-in, mosquitto, cratefeed itself.
        .target(name: "IntegrationSupport", dependencies: ["CrateDB"], path: "Tests/IntegrationSupport"),
        .testTarget(
            name: "CrateDBIntegrationTests", dependencies: ["CrateDB", "IntegrationSupport"],
            exclude: ["Transport/http_test_server.py"]
        ),
        .testTarget(name: "CrateFeedTests", dependencies: ["CrateFeed"]),
        .testTarget(name: "CrateFeedIntegrationTests", dependencies: ["CrateFeed", "CrateDB", "IntegrationSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
