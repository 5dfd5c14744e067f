import ArgumentParser
import Docker

@main
struct Buildtop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildtop",
        abstract: "Launch and watch BuildKit builds.",
        discussion: """
            `buildtop build` takes `docker buildx build` flags and runs the build on the Docker engine's \
            BuildKit. `buildtop replay` prints a saved rawjson or Engine API build stream as if it were live.
            """,
        version: BuildtopVersion.current,
        subcommands: [BuildCommand.self, ReplayCommand.self, VersionCommand.self, BenchReplayCommand.self]
    )
}
