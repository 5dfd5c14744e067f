import BuildEvents
import BuildModel
import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// Runs one build with `docker buildx build --progress=rawjson …` on any builder: stderr is a
/// stream of concatenated JSON values (compact, or indented as buildx 0.12–0.14 print them) with
/// stray lines (`ERROR: …`, source snippets, warnings) turned into the build's error and output
/// text; `--metadata-file` tells the image. Cancel sends SIGINT to the process group, then SIGTERM
/// and SIGKILL after grace periods.
public final class BuildxDriver: Sendable {
    /// The docker CLI that runs buildx.
    public let cli: BuildxCLI
    /// Time between SIGINT and SIGTERM, and between SIGTERM and SIGKILL.
    public let grace: (interrupt: Duration, terminate: Duration)
    private let cancelState = Mutex<(requested: Bool, waiter: AsyncStream<Void>.Continuation?)>((false, nil))
    private let cancelStream: AsyncStream<Void>
    /// buildx's process (group) id while it runs, the metadata file it writes, and whether it
    /// must die as soon as it exists.
    private let running = Mutex<(pid: pid_t?, metadata: String?, terminated: Bool)>((nil, nil, false))

    /// Creates a driver for one build.
    public init(cli: BuildxCLI, grace: (interrupt: Duration, terminate: Duration) = (.seconds(10), .seconds(5))) {
        self.cli = cli
        self.grace = grace
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        cancelStream = stream
        cancelState.withLock { $0.waiter = continuation }
    }

    /// The arguments after `docker [global flags] buildx` for a request (PROTOCOL.md §1, §4).
    public static func arguments(for request: BuildRequest, metadataFile: String?) -> [String] {
        var a = ["build", "--progress=rawjson"]
        if let b = request.builder, !b.isEmpty { a += ["--builder", b] }
        if request.dockerfileContents != nil {
            a += ["--file", "-"]
        } else if let f = request.dockerfile, !f.isEmpty {
            a += ["--file", f]
        }
        for t in request.tags { a += ["--tag", t] }
        for arg in request.buildArgs { a += ["--build-arg", arg.value.map { "\(arg.name)=\($0)" } ?? arg.name] }
        if let t = request.target, !t.isEmpty { a += ["--target", t] }
        if !request.platforms.isEmpty { a += ["--platform", request.platforms.joined(separator: ",")] }
        for l in request.labels { a += ["--label", "\(l.name)=\(l.value ?? "")"] }
        if request.noCache { a.append("--no-cache") }
        if request.pull { a.append("--pull") }
        for c in request.cacheFrom { a += ["--cache-from", c] }
        for c in request.cacheTo { a += ["--cache-to", c] }
        if let n = request.network, !n.isEmpty { a += ["--network", n] }
        for s in request.secrets { a += ["--secret", s] }
        for s in request.ssh { a += ["--ssh", s] }
        for o in request.outputs { a += ["--output", o] }
        if request.load { a.append("--load") }
        if request.push { a.append("--push") }
        if let m = metadataFile { a += ["--metadata-file", m] }
        a += request.contextPath.hasPrefix("-") && request.contextPath != "-" ? ["--", request.contextPath] : [request.contextPath]
        return a
    }

    /// The command line a request runs (for logs and errors).
    public func commandLine(for request: BuildRequest) -> String {
        cli.commandLine(Self.arguments(for: request, metadataFile: nil))
    }

    /// Asks buildx to stop: SIGINT now, SIGTERM and SIGKILL if it does not exit in time.
    public func cancel() {
        let waiter = cancelState.withLock { state -> AsyncStream<Void>.Continuation? in
            state.requested = true
            let w = state.waiter
            state.waiter = nil
            return w
        }
        waiter?.yield()
        waiter?.finish()
    }

    var cancelRequested: Bool { cancelState.withLock { $0.requested } }

    /// Kills buildx and everything in its process group now (SIGKILL) and removes the metadata
    /// file: for leaving at once (a second Ctrl-C, or a quit that cannot wait).
    public func terminateNow() {
        let (pid, metadata) = running.withLock { s -> (pid_t?, String?) in
            s.terminated = true
            return (s.pid, s.metadata)
        }
        if let pid, pid > 0 { killpg(pid, SIGKILL) }
        if let metadata { unlink(metadata) }
    }

    /// Starts the build; events end with `.finished`.
    public func start(_ request: BuildRequest) -> AsyncStream<DriverEvent> {
        AsyncStream { continuation in
            let task = Task {
                await self.run(request) { continuation.yield($0) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ request: BuildRequest, emit: @escaping @Sendable (DriverEvent) -> Void) async {
        let metadata = FileManager.default.temporaryDirectory
            .appendingPathComponent("buildtop-metadata-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json").path
        let terminated = running.withLock { s -> Bool in
            s.metadata = metadata
            return s.terminated
        }
        if terminated {
            emit(.finished(.canceled))
            return
        }
        defer {
            unlink(metadata)
            running.withLock { s in
                s.pid = nil
                s.metadata = nil
            }
        }
        let args = cli.arguments(Self.arguments(for: request, metadataFile: metadata))
        var options = PlatformOptions()
        options.processGroupID = 0  // its own group: SIGINT reaches buildx and what it started, not us
        options.teardownSequence = [
            .send(signal: .interrupt, toProcessGroup: true, allowedDurationToNextStep: grace.interrupt),
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: grace.terminate),
        ]
        let collector = StderrCollector(emit: emit)
        let status: TerminationStatus
        do {
            if let contents = request.dockerfileContents {
                status = try await execute(args, options: options, input: .array(contents), collector: collector)
            } else {
                status = try await execute(args, options: options, input: .none, collector: collector)
            }
        } catch {
            emit(.finished(.failed("cannot run \(cli.executable) buildx build: \(error)")))
            return
        }
        collector.finish()
        emit(.finished(result(status, failure: collector.failure, metadata: metadata)))
    }

    private func execute<Input: InputProtocol>(
        _ args: [String], options: PlatformOptions, input: Input, collector: StderrCollector
    ) async throws -> TerminationStatus {
        let steps: [TeardownStep] = options.teardownSequence
        let cancels = cancelStream
        let result = try await Subprocess.run(
            .path(FilePath(cli.executable)), arguments: Arguments(args),
            environment: BuildxCLI.subprocessEnvironment(cli.environment), platformOptions: options,
            input: input, output: .discarded, error: .sequence
        ) { execution in
            let pid = execution.processIdentifier.value
            let late = self.running.withLock { s -> Bool in
                s.pid = pid
                return s.terminated
            }
            if late { killpg(pid, SIGKILL) }
            collector.emit(.started(ref: "pid \(pid)"))
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in cancels {
                        await execution.teardown(using: steps)
                        return
                    }
                }
                do {
                    for try await chunk in execution.standardError {
                        collector.feed(chunk.withUnsafeBytes { Array($0) })
                    }
                } catch {
                    collector.emit(.output("buildtop: reading buildx's output failed: \(error)"))
                }
                group.cancelAll()
            }
        }
        return result.terminationStatus
    }

    func result(_ status: TerminationStatus, failure: String?, metadata: String) -> BuildResult {
        switch status {
        case .exited(0):
            let meta = Self.readMetadata(metadata)
            return .succeeded(imageID: meta["containerimage.config.digest"] ?? meta["containerimage.digest"])
        case .exited(130):
            return .canceled
        case .exited(let code):
            if cancelRequested, failure.map(BuildResult.isCancellation) ?? true { return .canceled }
            return .failed(failure ?? "docker buildx build exited with status \(code)", exitCode: Int32(code))
        case .signaled(let sig):
            if cancelRequested { return .canceled }
            return .failed(failure ?? "docker buildx build was killed by signal \(sig)")
        }
    }

    /// String values of the `--metadata-file` JSON.
    static func readMetadata(_ path: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return obj.compactMapValues { $0 as? String }
    }
}

/// Turns buildx's stderr into driver events as it arrives.
final class StderrCollector: Sendable {
    private struct State {
        var decoder = RawJSONDecoder()
        var failure: String?
    }

    private let state = Mutex(State())
    let emit: @Sendable (DriverEvent) -> Void

    init(emit: @escaping @Sendable (DriverEvent) -> Void) {
        self.emit = emit
    }

    var failure: String? { state.withLock { $0.failure } }

    func feed(_ bytes: [UInt8]) {
        let items = state.withLock { $0.decoder.feed(bytes) }
        handle(items)
    }

    func finish() {
        let items = state.withLock { $0.decoder.finish() }
        handle(items)
    }

    private func handle(_ items: [StreamItem]) {
        for item in items {
            switch item {
            case .status(let s): emit(.status(s))
            case .imageID(let id): emit(.imageID(id))
            case .error(let message):
                state.withLock { $0.failure = message }
            case .text(let t): emit(.output(t))
            case .malformed(let m): emit(.output("buildtop: skipped a malformed status value: \(m)"))
            }
        }
    }
}
