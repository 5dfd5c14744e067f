import BuildModel
import Foundation
import LocalFiles
import Synchronization
import TerminalKit
import AppModel
import Views

/// A terminal that also reads input: ncurses in the program, a scripted one in tests.
public protocol InteractiveTerminal: Terminal {
    /// A file descriptor whose readability wakes `waitForEvents` (the runtime's doorbell).
    var wakeFD: Int32 { get set }
    /// Waits for input, the doorbell or the timeout; returns the input read (possibly none).
    func waitForEvents(timeoutMilliseconds: Int32?) -> [TerminalEvent]
    /// Restores the terminal.
    func shutdown()
    /// Suspends to the shell (Ctrl-Z) and resumes.
    func suspend()
}

/// Background work posts events here and rings a doorbell (a pipe) that wakes the main loop.
public final class EventBus: Sendable {
    private let queue = Mutex<[AppEvent]>([])
    /// Read end (poll it).
    public let readFD: Int32
    private let writeFD: Int32

    /// Creates the bus.
    public init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    /// Posts an event from any thread.
    public func post(_ e: AppEvent) {
        queue.withLock { $0.append(e) }
        var one: UInt8 = 1
        _ = write(writeFD, &one, 1)
    }

    /// Takes all queued events (main thread).
    public func drain() -> [AppEvent] {
        var buf = [UInt8](repeating: 0, count: 256)
        while read(readFD, &buf, buf.count) > 0 {}
        return queue.withLock { q in
            let out = q
            q.removeAll()
            return out
        }
    }
}

/// What the runtime needs from the outside world, so tests can replace it.
public struct RuntimeServices: Sendable {
    /// Starts a build: delivers its events through `post` and returns a canceller.
    public var startBuild: @Sendable (_ id: Int, _ request: BuildRequest, _ post: @escaping @Sendable (DriverEvent) -> Void) -> BuildHandle
    /// Folders searched for `:theme NAME`.
    public var themeDirectories: [String]
    /// Environment (NO_COLOR, BUILDKIT_COLORS, XDG_STATE_HOME, HOME).
    public var environment: [String: String]
    /// Wall clock.
    public var clock: @Sendable () -> Timestamp
    /// Finds the builders (files, buildx, engines).
    public var discoverBuilders: @Sendable () async -> BuilderList
    /// Runs a builder command and reports it for the command log.
    public var runBuilderCommand: @Sendable (BuilderCommand) async -> CommandLogEntry

    /// Creates services.
    public init(
        startBuild: @escaping @Sendable (Int, BuildRequest, @escaping @Sendable (DriverEvent) -> Void) -> BuildHandle,
        themeDirectories: [String], environment: [String: String], clock: @escaping @Sendable () -> Timestamp,
        discoverBuilders: @escaping @Sendable () async -> BuilderList = {
            BuilderList(builders: [], current: "default", source: .context, contextName: "default")
        },
        runBuilderCommand: @escaping @Sendable (BuilderCommand) async -> CommandLogEntry = { c in
            CommandLogEntry(command: "docker buildx " + c.buildxArguments.joined(separator: " "), succeeded: false, output: "not available here")
        }
    ) {
        self.startBuild = startBuild
        self.themeDirectories = themeDirectories
        self.environment = environment
        self.clock = clock
        self.discoverBuilders = discoverBuilders
        self.runBuilderCommand = runBuilderCommand
    }

    /// `$XDG_STATE_HOME/buildtop` (default `~/.local/state/buildtop`).
    public var stateDirectory: URL {
        if let x = environment["XDG_STATE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("buildtop") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/buildtop")
    }
}

/// A running build's controls.
public struct BuildHandle: Sendable {
    /// Asks the engine to cancel it.
    public var cancel: @Sendable () async -> Void
    /// The task delivering its events (awaited on quit).
    public var task: Task<Void, Never>
    /// Stops local work at once (kills a buildx process group) when quitting cannot wait longer.
    public var terminate: @Sendable () -> Void

    /// Creates a handle.
    public init(cancel: @escaping @Sendable () async -> Void, task: Task<Void, Never>, terminate: @escaping @Sendable () -> Void = {}) {
        self.cancel = cancel
        self.task = task
        self.terminate = terminate
    }
}

/// The main loop: merges terminal input, driver events and time; runs the reducer and its effects;
/// redraws at most ~30 times a second and never while nothing changed (a running build's clock
/// ticks once a second). All terminal calls happen on the calling (main) thread.
public final class Runtime {
    /// The state (read by tests).
    public private(set) var state: AppState
    let terminal: any InteractiveTerminal
    /// Where background work posts events.
    public let bus = EventBus()
    let services: RuntimeServices
    var handles: [Int: BuildHandle] = [:]
    var spills: [Int: LogSpill] = [:]
    /// Builder discoveries and commands in flight (awaited on quit).
    var tasks: [Task<Void, Never>] = []
    let history: HistoryStore
    var dirty = true
    var lastDraw: UInt64 = 0
    var lastTick: UInt64 = 0
    /// True when the state changed since the last frame (the loop draws only then).
    public var needsRedraw: Bool { dirty }
    /// Frames drawn (for tests and benchmarks).
    public private(set) var framesDrawn = 0
    let frameInterval: UInt64 = 33_000_000

    /// Creates the runtime over a terminal.
    public init(state: AppState, terminal: any InteractiveTerminal, services: RuntimeServices) {
        self.state = state
        self.terminal = terminal
        self.services = services
        self.history = HistoryStore(directory: services.stateDirectory)
        self.terminal.wakeFD = bus.readFD
    }

    static func monotonic() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Feeds one event (tests use this directly).
    public func dispatch(_ e: AppEvent) {
        let effects = state.apply(e)
        dirty = true
        for effect in effects { perform(effect) }
    }

    /// Runs until the user quits; returns when the terminal can be restored.
    public func run() {
        dispatch(.tick(services.clock()))
        while !state.quitting {
            let nowNs = Self.monotonic()
            var timeout: Int32? = nil
            if dirty {
                let since = nowNs &- lastDraw
                timeout = since >= frameInterval ? 0 : Int32((frameInterval - since) / 1_000_000)
            } else if state.runningCount > 0 {
                timeout = 1000
            }
            let input = terminal.waitForEvents(timeoutMilliseconds: timeout)
            for ev in input {
                switch ev {
                case .key(.ctrl("z")):
                    terminal.suspend()
                    dirty = true
                case .key(let k): dispatch(.key(k))
                case .mouse(let m): dispatch(.mouse(m))
                case .resize(let s): dispatch(.resize(s))
                }
            }
            for e in bus.drain() { dispatch(e) }
            let t = Self.monotonic()
            if state.runningCount > 0, t &- lastTick >= 1_000_000_000 {
                lastTick = t
                dispatch(.tick(services.clock()))
            }
            if dirty, t &- lastDraw >= frameInterval {
                draw()
                lastDraw = t
            }
        }
    }

    /// Renders and presents a frame.
    public func draw() {
        state.now = services.clock()
        if state.size != terminal.size { state.size = terminal.size }
        let screen = RootView.render(state, hints: Keymap.hints(for: state), helpHints: Keymap.helpSections(for: state))
        terminal.present(screen)
        framesDrawn += 1
        dirty = false
    }

    /// Waits for build tasks to end and removes spill files. Builds asked to cancel get `grace`
    /// to report their end (buildx exits on SIGINT, the engine ends the stream); whatever still
    /// runs then is terminated. Builder discoveries and commands are cancelled (their processes
    /// are torn down by swift-subprocess).
    public func finish(grace: Duration = .seconds(5)) async {
        for t in tasks { t.cancel() }
        let deadline = ContinuousClock.now + grace
        for (_, h) in handles {
            let task = h.task
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await task.value }
                group.addTask {
                    // Past the deadline: stop local work, which ends the build's task too.
                    if (try? await Task.sleep(until: deadline)) != nil {
                        h.terminate()
                        task.cancel()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        for (_, h) in handles {
            h.terminate()
            h.task.cancel()
        }
        for (_, h) in handles { await h.task.value }
        for t in tasks { await t.value }
        for (_, s) in spills { s.remove() }
    }

    // MARK: - Effects

    func perform(_ effect: Effect) {
        let bus = self.bus
        switch effect {
        case .startBuild(let id, let request):
            handles[id] = services.startBuild(id, request) { e in bus.post(.driver(id: id, e)) }
        case .cancelBuild(let id):
            guard let h = handles[id] else { return }
            Task.detached { await h.cancel() }
        case .spill(let id, let stepID, let batch):
            let spill = spills[id] ?? LogSpill(directory: services.stateDirectory.appendingPathComponent("logs/\(getpid())-\(id)"))
            spills[id] = spill
            do { try spill.append(stepID: stepID, lines: batch) } catch {
                dispatch(.notice("cannot keep logs on disk: \(error)"))
            }
        case .loadTheme(let name):
            do {
                let theme = try ThemeLoader.load(nameOrPath: name, searchDirectories: services.themeDirectories)
                dispatch(.themeLoaded(ThemeLoader.applyEnvironment(theme, environment: services.environment)))
            } catch {
                dispatch(.notice("\(error)"))
            }
        case .inspectDockerfile(let context, let dockerfile):
            let path = dockerfile.isEmpty ? URL(fileURLWithPath: context).appendingPathComponent("Dockerfile").path : dockerfile
            if let data = FileManager.default.contents(atPath: path) {
                dispatch(.dockerfileInfo(context: context, DockerfileInfo.parse(String(decoding: data, as: UTF8.self))))
            }
        case .readDockerfile(let id, let path):
            if let data = FileManager.default.contents(atPath: path), data.count < 1 << 20 {
                dispatch(.dockerfileText(id: id, String(decoding: data, as: UTF8.self)))
            }
        case .completePath(let prefix):
            dispatch(.completions(prefix: prefix, PathCompletion.complete(prefix)))
        case .saveHistory(let r):
            do { try history.save(r) } catch { dispatch(.notice("cannot remember the form: \(error)")) }
        case .loadHistory(let context):
            if let r = history.load(context: context) { dispatch(.history(context: context, r)) }
        case .saveLog(let id, let stepID):
            saveLog(id: id, stepID: stepID)
        case .discoverBuilders(let generation):
            let discover = services.discoverBuilders
            tasks.append(Task.detached { bus.post(.buildersLoaded(await discover(), generation: generation)) })
            pruneTasks()
        case .runBuilderCommand(let command):
            let run = services.runBuilderCommand
            tasks.append(Task.detached { bus.post(.builderCommandFinished(command, await run(command))) })
            pruneTasks()
        case .quit(let cancelRunning):
            if cancelRunning {
                let hs = handles
                let running = state.builds.filter(\.isRunning).map(\.id)
                let group = DispatchGroup()
                for id in running {
                    guard let h = hs[id] else { continue }
                    group.enter()
                    Task.detached {
                        await h.cancel()
                        group.leave()
                    }
                }
                _ = group.wait(timeout: .now() + 5)
            }
        }
    }

    /// Keeps the newest background tasks only (older ones finished long ago; cancelling a
    /// finished task on quit would do nothing).
    func pruneTasks() {
        if tasks.count > 32 { tasks.removeFirst(tasks.count - 32) }
    }

    func saveLog(id: Int, stepID: String) {
        guard let entry = state.build(id), let step = entry.state.step(stepID) else { return }
        var lines: [LogLine] = []
        if let spill = spills[id] { lines = (try? spill.read(stepID: stepID)) ?? [] }
        lines += step.log.lines() + step.log.partialLines
        var out: [UInt8] = []
        for l in lines {
            out += l.text
            out.append(10)
        }
        let number = (entry.state.visibleSteps.firstIndex { $0.id == stepID } ?? 0) + 1
        let safe = entry.request.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        let path = FileManager.default.currentDirectoryPath + "/buildtop-\(String(safe))-step\(number).log"
        do {
            try AtomicFile.write(out, to: path)
            dispatch(.notice("saved \(lines.count) lines to \(path)"))
        } catch {
            dispatch(.notice("cannot save the log: \(error)"))
        }
    }
}

/// The last request per context folder, in `$XDG_STATE_HOME/buildtop/history.json`.
public struct HistoryStore: Sendable {
    /// Folder of the file.
    public let directory: URL

    /// Creates the store.
    public init(directory: URL) {
        self.directory = directory
    }

    var file: URL { directory.appendingPathComponent("history.json") }

    static func key(_ context: String) -> String {
        URL(fileURLWithPath: context).standardizedFileURL.path
    }

    func all() -> [String: BuildRequest] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [:] }
        return (try? JSONDecoder().decode([String: BuildRequest].self, from: data)) ?? [:]
    }

    /// Remembers a request (atomically rewrites the file).
    public func save(_ r: BuildRequest) throws {
        var map = all()
        var stored = r
        stored.dockerfileContents = nil
        map[Self.key(r.contextPath)] = stored
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write([UInt8](try enc.encode(map)), to: file.path, mode: 0o600)
    }

    /// The remembered request for a context folder.
    public func load(context: String) -> BuildRequest? { all()[Self.key(context)] }
}

/// Folder completion for the form's context field.
public enum PathCompletion {
    /// Folders starting with the last path component of `prefix` (with a trailing `/`).
    public static func complete(_ prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let dirPart = slash.map { String(prefix[...$0]) } ?? ""
        let partial = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        if partial == "." || partial == ".." { return [prefix + "/"] }
        var dir = dirPart.isEmpty ? "." : dirPart
        if dir.hasPrefix("~/") { dir = NSHomeDirectory() + dir.dropFirst(1) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter { $0.hasPrefix(partial) && !($0.hasPrefix(".") && !partial.hasPrefix(".")) }.filter { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir) && isDir.boolValue
        }.sorted().map { dirPart + $0 + "/" }
    }
}
