// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "buildtop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "buildtop", targets: ["buildtop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
    ],
    targets: [
        // Core: pure value types and the reducer.
        .target(name: "BuildModel", swiftSettings: strict),
        // Core: decoders and encoders of the wire formats, pure.
        .target(
            name: "BuildEvents",
            dependencies: [
                "BuildModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/README.md"],
            swiftSettings: strict
        ),
        // Drivers: everything that talks to Docker or touches files.
        .target(
            name: "Docker",
            dependencies: [
                "BuildModel", "BuildEvents",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // Executable.
        .executableTarget(
            name: "buildtop",
            dependencies: [
                "BuildModel", "BuildEvents", "Docker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Tests.
        .target(name: "TestSupport", dependencies: ["BuildModel", "BuildEvents"], swiftSettings: strict),
        .testTarget(name: "BuildModelTests", dependencies: ["BuildModel", "BuildEvents", "TestSupport"]),
        .testTarget(name: "BuildEventsTests", dependencies: ["BuildModel", "BuildEvents", "TestSupport"]),
        .testTarget(name: "DockerTests", dependencies: ["Docker", "BuildModel", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Docker", "BuildModel", "BuildEvents", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
