import BuildModel
import Foundation
import HistoryModel
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

    /// True when no event is queued.
    public var isEmpty: Bool { queue.withLock { $0.isEmpty } }

    /// Events queued.
    public var count: Int { queue.withLock { $0.count } }

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

/// The build history as the dashboard reads it (the store lives in the History module; the
/// executable wires it).
public struct HistoryService: Sendable {
    /// The stored builds, newest first, or why they cannot be read.
    public var list: @Sendable () async -> Result<[HistoryRow], HistoryServiceError>
    /// Feeds a stored build's events (its recorded stream, then its recorded result) to `post`,
    /// reading the stream in pieces; an error line when it cannot. Runs on a thread of its own:
    /// `post` blocks while the loop is behind (back-pressure keeps memory bounded).
    public var open: @Sendable (_ ref: String, _ post: (DriverEvent) -> Void) -> Void
    /// The comparison of a stored build with the build of its context before it: title and lines.
    public var compare: @Sendable (_ ref: String, _ width: Int) async -> (String, [String])
    /// The comparison of a stored build with the build of its context before it, for the
    /// timeline's compare mode; nil and a line saying why when there is none.
    public var comparison: @Sendable (_ ref: String) async -> (BuildComparison?, String?) = { _ in (nil, "the history is off") }
    /// Pins or unpins a stored build; an error line when it cannot.
    public var pin: @Sendable (_ ref: String, _ pinned: Bool) async -> String? = { _, _ in "the history is off" }
    /// Deletes a stored build; an error line when it cannot.
    public var remove: @Sendable (_ ref: String) async -> String? = { _ in "the history is off" }

    /// Creates the service.
    public init(
        list: @escaping @Sendable () async -> Result<[HistoryRow], HistoryServiceError>,
        open: @escaping @Sendable (String, (DriverEvent) -> Void) -> Void,
        compare: @escaping @Sendable (String, Int) async -> (String, [String])
    ) {
        self.list = list
        self.open = open
        self.compare = compare
    }

    /// No history (tests, or recording turned off).
    public static let none = HistoryService(
        list: { .failure(HistoryServiceError("the history is off (BUILDTOP_HISTORY=off)")) },
        open: { _, post in post(.finished(.failed("the history is off"))) },
        compare: { _, _ in ("comparison", ["the history is off"]) })
}

/// Why the history cannot be read, in one line.
public struct HistoryServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
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
    /// Monotonic clock in nanoseconds (frame pacing and the 1 s tick).
    public var monotonic: @Sendable () -> UInt64
    /// Finds the builders (files, buildx, engines).
    public var discoverBuilders: @Sendable () async -> BuilderList
    /// Runs a builder command and reports it for the command log.
    public var runBuilderCommand: @Sendable (BuilderCommand) async -> CommandLogEntry
    /// The build history.
    public var history: HistoryService = .none

    /// Creates services.
    public init(
        startBuild: @escaping @Sendable (Int, BuildRequest, @escaping @Sendable (DriverEvent) -> Void) -> BuildHandle,
        themeDirectories: [String], environment: [String: String], clock: @escaping @Sendable () -> Timestamp,
        monotonic: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds },
        discoverBuilders: @escaping @Sendable () async -> BuilderList = {
            BuilderList(builders: [], current: "default", source: .context, contextName: "default")
        },
        runBuilderCommand: @escaping @Sendable (BuilderCommand) async -> CommandLogEntry = { c in
            CommandLogEntry(command: c.commandLine, succeeded: false, output: "not available here")
        }
    ) {
        self.startBuild = startBuild
        self.themeDirectories = themeDirectories
        self.environment = environment
        self.clock = clock
        self.monotonic = monotonic
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

/// The main loop: merges terminal input, driver events and time; runs the reducer and performs
/// its effects; redraws at most ~30 times a second and only when the state changed; ticks once a
/// second while a build runs (and sleeps without a timeout otherwise). Every terminal call
/// happens on the calling (main) thread; effects that touch files run on a serial background
/// queue and come back as events, so the screen never waits for a disk, a FIFO or a slow folder.
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
    let history: RememberedRequests
    /// File effects, in order (a spill before the save that reads it).
    let io = DispatchQueue(label: "buildtop.io")
    let ioPending = PendingCount()
    var dirty = true
    var lastDraw: UInt64?
    var lastTick: UInt64 = 0
    var started = false
    /// True when the state changed since the last frame (the loop draws only then).
    public var needsRedraw: Bool { dirty }
    /// Frames drawn (for tests and benchmarks).
    public private(set) var framesDrawn = 0
    /// Shortest time between two frames (~30 frames/s).
    public static let frameInterval: UInt64 = 33_000_000
    /// Time between two ticks while a build runs.
    public static let tickInterval: UInt64 = 1_000_000_000

    /// Creates the runtime over a terminal.
    public init(state: AppState, terminal: any InteractiveTerminal, services: RuntimeServices) {
        var state = state
        state.stateDirectory = services.stateDirectory.path
        self.state = state
        self.terminal = terminal
        self.services = services
        self.history = RememberedRequests(directory: services.stateDirectory)
        self.terminal.wakeFD = bus.readFD
    }

    /// Feeds one event. An event that leaves the state as it was draws nothing; a driver event
    /// (status of a known build) always changes it, so it is not compared.
    public func dispatch(_ e: AppEvent) {
        if case .driver(let id, _) = e {
            let effects = state.apply(e)
            if state.index(of: id) != nil { dirty = true }
            for effect in effects { perform(effect) }
            return
        }
        let before = state
        let effects = state.apply(e)
        if state != before { dirty = true }
        for effect in effects { perform(effect) }
    }

    /// True when nothing is left to do: no frame owed, no queued event, no file effect running.
    public var isIdle: Bool { !dirty && bus.isEmpty && ioPending.value == 0 }

    /// Runs until the user quits; returns when the terminal can be restored.
    public func run() { run(until: { false }) }

    /// Runs until the user quits or `done` says so (checked between iterations; tests use it to
    /// run the real loop step by step).
    public func run(until done: () -> Bool) {
        if !started {
            started = true
            lastTick = services.monotonic()
            dispatch(.tick(services.clock()))
            if state.size != terminal.size { dispatch(.resize(terminal.size)) }
        }
        while !state.quitting, !done() {
            let nowNs = services.monotonic()
            var timeout: Int32? = nil
            if dirty {
                let since = lastDraw.map { nowNs &- $0 } ?? Self.frameInterval
                timeout = since >= Self.frameInterval ? 0 : Int32((Self.frameInterval - since) / 1_000_000)
            } else if state.runningCount > 0 {
                let since = nowNs &- lastTick
                timeout = since >= Self.tickInterval ? 0 : Int32((Self.tickInterval - since) / 1_000_000)
            }
            let input = terminal.waitForEvents(timeoutMilliseconds: timeout)
            for ev in input {
                switch ev {
                case .key(.ctrl("z")):
                    terminal.suspend()
                    dirty = true
                    if state.size != terminal.size { dispatch(.resize(terminal.size)) }
                case .key(let k): dispatch(.key(k))
                case .mouse(let m): dispatch(.mouse(m))
                case .resize(let s): dispatch(.resize(s))
                }
            }
            let events = bus.drain()
            // Time enters as an event: the arrival time of what follows (clocks of live builds).
            if !events.isEmpty { dispatch(.tick(services.clock())) }
            for e in events { dispatch(e) }
            let t = services.monotonic()
            if state.runningCount > 0, t &- lastTick >= Self.tickInterval {
                lastTick = t
                dispatch(.tick(services.clock()))
            } else if state.runningCount == 0 {
                lastTick = t
            }
            if dirty, lastDraw.map({ t &- $0 >= Self.frameInterval }) ?? true {
                draw()
                lastDraw = t
            }
        }
    }

    /// Renders and presents a frame. Reads the state, never writes it.
    public func draw() {
        let screen = RootView.render(state, hints: Keymap.hints(for: state), helpHints: Keymap.helpSections(for: state))
        terminal.present(screen)
        framesDrawn += 1
        dirty = false
    }

    /// Waits for build tasks to end and removes spill files. Builds asked to cancel get `grace`
    /// to report their end (buildx exits on SIGINT, the engine ends the stream); whatever still
    /// runs then is terminated. Builder discoveries and commands are cancelled (their processes
    /// are torn down by swift-subprocess). Called after the terminal was restored.
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
        io.sync {}
        for (_, s) in spills { s.remove() }
    }

    // MARK: - Effects

    /// Runs `work` on the file queue; what it posts arrives as events.
    func background(_ work: @escaping @Sendable () -> Void) {
        let pending = ioPending
        pending.add(1)
        io.async {
            work()
            pending.add(-1)
        }
    }

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
            background {
                do { try spill.append(stepID: stepID, lines: batch) } catch {
                    bus.post(.notice("cannot keep logs on disk: \(error)"))
                }
            }
        case .loadTheme(let name):
            let dirs = services.themeDirectories
            let env = services.environment
            background {
                do {
                    let theme = try ThemeLoader.load(nameOrPath: name, searchDirectories: dirs)
                    bus.post(.themeLoaded(ThemeLoader.applyEnvironment(theme, environment: env)))
                } catch {
                    bus.post(.notice("\(error)"))
                }
            }
        case .inspectDockerfile(let context, let dockerfile):
            background {
                let path = dockerfile.isEmpty ? URL(fileURLWithPath: context).appendingPathComponent("Dockerfile").path : dockerfile
                bus.post(.dockerfileInfo(context: context, DockerfileInspection.inspect(context: context, dockerfilePath: path)))
            }
        case .readDockerfile(let id, let path):
            background {
                if let bytes = SmallFile.read(path) {
                    bus.post(.dockerfileText(id: id, String(decoding: bytes, as: UTF8.self)))
                }
            }
        case .completePath(let prefix):
            background { bus.post(.completions(prefix: prefix, PathCompletion.complete(prefix))) }
        case .saveHistory(let r):
            let history = self.history
            background {
                do { try history.save(r) } catch { bus.post(.notice("cannot remember the form: \(error)")) }
            }
        case .loadHistory(let context):
            let history = self.history
            background { bus.post(.history(context: context, history.load(context: context))) }
        case .saveLog(let id, let stepID, let path):
            guard let entry = state.build(id), let step = entry.state.step(stepID) else { return }
            let spill = spills[id]
            background { bus.post(.notice(Runtime.saveLog(step, spill: spill, to: path))) }
        case .discoverBuilders(let generation):
            let discover = services.discoverBuilders
            tasks.append(Task.detached { bus.post(.buildersLoaded(await discover(), generation: generation)) })
            pruneTasks()
        case .runBuilderCommand(let command):
            let run = services.runBuilderCommand
            tasks.append(Task.detached { bus.post(.builderCommandFinished(command, await run(command))) })
            pruneTasks()
        case .listHistory:
            let list = services.history.list
            backgroundTask {
                switch await list() {
                case .success(let rows): bus.post(.historyListed(rows))
                case .failure(let e): bus.post(.historyFailed(e.description))
                }
            }
        case .openStored(let id, let ref):
            let open = services.history.open
            let pending = ioPending
            pending.add(1)
            // A thread of its own: it waits while the loop is behind, so a stored stream of any
            // size is read as fast as it is drawn, a few hundred events ahead at most.
            Thread.detachNewThread {
                open(ref) { e in
                    // Behind on events, or on log batches going to the spill file: wait.
                    while bus.count > 256 || pending.value > 16 { usleep(500) }
                    bus.post(.driver(id: id, e))
                }
                pending.add(-1)
            }
        case .compareStored(let ref):
            let compare = services.history.compare
            let width = max(40, state.size.width - 6)
            backgroundTask {
                let (title, lines) = await compare(ref, width)
                bus.post(.textLoaded(title: title, lines: lines))
            }
        case .compareForTimeline(let id, let ref):
            let comparison = services.history.comparison
            backgroundTask {
                let (c, note) = await comparison(ref)
                bus.post(.timelineComparison(buildID: id, c, note: note))
            }
        case .pinStored(let ref, let pinned):
            let pin = services.history.pin
            let list = services.history.list
            backgroundTask {
                if let problem = await pin(ref, pinned) { bus.post(.notice(problem)) }
                if case .success(let rows) = await list() { bus.post(.historyListed(rows)) }
            }
        case .removeStored(let ref):
            let remove = services.history.remove
            let list = services.history.list
            backgroundTask {
                if let problem = await remove(ref) { bus.post(.notice(problem)) }
                if case .success(let rows) = await list() { bus.post(.historyListed(rows)) }
            }
        case .quit(let cancelRunning):
            // Never wait here: the cancels go out in the background; `finish` waits for the
            // builds to end after the terminal was restored.
            guard cancelRunning else { return }
            for id in state.builds.filter(\.isRunning).map(\.id) {
                guard let h = handles[id] else { continue }
                Task.detached { await h.cancel() }
            }
        }
    }

    /// Keeps the newest background tasks only (older ones finished long ago; cancelling a
    /// finished task on quit would do nothing).
    /// Async I/O off the loop (the history), counted until its result is posted.
    func backgroundTask(_ work: @escaping @Sendable () async -> Void) {
        let pending = ioPending
        pending.add(1)
        tasks.append(Task.detached {
            await work()
            pending.add(-1)
        })
        pruneTasks()
    }

    func pruneTasks() {
        if tasks.count > 32 { tasks.removeFirst(tasks.count - 32) }
    }

    /// Writes a step's full log (spill file + memory) to `path` atomically; returns the message.
    static func saveLog(_ step: Step, spill: LogSpill?, to path: String) -> String {
        var lines: [LogLine] = []
        if let spill { lines = (try? spill.read(stepID: step.id)) ?? [] }
        lines += step.log.lines() + step.log.partialLines
        var out: [UInt8] = []
        for l in lines {
            out += l.text
            out.append(10)
        }
        do {
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try AtomicFile.write(out, to: path)
            return "saved \(lines.count) lines to \(path)"
        } catch {
            return "cannot save the log: \(error)"
        }
    }
}

/// A count shared with background work.
final class PendingCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ n: Int) { count.withLock { $0 += n } }
}

/// What the form learns from a context folder: the Dockerfile's stages and ARGs, or why there is
/// nothing to learn (no such folder, no Dockerfile).
enum DockerfileInspection {
    static func inspect(context: String, dockerfilePath path: String) -> DockerfileInfo {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: context, isDirectory: &isDir) || !isDir.boolValue {
            return DockerfileInfo(problem: "context folder \(context) not found")
        }
        guard let bytes = SmallFile.read(path) else {
            return DockerfileInfo(problem: "no Dockerfile at \(path) (type a folder; Tab completes)")
        }
        return DockerfileInfo.parse(String(decoding: bytes, as: UTF8.self))
    }
}

/// The last request per context folder, in `$XDG_STATE_HOME/buildtop/history.json`.
public struct RememberedRequests: Sendable {
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
