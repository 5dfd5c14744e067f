import BuildModel

/// BuildKit's plain progress format (moby/buildkit `util/progress/progressui/printer.go`, `textMux`):
/// `#N name`, `#N 0.052 line`, `#N sha256:… 1.2MB / 3.4MB 0.8s done`, `#N DONE 1.2s`, `#N CACHED`,
/// `#N ERROR: …`, `#N CANCELED`, `#N ...` when switching away from an unfinished step, and at the end a
/// `------` block with the last log lines of each failed step.
///
/// Pure: `now` comes in with each update (wall time live, stream time when replaying).
public struct PlainPrinter: Sendable {
    /// What the printer has written of one step (BuildKit's `vertex` print state in `textMux`);
    /// everything about the step itself comes from the `BuildState` it is handed.
    struct Out: Sendable {
        var index = 0
        var statusUpdates: Set<String> = []
        var logs: [[UInt8]] = []
        var logsPartial = false
        var logsOffset = 0
        var logsBuffer: [[UInt8]] = []
        var events: [String] = []
        var count = 0
        var lastBlockTime: Timestamp?
        var printedEnd = false
    }

    private var out: [Int: Out] = [:]
    private var updates: Set<Int> = []
    private var current: Int?
    private var notFirst = false
    private var nextIndex = 1
    private var last: [String: (current: Int64, time: Timestamp)] = [:]
    private let description: String?
    private var wroteDescription = false

    /// Last-lines buffer per failed step (BuildKit's `logsBufferSize`).
    public static let errorLogLines = 10

    /// Creates a printer; `description` is printed first as `#0 <description>` (buildx's "building with …").
    public init(description: String? = nil) {
        self.description = description
    }

    // MARK: - Updates

    /// Prints what `changes` (from `state.takeChanges()` after one status update) did to `state`.
    public mutating func update(_ state: BuildState, changes: [BuildState.StepChange], now: Timestamp) -> String {
        var bytes: [UInt8] = []
        if let description, !wroteDescription {
            wroteDescription = true
            bytes.append(contentsOf: Array("#0 \(description)\n\n".utf8))
            notFirst = false
        }
        for c in changes {
            var o = out[c.step] ?? Out()
            switch c.kind {
            case .vertex: break
            case .status(let id): o.statusUpdates.insert(id)
            case .warning(let w): o.events.append("WARN: " + String(decoding: w.short, as: UTF8.self))
            case .log(let l): appendLog(&o, l, step: state.steps[c.step])
            }
            if o.count == 0 { o.lastBlockTime = now }
            o.count += 1
            out[c.step] = o
            updates.insert(c.step)
        }
        printUpdates(state, now: now, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Flushes what is pending, ends the steps the build left open (they show as canceled, as in
    /// the dashboard) and returns the closing error block (for every failed step, the last lines
    /// of its log).
    public mutating func finish(_ state: BuildState, now: Timestamp) -> String {
        var bytes: [UInt8] = []
        printUpdates(state, now: now, into: &bytes)
        if let cur = current, out[cur]?.logsPartial == true {
            bytes.append(10)
            out[cur]?.logsPartial = false
        }
        for i in state.startedOrder where state.steps[i].interruptedAt != nil && out[i]?.printedEnd != true {
            updates.insert(i)
            printVtx(i, state, into: &bytes)
        }
        for i in state.startedOrder where state.steps[i].state == .error {
            let step = state.steps[i]
            bytes.append(contentsOf: Array("------\n > \(step.vertex.name):\n".utf8))
            for line in out[i]?.logsBuffer ?? [] {
                bytes.append(contentsOf: line)
                bytes.append(10)
            }
            bytes.append(contentsOf: Array("------\n".utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Logs

    private func timePrefix(_ step: Step, _ t: Timestamp) -> String {
        let sec = step.latestStart.map { t.seconds(since: $0) } ?? 0
        let prec = sec < 10 ? 3 : (sec < 100 ? 2 : 1)
        return ByteUnits.fixed(sec, prec)
    }

    private func appendLog(_ x: inout Out, _ l: VertexLog, step: Step) {
        guard !l.data.isEmpty else { return }
        var start = 0
        var first = true
        let data = l.data
        func add(_ piece: ArraySlice<UInt8>, complete: Bool) {
            if first, x.logsPartial, !x.logs.isEmpty {
                x.logs[x.logs.count - 1].append(contentsOf: piece)
            } else {
                var line = Array(timePrefix(step, l.timestamp).utf8)
                line.append(32)
                line.append(contentsOf: piece)
                x.logs.append(line)
            }
            first = false
            if complete, let done = x.logs.last {
                x.logsBuffer.append(done)
                if x.logsBuffer.count > PlainPrinter.errorLogLines { x.logsBuffer.removeFirst() }
            }
        }
        var i = 0
        while i < data.count {
            if data[i] == 10 {
                add(data[start..<i], complete: true)
                start = i + 1
            }
            i += 1
        }
        if start < data.count {
            add(data[start...], complete: false)
            x.logsPartial = true
        } else {
            x.logsPartial = false
        }
    }

    // MARK: - textMux

    private func isRunning(_ step: Step) -> Bool { step.isStarted && !ended(step) }

    /// A step is printed as ended when its record completed or the build left it open.
    private func ended(_ step: Step) -> Bool { step.isCompleted || step.interruptedAt != nil }

    private mutating func printUpdates(_ state: BuildState, now: Timestamp, into bytes: inout [UInt8]) {
        let steps = state.steps
        let ordered = updates.sorted { (steps[$0].startOrder ?? Int.max, $0) < (steps[$1].startOrder ?? Int.max, $1) }
        var completed: [Int] = []
        var rest: [Int] = []
        for i in ordered {
            if ended(steps[i]) { completed.append(i) } else { rest.append(i) }
        }
        let cur = current
        if let cur, completed.contains(cur) { printVtx(cur, state, into: &bytes) }
        let byCompletion = completed.sorted {
            (steps[$0].intervals.last?.stop ?? .zero, $0) < (steps[$1].intervals.last?.stop ?? .zero, $1)
        }
        for i in byCompletion where i != cur { printVtx(i, state, into: &bytes) }
        if rest.isEmpty {
            if let cur, isRunning(steps[cur]) { return }
            for i in state.startedOrder where isRunning(steps[i]) {
                printVtx(i, state, into: &bytes)
                return
            }
            return
        }
        if let cur, rest.contains(cur) { printVtx(cur, state, into: &bytes) }
        var pool = rest
        if let cur, !pool.contains(cur) { pool.append(cur) }
        var stats: [Int: (block: Double, speed: Double, over: Bool)] = [:]
        var sum = 0.0
        var maxID: Int?
        for i in pool {
            let o = out[i] ?? Out()
            let tm = max(0.001, now.seconds(since: o.lastBlockTime ?? now))
            let speed = Double(o.count) / tm
            let over = tm > 10 && i != cur
            stats[i] = (tm, speed, over)
            sum += speed
            if over || maxID == nil || (maxID.flatMap { stats[$0]?.speed } ?? 0) < speed { maxID = i }
        }
        guard let maxID else { return }
        if cur == nil || completed.contains(cur ?? -1) {
            printVtx(maxID, state, into: &bytes)
            return
        }
        for i in rest where stats[i]?.over == true {
            printVtx(i, state, into: &bytes)
            return
        }
        if let cur, let s = stats[cur], sum > 0 {
            let share = s.speed / sum
            if share < 1, 1.0 / (1.0 - share) * 5.0 < s.block {
                printVtx(maxID, state, into: &bytes)
            }
        }
    }

    private mutating func printVtx(_ i: Int, _ state: BuildState, into bytes: inout [UInt8]) {
        let step = state.steps[i]
        var v = out[i] ?? Out()
        func line(_ s: String) {
            bytes.append(contentsOf: Array(s.utf8))
            bytes.append(10)
        }
        if i != current {
            if let cur = current, var old = out[cur] {
                if old.logsPartial { bytes.append(10) }
                old.logsOffset = 0
                old.count = 0
                out[cur] = old
                line("#\(old.index) ...")
            }
            if notFirst { bytes.append(10) } else { notFirst = true }
            if v.index == 0 {
                v.index = nextIndex
                nextIndex += 1
            }
            line("#\(v.index) \(step.vertex.name)")
        }
        if !v.events.isEmpty { v.logsOffset = 0 }
        for e in v.events { line("#\(v.index) \(e)") }
        v.events.removeAll()
        for s in step.statuses where v.statusUpdates.contains(s.id) {
            if let prev = last[s.id], s.completed == nil {
                let delta = s.total > 0 ? Double(s.current - prev.current) / Double(s.total) : 0
                let dt = s.timestamp.seconds(since: prev.time)
                if delta < 0.05, dt < 5 { continue }
            }
            last[s.id] = (s.current, s.timestamp)
            var sizes = ""
            if s.total != 0 {
                sizes = " \(ByteUnits.format(s.current)) / \(ByteUnits.format(s.total))"
            } else if s.current != 0 {
                sizes = " \(ByteUnits.format(s.current))"
            }
            var tm = ""
            let end = s.completed ?? s.timestamp
            if let st = s.started {
                let diff = end.seconds(since: st)
                if diff > 0.01 { tm = " \(ByteUnits.fixed(diff, 1))s" }
            }
            if s.completed != nil { tm += " done" }
            line("#\(v.index) \(s.id)\(sizes)\(tm)")
        }
        v.statusUpdates.removeAll()
        for (n, l) in v.logs.enumerated() {
            if n == 0 {
                bytes.append(contentsOf: Array("#\(v.index) ".utf8).prefix(v.logsOffset == 0 ? Int.max : 0))
                bytes.append(contentsOf: l.dropFirst(min(v.logsOffset, l.count)))
            } else {
                bytes.append(contentsOf: Array("#\(v.index) ".utf8))
                bytes.append(contentsOf: l)
            }
            if n != v.logs.count - 1 || !v.logsPartial { bytes.append(10) }
        }
        if let lastLine = v.logs.last {
            if v.logsPartial {
                v.logs = [lastLine]
                v.logsOffset = lastLine.count
            } else {
                v.logs.removeAll()
                v.logsOffset = 0
            }
        }
        current = i
        if ended(step) {
            current = nil
            v.count = 0
            if v.logsPartial {
                bytes.append(10)
                v.logsPartial = false
                v.logs.removeAll()
                v.logsOffset = 0
            }
            switch step.state {
            case .error: line("#\(v.index) ERROR: \(step.vertex.error)")
            case .canceled: line("#\(v.index) CANCELED")
            case .cached: line("#\(v.index) CACHED")
            case .skipped: line("#\(v.index) SKIPPED")
            case .done, .running, .pending:
                line("#\(v.index) DONE \(ByteUnits.fixed(step.duration(now: nil), 1))s")
            }
            v.printedEnd = true
        }
        out[i] = v
        updates.remove(i)
    }
}

/// One build's fold and its plain rendering together: the printer reads the same `BuildState`
/// the dashboard draws (one trace, as BuildKit's progressui feeds its tty and plain displays).
public struct PlainTrace: Sendable {
    /// The fold.
    public private(set) var state: BuildState
    private var printer: PlainPrinter

    /// Creates the trace of a build named `name`; `description` is printed first as `#0 …`.
    public init(name: String, logBudget: Int = BuildState.defaultLogBudget, description: String? = nil) {
        state = BuildState(name: name, logBudget: logBudget, trackChanges: true)
        printer = PlainPrinter(description: description)
    }

    /// Folds a driver event arrived at `now`; returns the plain text it prints (status updates and
    /// the end: the closing error block) and the state's effects. Text outside the status stream
    /// is the caller's to print (it is sanitized for the terminal there).
    public mutating func apply(_ event: DriverEvent, now: Timestamp) -> (text: String, effects: [BuildEffect]) {
        let effects = state.apply(event)
        switch event {
        case .status:
            let changes = state.takeChanges()
            return (printer.update(state, changes: changes, now: now), effects)
        case .finished, .streamEnded:
            _ = state.takeChanges()
            return (printer.finish(state, now: now), effects)
        default:
            return ("", effects)
        }
    }
}

extension StreamItem {
    /// The last event of a decoded stream: its error or image decide; a stream with neither (rawjson
    /// carries no result) ends with `.streamEnded`, and the fold decides.
    public static func ending(error: String?, imageID: String?) -> DriverEvent {
        if let error { return .finished(BuildResult(error: error)) }
        if let imageID { return .finished(.succeeded(imageID: imageID)) }
        return .streamEnded
    }
}
