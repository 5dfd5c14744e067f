import BuildModel
import Foundation
import HistoryModel

/// Which way a build goes (DESIGN.md "How a build flows").
public enum BuildPath: Sendable, Equatable {
    /// BuildKit's own API on the engine of this docker context (`/grpc` + `/session`): no buildx needed.
    case native(contextName: String)
    /// `POST /build` on the engine of this docker context (the legacy upload, no session).
    case engine(contextName: String)
    /// `docker buildx build --progress=rawjson`.
    case buildx
    /// Neither can run it; one clear line why.
    case unavailable(String)
}

/// Starts builds through BuildKit's own API (the BuildKit module provides it).
public protocol NativeBuildStarter: Sendable {
    /// Starts `request` on the engine at `endpoint` (the builder is the engine's own).
    func start(
        _ request: BuildRequest, endpoint: DockerEndpoint, builderName: String, environment: [String: String],
        manifest: ManifestCollector?
    ) -> BuildLauncher.Started
}

/// Keeps every build that starts (the history store): sees its events pass and, on paths that
/// send the context themselves, the context manifest.
public protocol BuildRecording: Sendable {
    /// Begins a record; nil when nothing is recorded (turned off, or the store failed: it says so
    /// through its own warning channel).
    func begin(_ request: BuildRequest, builder: String, path: BuildPath) -> RecordingSession?
}

/// One build being recorded.
public struct RecordingSession: Sendable {
    /// Receives the manifest of the context as sent.
    public var manifest: ManifestCollector
    /// Wraps the build's events: each is recorded as it passes.
    public var wrap: @Sendable (AsyncStream<DriverEvent>) -> AsyncStream<DriverEvent>

    /// Creates a session.
    public init(manifest: ManifestCollector, wrap: @escaping @Sendable (AsyncStream<DriverEvent>) -> AsyncStream<DriverEvent>) {
        self.manifest = manifest
        self.wrap = wrap
    }
}

/// Picks the path for a build and starts it there.
public struct BuildLauncher: Sendable {
    /// Where builders come from (flags and environment included).
    public let discovery: BuilderDiscovery
    /// The native BuildKit client, when linked.
    public let native: (any NativeBuildStarter)?
    /// The history store, when builds are recorded.
    public let recording: (any BuildRecording)?

    /// Creates a launcher.
    public init(discovery: BuilderDiscovery, native: (any NativeBuildStarter)? = nil, recording: (any BuildRecording)? = nil) {
        self.discovery = discovery
        self.native = native
        self.recording = recording
    }

    /// `BUILDTOP_ENGINE_PATH=legacy` picks the `/build` upload over BuildKit's API (tests, and
    /// engines whose BuildKit API misbehaves).
    public static func legacyRequested(_ environment: [String: String]) -> Bool {
        environment["BUILDTOP_ENGINE_PATH"] == "legacy"
    }

    /// buildx when installed; the Engine path for a docker-driver (context) builder without it;
    /// otherwise a message naming what is missing.
    public static func choosePath(for request: BuildRequest, builders: BuilderList, native: Bool = false) -> BuildPath {
        let name = request.builder.flatMap { $0.isEmpty ? nil : $0 } ?? builders.current
        if let version = builders.buildxVersion {
            if BuildxCLI.version(version, atLeast: 0, 12) { return .buildx }
            // rawjson progress exists from buildx v0.12.0 (PROTOCOL.md §1.2).
            if builders.builder(named: name)?.isContextBuilder != true {
                return .unavailable("buildx \(version) cannot report progress as rawjson (buildx ≥ v0.12.0 can); upgrade the docker-buildx plugin")
            }
        }
        guard let builder = builders.builder(named: name) else {
            return .unavailable("no builder \"\(name)\" found")
        }
        guard builder.isContextBuilder, builder.driver == "docker" else {
            let usable = builders.builders.filter(\.isContextBuilder).map(\.name).joined(separator: ", ")
            return .unavailable(
                "builder \"\(builder.name)\" uses the \(builder.driver) driver, which needs buildx, and `docker buildx` is not installed; install the docker-buildx plugin or pick a docker-driver builder (\(usable))")
        }
        if builder.name != builders.contextName {
            // As buildx's Validate: a context's builder works on that context only.
            return .unavailable("use `buildtop --context=\(builder.name)` to switch to context \"\(builder.name)\" (like `docker --context=\(builder.name) buildx`)")
        }
        if native { return .native(contextName: builder.name) }
        let sessionOnly = request.sessionOnlyFlags
        if !sessionOnly.isEmpty {
            return .unavailable(
                "\(sessionOnly.joined(separator: ", ")) needs a BuildKit session, which the engine path cannot open; install buildx (the docker-buildx plugin) to use the buildx path")
        }
        return .engine(contextName: builder.name)
    }

    /// The path for this launcher: the native client for the engine's own builder when linked
    /// (unless the legacy upload is asked for).
    public func choosePath(for request: BuildRequest, builders: BuilderList) -> BuildPath {
        Self.choosePath(for: request, builders: builders, native: native != nil && !Self.legacyRequested(discovery.environment))
    }

    /// The engine endpoint of a context builder.
    public func endpoint(contextName: String) throws(EndpointError) -> DockerEndpoint {
        try discovery.contextEndpoint(contextName, contexts: discovery.contexts)
    }

    /// A started build: its events and how to cancel it.
    public struct Started: Sendable {
        /// Events, ending with `.finished`.
        public var events: AsyncStream<DriverEvent>
        /// Asks the builder to stop the build.
        public var cancel: @Sendable () async -> Void
        /// The path taken.
        public var path: BuildPath
        /// Stops local work at once (kills buildx's process group); the engine path has none.
        public var terminate: @Sendable () -> Void = {}

        /// Creates a started build.
        public init(
            events: AsyncStream<DriverEvent>, cancel: @escaping @Sendable () async -> Void, path: BuildPath,
            terminate: @escaping @Sendable () -> Void = {}
        ) {
            self.events = events
            self.cancel = cancel
            self.path = path
            self.terminate = terminate
        }
    }

    /// Starts a build on the path `choosePath` picks; failures arrive as `.finished(.failed)`.
    public func start(_ request: BuildRequest, builders: BuilderList, context: PreparedContext? = nil) -> Started {
        let path = choosePath(for: request, builders: builders)
        let builder: String
        switch path {
        case .native(let name), .engine(let name): builder = name
        case .buildx: builder = request.builder ?? builders.current
        case .unavailable: builder = request.builder ?? builders.current
        }
        guard let session = recording?.begin(request, builder: builder, path: path) else {
            return start(request, path: path, builders: builders, context: context, manifest: nil)
        }
        var started = start(request, path: path, builders: builders, context: context, manifest: session.manifest)
        started.events = session.wrap(started.events)
        return started
    }

    func start(_ request: BuildRequest, path: BuildPath, builders: BuilderList, context: PreparedContext?, manifest: ManifestCollector?) -> Started {
        switch path {
        case .native(let contextName):
            guard let native else { return Started(events: Self.failed("internal: no native BuildKit client"), cancel: {}, path: path) }
            do {
                return native.start(
                    request, endpoint: try endpoint(contextName: contextName), builderName: contextName,
                    environment: discovery.environment, manifest: manifest)
            } catch {
                return Started(events: Self.failed("\(error)"), cancel: {}, path: path)
            }
        case .unavailable(let why):
            return Started(events: Self.failed(why), cancel: {}, path: path)
        case .buildx:
            guard let cli = discovery.cli else {
                return Started(events: Self.failed("docker is not on PATH"), cancel: {}, path: path)
            }
            // BUILDTOP_BUILDX_GRACE: seconds between SIGINT, SIGTERM and SIGKILL on cancel (default 10).
            let driver: BuildxDriver
            if let grace = Self.grace(discovery.environment["BUILDTOP_BUILDX_GRACE"]) {
                driver = BuildxDriver(cli: cli, grace: (grace, grace))
            } else {
                driver = BuildxDriver(cli: cli)
            }
            return Started(events: driver.start(request), cancel: { driver.cancel() }, path: path, terminate: { driver.terminateNow() })
        case .engine(let contextName):
            let client: EngineClient
            do {
                client = try EngineClient(endpoint: endpoint(contextName: contextName))
            } catch {
                return Started(events: Self.failed("\(error)"), cancel: {}, path: path)
            }
            let driver = EngineDriver(client: client)
            let buildID = EngineDriver.newBuildID()
            var request = request
            request.builder = nil
            return Started(
                events: driver.start(request, context: context, buildID: buildID, environment: discovery.environment),
                cancel: { try? await driver.cancel(buildID: buildID) }, path: path)
        }
    }

    /// A grace period in seconds (finite, 0…3600), nil when absent or out of range.
    static func grace(_ text: String?) -> Duration? {
        guard let text, let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= 3600 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    public static func failed(_ why: String) -> AsyncStream<DriverEvent> {
        AsyncStream { c in
            c.yield(.finished(.failed(why)))
            c.finish()
        }
    }
}
