import BuildModel
import Foundation

/// Which way a build goes (DESIGN.md "How a build flows").
public enum BuildPath: Sendable, Equatable {
    /// `POST /build` on the engine of this docker context (no buildx needed).
    case engine(contextName: String)
    /// `docker buildx build --progress=rawjson`.
    case buildx
    /// Neither can run it; one clear line why.
    case unavailable(String)
}

/// Picks the path for a build and starts it there.
public struct BuildLauncher: Sendable {
    /// Where builders come from (flags and environment included).
    public let discovery: BuilderDiscovery

    /// Creates a launcher.
    public init(discovery: BuilderDiscovery) {
        self.discovery = discovery
    }

    /// buildx when installed; the Engine path for a docker-driver (context) builder without it;
    /// otherwise a message naming what is missing.
    public static func choosePath(for request: BuildRequest, builders: BuilderList) -> BuildPath {
        let name = request.builder.flatMap { $0.isEmpty ? nil : $0 } ?? builders.current
        if builders.buildxVersion != nil { return .buildx }
        guard let builder = builders.builder(named: name) else {
            return .unavailable("no builder \"\(name)\" found")
        }
        guard builder.isContextBuilder, builder.driver == "docker" else {
            let usable = builders.builders.filter(\.isContextBuilder).map(\.name).joined(separator: ", ")
            return .unavailable(
                "builder \"\(builder.name)\" uses the \(builder.driver) driver, which needs buildx, and `docker buildx` is not installed; install the docker-buildx plugin or pick a docker-driver builder (\(usable))")
        }
        let sessionOnly = request.sessionOnlyFlags
        if !sessionOnly.isEmpty {
            return .unavailable(
                "\(sessionOnly.joined(separator: ", ")) needs a BuildKit session, which the engine path cannot open; install buildx (the docker-buildx plugin) to use the buildx path")
        }
        return .engine(contextName: builder.name)
    }

    /// The engine endpoint of a context builder: the resolved one (flags, DOCKER_HOST) for the
    /// current context, the context's own for another.
    public func endpoint(contextName: String) throws(EndpointError) -> DockerEndpoint {
        let contexts = discovery.contexts
        if contextName == contexts.currentName {
            return try DockerEndpoint.resolve(
                hostFlag: discovery.hostFlag, contextFlag: discovery.contextFlag, environment: discovery.environment,
                homeDirectory: discovery.homeDirectory)
        }
        if contextName == "default" {
            return try DockerEndpoint.resolve(
                hostFlag: nil, contextFlag: nil, environment: discovery.environment.filter { $0.key != "DOCKER_CONTEXT" },
                homeDirectory: discovery.homeDirectory)
        }
        return try DockerEndpoint.resolve(
            hostFlag: nil, contextFlag: contextName, environment: discovery.environment, homeDirectory: discovery.homeDirectory)
    }

    /// A started build: its events and how to cancel it.
    public struct Started: Sendable {
        /// Events, ending with `.finished`.
        public var events: AsyncStream<DriverEvent>
        /// Asks the builder to stop the build.
        public var cancel: @Sendable () async -> Void
        /// The path taken.
        public var path: BuildPath
    }

    /// Starts a build on the path `choosePath` picks; failures arrive as `.finished(.failed)`.
    public func start(_ request: BuildRequest, builders: BuilderList, context: PreparedContext? = nil) -> Started {
        let path = Self.choosePath(for: request, builders: builders)
        switch path {
        case .unavailable(let why):
            return Started(events: Self.failed(why), cancel: {}, path: path)
        case .buildx:
            guard let cli = discovery.cli else {
                return Started(events: Self.failed("docker is not on PATH"), cancel: {}, path: path)
            }
            // BUILDTOP_BUILDX_GRACE: seconds between SIGINT, SIGTERM and SIGKILL on cancel (default 10).
            let grace = discovery.environment["BUILDTOP_BUILDX_GRACE"].flatMap(Double.init).map { Duration.milliseconds(Int($0 * 1000)) }
            let driver = grace.map { BuildxDriver(cli: cli, grace: ($0, $0)) } ?? BuildxDriver(cli: cli)
            return Started(events: driver.start(request), cancel: { driver.cancel() }, path: path)
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

    static func failed(_ why: String) -> AsyncStream<DriverEvent> {
        AsyncStream { c in
            c.yield(.finished(.failed(why)))
            c.finish()
        }
    }
}
