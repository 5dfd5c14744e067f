import BuildEvents
import BuildModel
import Foundation
import Synchronization

/// Runs builds on the Docker Engine's built-in BuildKit through `POST /build?version=2` with the
/// context sent as a streamed tar body (no session), and cancels them by build id.
public struct EngineDriver: Sendable {
    /// The engine connection.
    public let client: EngineClient
    /// Cancels asked for, by build id: the engine ignores a cancel for a build it has not
    /// registered yet, so one asked for early is sent again once the engine answers.
    private let canceled = CanceledBuilds()

    /// Creates a driver for an engine.
    public init(client: EngineClient) {
        self.client = client
    }

    /// Flags `docker buildx build` has that this path cannot honour, with the reason.
    public static func unsupported(_ request: BuildRequest) -> String? {
        if request.platforms.count > 1 {
            return "building for several platforms at once (--platform \(request.platforms.joined(separator: ","))) needs the buildx path"
        }
        return nil
    }

    /// Query parameters for `POST /build` (PROTOCOL.md §3.2); `--build-arg NAME` takes the value
    /// from `environment` and is left out when the variable is unset, as the docker CLI does.
    public static func query(
        for request: BuildRequest, dockerfileName: String, buildID: String, environment: [String: String]
    ) -> [(String, String)] {
        var q: [(String, String)] = [("version", "2"), ("buildid", buildID), ("dockerfile", dockerfileName)]
        for tag in request.tags { q.append(("t", tag)) }
        if let target = request.target, !target.isEmpty { q.append(("target", target)) }
        var args: [String: String] = [:]
        for arg in request.buildArgs {
            if let v = arg.value ?? environment[arg.name] { args[arg.name] = v }
        }
        if !args.isEmpty { q.append(("buildargs", json(args))) }
        var labels: [String: String] = [:]
        for l in request.labels { labels[l.name] = l.value ?? "" }
        if !labels.isEmpty { q.append(("labels", json(labels))) }
        if !request.cacheFrom.isEmpty {
            let data = (try? JSONSerialization.data(withJSONObject: request.cacheFrom)) ?? Data("[]".utf8)
            q.append(("cachefrom", String(decoding: data, as: UTF8.self)))
        }
        if request.noCache { q.append(("nocache", "1")) }
        if request.pull { q.append(("pull", "1")) }
        if let p = request.platforms.first { q.append(("platform", p)) }
        if let n = request.network, !n.isEmpty { q.append(("networkmode", n)) }
        q.append(("rm", "1"))
        return q
    }

    static func json(_ map: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: map, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A random 64-hex build id (like the docker CLI's).
    public static func newBuildID() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    /// Validates the build context and the Dockerfile (every file readable, `.dockerignore` valid)
    /// without sending anything, so bad input fails before the engine is contacted.
    public static func prepare(_ request: BuildRequest) throws(ContextError) -> PreparedContext {
        let source: DockerfileSource
        if let contents = request.dockerfileContents {
            source = .stdin(contents)
        } else if let f = request.dockerfile, !f.isEmpty {
            source = .external(f)
        } else {
            source = .inContext("Dockerfile")
        }
        return PreparedContext(try ContextArchive(contextDirectory: request.contextPath, dockerfile: source))
    }

    /// Starts a build (with a context from `prepare`, or prepared here). Context errors and the
    /// engine's arrive as `.finished(.failed(…))`; a dropped connection as `.finished(.engineLost(…))`.
    public func start(
        _ request: BuildRequest, context: PreparedContext? = nil, buildID: String = EngineDriver.newBuildID(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> AsyncStream<DriverEvent> {
        AsyncStream { continuation in
            let task = Task {
                await run(request, context: context, buildID: buildID, environment: environment) { continuation.yield($0) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Asks the engine to cancel a build.
    public func cancel(buildID: String) async throws(EngineError) {
        canceled.insert(buildID)
        try await client.cancelBuild(id: buildID)
    }

    private func run(
        _ request: BuildRequest, context: PreparedContext?, buildID: String, environment: [String: String],
        emit: (DriverEvent) -> Void
    ) async {
        // A connection that fails before the engine answered never started a build: try again
        // with a fresh archive, up to three times with a short pause (seen rarely under heavy
        // parallel load as "I/O on closed channel": the socket closed before the request head
        // was written, twice in a row once).
        var context = context
        let attempts = 3
        for attempt in 1...attempts {
            let retry = await runOnce(
                request, context: context, buildID: buildID, environment: environment, mayRetry: attempt < attempts, emit: emit)
            guard retry else { return }
            context = nil
            if (try? await Task.sleep(for: .milliseconds(100 * attempt))) == nil {
                emit(.finished(.canceled))
                return
            }
        }
    }

    /// One attempt; returns true when it failed before any response (and may be retried).
    private func runOnce(
        _ request: BuildRequest, context: PreparedContext?, buildID: String, environment: [String: String],
        mayRetry: Bool, emit: (DriverEvent) -> Void
    ) async -> Bool {
        if let why = Self.unsupported(request) {
            emit(.finished(.failed(why)))
            return false
        }
        if canceled.contains(buildID) {
            emit(.finished(.canceled))
            return false
        }
        let archive: ContextArchive
        do {
            archive = try (context ?? Self.prepare(request)).take()
        } catch {
            emit(.finished(.failed("\(error)")))
            return false
        }
        let query = Self.query(
            for: request, dockerfileName: archive.dockerfileName, buildID: buildID, environment: environment)
        let stream = client.streamingPost(
            path: "/\(EngineClient.apiVersion)/build", query: query, contentType: "application/x-tar",
            body: ArchiveBody(archive))
        var decoder = EngineStreamDecoder()
        var status = 0
        var errorBody: [UInt8] = []
        var failure: String?
        var imageID: String?
        var sawEnd = false
        do {
            for try await part in stream {
                switch part {
                case .head(let s):
                    status = s
                    if s == 200 {
                        emit(.started(ref: buildID))
                        if canceled.contains(buildID) {
                            let client = self.client
                            Task { try? await client.cancelBuild(id: buildID) }
                        }
                    }
                case .body(let bytes):
                    if status != 200 {
                        errorBody += bytes
                        continue
                    }
                    for item in decoder.feed(bytes) {
                        handle(item, emit: emit, failure: &failure, imageID: &imageID)
                    }
                }
            }
            sawEnd = true
        } catch let e as EngineError {
            if e.kind == .bodyUnreadable {
                emit(.finished(.failed(e.description)))
                return false
            }
            if status == 200 {
                for item in decoder.finish() { handle(item, emit: emit, failure: &failure, imageID: &imageID) }
                if failure == nil {
                    emit(.finished(.engineLost(e.description.replacingOccurrences(of: "engine connection lost ", with: ""))))
                    return false
                }
            } else {
                // Only a connection that closed before the request went out is retried: later, the
                // engine may already be building this id.
                if status == 0, mayRetry, !Task.isCancelled, e.kind == .closedBeforeRequest { return true }
                emit(.finished(.failed(e.description)))
                return false
            }
        } catch {
            emit(.finished(.canceled))
            return false
        }
        if sawEnd, status == 200 {
            for item in decoder.finish() { handle(item, emit: emit, failure: &failure, imageID: &imageID) }
        }
        if status != 200 {
            emit(.finished(.failed("engine refused the build (HTTP \(status)): \(EngineClient.message(errorBody))")))
            return false
        }
        if let failure {
            emit(.finished(BuildResult(error: failure)))
        } else {
            emit(.finished(.succeeded(imageID: imageID)))
        }
        return false
    }

    private func handle(
        _ item: StreamItem, emit: (DriverEvent) -> Void, failure: inout String?, imageID: inout String?
    ) {
        switch item {
        case .status(let s): emit(.status(s))
        case .imageID(let id):
            imageID = id
            emit(.imageID(id))
        case .error(let message): failure = message
        case .text(let t): emit(.output(t))
        case .malformed(let m): emit(.output("buildtop: skipped a malformed engine message: \(m)"))
        }
    }
}

/// A validated build context, ready to stream once. Ownership passes to the driver's task.
public final class PreparedContext: @unchecked Sendable {
    private var archive: ContextArchive?

    init(_ archive: ContextArchive) {
        self.archive = archive
    }

    /// The Dockerfile name the archive uses (the `dockerfile` query parameter).
    public var dockerfileName: String { archive?.dockerfileName ?? "Dockerfile" }

    func take() throws(ContextError) -> ContextArchive {
        guard let a = archive else { throw ContextError(description: "the build context was already sent") }
        archive = nil
        return a
    }
}

/// The context archive as a request body.
final class ArchiveBody: RequestBodySource {
    let archive: ContextArchive

    init(_ archive: ContextArchive) {
        self.archive = archive
    }

    func readChunk() throws -> [UInt8]? {
        try archive.nextChunk(maxBytes: 256 * 1024)
    }
}

/// Build ids a cancel was asked for.
final class CanceledBuilds: Sendable {
    private let ids = Mutex<Set<String>>([])

    func insert(_ id: String) { ids.withLock { _ = $0.insert(id) } }

    func contains(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }
}
