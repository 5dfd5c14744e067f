// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// How the executable is linked on Linux in release (docs/DECISIONS.md, "Footprint"): the Swift
/// runtime and Foundation linked in (`-static-stdlib`), by lld with the functions a build runs laid
/// out together (`link/buildtop.order`, made by `scripts/link-order.sh`), relative relocations
/// packed (glibc ≥ 2.36), no symbol table exported, the functions Swift leaves without a symbol
/// gathered in one place and the C++ runtime linked in. Each cuts the pages a run maps: 38 → 18
/// MiB peak RSS on a plain build.
let root = String(#filePath.dropLast("Package.swift".count))
let lean: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-static-stdlib", "-use-ld=lld",
            // Foundation's own parts, which a module compiled without -static-stdlib does not name.
            "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-lFoundationInternationalization",
            "-lFoundationEssentials", "-lFoundation", "-lCoreFoundation",
            "-Xlinker", "--symbol-ordering-file=\(root)link/buildtop.order", "-Xlinker", "--no-warn-symbol-ordering",
            // The functions without a symbol, together (link/buildtop.ld); the C++ runtime linked in
            // (link/static/libstdc++.so).
            "-Xlinker", "-T", "-Xlinker", "\(root)link/buildtop.ld", "-L\(root)link/static",
            "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--no-export-dynamic",
        ],
        .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "buildtop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "buildtop", targets: ["buildtop"]),
        // The decoders and the terminal text layer, for the fuzzing package in Fuzz/.
        .library(name: "BuildEvents", targets: ["BuildEvents"]),
        .library(name: "TerminalKit", targets: ["TerminalKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", exact: "1.46.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", exact: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", exact: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        // Core: byte kernels (base64 blocks, byte counts, string scans), AVX2 when the CPU has it.
        .target(name: "CBytes"),
        // Core: pure value types and the reducer.
        .target(name: "BuildModel", dependencies: ["CBytes"], swiftSettings: strict),
        // Core: decoders and encoders of the wire formats, pure.
        .target(
            name: "BuildEvents",
            dependencies: [
                "BuildModel", "CBytes",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/README.md"],
            swiftSettings: strict
        ),
        // The native BuildKit client: gRPC over HTTP/2 through the engine's /grpc and /session.
        .target(
            name: "BuildKit",
            dependencies: [
                "BuildModel", "BuildEvents", "Docker", "HistoryModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: [],
            swiftSettings: strict
        ),
        // History, pure: comparing two builds (cache-miss reasons) and the timeline.
        .target(name: "HistoryModel", dependencies: ["BuildModel"], swiftSettings: strict),
        // History store: every build's request, result and status stream, indexed in SQLite.
        .target(
            name: "History",
            dependencies: [
                "HistoryModel", "BuildModel", "BuildEvents", "LocalFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // Files: atomic writes and the log spill store (no network).
        .target(name: "LocalFiles", dependencies: ["BuildModel"], swiftSettings: strict),
        // Drivers: everything that talks to Docker.
        .target(
            name: "Docker",
            dependencies: [
                "BuildModel", "BuildEvents", "LocalFiles", "HistoryModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // UI: cell grid and text, no curses.
        .target(name: "TerminalKit", swiftSettings: strict),
        // UI model, pure: app state, events and effects, the reducer, keymaps, themes as data.
        .target(name: "AppModel", dependencies: ["BuildModel", "TerminalKit", "HistoryModel"], swiftSettings: strict),
        // UI: pure drawing of the app state into a Screen.
        .target(name: "Views", dependencies: ["AppModel", "BuildModel", "TerminalKit", "HistoryModel"], swiftSettings: strict),
        // UI: the runtime loop and its effects (files, themes), over any terminal; no network.
        .target(
            name: "App",
            dependencies: [
                "AppModel", "BuildModel", "Views", "TerminalKit", "LocalFiles", "HistoryModel",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // The live services the executable wires into the runtime: builds, builders, buildx.
        .target(name: "LiveServices", dependencies: ["App", "AppModel", "BuildModel", "Docker", "BuildKit", "History", "HistoryModel"], swiftSettings: strict),
        // Backend: the only code that calls ncurses.
        .systemLibrary(name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
        .target(name: "CTermGuard", linkerSettings: [.linkedLibrary("ncursesw")]),
        .target(name: "CursesBackend", dependencies: ["TerminalKit", "CNcurses", "CTermGuard"], swiftSettings: strict),
        // Executable.
        .executableTarget(
            name: "buildtop",
            dependencies: [
                "BuildModel", "BuildEvents", "Docker", "BuildKit", "LocalFiles", "TerminalKit", "AppModel", "Views", "App", "LiveServices",
                "History", "HistoryModel",
                "CursesBackend", "CBytes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            linkerSettings: lean
        ),
        // Tests.
        .target(name: "TestSupport", dependencies: ["BuildModel", "BuildEvents", "TerminalKit", "AppModel", "Views", "App"], swiftSettings: strict),
        .testTarget(name: "BuildModelTests", dependencies: ["BuildModel", "BuildEvents", "TestSupport"]),
        .testTarget(name: "BuildEventsTests", dependencies: ["BuildModel", "BuildEvents", "TestSupport"], exclude: ["FuzzInputs"]),
        .testTarget(name: "DockerTests", dependencies: ["Docker", "LocalFiles", "BuildModel", "TestSupport"]),
        .testTarget(name: "TerminalKitTests", dependencies: ["TerminalKit"]),
        .testTarget(name: "ViewsTests", dependencies: ["Views", "AppModel", "App", "TerminalKit", "BuildModel", "BuildEvents", "TestSupport"], exclude: ["__Snapshots__"]),
        .testTarget(name: "AppTests", dependencies: ["App", "AppModel", "Views", "TerminalKit", "BuildModel", "BuildEvents", "TestSupport", "HistoryModel"]),
        .testTarget(name: "BuildxTests", dependencies: ["Docker", "LiveServices", "App", "AppModel", "Views", "TerminalKit", "BuildModel", "BuildEvents", "TestSupport"]),
        .testTarget(name: "HistoryModelTests", dependencies: ["HistoryModel", "BuildModel", "BuildEvents", "TestSupport"]),
        .testTarget(name: "HistoryTests", dependencies: ["History", "HistoryModel", "BuildModel", "BuildEvents", "TestSupport"]),
        .testTarget(name: "BuildKitTests", dependencies: ["BuildKit", "BuildModel"]),
        .testTarget(name: "EngineTests", dependencies: ["Docker", "BuildModel", "BuildEvents", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
