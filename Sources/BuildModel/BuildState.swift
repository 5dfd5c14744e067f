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

    private var index: [String: Int] = [:]
    private var memberToGroup: [String: String] = [:]

    /// Creates an empty build.
    public init(name: String, logBudget: Int = BuildState.defaultLogBudget) {
        self.name = name
        self.logBudget = max(4096, logBudget)
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
    public private(set) var totalSteps = 0
    /// Counted steps that completed.
    public private(set) var completedSteps = 0
    /// Counted steps served from the cache.
    public private(set) var cachedSteps = 0
    /// Completed Dockerfile instruction steps (not FROM): the base of the cache-hit ratio.
    public private(set) var completedInstructions = 0
    /// Completed Dockerfile instruction steps served from the cache.
    public private(set) var cachedInstructions = 0

    /// What one step adds to the counts.
    private func contribution(_ i: Int) -> (Int, Int, Int, Int, Int) {
        let done = steps[i].isCompleted
        let isCached = steps[i].vertex.cached
        var c = (0, 0, 0, 0, 0)
        if !steps[i].hidden {
            c.0 = 1
            if done { c.1 = 1 }
            if done && isCached { c.2 = 1 }
        }
        if steps[i].cacheable, done {
            c.3 = 1
            if isCached { c.4 = 1 }
        }
        return c
    }

    /// Applies the change of one step's contribution (counts are kept incrementally: a stream of
    /// millions of vertices must not be quadratic).
    private mutating func adjust(_ before: (Int, Int, Int, Int, Int), _ i: Int) {
        let after = contribution(i)
        totalSteps += after.0 - before.0
        completedSteps += after.1 - before.1
        cachedSteps += after.2 - before.2
        completedInstructions += after.3 - before.3
        cachedInstructions += after.4 - before.4
    }
    /// Cached share of completed instruction steps, nil before any completed.
    public var cacheHitRatio: Double? {
        let base = completedInstructions
        return base == 0 ? nil : Double(cachedInstructions) / Double(base)
    }

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
            guard self.result == nil else { return [] }
            if case .succeeded(let id?) = result { imageID = id }
            self.result = result
            let end = lastEventTime
            for i in steps.indices {
                if steps[i].isRunning, let stop = end ?? steps[i].latestStart {
                    if case .succeeded = result {
                        // BuildKit may leave an interval of a finished vertex open (cache resolution);
                        // the build succeeded, so the step is done: close it at the last event.
                        let before = contribution(i)
                        if var last = steps[i].intervals.last {
                            last.stop = max(stop, last.start)
                            steps[i].intervals[steps[i].intervals.count - 1] = last
                            steps[i].vertex.completed = last.stop
                        }
                        adjust(before, i)
                    } else {
                        steps[i].interruptedAt = stop
                    }
                }
                let before = steps[i].log.memoryBytes
                steps[i].log.flushPartials()
                logMemoryBytes += steps[i].log.memoryBytes - before
            }
            return enforceBudget()
        }
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
            let i = stepIndex(for: v.digest, vertex: v, isGroup: false)
            let before = contribution(i)
            defer { adjust(before, i) }
            let wasStarted = steps[i].isStarted
            // A duplicate initial record (no start) must not reset a started vertex.
            if !wasStarted || v.started != nil {
                steps[i].vertex = v
            }
            if let started = v.started {
                steps[i].rawIntervals[started.unixNanos] = Interval(start: started, stop: v.completed)
                steps[i].intervals = Interval.merge(Array(steps[i].rawIntervals.values))
                if !wasStarted { markStarted(i) }
            }
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
        }
        for w in status.warnings {
            guard let i = resolve(w.vertex) else { continue }
            steps[i].warnings.append(w)
        }
        var grew = false
        for l in status.logs {
            note(l.timestamp.isZero ? nil : l.timestamp)
            guard let i = resolve(l.vertex) else { continue }
            let before = steps[i].log.memoryBytes
            steps[i].log.append(stream: l.stream, data: l.data, time: l.timestamp)
            logMemoryBytes += steps[i].log.memoryBytes - before
            grew = true
        }
        return grew ? enforceBudget() : []
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
        // A new step counts from the start (zero before: it did not exist).
        adjust((0, 0, 0, 0, 0), i)
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
        let before = contribution(i)
        defer { adjust(before, i) }
        var step = steps[i]
        var merged = Vertex(digest: gid, name: step.vertex.name, cached: true)
        for d in step.memberOrder {
            guard let m = step.members[d] else { continue }
            if let started = m.started {
                step.rawIntervals[started.unixNanos] = Interval(start: started, stop: m.completed)
                if m.progressGroup?.weak != true { step.hidden = false }
            }
            merged.cached = merged.cached && m.cached
            if merged.error.isEmpty { merged.error = m.error }
        }
        step.intervals = Interval.merge(Array(step.rawIntervals.values))
        merged.started = step.intervals.first?.start
        merged.completed = step.intervals.last?.stop
        step.vertex = merged
        let reveal = !step.hidden && step.startOrder == nil && step.isStarted
        steps[i] = step
        if reveal { markStarted(i) }
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
