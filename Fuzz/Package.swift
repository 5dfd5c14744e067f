// swift-tools-version:6.0
// Fuzz targets (libFuzzer) for the decoders of untrusted bytes. Not part of the main build or the
// tests: scripts/fuzz.sh builds them with `-sanitize=fuzzer` and runs them.
import PackageDescription

// No Swift `main`: each target defines `<Target>_main` (the symbol SwiftPM links as `main`), which
// runs libFuzzer's driver on the target's `LLVMFuzzerTestOneInput`.
let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func fuzzer(_ name: String, _ deps: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzDriver"] + deps, swiftSettings: fuzzTarget)
}

let package = Package(
    name: "buildtop-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "buildtop", path: ".."),
    ],
    targets: [
        .target(name: "FuzzDriver"),
        .target(name: "FuzzCommon", dependencies: [.product(name: "BuildEvents", package: "buildtop")]),
        fuzzer("FuzzRawJSON", ["FuzzCommon", .product(name: "BuildEvents", package: "buildtop")]),
        fuzzer("FuzzEngineStream", ["FuzzCommon", .product(name: "BuildEvents", package: "buildtop")]),
        fuzzer("FuzzStatusProto", [.product(name: "BuildEvents", package: "buildtop")]),
        fuzzer("FuzzSanitizer", [.product(name: "TerminalKit", package: "buildtop")]),
    ],
    swiftLanguageModes: [.v6]
)
