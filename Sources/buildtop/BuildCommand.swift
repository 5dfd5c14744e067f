import App
import AppModel
import ArgumentParser
import BuildModel
import BuildKit
import Docker
import Foundation
import LiveServices
import LocalFiles

/// `buildtop build [flags] PATH`: `docker buildx build` flags, run on the engine's BuildKit.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Start a build (flags as in `docker buildx build`).")

    @Argument(help: "Build context folder.")
    var path: String

    @Option(name: [.short, .customLong("tag")], help: "Image name and optionally a tag (name:tag).")
    var tags: [String] = []

    @Option(name: [.short, .customLong("file")], help: "Name of the Dockerfile (default: PATH/Dockerfile); `-` reads it from stdin.")
    var file: String?

    @Option(name: .customLong("build-arg"), help: "Set a build-time variable (KEY=VALUE, or KEY to take it from the environment).")
    var buildArgs: [String] = []

    @Option(help: "Set the target build stage.")
    var target: String?

    @Option(help: "Set the target platform for the build.")
    var platform: [String] = []

    @Option(help: "Set metadata for an image (KEY=VALUE).")
    var label: [String] = []

    @Flag(name: .customLong("no-cache"), help: "Do not use cache when building the image.")
    var noCache = false

    @Flag(help: "Always attempt to pull all referenced images.")
    var pull = false

    @Option(name: .customLong("cache-from"), help: "External cache sources.")
    var cacheFrom: [String] = []

    @Option(help: "Networking mode for the RUN instructions (default, none, host).")
    var network: String?

    @Option(help: "Type of progress output (auto, plain, rawjson, quiet).")
    var progress: String?

    @Option(help: "Override the configured builder instance.")
    var builder: String?

    @Flag(name: [.short, .customLong("quiet")], help: "Suppress the build output and print the image ID on success.")
    var quiet = false

    @Flag(help: "Load the result into the engine's image store (always the case on this path).")
    var load = false

    @Option(help: "Write the image ID to a file.")
    var iidfile: String?

    @Option(name: [.customShort("H"), .customLong("host")], help: "Daemon socket to connect to.")
    var host: String?

    @Option(help: "Docker context to use.")
    var context: String?

    @Option(help: "Theme of the dashboard (name or file).")
    var theme: String?

    @Flag(help: "Enable the mouse in the dashboard.")
    var mouse = false

    @Flag(help: "Keep the dashboard open when the build ends (it also stays once you press a key).")
    var hold = false

    // Flags only the buildx path serves (a BuildKit session or buildx's exporters).
    @Option(help: "Secret to expose to the build (id=mysecret[,src=/local/secret]); buildx path.")
    var secret: [String] = []
    @Option(help: "SSH agent socket or keys to expose to the build (default|<id>[=<socket>|<key>[,<key>]]); buildx path.")
    var ssh: [String] = []
    @Option(name: [.short, .customLong("output")], help: "Output destination (type=local,dest=path); buildx path.")
    var output: [String] = []
    @Flag(help: "Push the image (--output=type=registry); buildx path.")
    var push = false
    @Option(name: .customLong("cache-to"), help: "Cache export destinations (type=local,dest=path); buildx path.")
    var cacheTo: [String] = []

    // Flags of `docker buildx build` buildtop does not map yet: accepted so the error is clear.
    @Option(name: .customLong("build-context"), help: .hidden) var buildContext: [String] = []
    @Option(help: .hidden) var attest: [String] = []
    @Option(help: .hidden) var sbom: String?
    @Option(help: .hidden) var provenance: String?
    @Option(help: .hidden) var allow: [String] = []

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        do {
            let code = try await execute(environment: env)
            if code != 0 { throw ExitCode(code) }
        } catch let e as CLIError {
            FDWriter.stderr.write("ERROR: \(e.description)\n")
            throw ExitCode(e.code)
        }
    }

    /// Flags buildtop accepts but does not pass on yet.
    func unmappedFlags() -> [String] {
        var names: [String] = []
        if !buildContext.isEmpty { names.append("--build-context") }
        if !attest.isEmpty || sbom != nil || provenance != nil { names.append("--attest/--sbom/--provenance") }
        if !allow.isEmpty { names.append("--allow") }
        return names
    }

    func makeRequest(environment: [String: String]) throws -> BuildRequest {
        func kv(_ s: String) -> BuildRequest.Arg {
            if let eq = s.firstIndex(of: "=") {
                return .init(name: String(s[..<eq]), value: String(s[s.index(after: eq)...]))
            }
            return .init(name: s, value: nil)
        }
        var contents: [UInt8]?
        if file == "-" {
            if path == "-" { throw CLIError("invalid argument: can't use stdin for both build context and dockerfile") }
            contents = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        if path == "-" { throw CLIError("a build context from stdin is not supported yet; pass a folder") }
        let name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        return BuildRequest(
            name: name.isEmpty ? path : name, contextPath: path, dockerfile: file == "-" ? nil : file,
            dockerfileContents: contents, target: target, tags: tags, buildArgs: buildArgs.map(kv),
            labels: label.map(kv),
            platforms: platform.flatMap { $0.split(separator: ",").map(String.init) },
            noCache: noCache, pull: pull, cacheFrom: cacheFrom, network: network, builder: builder)
            .with { r in
                r.cacheTo = cacheTo
                r.secrets = secret
                r.ssh = ssh
                r.outputs = output
                r.push = push
                r.load = load
            }
    }

    func execute(environment env: [String: String]) async throws -> Int32 {
        let unmapped = unmappedFlags()
        if !unmapped.isEmpty {
            throw CLIError("\(unmapped.joined(separator: ", ")) is not supported by buildtop yet; run `docker buildx build` for this build")
        }
        if let n = network, !["", "default", "none", "host"].contains(n) {
            throw CLIError("network mode \"\(n)\" not supported by buildkit: use default, none or host")
        }
        var mode = try ProgressMode.parse(progress, environment: env)
        if quiet { mode = .quiet }
        let request = try makeRequest(environment: env)
        let discovery = BuilderDiscovery(
            environment: env, homeDirectory: FileManager.default.homeDirectoryForCurrentUser.path,
            hostFlag: host, contextFlag: context, workers: NativeWorkersProbe())
        let builders = await discovery.discover(builderFlag: builder, details: false)
        let launcher = BuildLauncher(discovery: discovery, native: NativeBuilds(), recording: HistoryRecording.from(environment: env))
        let path = launcher.choosePath(for: request, builders: builders)
        var prepared: PreparedContext?
        switch path {
        case .unavailable(let why):
            throw CLIError(why)
        case .native:
            if let why = NativeDriver.unsupported(request) { throw CLIError(why) }
            do { _ = try EngineDriver.prepare(request) } catch { throw CLIError(error.description) }
        case .engine:
            if let why = EngineDriver.unsupported(request) { throw CLIError(why) }
            do { prepared = try EngineDriver.prepare(request) } catch { throw CLIError(error.description) }
        case .buildx:
            guard FileManager.default.fileExists(atPath: request.contextPath) else {
                throw CLIError("unable to prepare context: path \"\(request.contextPath)\" not found")
            }
        }

        // On a terminal, auto/tty progress opens the dashboard with this build.
        if (mode == .auto || mode == .tty), isatty(2) != 0, isatty(0) != 0 || file != "-" {
            return await runInDashboard(request, discovery: discovery, builders: builders)
        }

        let description: String
        switch path {
        case .engine(let contextName), .native(let contextName):
            let endpoint: DockerEndpoint
            do { endpoint = try launcher.endpoint(contextName: contextName) } catch { throw CLIError(error.description) }
            let client: EngineClient
            do { client = try EngineClient(endpoint: endpoint) } catch { throw CLIError(error.description) }
            do { try await client.ping() } catch { throw CLIError(error.description) }
            description = "building with \"\(contextName)\" instance using docker driver"
        default:
            let name = request.builder ?? builders.current
            let driver = builders.builder(named: name)?.driver ?? "unknown"
            description = "building with \"\(name)\" instance using \(driver) driver (buildx)"
        }
        let spillDir = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let spill = LogSpill(directory: spillDir)
        defer { spill.remove() }
        let progress = HeadlessProgress(
            mode: mode, names: [request.name], description: description, now: wallClock(), spill: { _ in LogSpillSink(spill) })
        let started = launcher.start(request, builders: builders, context: prepared)

        let interrupts = InterruptWatcher()
        let what = path == .buildx ? "buildx" : "the engine"
        let cancelTask = Task {
            var asked = false
            for await _ in interrupts.signals {
                if asked {
                    FDWriter.stderr.write("\nbuildtop: interrupted again, exiting without waiting\n")
                    started.terminate()
                    spill.remove()
                    Foundation.exit(130)
                }
                asked = true
                FDWriter.stderr.write("\nbuildtop: canceling the build on \(what) (Ctrl-C again to quit now)\n")
                await started.cancel()
            }
        }
        defer {
            cancelTask.cancel()
            interrupts.stop()
        }
        for await event in started.events {
            progress.handle(0, event, now: wallClock())
        }
        let result = progress.result(0) ?? .failed("the build ended without a result")
        if case .succeeded = result, let id = progress.state(0).imageID ?? result.imageID {
            if mode == .quiet { FDWriter.stdout.write(id + "\n") }
            if let iidfile {
                do { try AtomicFile.write(Array(id.utf8), to: iidfile) } catch { throw CLIError(error.description) }
            }
        }
        return result.exitCode
    }

    func runInDashboard(_ request: BuildRequest, discovery: BuilderDiscovery, builders: BuilderList) async -> Int32 {
        let options = UIOptions(theme: theme, mouse: mouse, host: host, context: context, builder: builder)
        let services = UIRunner.services(options, env: discovery.environment)
        return await UIRunner.run(options, services: services, builders: builders, printSummary: true, exitWhenDone: !hold) { runtime in
            runtime.dispatch(.launch(request))
        }
    }
}

/// Delivers SIGINT/SIGTERM as an async sequence instead of killing the process.
final class InterruptWatcher: @unchecked Sendable {  // sources are set once; cancel() is thread-safe
    let signals: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        var cont: AsyncStream<Int32>.Continuation?
        signals = AsyncStream { cont = $0 }
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let c = cont
            src.setEventHandler { c?.yield(sig) }
            src.resume()
            made.append(src)
        }
        sources = made
    }

    func stop() {
        for s in sources { s.cancel() }
    }
}
