import BuildModel
import Testing

/// Elapsed time on the right clock: the wall clock for live builds (stopped when they end), the
/// recording's own clock for replays.
struct BuildClockTests {
    let wall0 = Timestamp(unix: 2_000_000_000)
    /// A daemon whose clock is 3 h behind ours.
    let stream0 = Timestamp(unix: 2_000_000_000 - 3 * 3600)

    func vertex(started: Double, completed: Double? = nil) -> SolveStatus {
        SolveStatus(vertexes: [
            Vertex(digest: "sha256:a", name: "[1/1] RUN x", started: stream0.adding(seconds: started), completed: completed.map { stream0.adding(seconds: $0) })
        ])
    }

    /// A build that fails before it starts (a missing context) shows a stopped clock.
    @Test func failedBeforeStartStops() {
        var st = BuildState(name: "b")
        var clock = BuildClock(launchedAt: wall0)
        _ = st.apply(.finished(.failed("unable to prepare context: path \"nope\" not found")))
        clock.observe(st, now: wall0.adding(seconds: 0.3))
        #expect(abs(clock.elapsed(st, now: wall0.adding(seconds: 52)) - 0.3) < 1e-6)
    }

    /// A build whose engine died after 6 s shows about 6 s, whatever its last status said and
    /// however skewed the daemon's clock is.
    @Test func engineLostAfterSixSeconds() {
        var st = BuildState(name: "b")
        var clock = BuildClock(launchedAt: wall0)
        _ = st.apply(vertex(started: 0))
        clock.observe(st, now: wall0.adding(seconds: 0.1))
        #expect(abs(clock.elapsed(st, now: wall0.adding(seconds: 3.1)) - 3.0) < 1e-6)
        _ = st.apply(.finished(.engineLost("connection reset")))
        clock.observe(st, now: wall0.adding(seconds: 6.1))
        #expect(abs(clock.elapsed(st, now: wall0.adding(seconds: 100)) - 6.0) < 1e-6)
        #expect(st.phase == .failed)
    }

    /// A replay is timed on the recording's clock, not against today's wall clock.
    @Test func recordingClock() {
        var st = BuildState(name: "b")
        var clock = BuildClock(source: .recording, launchedAt: wall0.adding(seconds: 86_400 * 2))
        _ = st.apply(vertex(started: 0))
        _ = st.apply(vertex(started: 0, completed: 2.5))
        clock.observe(st, now: wall0.adding(seconds: 86_400 * 2))
        #expect(abs(clock.elapsed(st, now: wall0.adding(seconds: 86_400 * 3)) - 2.5) < 1e-6)
    }
}
