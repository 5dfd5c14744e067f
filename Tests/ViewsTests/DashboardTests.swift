import App
import AppModel
import BuildModel
import TerminalKit
import Testing
import TestSupport
import Views

struct DashboardTests {
    /// Three builds side by side: done, failed (error box with the failing step's lines), running.
    @Test func gridOfThreeBuilds() throws {
        let st = try UIFixtures.state([("multistage", nil), ("failing", nil), ("multistage", 30)], size: Size(width: 160, height: 44))
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "grid-three-builds", styles: true)
        let text = screen.text()
        #expect(text.contains("ERROR in [2/2] RUN"))
        #expect(text.contains("main.c:3: error: expected ';'"))
        #expect(text.contains("steps 10/10"))
    }

    /// The error box points at the failing instruction's line in the Dockerfile.
    @Test func errorBoxShowsDockerfileLine() throws {
        var st = try UIFixtures.state([("failing", nil)], size: Size(width: 110, height: 24))
        st.builds[0].dockerfileLines = ["FROM localbase", "RUN echo \"compiling...\" && sleep 1 && echo \"main.c:3: error: expected ';'\" >&2 && exit 3"]
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "error-dockerfile-line")
        #expect(screen.text().contains("Dockerfile:2  RUN echo"))
    }

    /// A running build shows the live tail of its running step's log.
    @Test func runningStepShowsLogTail() throws {
        let st = try UIFixtures.state([("multistage", 25)], size: Size(width: 100, height: 30))
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "running-tail")
        #expect(screen.text().contains("│ b line"))
    }

    /// Zoomed and stacked layouts.
    @Test func layouts() throws {
        var st = try UIFixtures.state([("simple", nil), ("failing", nil)], size: Size(width: 100, height: 30))
        st.layout = .zoomed
        st.focus = 1
        Snapshot.assert(UIFixtures.render(st), named: "zoomed")
        st.layout = .stacked
        Snapshot.assert(UIFixtures.render(st), named: "stacked")
    }

    /// A panel too small for all steps keeps the running and failed ones and says how many are hidden.
    @Test func smallPanelKeepsImportantSteps() throws {
        let st = try UIFixtures.state([("failing", nil)], size: Size(width: 70, height: 12))
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "small-panel")
        #expect(screen.text().contains("more steps"))
        #expect(screen.text().contains("[2/2] RUN"))
    }

    /// The step-and-log view of a failed build, with timestamps and a search highlight.
    @Test func logView() throws {
        var st = try UIFixtures.state([("failing", nil)], size: Size(width: 110, height: 20))
        var lv = LogViewState(buildID: 1, step: 4)
        lv.timestamps = true
        lv.search = "error"
        lv.matchLine = 1
        st.mode = .logs(lv)
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "log-view", styles: true)
        #expect(screen.text().contains("main.c:3: error: expected ';'"))
    }

    /// The new-build form with build args (a secret value masked), help and the palette.
    @Test func formHelpPalette() throws {
        var st = try UIFixtures.state([], size: Size(width: 100, height: 30))
        var form = FormState()
        form.context = "examples/multistage"
        form.stages = ["slow", "counter"]
        form.args = [.init(name: "VERSION", value: "", defaultValue: "0.0.0-dev"), .init(name: "NPM_TOKEN", value: "s3cr3t-value")]
        form.field = .args
        form.argRow = 1
        st.mode = .form(form)
        let screen = UIFixtures.render(st)
        Snapshot.assert(screen, named: "form")
        #expect(!screen.text().contains("s3cr3t"))
        #expect(screen.text().contains("default: 0.0.0-dev"))
        st.mode = .dashboard
        st.showHelp = true
        Snapshot.assert(UIFixtures.render(st), named: "help")
        st.showHelp = false
        st.palette = "theme mo"
        Snapshot.assert(UIFixtures.render(st), named: "palette")
    }

    /// The footer shows only keys that work: no rerun while running, no cancel when finished.
    @Test func footerShowsOnlyWorkingKeys() throws {
        let running = try UIFixtures.state([("multistage", 20)])
        let hints = Keymap.hints(for: running).map(\.label)
        #expect(hints.contains("cancel the build"))
        #expect(!hints.contains("rerun the build"))
        let done = try UIFixtures.state([("multistage", nil)])
        let h2 = Keymap.hints(for: done).map(\.label)
        #expect(h2.contains("rerun the build"))
        #expect(!h2.contains("cancel the build"))
    }
}

struct HostileTextTests {
    /// Hostile step names, log lines and errors never put a control character on the screen.
    @Test func hostileTextNeverReachesTheScreen() {
        var st = AppState(now: UIFixtures.now, theme: .default, size: Size(width: 120, height: 50))
        let samples = HostileCorpus.samples
        var state = BuildState(name: "hostile")
        let t = UIFixtures.now
        for (i, s) in samples.enumerated() {
            let d = "sha256:h\(i)"
            let name = String(decoding: s, as: UTF8.self)
            _ = state.apply(SolveStatus(
                vertexes: [Vertex(digest: d, name: "[\(i % 9 + 1)/9] RUN " + name, started: t, completed: i % 3 == 0 ? nil : t, error: i % 7 == 0 ? name : "")],
                statuses: [VertexStatus(id: name, vertex: d, total: 10, current: 5, timestamp: t)],
                logs: [VertexLog(vertex: d, stream: 1 + i % 2, data: s + [10] + s, timestamp: t)],
                warnings: i % 11 == 0 ? [VertexWarning(vertex: d, short: s)] : []))
        }
        _ = state.apply(.finished(.failed(String(decoding: samples[5], as: UTF8.self))))
        var entry = BuildEntry(id: 1, request: BuildRequest(name: String(decoding: samples[3], as: UTF8.self), contextPath: "/x"), state: state, builder: String(decoding: samples[7], as: UTF8.self), launchedAt: t)
        entry.cancelRequested = false
        st.builds = [entry]
        var screens = [UIFixtures.render(st)]
        st.tailLines = 20
        st.layout = .zoomed
        screens.append(UIFixtures.render(st))
        for step in stride(from: 0, to: min(samples.count, 400), by: 37) {
            var lv = LogViewState(buildID: 1, step: step)
            lv.wrap = step % 2 == 0
            st.mode = .logs(lv)
            screens.append(UIFixtures.render(st))
        }
        var cells = 0
        for screen in screens {
            for c in screen.cells {
                cells += 1
                #expect(Sanitizer.isSafe(c.text), "unsafe cell \(Array(c.text.unicodeScalars.map(\.value)))")
            }
        }
        #expect(cells > 50_000)
        #expect(samples.count >= 300)
    }
}
