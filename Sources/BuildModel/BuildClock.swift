/// A build's elapsed time, on the right clock.
///
/// A live build is timed on the wall clock: from launch until its first step starts, then from
/// that start, mapped to local time the way BuildKit's display does (`localTimeDiff`: the wall
/// time when the first start arrived minus that start), until the moment it ended. So a build that
/// fails before it starts shows a stopped clock, a build whose engine died after 6 s shows about
/// 6 s, and a daemon with a skewed clock does not skew the figure. A replayed recording is timed
/// on its own clock: first start to latest event.
public struct BuildClock: Sendable, Equatable {
    /// Which clock.
    public enum Source: Sendable, Equatable {
        /// The build runs now: wall clock.
        case live
        /// A recording plays: the stream's own times.
        case recording
    }

    /// Which clock this build uses.
    public var source: Source
    /// Wall time of the launch.
    public var launchedAt: Timestamp
    /// Wall time minus stream time, taken when the first start arrived (live builds).
    public private(set) var offset: Double?
    /// Wall time at which the build ended.
    public private(set) var endedAt: Timestamp?

    /// Creates a clock for a build launched (or added) at `launchedAt`.
    public init(source: Source = .live, launchedAt: Timestamp) {
        self.source = source
        self.launchedAt = launchedAt
    }

    /// Notes the state after an event that arrived at wall time `now`.
    public mutating func observe(_ state: BuildState, now: Timestamp) {
        if offset == nil, let start = state.startTime { offset = now.seconds(since: start) }
        if endedAt == nil, state.result != nil { endedAt = now }
    }

    /// Seconds elapsed at wall time `now` (a stopped figure once the build ended).
    public func elapsed(_ state: BuildState, now: Timestamp) -> Double {
        switch source {
        case .recording:
            guard let start = state.startTime, let last = state.lastEventTime else { return 0 }
            return max(0, last.seconds(since: start))
        case .live:
            let end = endedAt ?? now
            guard let start = state.startTime, let offset else { return max(0, end.seconds(since: launchedAt)) }
            return max(0, end.seconds(since: start.adding(seconds: offset)))
        }
    }
}

/// Words and figures every output uses for a build, so they cannot disagree.
public enum BuildSummary {
    /// `done`, `failed`, `canceled`, `running`, `queued`.
    public static func word(_ phase: BuildPhase) -> String {
        switch phase {
        case .queued: "queued"
        case .running: "running"
        case .succeeded: "done"
        case .failed: "failed"
        case .canceled: "canceled"
        }
    }

    /// `done in 2.1s, 7/7 steps, 2/2 cached (100%), 4 skipped, image sha256:0123456789ab`.
    public static func line(_ state: BuildState, elapsed: Double, phase: BuildPhase? = nil) -> String {
        var out = "\(word(phase ?? state.phase)) in \(DurationText.format(elapsed)), "
        out += "\(state.completedSteps)/\(state.totalSteps) steps, \(state.cache.text)"
        if state.skippedSteps > 0 { out += ", \(state.skippedSteps) skipped" }
        if let id = state.imageID { out += ", image \(id.prefix(19))" }
        return out
    }
}

/// Durations as the panels show them.
public enum DurationText {
    /// `0.3s`, `12.3s`, `2m05s`, `1h02m`.
    public static func format(_ s: Double) -> String {
        let s = max(0, s)
        if s < 60 { return ByteUnits.fixed(s, 1) + "s" }
        let total = Int(s)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if total < 3600 { return "\(total / 60)m" + two(total % 60) + "s" }
        return "\(total / 3600)h" + two(total % 3600 / 60) + "m"
    }
}
