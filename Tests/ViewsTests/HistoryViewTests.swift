import AppModel
import BuildEvents
import BuildModel
import Foundation
import HistoryModel
import TerminalKit
import Testing
import TestSupport
import Views

/// Snapshots of the history view, a stored build in a panel, the timeline (live and finished,
/// blocks and ASCII) and the comparison.
struct HistoryViewTests {
    static func rows() -> [HistoryRow] {
        func row(_ ref: String, _ name: String, _ status: String, _ duration: Double?, _ hits: Int, age: Double, context: String) -> HistoryRow {
            HistoryRow(
                ref: ref, name: name, context: context, status: status, startedAt: UIFixtures.now.adding(seconds: -age),
                duration: duration, cache: CacheFigure(hits: hits, of: 3), builder: "default",
                request: BuildRequest(name: name, contextPath: context),
                error: status == "failed" ? "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3" : nil)
        }
        return [
            row("q1w2e3r4t5y6u7i8o9p0a1s2d", "api", "running", nil, 1, age: 5, context: "/src/api"),
            row("z9x8c7v6b5n4m3l2k1j0h9g8f", "api", "completed", 12.4, 3, age: 600, context: "/src/api"),
            row("m1n2b3v4c5x6z7l8k9j0h1g2f", "web\u{1b}[31mred", "failed", 3.1, 0, age: 7200, context: "/src/web"),
            row("p0o9i8u7y6t5r4e3w2q1a2s3d", "api", "interrupted", 40.2, 2, age: 90_000, context: "/src/api"),
            row("a5s4d3f2g1h0j9k8l7z6x5c4v", "api", "canceled", 2, 0, age: 200_000, context: "/src/api"),
        ]
    }

    static func state(_ mode: Mode, size: Size = Size(width: 110, height: 22)) throws -> AppState {
        var st = try UIFixtures.state([("multistage", nil)], size: size)
        st.now = UIFixtures.now
        st.mode = mode
        return st
    }

    @Test func historyList() throws {
        var h = HistoryViewState()
        h.rows = Self.rows()
        h.loading = false
        h.selected = 2
        let screen = UIFixtures.render(try Self.state(.history(h)))
        Snapshot.assert(screen, named: "history-list", styles: true)
        let text = screen.text()
        #expect(text.contains("history — 5 builds"))
        #expect(text.contains("trend of /src/web (1 build)"))
        #expect(text.contains("✗ process \"/bin/sh -c exit 3\""), "the selected failed build's error")
        #expect(!text.contains("\u{1b}"))
        for line in text.split(separator: "\n") { #expect(Sanitizer.isSafe(String(line))) }
    }

    @Test func historyFiltered() throws {
        var h = HistoryViewState()
        h.rows = Self.rows()
        h.loading = false
        h.filter = "interr"
        h.filtering = true
        let screen = UIFixtures.render(try Self.state(.history(h)))
        Snapshot.assert(screen, named: "history-filtered")
        #expect(screen.text().contains("filter: interr▏"))
        #expect(h.visible.map(\.status) == ["interrupted"])
    }

    /// A finished multi-stage build on a time axis: two stages overlap.
    @Test func timelineFinished() throws {
        let st = try Self.state(.timeline(TimelineViewState(buildID: 1)), size: Size(width: 110, height: 24))
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "timeline-multistage", styles: true)
        let model = Timeline.Model(try #require(st.build(1)).state)
        #expect(model.maxConcurrency >= 2)
        #expect(screen.text().contains("max \(model.maxConcurrency)"))
        var ascii = TimelineViewState(buildID: 1)
        ascii.ascii = true
        let a = UIFixtures.render(try Self.state(.timeline(ascii), size: Size(width: 110, height: 24)))
        Snapshot.assert(a, named: "timeline-multistage-ascii")
    }

    /// A running build's timeline: bars end at now.
    @Test func timelineRunning() throws {
        var st = try UIFixtures.state([("multistage", 12)], size: Size(width: 100, height: 20))
        st.mode = .timeline(TimelineViewState(buildID: 1))
        Snapshot.assert(UIFixtures.render(st), named: "timeline-running")
    }

    /// Compare mode: each row carries the other build's duration delta and the miss reason.
    @Test func timelineCompared() throws {
        let prev = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage-cached")))
        var st = try Self.state(.dashboard, size: Size(width: 120, height: 24))
        let cur = BuildSnapshot(state: try #require(st.build(1)).state)
        var t = TimelineViewState(buildID: 1)
        t.comparison = BuildComparison.compare(previous: prev, current: cur)
        st.mode = .timeline(t)
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "timeline-compared")
        #expect(screen.text().contains("compared with the build before it"))
        #expect(screen.text().contains("MISS"), "\(screen.text())")
    }

    @Test func comparison() throws {
        let prev = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage")), buildArgs: ["VERSION": "1.2.3"])
        let cur = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage-cached")), buildArgs: ["VERSION": "1.2.3"])
        let c = BuildComparison.compare(previous: prev, current: cur)
        let lines = ComparisonText.lines(c, previous: prev, current: cur, width: 100)
        let st = try Self.state(.text(TextViewState(title: "multistage: 2 against 1", lines: lines)), size: Size(width: 110, height: 24))
        Snapshot.assert(UIFixtures.render(st), named: "compare-text")
    }
}
