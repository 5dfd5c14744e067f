import BuildEvents
import BuildModel
import Docker
import Foundation
import HistoryModel
import NIOCore
import Synchronization

/// Builds through BuildKit's own API on the Docker Engine (`/grpc` + `/session`): `Control/Solve`
/// with the built-in Dockerfile frontend, `Control/Status` into the same fold as every other path,
/// and a session serving the context, secrets, ssh, registry credentials and outputs.
public final class NativeDriver: Sendable {
    let dialer: BuildKitDialer
    /// Names the builder in the shared key (so two builders never share an upload).
    let builderName: String
    private let state = Mutex<(cancel: Bool, solve: Task<Void, Never>?)>((false, nil))

    /// Receives the context manifest, when the history keeps one.
    let manifest: ManifestCollector?

    public init(dialer: BuildKitDialer, builderName: String, manifest: ManifestCollector? = nil) {
        self.manifest = manifest
        self.dialer = dialer
        self.builderName = builderName
    }

    /// Asks the build to stop: the Solve stream is reset, which cancels the build on the daemon.
    public func cancel() {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.cancel = true
            return s.solve
        }
        task?.cancel()
    }

    /// Frontend attributes, exporter and cache options of a request (BUILDKIT-NATIVE.md §4, §6).
    struct Plan: Sendable {
        var frontendAttrs: [String: String] = [:]
        var exporter = "moby"
        var exporterAttrs: [String: String] = [:]
        var cacheExports: [String] = []
        var entitlements: [String] = []
        var output: OutputTarget?
    }

    /// What the engine's BuildKit cannot do, in one line (nil when it can).
    public static func unsupported(_ r: BuildRequest) -> String? {
        if r.platforms.count > 1 {
            return "building several platforms at once (--platform \(r.platforms.joined(separator: ","))) cannot go into the engine's image store; use buildx with a docker-container builder"
        }
        if r.push { return "--push: the engine's BuildKit does not push (tag with -t and `docker push`, or use buildx)" }
        for c in r.cacheTo where !c.hasPrefix("type=inline") && c != "inline" {
            return "--cache-to \(c): the engine's BuildKit exports only inline cache (type=inline); registry and local cache need a docker-container builder (buildx)"
        }
        if r.outputs.count > 1 { return "only one --output is supported" }
        return nil
    }

    static func plan(_ r: BuildRequest, dockerfileName: String, environment: [String: String]) throws(BuildKitError) -> Plan {
        var p = Plan()
        var a: [String: String] = ["filename": dockerfileName]
        if let t = r.target, !t.isEmpty { a["target"] = t }
        for arg in r.buildArgs {
            if let v = arg.value ?? environment[arg.name] { a["build-arg:\(arg.name)"] = v }
        }
        for l in r.labels { a["label:\(l.name)"] = l.value ?? "" }
        if let platform = r.platforms.first { a["platform"] = platform }
        if r.noCache { a["no-cache"] = "" }
        if r.pull { a["image-resolve-mode"] = "pull" }
        if let n = r.network, !n.isEmpty, n != "default" {
            a["force-network-mode"] = n
            if n == "host" { p.entitlements.append("network.host") }
        }
        if !r.cacheFrom.isEmpty {
            var refs: [String] = []
            for c in r.cacheFrom {
                if c.contains("=") {
                    var fields: [String: String] = [:]
                    for f in c.split(separator: ",") {
                        let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
                        if kv.count == 2 { fields[kv[0]] = kv[1] }
                    }
                    if let ref = fields["ref"], (fields["type"] ?? "registry") == "registry" { refs.append(ref) }
                } else {
                    refs.append(c)
                }
            }
            if !refs.isEmpty { a["cache-from"] = refs.joined(separator: ",") }
        }
        if !r.cacheTo.isEmpty { p.cacheExports = ["inline"] }
        p.frontendAttrs = a
        if let spec = r.outputs.first, let out = try OutputTarget.parse(spec) {
            p.output = out
            p.exporter = out.exporter
        } else {
            p.exporterAttrs["name"] = r.tags.joined(separator: ",")
            if r.tags.isEmpty { p.exporterAttrs = [:] }
        }
        return p
    }

    /// Starts a build; its events end with `.finished`.
    public func start(_ request: BuildRequest, environment: [String: String]) -> AsyncStream<DriverEvent> {
        AsyncStream { continuation in
            let task = Task {
                await self.run(request, environment: environment) { continuation.yield($0) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func run(_ request: BuildRequest, environment: [String: String], emit: @escaping @Sendable (DriverEvent) -> Void) async {
        if let why = Self.unsupported(request) {
            emit(.finished(.failed(why)))
            return
        }
        // The context is checked as the docker CLI checks it (every file readable, a valid
        // .dockerignore, the Dockerfile there) before the engine is contacted.
        do { _ = try EngineDriver.prepare(request) } catch {
            emit(.finished(.failed(error.description)))
            return
        }
        let context = URL(fileURLWithPath: request.contextPath).standardizedFileURL.path
        var dockerfileDir = context
        var dockerfileName = "Dockerfile"
        var stdinDir: String?
        defer { if let stdinDir { try? FileManager.default.removeItem(atPath: stdinDir) } }
        if let contents = request.dockerfileContents {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-dockerfile-\(Session.newID())").path
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try Data(contents).write(to: URL(fileURLWithPath: dir + "/Dockerfile"))
            } catch {
                emit(.finished(.failed("cannot keep the Dockerfile from stdin: \(error)")))
                return
            }
            stdinDir = dir
            dockerfileDir = dir
        } else if let f = request.dockerfile, !f.isEmpty {
            let url = URL(fileURLWithPath: f, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            dockerfileDir = url.deletingLastPathComponent().path
            dockerfileName = url.lastPathComponent
        }
        guard FileManager.default.isReadableFile(atPath: dockerfileDir + "/" + dockerfileName) else {
            emit(.finished(.failed("failed to read dockerfile: open \(dockerfileDir)/\(dockerfileName): no such file or directory")))
            return
        }
        let plan: Plan
        let session: Session
        do {
            plan = try Self.plan(request, dockerfileName: dockerfileName, environment: environment)
            let configDir = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.docker"
            session = Session(
                sharedKey: Session.sharedKey(builder: builderName + "@" + dialer.endpoint.host, folder: context),
                sources: [
                    "context": FileSync.Source(path: context),
                    "dockerfile": FileSync.Source(path: dockerfileDir, only: [dockerfileName, dockerfileName + ".dockerignore", "dockerfile"]),
                ],
                secrets: try SecretStore(request.secrets, environment: environment),
                ssh: try SSHForwarding(request.ssh, environment: environment),
                auth: RegistryAuth(configDirectory: configDir, environment: environment),
                output: plan.output, manifest: manifest)
        } catch {
            emit(.finished(.failed(error.description)))
            return
        }

        // Connections: /grpc (we are the client) and /session (we serve).
        let control: H2Connection
        let sessionConnection: H2Connection
        do {
            control = try await dialer.upgrade(path: "/grpc", headers: [], mode: .client)
        } catch {
            emit(.finished(.failed("\(error)")))
            return
        }
        defer { Task { await control.close() } }
        do {
            sessionConnection = try await dialer.upgrade(path: "/session", headers: session.headers, mode: .server)
        } catch {
            emit(.finished(.failed("\(error)")))
            return
        }
        let server = Task { await GRPCServer.serve(sessionConnection) { await session.handle($0) } }
        defer {
            server.cancel()
            Task { await sessionConnection.close() }
        }

        let ref = Session.newID()
        emit(.started(ref: ref))
        let client = GRPCClient(connection: control)
        var solveRequest = Moby_Buildkit_V1_SolveRequest()
        solveRequest.ref = ref
        solveRequest.session = session.id
        solveRequest.frontend = "dockerfile.v0"
        solveRequest.frontendAttrs = plan.frontendAttrs
        solveRequest.exporter = plan.exporter
        solveRequest.exporterAttrs = plan.exporterAttrs
        solveRequest.entitlements = plan.entitlements
        var cache = Moby_Buildkit_V1_CacheOptions()
        cache.exports = plan.cacheExports.map { t in
            var e = Moby_Buildkit_V1_CacheOptionsEntry()
            e.type = t
            return e
        }
        solveRequest.cache = cache
        let solveBytes: [UInt8]
        do { solveBytes = try solveRequest.serializedBytes() } catch {
            emit(.finished(.failed("cannot encode the build request: \(error)")))
            return
        }
        if solveBytes.count > GRPC.maxMessage {
            emit(.finished(.failed("the build request is larger than BuildKit's 4 MiB message limit (build args and labels too big)")))
            return
        }
        if state.withLock({ $0.cancel }) {
            emit(.finished(.canceled))
            return
        }

        // Solve and Status run together; Status ends when the job ends.
        let outcome = Mutex<Result<[String: String], BuildKitError>?>(nil)
        let solve = Task {
            do {
                let bytes = try await client.unary(path: "/moby.buildkit.v1.Control/Solve", request: solveBytes)
                let response = try Moby_Buildkit_V1_SolveResponse(serializedBytes: bytes)
                outcome.withLock { $0 = .success(response.exporterResponse) }
            } catch let e as BuildKitError {
                outcome.withLock { $0 = .failure(e) }
            } catch is CancellationError {
                outcome.withLock { $0 = .failure(BuildKitError("context canceled", code: 1)) }
            } catch {
                // The connection itself failed (closed, reset): the engine is gone.
                outcome.withLock { $0 = .failure(BuildKitError("\(error)", code: 14)) }
            }
        }
        let alreadyCanceled = state.withLock { s -> Bool in
            s.solve = solve
            return s.cancel
        }
        if alreadyCanceled { solve.cancel() }

        var statusRequest = Moby_Buildkit_V1_StatusRequest()
        statusRequest.ref = ref
        if let bytes: [UInt8] = try? statusRequest.serializedBytes() {
            do {
                for try await message in client.call(path: "/moby.buildkit.v1.Control/Status", requests: [bytes]) {
                    if let status = try? StatusProto.decode(message) { emit(.status(status)) }
                }
            } catch {
                // "no such job" when Solve failed before the job existed: Solve's error says why.
            }
        }
        await solve.value
        let result = outcome.withLock { $0 } ?? .failure(BuildKitError("the build ended without a result"))
        switch result {
        case .success(let response):
            emit(.finished(.succeeded(imageID: response["containerimage.digest"])))
        case .failure(let e):
            if state.withLock({ $0.cancel }) || BuildResult.isCancellation(e.description) {
                emit(.finished(.canceled))
            } else if e.code == 14 {
                emit(.finished(.engineLost("\(dialer.endpoint.host): \(e.description)")))
            } else {
                emit(.finished(.failed(e.description)))
            }
        }
    }
}

/// The native client as the launcher's `NativeBuildStarter`.
public struct NativeBuilds: NativeBuildStarter {
    public init() {}

    public func start(
        _ request: BuildRequest, endpoint: DockerEndpoint, builderName: String, environment: [String: String],
        manifest: ManifestCollector?
    ) -> BuildLauncher.Started {
        let dialer: BuildKitDialer
        do { dialer = try BuildKitDialer(endpoint: endpoint) } catch {
            return BuildLauncher.Started(events: BuildLauncher.failed(error.description), cancel: {}, path: .native(contextName: builderName))
        }
        let driver = NativeDriver(dialer: dialer, builderName: builderName, manifest: manifest)
        var r = request
        r.builder = nil
        return BuildLauncher.Started(events: driver.start(r, environment: environment), cancel: { driver.cancel() }, path: .native(contextName: builderName))
    }
}
