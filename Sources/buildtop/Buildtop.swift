import App
import AppModel
import ArgumentParser
import CursesBackend
import Docker
import Foundation

@main
struct Buildtop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildtop",
        abstract: "Launch and watch BuildKit builds.",
        discussion: """
            With no command, opens the dashboard with the new-build form (b: builders). `buildtop \
            build` takes `docker buildx build` flags and runs through `docker buildx` when it is \
            installed, else on the Docker engine's own BuildKit (on a terminal it opens the dashboard; \
            --progress=plain stays headless). `buildtop builders` lists and switches buildx builders. \
            `buildtop replay` prints saved rawjson or Engine API build streams as if live (--ui shows \
            them in the dashboard).
            """,
        version: BuildtopVersion.current,
        subcommands: [DashboardCommand.self, BuildCommand.self, BuildersCommand.self, DiskUsageCommand.self, PruneCommand.self, HistoryCommand.self, ReplayCommand.self, VersionCommand.self, BenchReplayCommand.self, BenchUICommand.self, BenchStoreCommand.self],
        defaultSubcommand: DashboardCommand.self
    )

    /// Sets up signals and the locale before any thread exists, then runs the command.
    static func main() async {
        CursesTerminal.prepareProcess()
        // A parent (e.g. a test runner) may have blocked these; buildtop relies on them.
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

}

/// `buildtop` with no command: the dashboard with the new-build form ready.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Open the dashboard with the new-build form (the default).")

    @Option(help: "Theme name (themes/NAME.yaml, ~/.config/buildtop/themes) or a theme/base16 file.")
    var theme: String?

    @Flag(help: "Enable the mouse.")
    var mouse = false

    @Option(name: [.customShort("H"), .customLong("host")], help: "Daemon socket to connect to.")
    var host: String?

    @Option(help: "Docker context to use.")
    var context: String?

    @Option(help: "Builder for new builds (default: BUILDX_BUILDER, then buildx's current builder).")
    var builder: String?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let options = UIOptions(theme: theme, mouse: mouse, host: host, context: context, builder: builder)
        let services = UIRunner.services(options, env: env)
        let code = await UIRunner.run(options, services: services, builders: nil, printSummary: true) { runtime in
            runtime.dispatch(.openForm)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
