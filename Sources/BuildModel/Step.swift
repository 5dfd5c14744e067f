/// What a step is doing, as shown to the user.
public enum StepState: String, Sendable, Equatable {
    /// Announced, not started.
    case pending
    /// Started, not completed.
    case running
    /// Completed from work.
    case done
    /// Completed from the cache.
    case cached
    /// Completed with an error.
    case error
    /// Stopped because the build was canceled (`context canceled`).
    case canceled
}

/// One step of a build: a vertex, or a progress group whose members are merged into one line.
public struct Step: Sendable, Equatable {
    /// Digest of the vertex, or the progress group's id.
    public let id: String
    /// Latest snapshot (for a group: a synthesized record; cached iff all members are, first member error).
    public internal(set) var vertex: Vertex {
        didSet { if vertex.name != oldValue.name { cacheable = Step.isCacheable(vertex.name) } }
    }
    /// Cached answer of `isCacheableInstruction` (names are parsed once, not per frame).
    public private(set) var cacheable: Bool
    /// True for a merged progress group.
    public let isGroup: Bool
    /// A group stays hidden until a non-weak member starts.
    public internal(set) var hidden: Bool
    /// Merged run intervals.
    public internal(set) var intervals: [Interval] = []
    /// Sub-progress items in order of appearance.
    public internal(set) var statuses: [VertexStatus] = []
    /// Output of the step.
    public internal(set) var log = StepLog()
    /// Warnings attached to the step.
    public internal(set) var warnings: [VertexWarning] = []
    /// Order in which the step was first announced.
    public let seenOrder: Int
    /// Order in which the step first started (nil = never started).
    public internal(set) var startOrder: Int?
    /// Set when the build ended while this step was still open (BuildKit stops unfinished work):
    /// the step then shows as canceled and its clock stops here.
    public internal(set) var interruptedAt: Timestamp?

    var rawIntervals: [Int64: Interval] = [:]
    var statusIndex: [String: Int] = [:]
    var members: [String: Vertex] = [:]
    var memberOrder: [String] = []

    init(id: String, vertex: Vertex, isGroup: Bool, seenOrder: Int) {
        self.id = id
        self.vertex = vertex
        self.cacheable = Step.isCacheable(vertex.name)
        self.isGroup = isGroup
        self.hidden = isGroup
        self.seenOrder = seenOrder
    }

    /// Display name.
    public var name: String { vertex.name }
    /// Has run at least once.
    public var isStarted: Bool { !intervals.isEmpty }
    /// The latest merged interval has ended.
    public var isCompleted: Bool { intervals.last.map { $0.stop != nil } ?? false }
    /// Started and not completed.
    public var isRunning: Bool { isStarted && !isCompleted }
    /// Error ends in `context canceled`.
    public var isCanceled: Bool { BuildResult.isCancellation(vertex.error) }
    /// Failed with an error other than cancellation.
    public var hasError: Bool { !vertex.error.isEmpty && !isCanceled }

    /// The state to show.
    public var state: StepState {
        if isCanceled || (interruptedAt != nil && isRunning) { return .canceled }
        if hasError { return .error }
        if isCompleted { return vertex.cached ? .cached : .done }
        return isStarted ? .running : .pending
    }

    /// Seconds spent running (sum of merged intervals; an open one counts up to `now`).
    public func duration(now: Timestamp?) -> Double {
        Interval.totalSeconds(intervals, now: interruptedAt ?? now)
    }

    /// Start of the most recent merged interval.
    public var latestStart: Timestamp? { intervals.last?.start }

    /// True for a Dockerfile instruction step (`[stage n/m] INSTR …`) other than `FROM`: the steps
    /// the cache can serve, and the ones the cache-hit ratio counts.
    public var isCacheableInstruction: Bool { cacheable }

    static func isCacheable(_ name: String) -> Bool {
        guard let (_, instruction) = Step.splitStagePrefix(name) else { return false }
        return !instruction.uppercased().hasPrefix("FROM ")
    }

    /// Splits `[stage 2/3] RUN x` into (`stage 2/3`, `RUN x`); nil when the name has no such prefix.
    public static func splitStagePrefix(_ name: String) -> (String, String)? {
        guard name.hasPrefix("["), let close = name.firstIndex(of: "]") else { return nil }
        let inside = name[name.index(after: name.startIndex)..<close]
        guard let last = inside.split(separator: " ").last, last.contains("/"),
            last.split(separator: "/").count == 2,
            last.split(separator: "/").allSatisfy({ $0.allSatisfy(\.isNumber) })
        else { return nil }
        let rest = name[name.index(after: close)...].drop { $0 == " " }
        return (String(inside), String(rest))
    }
}
