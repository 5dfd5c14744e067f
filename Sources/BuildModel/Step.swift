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
    /// Reported cached only because its result was never needed (a later step was served from the
    /// cache) or because a failure skipped it: BuildKit's `vertexStream.append` marks such inputs
    /// `cached` with `started == completed` (moby/buildkit#5644). Not a cache hit.
    case skipped
    /// Completed with an error.
    case error
    /// Stopped because the build was canceled (`context canceled`), or still open when it ended.
    case canceled
}

/// One step of a build: a vertex, or a progress group whose members are merged into one line.
public struct Step: Sendable, Equatable {
    /// Digest of the vertex, or the progress group's id.
    public let id: String
    /// Latest snapshot (for a group: a synthesized record; cached iff all members are, first member error).
    public internal(set) var vertex: Vertex {
        didSet { if vertex.name != oldValue.name { kind = Step.Kind(vertex.name) } }
    }
    /// What kind of step the name says (parsed once, not per frame).
    public private(set) var kind: Kind
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
    /// The latest record is one BuildKit synthesized for an input that was never needed
    /// (`cached`, `started == completed`): see `StepState.skipped`.
    public internal(set) var notNeeded = false

    var rawIntervals: [Int64: Interval] = [:]
    var statusIndex: [String: Int] = [:]
    var members: [String: Vertex] = [:]
    var memberOrder: [String] = []

    init(id: String, vertex: Vertex, isGroup: Bool, seenOrder: Int) {
        self.id = id
        self.vertex = vertex
        self.kind = Kind(vertex.name)
        self.isGroup = isGroup
        self.hidden = isGroup
        self.seenOrder = seenOrder
    }

    /// Display name.
    public var name: String { vertex.name }
    /// Has run at least once.
    public var isStarted: Bool { !intervals.isEmpty }
    /// Completed, as the latest record says (BuildKit's printers: `Completed != nil`). A group is
    /// completed when its merged intervals are closed.
    public var isCompleted: Bool {
        guard let last = intervals.last else { return false }
        return isGroup ? last.stop != nil : vertex.completed != nil
    }
    /// Started and not completed.
    public var isRunning: Bool { isStarted && !isCompleted }
    /// Error ends in `context canceled`.
    public var isCanceled: Bool { BuildResult.isCancellation(vertex.error) }
    /// Failed with an error other than cancellation.
    public var hasError: Bool { !vertex.error.isEmpty && !isCanceled }

    /// The state to show (every output reads this one answer).
    public var state: StepState {
        if isCanceled || (interruptedAt != nil && isRunning) { return .canceled }
        if hasError { return .error }
        if isCompleted {
            if notNeeded { return .skipped }
            return vertex.cached ? .cached : .done
        }
        return isStarted ? .running : .pending
    }

    /// Seconds spent running (sum of merged intervals; an open one counts up to `now`).
    public func duration(now: Timestamp?) -> Double {
        Interval.totalSeconds(intervals, now: interruptedAt ?? now)
    }

    /// Start of the most recent merged interval.
    public var latestStart: Timestamp? { intervals.last?.start }

    /// Counted by the cache-hit figure: a user step (buildctl's cache metrics: not `[internal]`,
    /// `[auth]`, `importing cache`, `exporting …`) that the cache can serve (not `FROM`).
    public var countsForCache: Bool { kind == .cacheable }

    /// How a step's name classifies it for the cache figure (buildctl `cachemetrics.go`).
    public enum Kind: Sendable, Equatable {
        /// `[internal] …`, `[auth] …`, `importing cache …`, `exporting …`: not a user step. Also
        /// `copy /context /`, the engine's own step that unpacks the uploaded tar on the `/build`
        /// path (the session paths call the same work `[internal] load build context`), so every
        /// path counts the same steps.
        case `internal`
        /// `[…] FROM …`: a user step the cache cannot serve.
        case from
        /// Any other user step.
        case cacheable

        init(_ name: String) {
            if name.hasPrefix("[internal]") || name.hasPrefix("[auth]") || name.hasPrefix("importing cache")
                || name.hasPrefix("exporting ") || name == "copy /context /"
            {
                self = .internal
            } else if name.hasPrefix("["), Kind.containsFrom(name) {
                self = .from
            } else {
                self = .cacheable
            }
        }

        /// `] FROM` anywhere in the name (buildctl's `^\[.*\] FROM`).
        static func containsFrom(_ name: String) -> Bool {
            let u = Array(name.utf8)
            let pattern = Array("] FROM".utf8)
            guard u.count >= pattern.count else { return false }
            for i in 0...(u.count - pattern.count) where u[i] == 93 && Array(u[i..<(i + pattern.count)]) == pattern {
                return true
            }
            return false
        }
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

/// The cache-hit figure: one definition for the panel header, the summary, `buildtop build`'s last
/// line and history. Counted over user steps the cache can serve (`Step.countsForCache`):
/// `hits` = such steps served from the cache, `of` = such steps that were served or ran (done,
/// cached or failed). Skipped, canceled, pending and running steps are in neither.
public struct CacheFigure: Sendable, Equatable {
    /// Steps served from the cache.
    public var hits: Int
    /// Steps served or run.
    public var of: Int

    /// Creates a figure.
    public init(hits: Int, of: Int) {
        self.hits = hits
        self.of = of
    }

    /// Share of hits, nil before any counted step completed.
    public var ratio: Double? { of == 0 ? nil : Double(hits) / Double(of) }

    /// `2/3 cached (67%)`, or `0/0 cached` before any counted step completed.
    public var text: String {
        guard let ratio else { return "\(hits)/\(of) cached" }
        return "\(hits)/\(of) cached (\(Int((ratio * 100).rounded()))%)"
    }
}
