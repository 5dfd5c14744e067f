import ArgumentParser
import CBytes
import BuildEvents
import BuildModel
import Foundation
import History

/// `buildtop replay [--progress …] [--speed N|max] FILE…`: prints saved build streams as if live.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Print saved build streams (rawjson or Engine API, detected from content) as if live.")

    @Option(help: "Type of progress output (auto, plain, rawjson, quiet).")
    var progress: String?

    @Option(help: "Playback speed: a factor (1 = as recorded) or `max`.")
    var speed: String = "1"

    @Argument(help: "Stream files (rawjson, Engine API or BuildKit status.v0), or builds of the history (ref, prefix, ^N); several print interleaved, each line prefixed with its name.")
    var files: [String]

    @Flag(help: "Show the streams in the dashboard, one panel per file.")
    var ui = false

    @Option(help: "Theme of the dashboard (name or file).")
    var theme: String?

    @Flag(help: "Enable the mouse in the dashboard.")
    var mouse = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one stream file") }
        if speed != "max", (Double(speed) ?? 0) <= 0 { throw ValidationError("--speed must be a positive number or max") }
    }

    /// Replay decodes whole files at memory speed: keep freed heap instead of returning it to
    /// the kernel after every spill (glibc trims above 128 KiB by default, and each regrowth
    /// page-faults again). Not used by `build`, whose peak memory is measured.
    static func tuneAllocator() {
        cbytes_keep_freed_heap()
    }

    struct Entry {
        var file: Int
        var offset: Double
        var time: Timestamp?
        var event: DriverEvent
    }

    func run() async throws {
        do {
            let code = try await execute()
            if code != 0 { throw ExitCode(code) }
        } catch let e as CLIError {
            FDWriter.stderr.write("ERROR: \(e.description)\n")
            throw ExitCode(e.code)
        }
    }

    func execute() async throws -> Int32 {
        ReplayCommand.tuneAllocator()
        let env = ProcessInfo.processInfo.environment
        let mode = try ProgressMode.parse(progress, environment: env)
        var timelines: [[Entry]] = []
        var problems: [Int: String] = [:]
        var endings: [DriverEvent] = []
        var names: [String] = []
        for (i, path) in files.enumerated() {
            // A build of the history: its ref, a prefix of one, or ^N.
            if !FileManager.default.fileExists(atPath: path), let stored = try? Self.stored(path) {
                let (entries, _, _) = Self.timeline(stored.items, file: i)
                timelines.append(entries)
                endings.append(stored.end)
                names.append(stored.name)
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError("\(path): cannot read the file (\(String(cString: strerror(errno)))), and it names no build of the history")
            }
            let bytes = [UInt8](data)
            guard let format = StreamFormat.detect(Array(bytes.prefix(64 * 1024))) else {
                throw CLIError("\(path): not a rawjson, Engine API or BuildKit status build stream")
            }
            let items = format.decodeAll(bytes)
            let (entries, result, problem) = Self.timeline(items, file: i)
            timelines.append(entries)
            endings.append(result)
            names.append(Self.displayName(path))
            if let problem { problems[i] = "\(path): \(problem)" }
        }
        if ui {
            for i in problems.keys.sorted() { FDWriter.stderr.write("ERROR: \(problems[i] ?? "")\n") }
            if !problems.isEmpty { return 1 }
            return await replayInDashboard(names: names, timelines: timelines, endings: endings, environment: env)
        }
        let progressOut = HeadlessProgress(mode: mode, names: names, description: nil, clock: .recording, spill: { _ in nil })
        let merged = timelines.flatMap { $0 }.enumerated().sorted {
            ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset)
        }.map(\.element)
        let factor = speed == "max" ? 0 : (Double(speed) ?? 1)
        var lastTime: [Int: Timestamp] = [:]
        let waits = ReplayPacing.waits(offsets: merged.map(\.offset), speed: factor)
        for (entry, wait) in zip(merged, waits) {
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            if let t = entry.time { lastTime[entry.file] = t }
            progressOut.handle(entry.file, entry.event, now: lastTime[entry.file] ?? .zero)
        }
        for i in files.indices {
            // A rawjson stream has no result record: the stream itself decides (BuildState).
            progressOut.handle(i, endings[i], now: lastTime[i] ?? .zero)
        }
        for i in problems.keys.sorted() {
            FDWriter.stderr.write("ERROR: \(problems[i] ?? "")\n")
        }
        if !problems.isEmpty { return 1 }
        return files.indices.map { progressOut.result($0)?.exitCode ?? 1 }.max() ?? 0
    }

    func replayInDashboard(names: [String], timelines: [[Entry]], endings: [DriverEvent], environment env: [String: String]) async -> Int32 {
        let options = UIOptions(theme: theme, mouse: mouse)
        let services = UIRunner.services(options, env: env)
        let factor = speed == "max" ? 0 : (Double(speed) ?? 1)
        return await UIRunner.run(options, services: services, builders: nil, builderName: "replay", printSummary: false) { runtime in
            for (i, name) in names.enumerated() {
                runtime.dispatch(.addBuild(id: i + 1, name: name, builder: "replay"))
                _ = ReplayFeeder.start(id: i + 1, entries: timelines[i], ending: endings[i], speed: factor, bus: runtime.bus)
            }
        }
    }

    /// A stored build: its items, its recorded end and its name.
    static func stored(_ spec: String) throws -> (items: [StreamItem], end: DriverEvent, name: String) {
        let store = try HistoryCLI.open()
        let entry = try store.resolve(spec)
        var items: [StreamItem] = []
        try store.readStream(entry) { items.append($0) }
        return (items, entry.endEvent, entry.name)
    }

    static func displayName(_ path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        for ext in [".jsonl", ".json", ".stream", ".rawjson", ".txt"] where name.hasSuffix(ext) {
            name.removeLast(ext.count)
        }
        return name
    }

    /// Turns decoded items into timed events (offsets in seconds from the stream's first time).
    /// The last event is `.streamEnded` when the stream carries no result (rawjson): the fold decides.
    static func timeline(_ items: [StreamItem], file: Int) -> ([Entry], DriverEvent, String?) {
        var entries: [Entry] = []
        var first: Timestamp?
        var lastOffset = 0.0
        var failure: String?
        var image: String?
        var problem: String?
        for item in items {
            switch item {
            case .status(let s):
                let t = latestTime(s)
                if first == nil { first = t }
                if let t, let first { lastOffset = max(lastOffset, t.seconds(since: first)) }
                entries.append(Entry(file: file, offset: lastOffset, time: t, event: .status(s)))
            case .imageID(let id):
                image = id
                entries.append(Entry(file: file, offset: lastOffset, time: nil, event: .imageID(id)))
            case .error(let e): failure = e
            case .text(let t): entries.append(Entry(file: file, offset: lastOffset, time: nil, event: .output(t)))
            case .malformed(let m): problem = problem ?? m
            }
        }
        if entries.isEmpty, problem == nil, failure == nil { problem = "no build status in the file" }
        return (entries, StreamItem.ending(error: failure, imageID: image), problem)
    }

    static func latestTime(_ s: SolveStatus) -> Timestamp? {
        var t: Timestamp?
        func see(_ x: Timestamp?) {
            guard let x, !x.isZero else { return }
            if t.map({ x > $0 }) ?? true { t = x }
        }
        for v in s.vertexes {
            see(v.started)
            see(v.completed)
        }
        for st in s.statuses { see(st.timestamp) }
        for l in s.logs { see(l.timestamp) }
        return t
    }
}

/// `buildtop version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the buildtop version.")

    func run() {
        print("buildtop \(BuildtopVersionText.text)")
    }
}

enum BuildtopVersionText {
    static var text: String { Buildtop.configuration.version }
}

/// Hidden: measures decode + base64 + reducer throughput of a rawjson file (used by scripts/bench.sh).
struct BenchReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-replay", shouldDisplay: false)

    @Argument var file: String

    @Flag(help: "Decode only (no reducer), to split the cost.") var decodeOnly = false

    func run() throws {
        ReplayCommand.tuneAllocator()
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError("\(file): cannot open") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CLIError("\(file): cannot stat") }
        let size = Int(st.st_size)
        var decoder = RawJSONDecoder()
        var state = BuildState(name: "bench")
        var bytes = 0
        var statuses = 0
        var spilled = 0
        let start = DispatchTime.now().uptimeNanoseconds
        func consume(_ items: [StreamItem]) {
            for case .status(let s) in items {
                statuses += 1
                if decodeOnly { continue }
                for case .spillLog(_, let lines) in state.apply(s) { spilled += lines.count }
            }
        }
        // The file is mapped and parsed where it lies, 1 MiB at a time (no read copies).
        if size > 0 {
            guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), map != MAP_FAILED else {
                throw CLIError("\(file): cannot map")
            }
            defer { munmap(map, size) }
            let all = UnsafeBufferPointer(start: map.assumingMemoryBound(to: UInt8.self), count: size)
            var offset = 0
            while offset < size {
                let end = min(size, offset + (1 << 20))
                consume(decoder.feed(borrowing: UnsafeBufferPointer(rebasing: all[offset..<end])))
                bytes += end - offset
                offset = end
            }
        }
        consume(decoder.finish())
        let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let lines = state.steps.reduce(0) { $0 + $1.log.totalLines }
        print("bytes=\(bytes) statuses=\(statuses) lines=\(lines) spilled=\(spilled) seconds=\(String(format: "%.3f", secs)) MBps=\(String(format: "%.1f", Double(bytes) / 1e6 / secs))")
    }
}
