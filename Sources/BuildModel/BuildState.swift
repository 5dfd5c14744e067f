/// Where a build is in its life.
public enum BuildPhase: String, Sendable, Equatable {
    /// Waiting for the engine to accept it.
    case queued
    /// Status is streaming.
    case running
    /// Finished successfully.
    case succeeded
    /// Finished with an error (including a lost engine connection).
    case failed
    /// Stopped on request.
    case canceled
}

/// I/O that the reducer asks the runtime to perform.
public enum BuildEffect: Sendable, Equatable {
    /// Append these lines of step `stepID` to the build's spill file; they left memory.
    case spillLog(stepID: String, lines: LogBatch)
}

/// The model of one build: a fold of BuildKit status updates with BuildKit's own semantics
/// (moby/buildkit `util/progress/progressui/display.go`, `trace.update`).
///
/// Pure: no clock, no I/O. Log lines beyond the memory budget leave as `BuildEffect.spillLog`.
public struct BuildState: Sendable, Equatable {
    /// Default in-memory log budget per build.
    public static let defaultLogBudget = 8 * 1024 * 1024

    /// Display name.
    public var name: String
    /// Steps in the order first announced.
    public private(set) var steps: [Step] = []
    /// Indexes into `steps` in the order steps first started.
    public private(set) var startedOrder: [Int] = []
    /// Start of the first step.
    public private(set) var startTime: Timestamp?
    /// Latest time seen in the stream (a stand-in for "now" when replaying).
    public private(set) var lastEventTime: Timestamp?
    /// Engine reference (build id) once accepted.
    public private(set) var ref: String?
    /// Image exported by the build.
    public private(set) var imageID: String?
    /// How the build ended; nil while it runs.
    public private(set) var result: BuildResult?
    /// Text that arrived outside the status stream.
    public private(set) var output: [String] = []
    /// In-memory log budget in bytes.
    public let logBudget: Int
    /// Bytes of log held in memory now.
    public private(set) var logMemoryBytes = 0
    /// Bytes of log moved out to the spill file.
    public private(set) var logSpilledBytes = 0

    /// Record `StepChange`s for `takeChanges()` (the plain printer reads them).
    public let trackChanges: Bool

    private var index: [String: Int] = [:]
    private var memberToGroup: [String: String] = [:]
    private var changes: [StepChange] = []

    /// Creates an empty build.
    public init(name: String, logBudget: Int = BuildState.defaultLogBudget, trackChanges: Bool = false) {
        self.name = name
        self.logBudget = max(4096, logBudget)
        self.trackChanges = trackChanges
    }

    // MARK: - Queries

    /// The step with this digest or group id (a group member's digest finds its group).
    public func step(_ id: String) -> Step? {
        if let i = index[id] { return steps[i] }
        if let g = memberToGroup[id], let i = index[g] { return steps[i] }
        return nil
    }

    /// Indexes into `steps` in display order: started ones in start order, then announced ones;
    /// hidden groups left out. (Indexes, so drawing a frame copies no step.)
    public var visibleIndices: [Int] {
        var order = startedOrder
        for i in steps.indices where steps[i].startOrder == nil && !steps[i].hidden { order.append(i) }
        return order
    }

    /// Steps to display, in display order.
    public var visibleSteps: [Step] { visibleIndices.map { steps[$0] } }

    /// Steps counted in totals (BuildKit: group members merged, hidden groups not counted).
    public var totalSteps: Int { counts.total }
    /// Counted steps that completed (done, cached, skipped or failed).
    public var completedSteps: Int { counts.completed }
    /// Counted steps served from the cache (every kind of step; see `cache` for the figure).
    public var cachedSteps: Int { counts.cached }
    /// Counted steps BuildKit reported cached only because they were not needed (`StepState.skipped`).
    public var skippedSteps: Int { counts.skipped }
    /// The cache-hit figure (see `CacheFigure`).
    public var cache: CacheFigure { CacheFigure(hits: counts.hits, of: counts.cacheBase) }

    private var counts = Counts()

    /// What the steps add up to; kept incrementally (a stream of millions of vertices must not be
    /// quadratic): every change of a step subtracts its old contribution and adds the new one.
    struct Counts: Sendable, Equatable {
        var total = 0, completed = 0, cached = 0, skipped = 0, hits = 0, cacheBase = 0

        init() {}

        init(_ step: Step) {
            let state = step.state
            if !step.hidden {
                total = 1
                if step.isCompleted { completed = 1 }
                if state == .cached { cached = 1 }
                if state == .skipped { skipped = 1 }
            }
            if step.countsForCache {
                if state == .cached { hits = 1 }
                if state == .cached || state == .done || state == .error { cacheBase = 1 }
            }
        }

        mutating func add(_ c: Counts, _ sign: Int) {
            total += sign * c.total
            completed += sign * c.completed
            cached += sign * c.cached
            skipped += sign * c.skipped
            hits += sign * c.hits
            cacheBase += sign * c.cacheBase
        }
    }

    /// Applies a change of step `i` made by `change`, keeping the counts right.
    private mutating func update(_ i: Int, _ change: (inout Step) -> Void) {
        counts.add(Counts(steps[i]), -1)
        change(&steps[i])
        counts.add(Counts(steps[i]), 1)
    }

    /// Cached share of the counted steps, nil before any completed.
    public var cacheHitRatio: Double? { cache.ratio }

    /// Where the build is.
    public var phase: BuildPhase {
        switch result {
        case nil: ref == nil && steps.isEmpty ? .queued : .running
        case .succeeded: .succeeded
        case .canceled: .canceled
        case .failed, .engineLost: .failed
        }
    }

    /// The first step that failed (not canceled), if any.
    public var failedStep: Step? {
        var best: Int?
        for i in steps.indices where steps[i].hasError && !steps[i].hidden {
            if best.map({ (steps[i].startOrder ?? Int.max) < (steps[$0].startOrder ?? Int.max) }) ?? true { best = i }
        }
        return best.map { steps[$0] }
    }

    /// The build's error message (from the engine, or the failing step), nil if none.
    public var errorMessage: String? {
        if let message = result?.errorMessage { return message }
        return failedStep?.vertex.error
    }

    /// Seconds from the first step's start to `now` (or to the last event once finished).
    public func elapsed(now: Timestamp?) -> Double {
        guard let startTime else { return 0 }
        let end = result == nil ? (now ?? lastEventTime) : lastEventTime
        return max(0, (end ?? startTime).seconds(since: startTime))
    }

    // MARK: - Reducer

    /// Folds a driver event into the state.
    public mutating func apply(_ event: DriverEvent) -> [BuildEffect] {
        switch event {
        case .started(let ref):
            self.ref = ref
            return []
        case .status(let status):
            return apply(status)
        case .output(let text):
            output.append(text)
            return []
        case .imageID(let id):
            imageID = id
            return []
        case .finished(let result):
            return finish(result)
        case .streamEnded:
            return finish(inferredResult())
        }
    }

    /// The result of a stream that ended without one (rawjson carries none): buildx's own `ERROR:`
    /// line when the stream has it, else a failed or canceled step, steps left running, or a
    /// stream in which no build step ran (a Dockerfile that did not parse) decide; otherwise the
    /// build succeeded.
    public func inferredResult() -> BuildResult {
        if let line = output.last(where: { $0.hasPrefix("ERROR: ") }) {
            return BuildResult(error: String(line.dropFirst(7)))
        }
        if let failed = failedStep { return .failed(failed.vertex.error) }
        if steps.contains(where: { $0.state == .canceled }) { return .canceled }
        let open = steps.count { !$0.hidden && $0.isRunning }
        if open > 0 {
            return .failed("the stream ended while \(open) step\(open == 1 ? " was" : "s were") still running")
        }
        if !steps.contains(where: { !$0.hidden && $0.kind != .internal }) {
            return .failed("the stream ended before any build step ran (no result recorded)")
        }
        return .succeeded(imageID: imageID)
    }

    private mutating func finish(_ given: BuildResult) -> [BuildEffect] {
        guard self.result == nil else { return [] }
        var result = given
        if case .succeeded(let id?) = result { imageID = id }
        if case .succeeded = result, imageID != nil { result = .succeeded(imageID: imageID) }
        self.result = result
        let end = lastEventTime
        for i in steps.indices {
            if steps[i].isRunning, let stop = end ?? steps[i].latestStart {
                if case .succeeded = result {
                    // BuildKit may leave an interval of a finished vertex open (cache resolution);
                    // the build succeeded, so the step is done: close it at the last event.
                    update(i) { step in
                        if var last = step.intervals.last {
                            last.stop = max(stop, last.start)
                            step.intervals[step.intervals.count - 1] = last
                            step.vertex.completed = last.stop
                        }
                    }
                } else {
                    update(i) { $0.interruptedAt = stop }
                }
            }
            let before = steps[i].log.memoryBytes
            steps[i].log.flushPartials()
            logMemoryBytes += steps[i].log.memoryBytes - before
        }
        return enforceBudget()
    }

    /// Folds one BuildKit status update into the state.
    public mutating func apply(_ status: SolveStatus) -> [BuildEffect] {
        var touchedGroups: [String] = []
        for raw in status.vertexes {
            let v = normalized(raw)
            note(v.started)
            note(v.completed)
            if startTime == nil, let s = v.started { startTime = s }
            if let pg = v.progressGroup {
                applyMember(v, group: pg)
                if !touchedGroups.contains(pg.id) { touchedGroups.append(pg.id) }
                continue
            }
            let fresh = index[v.digest] == nil
            let i = stepIndex(for: v.digest, vertex: v, isGroup: false)
            let wasStarted = steps[i].isStarted
            if v.started != nil, trackChanges, fresh || Self.changed(steps[i].vertex, v) {
                changes.append(StepChange(step: i, kind: .vertex))
            }
            update(i) { step in
                // A duplicate initial record (no start) must not reset a started vertex.
                if !wasStarted || v.started != nil {
                    step.vertex = v
                }
                if let started = v.started {
                    step.rawIntervals[started.unixNanos] = Interval(start: started, stop: v.completed)
                    if let completed = v.completed {
                        // The record says the vertex completed: an older span left open (BuildKit
                        // sends a start, then a new record when the cache answers) ends here.
                        for (key, ival) in step.rawIntervals where ival.stop == nil && ival.start <= completed {
                            step.rawIntervals[key] = Interval(start: ival.start, stop: completed)
                        }
                    }
                    step.intervals = Interval.merge(Array(step.rawIntervals.values))
                    step.notNeeded = v.cached && v.completed == started
                }
            }
            if v.started != nil, !wasStarted { markStarted(i) }
        }
        for gid in touchedGroups { refreshGroup(gid) }
        for s in status.statuses {
            note(s.timestamp.isZero ? nil : s.timestamp)
            guard let i = resolve(s.vertex) else { continue }
            var s = s
            if s.started?.isZero == true { s.started = nil }
            if s.completed?.isZero == true { s.completed = nil }
            if let j = steps[i].statusIndex[s.id] {
                steps[i].statuses[j] = s
            } else {
                steps[i].statusIndex[s.id] = steps[i].statuses.count
                steps[i].statuses.append(s)
            }
            if trackChanges { changes.append(StepChange(step: i, kind: .status(s.id))) }
        }
        for w in status.warnings {
            guard let i = resolve(w.vertex) else { continue }
            steps[i].warnings.append(w)
            if trackChanges { changes.append(StepChange(step: i, kind: .warning(w))) }
        }
        var grew = false
        for l in status.logs {
            note(l.timestamp.isZero ? nil : l.timestamp)
            guard let i = resolve(l.vertex) else { continue }
            let before = steps[i].log.memoryBytes
            steps[i].log.append(stream: l.stream, data: l.data, time: l.timestamp)
            logMemoryBytes += steps[i].log.memoryBytes - before
            if trackChanges { changes.append(StepChange(step: i, kind: .log(l))) }
            grew = true
        }
        return grew ? enforceBudget() : []
    }

    /// What BuildKit's printers count as a change of a vertex record (`printer.go`).
    static func changed(_ old: Vertex, _ new: Vertex) -> Bool {
        old.name != new.name || old.started != new.started
            || (new.completed != nil && old.completed != new.completed) || old.cached != new.cached
            || old.error != new.error
    }

    // MARK: - Changes (for printers)

    /// One change an update made, in the order BuildKit's trace applies them: vertexes, then
    /// statuses, warnings and logs. Recorded only when `trackChanges` is on.
    public struct StepChange: Sendable, Equatable {
        /// Index into `steps`.
        public var step: Int
        /// What changed.
        public var kind: Kind

        /// The kinds of change.
        public enum Kind: Sendable, Equatable {
            /// The record of a started vertex (or a revealed group) changed.
            case vertex
            /// A sub-progress item with this id.
            case status(String)
            /// A warning.
            case warning(VertexWarning)
            /// A piece of log.
            case log(VertexLog)
        }
    }

    /// Returns the changes recorded since the last call and forgets them.
    public mutating func takeChanges() -> [StepChange] {
        let out = changes
        changes.removeAll(keepingCapacity: true)
        return out
    }

    // MARK: - Helpers

    private func normalized(_ v: Vertex) -> Vertex {
        var v = v
        if v.started?.isZero == true { v.started = nil }
        if v.completed?.isZero == true { v.completed = nil }
        return v
    }

    private mutating func note(_ t: Timestamp?) {
        guard let t else { return }
        if lastEventTime.map({ t > $0 }) ?? true { lastEventTime = t }
    }

    private mutating func stepIndex(for id: String, vertex: Vertex, isGroup: Bool) -> Int {
        if let i = index[id] { return i }
        let i = steps.count
        steps.append(Step(id: id, vertex: vertex, isGroup: isGroup, seenOrder: i))
        index[id] = i
        // A new step counts from the start (nothing before: it did not exist).
        counts.add(Counts(steps[i]), 1)
        return i
    }

    private mutating func markStarted(_ i: Int) {
        steps[i].startOrder = startedOrder.count
        startedOrder.append(i)
    }

    private func resolve(_ digest: String) -> Int? {
        if let i = index[digest] { return i }
        if let g = memberToGroup[digest] { return index[g] }
        return nil  // unknown vertex: skipped, as BuildKit does
    }

    private mutating func applyMember(_ v: Vertex, group pg: ProgressGroup) {
        let synthetic = Vertex(digest: pg.id, name: pg.name)
        let i = stepIndex(for: pg.id, vertex: synthetic, isGroup: true)
        memberToGroup[v.digest] = pg.id
        if steps[i].members[v.digest] == nil { steps[i].memberOrder.append(v.digest) }
        steps[i].members[v.digest] = v
    }

    private mutating func refreshGroup(_ gid: String) {
        guard let i = index[gid] else { return }
        let before = steps[i].vertex
        let wasShown = !steps[i].hidden
        update(i) { step in
            var merged = Vertex(digest: gid, name: step.vertex.name, cached: true)
            var allNotNeeded = true
            for d in step.memberOrder {
                guard let m = step.members[d] else { continue }
                if let started = m.started {
                    step.rawIntervals[started.unixNanos] = Interval(start: started, stop: m.completed)
                    if m.progressGroup?.weak != true { step.hidden = false }
                    if !(m.cached && m.completed == started) { allNotNeeded = false }
                }
                merged.cached = merged.cached && m.cached
                if merged.error.isEmpty { merged.error = m.error }
            }
            step.intervals = Interval.merge(Array(step.rawIntervals.values))
            merged.started = step.intervals.first?.start
            merged.completed = step.intervals.last?.stop
            step.vertex = merged
            step.notNeeded = allNotNeeded && step.isStarted
        }
        let shown = !steps[i].hidden
        if shown, steps[i].startOrder == nil, steps[i].isStarted { markStarted(i) }
        if trackChanges, shown, !wasShown || Self.changed(before, steps[i].vertex) {
            changes.append(StepChange(step: i, kind: .vertex))
        }
    }

    /// Spills the oldest lines of the largest logs until memory is at 3/4 of the budget.
    private mutating func enforceBudget() -> [BuildEffect] {
        guard logMemoryBytes > logBudget else { return [] }
        var effects: [BuildEffect] = []
        let target = logBudget * 3 / 4
        while logMemoryBytes > target {
            guard let i = steps.indices.max(by: { steps[$0].log.memoryBytes < steps[$1].log.memoryBytes }),
                steps[i].log.memoryLineCount > 0
            else { break }
            let before = steps[i].log.memoryBytes
            let excess = logMemoryBytes - target
            let keep = max(0, before - excess)
            let lines = steps[i].log.spillOldest(keepBytes: keep)
            guard lines.count > 0 else { break }
            let freed = before - steps[i].log.memoryBytes
            logMemoryBytes -= freed
            logSpilledBytes += freed
            effects.append(.spillLog(stepID: steps[i].id, lines: lines))
        }
        return effects
    }
}
