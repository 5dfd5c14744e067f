import BuildEvents
import BuildModel
@testable import HistoryModel
import Testing
import TestSupport

/// The timeline: bars, critical path, concurrency, and its text.
struct TimelineTests {
    typealias S = Synthetic

    func model(_ name: String) throws -> Timeline.Model {
        Timeline.Model(Fixtures.state(try Fixtures.rawjson(name)))
    }

    /// The two first stages of the multistage build run at the same time.
    @Test func multistageRunsInParallel() throws {
        let m = try model("multistage")
        let a = try #require(m.rows.first { $0.name.hasPrefix("[a 2/2] RUN") })
        let b = try #require(m.rows.first { $0.name.hasPrefix("[b 2/2] RUN") })
        let (as0, ae) = (try #require(a.start), try #require(a.stop))
        let (bs0, be) = (try #require(b.start), try #require(b.stop))
        #expect(as0 < be && bs0 < ae, "the bars overlap")
        #expect(a.state == .executed && b.state == .executed)
        #expect(m.maxConcurrency >= 2)
        #expect(m.concurrency(columns: 50).max() ?? 0 >= 2)
        #expect(m.busy > m.wall)
        #expect(m.parallelism > 1.5)
        #expect(m.cache == Fixtures.state(try Fixtures.rawjson("multistage")).cache)
        // The critical path ends with the export and goes through the final RUN and a stage's RUN.
        let path = m.criticalPath.map { m.rows[$0].name }
        #expect(path.last == "exporting to image")
        #expect(path.contains("[stage-2 4/4] RUN echo \"version=dev\""))
        // COPY --from=b waited for COPY --from=a (finished after b's RUN), which waited for a's RUN.
        #expect(path.contains { $0.hasPrefix("[a 2/2] RUN") })
        #expect(!path.contains { $0.hasPrefix("[b 2/2] RUN") })
        #expect(path.first == "[internal] load remote build context")
        #expect(m.rows.filter(\.onCriticalPath).count == path.count)
        let lines = Timeline.lines(m, width: 100)
        #expect(lines[0].hasPrefix("wall 2.6s  busy "))
        #expect(lines[0].hasSuffix("par  cache 0/5 (0%)"))
        #expect(lines.last?.hasPrefix("  conc") == true)
        #expect(lines.last?.hasSuffix("max 2") == true)
    }

    /// Eighth blocks at the end of a bar, right-aligned blocks at its start, a marker for no time.
    @Test func barPrecision() {
        #expect(Timeline.bar([(0, 1.5)], columns: 4, glyphs: .unicode) == "█▌  ")
        #expect(Timeline.bar([(0, 1.125)], columns: 4, glyphs: .unicode) == "█▏  ")
        #expect(Timeline.bar([(0, 1.875)], columns: 4, glyphs: .unicode) == "█▉  ")
        #expect(Timeline.bar([(0.5, 3.25)], columns: 4, glyphs: .unicode) == "▐██▎")
        #expect(Timeline.bar([(0.875, 2)], columns: 4, glyphs: .unicode) == "▕█  ")
        #expect(Timeline.bar([(1.2, 1.45)], columns: 4, glyphs: .unicode) == " ▎  ")
        #expect(Timeline.bar([(2, 2)], columns: 4, glyphs: .unicode) == "  · ")
        #expect(Timeline.bar([(0, 1.5)], columns: 4, glyphs: .ascii) == "#=  ")
        #expect(Timeline.bar([(3.5, 9)], columns: 4, glyphs: .unicode) == "   ▐")
    }

    /// A whole small timeline, exactly: a step of 1.5 cells, then one of 28.5 cells (1 s a cell).
    @Test func exactText() {
        let st = S.state([
            S.v("a", "[1/2] RUN a", 0, 1.5),
            S.v("b", "[2/2] RUN b", inputs: ["a"], 1.5, 30),
        ])
        let m = Timeline.Model(st)
        #expect(m.criticalPath == [0, 1])
        let layout = Timeline.Layout(m, width: 50)
        #expect(layout.barColumns == 30 && layout.labelWidth == 11)
        #expect(
            Timeline.lines(m, width: 50) == [
                "wall 30.0s  busy 30.0s  ×1.0 par  cache 0/2 (0%)",
                "              0s        10s       20s",
                "              ├─────────┼─────────┼────────┤",
                "★ [1/2] RUN a █▌                              1.5s",
                "★ [2/2] RUN b  ▐████████████████████████████ 28.5s",
                "  conc        ██████████████████████████████ max 1",
            ])
        #expect(
            Timeline.lines(m, width: 50, glyphs: .ascii) == [
                "wall 30.0s  busy 30.0s  x1.0 par  cache 0/2 (0%)",
                "              0s        10s       20s",
                "              |---------+---------+--------|",
                "* [1/2] RUN a #=                              1.5s",
                "* [2/2] RUN b  =############################ 28.5s",
                "  conc        111111111111111111111111111111 max 1",
            ])
    }

    /// ASCII output is printable ASCII only, for every fixture, with a comparison too.
    @Test func asciiIsAscii() throws {
        for name in Fixtures.names {
            let st = Fixtures.state(try Fixtures.rawjson(name))
            let c = BuildComparison.compare(previous: BuildSnapshot(state: st), current: BuildSnapshot(state: st))
            for comparison in [nil, c] {
                for line in Timeline.lines(Timeline.Model(st, comparison: comparison), width: 80, glyphs: .ascii) {
                    #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(name): \(line)")
                }
            }
        }
    }

    /// Every line fits, at 40, 80 and 200 columns (and survives 20), with and without a
    /// comparison, and never carries a control character.
    @Test(arguments: [20, 40, 80, 200])
    func linesFit(width: Int) throws {
        var states = try Fixtures.names.map { Fixtures.state(try Fixtures.rawjson($0)) }
        states.append(S.state([S.v("h", "[1/1] RUN \u{1b}]0;title\u{07}漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 👩‍💻", 0, 1)]))
        let cached = BuildSnapshot(state: states[2])
        for st in states {
            let c = BuildComparison.compare(previous: cached, current: BuildSnapshot(state: st))
            for glyphs in [Timeline.Glyphs.unicode, .ascii] {
                for comparison in [nil, c] {
                    let lines = Timeline.lines(Timeline.Model(st, comparison: comparison), width: width, glyphs: glyphs)
                    #expect(!lines.isEmpty)
                    for line in lines {
                        #expect(Cells.width(line) <= width, "\(line)")
                        #expect(!line.unicodeScalars.contains { Cells.isUnsafe($0) })
                    }
                }
            }
        }
    }

    /// A build in which no step started: the header alone.
    @Test func noStartedSteps() throws {
        let m = Timeline.Model(S.state([S.v("a", "[1/2] RUN a", nil, nil), S.v("b", "[2/2] RUN b", nil, nil)], result: nil))
        #expect(!m.hasStartedSteps)
        #expect(m.rows.map(\.state) == [.pending, .pending])
        #expect(Timeline.lines(m, width: 80) == ["wall 0.0s  busy 0.0s  ×0.0 par  cache 0/0"])
        #expect(Timeline.lines(Timeline.Model(BuildState(name: "empty")), width: 40).count == 1)
    }

    /// A live build: the running step's bar ends at `now`.
    @Test func runningStepEndsAtNow() throws {
        let st = S.state([S.v("a", "[1/2] RUN a", 0, 1), S.v("b", "[2/2] RUN b", inputs: ["a"], 1, nil)], result: nil)
        let m = Timeline.Model(st, now: S.t(5))
        let b = try #require(m.rows.last)
        #expect(b.state == .running)
        #expect(b.stop == 5 && b.duration == 4)
        #expect(m.wall == 5)
        #expect(m.criticalPath == [0, 1])
    }

    /// With a comparison: the first miss is marked `▶`, rows carry the outcome and the delta.
    @Test func comparisonNotes() throws {
        let before = ContextManifest(entries: [S.entry("app.txt", "sha256:1")])
        let after = ContextManifest(entries: [S.entry("app.txt", "sha256:2")])
        let previous = BuildSnapshot(state: S.copyBuild(tag: "1", copyCached: true, runCached: true), manifest: before)
        let current = BuildSnapshot(state: S.copyBuild(tag: "2", copyCached: false, runCached: false), manifest: after)
        let c = BuildComparison.compare(previous: previous, current: current)
        let m = Timeline.Model(current.state, comparison: c)
        let copy = try #require(m.rows.first { $0.name == "[2/3] COPY app.txt /app/" })
        #expect(copy.glyph(.unicode) == "▶")
        #expect(copy.note(.unicode) == "MISS ctx: app.txt +0.3s")
        let run = try #require(m.rows.first { $0.name == "[3/3] RUN make" })
        #expect(run.note(.unicode) == "cascade +1.5s")
        let lines = Timeline.lines(m, width: 100)
        #expect(lines[0].hasSuffix("cache 0/2 (0%)  ▲+0.0s vs previous"))
        #expect(lines.contains { $0.hasPrefix("▶ [2/3] COPY app.txt /app/") && $0.hasSuffix("0.3s MISS ctx: app.txt +0.3s") })
    }
}
