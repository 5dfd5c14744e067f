import BuildModel
import Testing

private let d1 = "sha256:" + String(repeating: "1", count: 64)
private let d2 = "sha256:" + String(repeating: "2", count: 64)
private let d3 = "sha256:" + String(repeating: "3", count: 64)

private func t(_ s: Double) -> Timestamp { Timestamp(unix: 1_700_000_000 + s) }

struct BuildStateTests {
    /// A vertex that runs twice (cache check, then execution) has both intervals merged for its duration.
    @Test func intervalsAreMergedAcrossRestarts() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/1] RUN x")]))
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/1] RUN x", started: t(0), completed: t(1))]))
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/1] RUN x", started: t(2))]))
        var step = try! #require(st.step(d1))
        #expect(step.state == .running)
        #expect(step.intervals.count == 2)
        #expect(abs(step.duration(now: t(3)) - 2.0) < 1e-6)
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/1] RUN x", started: t(2), completed: t(4))]))
        // An overlapping interval is merged, not added.
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/1] RUN x", started: t(3), completed: t(5))]))
        step = try! #require(st.step(d1))
        #expect(step.state == .done)
        #expect(step.intervals == [Interval(start: t(0), stop: t(1)), Interval(start: t(2), stop: t(5))])
        #expect(abs(step.duration(now: nil) - 4.0) < 1e-6)
        #expect(st.completedSteps == 1)
        #expect(st.totalSteps == 1)
    }

    /// A repeated initial record without a start time must not reset a started vertex.
    @Test func duplicateInitialRecordKeepsState() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "x", started: t(0))]))
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "x")]))
        #expect(st.step(d1)?.vertex.started == t(0))
        #expect(st.step(d1)?.state == .running)
    }

    /// Go's zero time means "unset": a vertex whose start is the zero time has not started.
    @Test func zeroTimestampsMeanUnset() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "x", started: .zero, completed: .zero)]))
        #expect(st.step(d1)?.state == .pending)
        #expect(st.startTime == nil)
        _ = st.apply(SolveStatus(statuses: [VertexStatus(id: "s", vertex: d1, current: 1, timestamp: .zero, started: .zero)]))
        #expect(st.step(d1)?.statuses.first?.started == nil)
    }

    /// Statuses are snapshots keyed by vertex + id: a later record replaces the earlier one in place.
    @Test func statusesAreKeyedByVertexAndID() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "x", started: t(0))]))
        _ = st.apply(SolveStatus(statuses: [
            VertexStatus(id: "layer", vertex: d1, total: 100, current: 10, timestamp: t(1)),
            VertexStatus(id: "other", vertex: d1, current: 5, timestamp: t(1)),
        ]))
        _ = st.apply(SolveStatus(statuses: [VertexStatus(id: "layer", vertex: d1, total: 100, current: 60, timestamp: t(2))]))
        // Unknown vertex: skipped like BuildKit does.
        _ = st.apply(SolveStatus(statuses: [VertexStatus(id: "layer", vertex: d2, current: 1, timestamp: t(2))]))
        let step = try! #require(st.step(d1))
        #expect(step.statuses.map(\.id) == ["layer", "other"])
        #expect(step.statuses[0].current == 60)
        #expect(st.step(d2) == nil)
    }

    /// Log deltas are split per stream; each stream's unfinished tail waits for its newline.
    @Test func partialLinesPerStream() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "x", started: t(0))]))
        func log(_ s: Int, _ text: String, _ at: Double) -> SolveStatus {
            SolveStatus(logs: [VertexLog(vertex: d1, stream: s, data: Array(text.utf8), timestamp: t(at))])
        }
        _ = st.apply(log(1, "a\nb", 1))
        _ = st.apply(log(2, "err", 2))
        _ = st.apply(log(1, "c\nd\n", 3))
        _ = st.apply(log(2, "or\n", 4))
        let lines = try! #require(st.step(d1)).log.lines()
        #expect(lines.map { String(decoding: $0.text, as: UTF8.self) } == ["a", "bc", "d", "error"])
        #expect(lines.map(\.stream) == [1, 1, 1, 2])
        // A line's time is when it began.
        #expect(lines[1].time == t(1))
        #expect(lines[3].time == t(2))
        _ = st.apply(log(1, "tail", 5))
        #expect(st.step(d1)?.log.partialLines.map { String(decoding: $0.text, as: UTF8.self) } == ["tail"])
        _ = st.apply(.finished(.succeeded(imageID: nil)))
        #expect(st.step(d1)?.log.lines().last.map { String(decoding: $0.text, as: UTF8.self) } == "tail")
    }

    /// Progress-group members are merged into one step: counted once, cached only if all members
    /// are, hidden until a non-weak member starts.
    @Test func progressGroupsMergeIntoOneStep() {
        let pg = ProgressGroup(id: "pg1", name: "[2/3] COPY --link a b", weak: false)
        let weak = ProgressGroup(id: "pg1", name: "[2/3] COPY --link a b", weak: true)
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "m1", started: t(0), progressGroup: weak)]))
        #expect(st.totalSteps == 0)
        #expect(st.visibleSteps.isEmpty)
        _ = st.apply(SolveStatus(vertexes: [
            Vertex(digest: d1, name: "m1", started: t(0), completed: t(1), cached: true, progressGroup: weak),
            Vertex(digest: d2, name: "m2", started: t(0.5), progressGroup: pg),
        ]))
        #expect(st.totalSteps == 1)
        #expect(st.visibleSteps.map(\.name) == ["[2/3] COPY --link a b"])
        #expect(st.step("pg1")?.state == .running)
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d2, name: "m2", started: t(0.5), completed: t(2), progressGroup: pg)]))
        let g = try! #require(st.step("pg1"))
        #expect(g.state == .done)  // not all members cached
        #expect(abs(g.duration(now: nil) - 2.0) < 1e-6)
        // Logs of a member land in the group.
        _ = st.apply(SolveStatus(logs: [VertexLog(vertex: d2, stream: 1, data: Array("x\n".utf8), timestamp: t(1))]))
        #expect(st.step("pg1")?.log.totalLines == 1)
        #expect(st.completedSteps == 1)
    }

    /// An error ending in `context canceled` is a cancellation, not a failure.
    @Test func canceledIsNotAnError() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [
            Vertex(digest: d1, name: "[1/2] RUN a", started: t(0), completed: t(1), error: "exit code: 137: context canceled: context canceled"),
            Vertex(digest: d2, name: "[2/2] RUN b", started: t(0), completed: t(1), error: "exit code: 2"),
        ]))
        #expect(st.step(d1)?.state == .canceled)
        #expect(st.step(d2)?.state == .error)
        #expect(st.failedStep?.id == d2)
        _ = st.apply(.finished(.canceled))
        #expect(st.phase == .canceled)
    }

    /// Counts and the cache figure over user steps (buildctl's cache metrics: FROM, `[internal]`
    /// and export steps excluded); a zero-width cached record is a skipped step, counted nowhere.
    @Test func countsAndCacheRatio() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [
            Vertex(digest: d1, name: "[internal] load metadata", started: t(0), completed: t(1), cached: true),
            Vertex(digest: d2, name: "[stage-1 1/4] FROM docker.io/library/x", started: t(0), completed: t(1), cached: true),
            Vertex(digest: d3, name: "[stage-1 2/4] RUN make", started: t(1), completed: t(1.5), cached: true),
            Vertex(digest: "sha256:4", name: "[stage-1 3/4] RUN test"),
            Vertex(digest: "sha256:5", name: "[stage-1 4/4] RUN skip", started: t(2), completed: t(2), cached: true),
        ]))
        #expect(st.totalSteps == 5)
        #expect(st.completedSteps == 4)
        #expect(st.cachedSteps == 3)
        #expect(st.skippedSteps == 1)
        #expect(st.step("sha256:5")?.state == .skipped)
        #expect(st.cache == CacheFigure(hits: 1, of: 1))
        #expect(st.cache.text == "1/1 cached (100%)")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: "sha256:4", name: "[stage-1 3/4] RUN test", started: t(2), completed: t(3))]))
        #expect(st.cache == CacheFigure(hits: 1, of: 2))
        #expect(st.cacheHitRatio == 0.5)
        // A step that fails ran: it is a miss.
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: "sha256:6", name: "[stage-1 5/5] RUN x", started: t(3), completed: t(4), error: "exit code: 1")]))
        #expect(st.cache == CacheFigure(hits: 1, of: 3))
    }

    /// A vertex whose latest record is completed and cached is cached, even when BuildKit left an
    /// earlier start open (the recorded failing build's FROM): not canceled when the build fails.
    @Test func latestRecordDecidesTheState() {
        var st = BuildState(name: "b")
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/2] FROM x", started: t(0))]))
        #expect(st.step(d1)?.state == .running)
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "[1/2] FROM x", started: t(0.5), completed: t(0.6), cached: true)]))
        #expect(st.step(d1)?.state == .cached)
        #expect(st.step(d1)?.intervals == [Interval(start: t(0), stop: t(0.6))])
        _ = st.apply(.finished(.failed("boom")))
        #expect(st.step(d1)?.state == .cached)
        #expect(st.completedSteps == 1)
    }

    /// A stream without a result (rawjson) decides from its steps.
    @Test func streamEndedInfersTheResult() {
        func ended(_ vertexes: [Vertex], output: [String] = []) -> BuildResult? {
            var st = BuildState(name: "b")
            _ = st.apply(SolveStatus(vertexes: vertexes))
            for o in output { _ = st.apply(.output(o)) }
            _ = st.apply(.streamEnded)
            return st.result
        }
        let ctx = Vertex(digest: d1, name: "[internal] load build context", started: t(0), completed: t(1))
        let run = Vertex(digest: d2, name: "[1/2] RUN x", started: t(1), completed: t(2))
        #expect(ended([ctx, run]) == .succeeded(imageID: nil))
        #expect(ended([ctx, run], output: ["ERROR: failed to solve: boom"]) == .failed("failed to solve: boom"))
        var failing = run
        failing.error = "exit code: 3"
        #expect(ended([ctx, failing]) == .failed("exit code: 3"))
        var canceled = run
        canceled.error = "context canceled"
        #expect(ended([ctx, canceled]) == .canceled)
        var open = run
        open.completed = nil
        #expect(ended([ctx, open]) == .failed("the stream ended while 1 step was still running"))
        #expect(ended([ctx]) == .failed("the stream ended before any build step ran (no result recorded)"))
    }

    /// Logs beyond the memory budget leave memory as spill effects; line numbering stays whole.
    @Test func logBudgetSpillsOldestLines() {
        var st = BuildState(name: "b", logBudget: 4096)
        _ = st.apply(SolveStatus(vertexes: [Vertex(digest: d1, name: "x", started: t(0))]))
        var spilled: [LogLine] = []
        var splitter = LineSplitter()
        for i in 0..<2000 {
            let effects = st.apply(SolveStatus(logs: [VertexLog(vertex: d1, stream: 1, data: Array("line \(i)\n".utf8), timestamp: t(1))]))
            for case .spillLog(let id, let lines) in effects {
                #expect(id == d1)
                for c in lines.chunks { splitter.feed(c) { spilled.append($0) } }
            }
            #expect(st.logMemoryBytes <= 4096)
        }
        let log = try! #require(st.step(d1)).log
        #expect(log.totalLines == 2000)
        #expect(log.spilledLines == spilled.count)
        #expect(spilled.count > 1000)
        let all = spilled + log.lines()
        #expect(all.enumerated().allSatisfy { String(decoding: $1.text, as: UTF8.self) == "line \($0)" })
    }
}

struct FinishTests {
    /// When a build ends, a step BuildKit left open is done after success and canceled after failure.
    @Test func openStepsAtTheEnd() {
        for (result, expected) in [(BuildResult.succeeded(imageID: nil), StepState.done), (.failed("x"), .canceled)] {
            var st = BuildState(name: "b")
            _ = st.apply(SolveStatus(vertexes: [
                Vertex(digest: "sha256:a", name: "[1/2] FROM x", started: Timestamp(unix: 10)),
                Vertex(digest: "sha256:b", name: "[2/2] RUN y", started: Timestamp(unix: 10), completed: Timestamp(unix: 12)),
            ]))
            #expect(st.completedSteps == 1)
            _ = st.apply(.finished(result))
            #expect(st.step("sha256:a")?.state == expected)
            #expect(st.completedSteps == (expected == .done ? 2 : 1))
            #expect(abs((st.step("sha256:a")?.duration(now: Timestamp(unix: 100)) ?? 0) - 2) < 1e-6)
        }
    }
}
