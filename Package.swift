// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "minimo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "minimo", targets: ["minimo"]),
        .library(name: "MinimoKit", targets: ["MinimoKit"]),
        .library(name: "MinimoSandbox", targets: ["MinimoSandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        // SHA-256 of the API key names the shared quota ledger (the key itself is never written).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // TLS: trust roots and the typed handshake errors (the client), HTTPS for the sandbox.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The sandbox's throwaway certificates (--tls-self-signed) and the tests' CAs.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // ncursesw plus a C shim for the macros and globals Swift cannot import.
        .target(
            name: "CNcurses",
            cSettings: [.define("_XOPEN_SOURCE_EXTENDED"), .define("NCURSES_WIDECHAR", to: "1")],
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        .target(
            name: "MinimoKit",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "MinimoCache",
            dependencies: [
                "MinimoKit", .product(name: "GRDB", package: "GRDB.swift"),
                // SHA-256 of an import file: its rows' idempotency keys derive from it.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "MinimoTUI", dependencies: ["MinimoCache", "MinimoKit", "CNcurses"]),
        // The sandbox shares no code with the client on purpose: a misreading of the API
        // cannot then hide on both sides at once.
        .target(
            name: "MinimoSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "minimo",
            dependencies: [
                "MinimoKit", "MinimoCache", "MinimoTUI", "MinimoSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Timings live here, never in tests: `swift run -c release minimo-bench`.
        .executableTarget(
            name: "minimo-bench",
            dependencies: [
                "MinimoCache", "MinimoKit", "MinimoTUI", "MinimoSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/MinimoBench"),
        // The fault soak: `swift run -c release minimo-soak` (see README, Reliability).
        .executableTarget(
            name: "minimo-soak",
            dependencies: [
                "MinimoCache", "MinimoKit", "MinimoSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/MinimoSoak"),
        // What several test targets share: blocking waits kept off the concurrency pool.
        .target(name: "MinimoTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CNcursesTests", dependencies: ["CNcurses"]),
        .testTarget(
            name: "MinimoKitTests",
            dependencies: [
                "MinimoKit", "MinimoSandbox", "MinimoTestSupport",
                // The transport's errors, built and provoked to check how each is classified.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .testTarget(name: "MinimoCacheTests", dependencies: ["MinimoCache", "MinimoSandbox", "MinimoTestSupport"]),
        // The headless stories drive the real TUI loop against a sandbox over HTTP (Headless/).
        .testTarget(
            name: "MinimoTUITests", dependencies: ["MinimoTUI", "MinimoCache", "MinimoKit", "MinimoSandbox", "MinimoTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "MinimoSandboxTests",
            dependencies: [
                "MinimoSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "minimoCLITests",
            dependencies: [
                "MinimoSandbox", "MinimoCache", "MinimoKit", "MinimoTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
