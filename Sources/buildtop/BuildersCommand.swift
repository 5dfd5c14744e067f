import ArgumentParser
import BuildKit
import BuildModel
import Docker
import Foundation
import TerminalKit

/// Flags every `builders` subcommand shares: the docker endpoint and `--builder`.
struct EndpointOptions: ParsableArguments {
    @Option(name: [.customShort("H"), .customLong("host")], help: "Daemon socket to connect to.")
    var host: String?

    @Option(help: "Docker context to use.")
    var context: String?

    /// The environment after checking the flags like the docker CLI (`-H` with `--context`, an
    /// unknown context): one clear error instead of a builder list for the wrong engine.
    func validated(_ env: [String: String]) throws -> [String: String] {
        do {
            _ = try DockerEndpoint.resolve(
                hostFlag: host, contextFlag: context, environment: env, homeDirectory: FileManager.default.homeDirectoryForCurrentUser.path)
        } catch {
            throw CLIError(error.description)
        }
        return env
    }

    func discovery(_ env: [String: String]) -> BuilderDiscovery {
        BuilderDiscovery(
            environment: env, homeDirectory: FileManager.default.homeDirectoryForCurrentUser.path,
            hostFlag: host, contextFlag: context, workers: NativeWorkersProbe())
    }
}

/// `buildtop builders …`: list, switch and inspect buildx builders.
struct BuildersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builders",
        abstract: "List, switch and inspect builders (docker contexts and buildx instances).",
        subcommands: [List.self, Use.self, Inspect.self, Install.self, Uninstall.self],
        defaultSubcommand: List.self)

    /// Runs `body`, printing a CLIError as one `ERROR:` line with its exit code.
    static func guarded(_ body: () async throws -> Int32) async throws {
        do {
            let code = try await body()
            if code != 0 { throw ExitCode(code) }
        } catch let e as CLIError {
            FDWriter.stderr.write("ERROR: \(Sanitizer.sanitize(e.description))\n")
            throw ExitCode(e.code)
        }
    }

    /// Command output for the terminal: each line sanitized, line breaks kept.
    static func clean(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { Sanitizer.sanitize(String($0)) }.joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List builders (like `docker buildx ls`).")

        @OptionGroup var endpoint: EndpointOptions

        @Option(help: "Format: table or json (one JSON object per builder per line, like `docker buildx ls --format json`).")
        var format = "table"

        func run() async throws {
            try await BuildersCommand.guarded {
                guard format == "table" || format == "json" else { throw CLIError("unknown format \"\(format)\": use table or json") }
                let env = ProcessInfo.processInfo.environment
                let list = await endpoint.discovery(try endpoint.validated(env)).discover(builderFlag: nil)
                for w in list.warnings { FDWriter.stderr.write("WARNING: \(Sanitizer.sanitize(w))\n") }
                if let note = list.overrideNote { FDWriter.stderr.write("NOTE: \(Sanitizer.sanitize(note))\n") }
                if format == "json" {
                    // Like `docker buildx ls`: Current is the store's (or the context's) choice.
                    FDWriter.stdout.write(list.builders.map { BuilderDiscovery.jsonLine($0, current: $0.name == list.defaultName) + "\n" }.joined())
                } else {
                    FDWriter.stdout.write(BuildersCommand.table(list))
                }
                return 0
            }
        }
    }

    /// The table of `docker buildx ls` (v0.13+ tree form), names sanitized.
    static func table(_ list: BuilderList) -> String {
        var rows: [[String]] = [["NAME/NODE", "DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS"]]
        for b in list.builders {
            let s: (String) -> String = { Sanitizer.sanitize($0) }
            rows.append([s(b.name) + (b.name == list.defaultName ? "*" : ""), s(b.driver), b.error == nil ? "" : "error", "", ""])
            for n in b.nodes {
                rows.append([
                    " \\_ " + s(n.name), " \\_ " + s(n.endpoint), s(n.status ?? ""), s(n.version ?? ""),
                    s(n.platforms.joined(separator: ", ")),
                ])
            }
        }
        var widths = [Int](repeating: 0, count: 5)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], TextWidth.width(c)) } }
        var out = ""
        for r in rows {
            var line = ""
            for (i, c) in r.enumerated() {
                line += c
                if i < r.count - 1 { line += String(repeating: " ", count: widths[i] - TextWidth.width(c) + 3) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        var errors: [String] = []
        for b in list.builders {
            if let e = b.error { errors.append("Cannot load builder \(b.name): \(e)") }
            for n in b.nodes { if let e = n.error { errors.append("Failed to get status for \(b.name) (\(n.name)): \(e)") } }
        }
        if !errors.isEmpty { FDWriter.stderr.write("\n" + errors.map { Sanitizer.sanitize($0) + "\n" }.joined()) }
        return out
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "use",
            abstract: "Set the current builder (like `docker buildx use`; without buildx, buildx's store is written as buildx writes it).")

        @OptionGroup var endpoint: EndpointOptions

        @Flag(help: "Builder persists context changes.")
        var global = false

        @Flag(name: .customLong("default"), help: "Set builder as default for the current context.")
        var makeDefault = false

        @Argument(help: "Builder name.")
        var name: String

        func run() async throws {
            try await BuildersCommand.guarded {
                let env = try endpoint.validated(ProcessInfo.processInfo.environment)
                let discovery = endpoint.discovery(env)
                let buildx = await discovery.buildxVersion() != nil
                let entry = await BuilderManager(discovery: discovery).perform(
                    .use(name: name, global: global, makeDefault: makeDefault), buildxInstalled: buildx)
                if !entry.succeeded {
                    throw CLIError(entry.errorMessage)
                }
                if !buildx { FDWriter.stderr.write(BuildersCommand.clean(entry.output) + "\n") } else if !entry.output.isEmpty { FDWriter.stderr.write(BuildersCommand.clean(entry.output)) }
                if let b = env["BUILDX_BUILDER"], !b.isEmpty, b != name {
                    FDWriter.stderr.write("NOTE: BUILDX_BUILDER=\(Sanitizer.sanitize(b)) is set and overrides this choice in this shell\n")
                }
                return 0
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect", abstract: "Show a builder (like `docker buildx inspect`).")

        @OptionGroup var endpoint: EndpointOptions

        @Flag(help: "Start the builder first (needs buildx).")
        var bootstrap = false

        @Argument(help: "Builder name (default: the current builder).")
        var name: String?

        func run() async throws {
            try await BuildersCommand.guarded {
                let env = try endpoint.validated(ProcessInfo.processInfo.environment)
                let discovery = endpoint.discovery(env)
                let buildx = await discovery.buildxVersion() != nil
                var target = name
                if target == nil { target = await discovery.discover(builderFlag: nil, details: false).current }
                let command: BuilderCommand = bootstrap ? .bootstrap(name: target ?? "default") : .inspect(name: target ?? "default")
                let entry = await BuilderManager(discovery: discovery).perform(command, buildxInstalled: buildx)
                if !entry.succeeded {
                    throw CLIError(entry.errorMessage)
                }
                FDWriter.stdout.write(BuildersCommand.clean(entry.output))
                return 0
            }
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install", abstract: "Make `docker build` run buildx (`docker buildx install`: aliases.builder in config.json).")

        @OptionGroup var endpoint: EndpointOptions

        func run() async throws { try await BuildersCommand.alias(true, endpoint) }
    }

    struct Uninstall: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "uninstall", abstract: "Undo `install` (`docker buildx uninstall`).")

        @OptionGroup var endpoint: EndpointOptions

        func run() async throws { try await BuildersCommand.alias(false, endpoint) }
    }

    static func alias(_ on: Bool, _ endpoint: EndpointOptions) async throws {
        try await guarded {
            let discovery = endpoint.discovery(try endpoint.validated(ProcessInfo.processInfo.environment))
            let buildx = await discovery.buildxVersion() != nil
            let entry = await BuilderManager(discovery: discovery).perform(.setAlias(on), buildxInstalled: buildx)
            if !entry.succeeded { throw CLIError(entry.errorMessage) }
            if !entry.output.isEmpty { FDWriter.stderr.write(clean(entry.output) + (entry.output.hasSuffix("\n") ? "" : "\n")) }
            return 0
        }
    }
}
