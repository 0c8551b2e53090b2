// swift-tools-version:5.4
// libFuzzer targets for the parsers and the text handling that meet bytes from outside.
//
// A package of its own: `-sanitize=fuzzer` links only for main.swift-style targets of a
// tools-version 5.4 package, and the main package's network dependencies need not be rebuilt
// with instrumentation. FuzzKit compiles the main package's files themselves (symlinks into
// ../Sources), so what is fuzzed is exactly what ships. Run: scripts/fuzz [SECONDS].
import PackageDescription

let package = Package(
    name: "minimo-fuzz",
    targets: [
        .target(name: "FuzzKit", path: "Sources/FuzzKit"),
        .target(name: "FuzzJSON", dependencies: ["FuzzKit"], path: "Sources/FuzzJSON"),
        .target(name: "FuzzErrorBody", dependencies: ["FuzzKit"], path: "Sources/FuzzErrorBody"),
        .target(name: "FuzzRateLimitHeaders", dependencies: ["FuzzKit"], path: "Sources/FuzzRateLimitHeaders"),
        .target(name: "FuzzSanitiser", dependencies: ["FuzzKit"], path: "Sources/FuzzSanitiser"),
        .target(name: "FuzzLineEditor", dependencies: ["FuzzKit"], path: "Sources/FuzzLineEditor"),
    ]
)
