import App
import AppModel
import BuildModel
import Foundation
import TerminalKit
import Testing
import TestSupport
import Views

/// The new-build form through the real loop, with real folders and Dockerfiles.
@MainActor
struct FormScenarioTests {
    static func form(_ h: Harness) -> FormState? {
        if case .form(let f) = h.runtime.state.mode { return f }
        return nil
    }

    /// Moves the focus to `field` with ↓/↑.
    static func focus(_ h: Harness, _ field: FormState.Field) {
        for _ in 0..<20 {
            guard let f = form(h), f.field != field else { return }
            h.keys([f.field.rawValue < field.rawValue ? .down : .up])
        }
    }

    /// Sets the context field to `path` and leaves it (the folder is read).
    static func setContext(_ h: Harness, _ path: String) {
        focus(h, .context)
        h.keys([.ctrl("u")])
        h.type(path)
        h.keys([.down])
    }

    static func twoContexts() throws -> (URL, URL, URL) {
        let root = try TestEngine.tempDir("ctx")
        let a = root.appendingPathComponent("alpha"), b = root.appendingPathComponent("beta")
        try TestEngine.write(["Dockerfile": "FROM localbase AS base\nARG A_ONLY=1\nFROM base AS final\nARG SHARED\n"], in: a)
        try TestEngine.write(["Dockerfile": "FROM localbase\nARG B_ONLY=2\nARG SHARED\nARG API_TOKEN=supersecret123\n"], in: b)
        return (root, a, b)
    }

    /// Switching the context never carries over another context's tags, target or build args:
    /// the new folder starts from its own remembered request, or empty with its Dockerfile's ARGs;
    /// rows the user typed stay.
    @Test func contextSwitchStartsFromThatContext() throws {
        let (root, a, b) = try Self.twoContexts()
        defer { try? FileManager.default.removeItem(at: root) }
        let h = Harness()
        h.keys([.char("n")])
        Self.setContext(h, a.path)
        #expect(Self.form(h)?.args.map(\.name) == ["A_ONLY", "SHARED"])
        Self.focus(h, .target)
        h.keys([.right])
        Self.focus(h, .tags)
        h.type("alpha:1")
        Self.focus(h, .args)
        h.keys([.ctrl("n")])
        h.type("MINE")
        h.keys([.tab])
        h.type("typed")
        h.keys([.ctrl("l")])
        let first = try #require(h.drivers.started.withLock { $0.last?.1 })
        #expect(first.tags == ["alpha:1"] && first.target == "base")
        #expect(first.buildArgs.contains(.init(name: "MINE", value: "typed")))

        // The form opens on the last context, restored from its remembered request.
        h.keys([.char("n")])
        #expect(Self.form(h)?.tags == "alpha:1")
        // A typed row, then another context.
        Self.focus(h, .args)
        h.keys([.ctrl("n")])
        h.type("KEEP_ME")
        Self.setContext(h, b.path)
        let f = try #require(Self.form(h))
        #expect(f.tags == "" && f.target == "")
        #expect(f.stages == [])
        #expect(f.args.map(\.name).sorted() == ["API_TOKEN", "B_ONLY", "KEEP_ME", "SHARED"])
        #expect(!h.text.contains("alpha:1"))
        // A Dockerfile default that looks secret is masked like a typed value.
        #expect(!h.text.contains("supersecret123"))
        #expect(h.text.contains("API_TOKEN"))
        h.keys([.ctrl("l")])
        let second = try #require(h.drivers.started.withLock { $0.last?.1 })
        #expect(second.contextPath == b.path)
        #expect(second.tags.isEmpty && second.target == nil)
        #expect(!second.buildArgs.contains { $0.name == "MINE" || $0.name == "A_ONLY" })
        // Back to the first context: its own request again (not the second's).
        h.keys([.char("n")])
        Self.setContext(h, a.path)
        #expect(Self.form(h)?.tags == "alpha:1")
        #expect(Self.form(h)?.target == "base")
        #expect(Self.form(h)?.args.first { $0.name == "MINE" }?.value == "typed")
        // Another Dockerfile (-f) of the same folder: rows of ARG lines it lacks go.
        try TestEngine.write(["Other.Dockerfile": "FROM localbase\nARG OTHER_ARG\n"], in: a)
        Self.focus(h, .dockerfile)
        h.type(a.path + "/Other.Dockerfile")
        h.keys([.down])
        #expect(Self.form(h)?.args.map(\.name).sorted() == ["MINE", "OTHER_ARG"])
    }

    /// A context or a Dockerfile that does not exist is reported in the form, and ^L refuses.
    @Test func missingContextOrDockerfileIsReportedBeforeLaunch() throws {
        let root = try TestEngine.tempDir("missing")
        defer { try? FileManager.default.removeItem(at: root) }
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let h = Harness()
        h.keys([.char("n")])
        Self.setContext(h, root.path + "/nope")
        #expect(h.text.contains("context folder \(root.path)/nope not found"))
        h.keys([.ctrl("l")])
        #expect(h.drivers.started.withLock { $0.isEmpty })
        #expect(Self.form(h)?.error?.contains("not found") == true)
        Self.setContext(h, empty.path)
        #expect(h.text.contains("no Dockerfile at \(empty.path)/Dockerfile"))
        h.keys([.ctrl("l")])
        #expect(h.drivers.started.withLock { $0.isEmpty })
        // ^L straight from a context typed but not yet read: the check comes first.
        Self.focus(h, .context)
        h.keys([.ctrl("u")])
        h.type(root.path + "/nope2")
        h.keys([.ctrl("l")])
        #expect(h.drivers.started.withLock { $0.isEmpty })
        #expect(Self.form(h)?.error?.contains("nope2 not found") == true)
    }

    /// ^L in the context field with a new folder launches once the folder was read.
    @Test func launchFromTheContextField() throws {
        let (root, a, _) = try Self.twoContexts()
        defer { try? FileManager.default.removeItem(at: root) }
        let h = Harness()
        h.keys([.char("n"), .ctrl("u")])
        h.type(a.path)
        h.keys([.ctrl("l")])
        let r = try #require(h.drivers.started.withLock { $0.last?.1 })
        #expect(r.contextPath == a.path)
        #expect(h.runtime.state.mode == .dashboard)
    }

    /// A focused empty field shows its cursor; Tab's meaning is shown where it applies.
    @Test func cursorAndTabHints() throws {
        let (root, a, _) = try Self.twoContexts()
        defer { try? FileManager.default.removeItem(at: root) }
        let h = Harness()
        h.keys([.char("n")])
        Self.setContext(h, a.path)
        Self.focus(h, .tags)
        let row = try #require(h.text.split(separator: "\n").first { $0.contains("Tags") })
        #expect(row.contains("▏"))
        #expect(h.text.contains("tab next field"))
        Self.focus(h, .context)
        #expect(h.text.contains("tab complete"))
        Self.focus(h, .args)
        #expect(h.text.contains("tab name⇄value"))
    }
}

/// A build keeps one number everywhere, across reruns; a question about a build that ended
/// closes by itself.
@MainActor
struct BuildNumberTests {
    @Test func oneNumberPerBuild() throws {
        let h = Harness()
        for name in ["one", "two", "three"] { h.post([.launch(BuildRequest(name: name, contextPath: "/\(name)"))]) }
        try h.feed(2, fixture: "simple")
        // Rerun build 2: a new run, the same number.
        h.keys([.char("2"), .char("r")])
        #expect(h.runtime.state.message == "rerunning build 2 (two)")
        let rerunID = try #require(h.drivers.started.withLock { $0.last?.0 })
        #expect(rerunID == 4)
        #expect(h.text.contains("2 two"))
        #expect(!h.text.contains("4 two"))
        h.keys([.char("x")])
        #expect(h.text.contains("Cancel build 2 (two)?"))
        h.keys([.char("y")])
        #expect(h.runtime.state.message == "canceling build 2")
        try h.feed(rerunID, fixture: "cancel")
        #expect(h.runtime.state.message == "build 2 (two) canceled")
        // A new build after the rerun is build 4 on screen, whatever its run id.
        h.post([.launch(BuildRequest(name: "four", contextPath: "/four"))])
        #expect(h.text.contains("4 four"))
    }

    @Test func cancelQuestionClosesWhenTheBuildEnds() throws {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "api", contextPath: "/api"))])
        try h.feed(1, fixture: "simple", limit: 3, finish: false)
        h.keys([.char("x")])
        #expect(h.runtime.state.confirm == .cancel(buildID: 1))
        try h.feed(1, fixture: "simple")
        #expect(h.runtime.state.confirm == nil)
        #expect(h.runtime.state.message == "build 1 (api) ended before it was canceled: done")
        #expect(!h.text.contains("Cancel build"))
        h.keys([.char("y")])
        #expect(h.drivers.canceled.withLock { $0.isEmpty })
    }
}

/// `buildtop build` on a terminal: the dashboard leaves by itself when the build ends, unless
/// the user looked around.
@MainActor
struct ExitWhenDoneTests {

    @Test func leavesWhenTheBuildEnds() throws {
        let h = Harness(exitWhenDone: true)
        h.post([.launch(BuildRequest(name: "hello", contextPath: "/hello"))])
        #expect(h.text.contains("closes when the build ends"))
        try h.feed(1, fixture: "failing")
        #expect(h.runtime.state.quitting)
        #expect(h.runtime.state.builds[0].state.phase == .failed)
    }

    @Test func anInteractionKeepsItOpen() throws {
        let h = Harness(exitWhenDone: true)
        h.post([.launch(BuildRequest(name: "hello", contextPath: "/hello"))])
        try h.feed(1, fixture: "simple", limit: 3, finish: false)
        h.keys([.char("z")])
        try h.feed(1, fixture: "simple")
        #expect(!h.runtime.state.quitting)
        #expect(h.text.contains("done"))
    }

    @Test func cancellingStillLeaves() throws {
        let h = Harness(exitWhenDone: true)
        h.post([.launch(BuildRequest(name: "hello", contextPath: "/hello"))])
        try h.feed(1, fixture: "cancel", limit: 8, finish: false)
        h.keys([.char("x"), .char("y")])
        try h.feed(1, fixture: "cancel")
        #expect(h.runtime.state.quitting)
    }
}

/// `s` in the log view asks where to save, proposing a file under `$XDG_STATE_HOME/buildtop/`;
/// nothing is written where the user did not ask (the build context, the current folder).
@MainActor
struct SaveLogTests {
    @Test func saveAsksWhereAndWritesThere() throws {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "ms", contextPath: "/ms"))])
        try h.feed(1, fixture: "multistage")
        h.keys([.enter])
        guard case .logs(let lv) = h.runtime.state.mode else {
            Issue.record("the log view did not open")
            return
        }
        h.keys([.char("s")])
        let proposed = "\(h.drivers.stateDirectory)/buildtop/logs/ms-build1-step\(lv.step + 1).log"
        #expect(h.text.contains("save to: "))
        guard case .logs(let prompt) = h.runtime.state.mode else { return }
        #expect(prompt.savePath == proposed)
        // Esc: nothing saved.
        h.keys([.escape])
        #expect(!FileManager.default.fileExists(atPath: proposed))
        #expect(h.runtime.state.message == "not saved")
        // Again, to a path of the user's choice.
        let dir = try TestEngine.tempDir("save")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("sub/step.log").path
        h.keys([.char("s"), .ctrl("u")])
        h.type(target)
        h.keys([.enter])
        let saved = try String(contentsOfFile: target, encoding: .utf8)
        let step = h.runtime.state.builds[0].state.visibleSteps[lv.step]
        #expect(saved.split(separator: "\n").count == step.log.totalLines)
        #expect(h.runtime.state.message == "saved \(step.log.totalLines) lines to \(target)")
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/buildtop-ms-step\(lv.step + 1).log"))
    }
}
