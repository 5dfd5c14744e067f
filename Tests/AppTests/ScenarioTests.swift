import App
import AppModel
import BuildEvents
import BuildModel
import Foundation
import Synchronization
import TerminalKit
import Testing
import TestSupport
import Views

/// A fake driver: records starts and cancels; the test feeds events.
final class FakeDrivers: Sendable {
    let started = Mutex<[(Int, BuildRequest)]>([])
    let canceled = Mutex<[Int]>([])
    let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bt-scn-\(UUID().uuidString.prefix(6))").path

    func services(clock: TestClock, cancel: @escaping @Sendable (Int) async -> Void = { _ in }, history: HistoryService = .none) -> RuntimeServices {
        let root = Fixtures.repositoryRoot.appendingPathComponent("themes").path
        var services = RuntimeServices(
            startBuild: { id, request, _ in
                self.started.withLock { $0.append((id, request)) }
                return BuildHandle(
                    cancel: {
                        self.canceled.withLock { $0.append(id) }
                        await cancel(id)
                    }, task: Task {})
            },
            themeDirectories: [root], environment: ["XDG_STATE_HOME": stateDirectory, "HOME": stateDirectory],
            clock: { clock.wall }, monotonic: { clock.monotonic })
        services.history = history
        return services
    }
}

/// Drives the real runtime loop (`Runtime.run`) through a scripted terminal and a test clock.
@MainActor
final class Harness {
    let clock = TestClock()
    let terminal: ScriptedTerminal
    let drivers = FakeDrivers()
    let runtime: Runtime

    init(
        size: Size = Size(width: 140, height: 40), exitWhenDone: Bool = false, cancel: @escaping @Sendable (Int) async -> Void = { _ in },
        history: HistoryService = .none
    ) {
        terminal = ScriptedTerminal(size: size, clock: clock)
        var state = AppState(now: clock.wall, theme: .default, size: size)
        state.exitWhenDone = exitWhenDone
        runtime = Runtime(state: state, terminal: terminal, services: drivers.services(clock: clock, cancel: cancel, history: history))
    }

    /// Plays terminal actions through the real loop until all they caused is on the screen (and,
    /// with `waitForFiles`, until the file effects they started came back).
    func play(_ actions: [ScriptedTerminal.Action], waitForFiles: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        terminal.script += actions
        let terminal = self.terminal
        let runtime = self.runtime
        let deadline = DispatchTime.now().uptimeNanoseconds + 20_000_000_000
        runtime.run(until: {
            if DispatchTime.now().uptimeNanoseconds > deadline {
                Issue.record("the loop did not settle in 20 s", sourceLocation: sourceLocation)
                return true
            }
            guard terminal.script.isEmpty else { return false }
            return waitForFiles ? runtime.isIdle : !runtime.needsRedraw && runtime.bus.isEmpty
        })
    }

    func keys(_ ks: [Key]) { play(ks.map { .key($0) }) }

    func type(_ s: String) { keys(s.map { .char($0) }) }

    func settle() { play([]) }

    /// Events from the background (drivers, file effects) arrive through the runtime's bus.
    func post(_ events: [AppEvent]) {
        let bus = runtime.bus
        play([.run { for e in events { bus.post(e) } }])
    }

    func feed(_ id: Int, fixture: String, limit: Int? = nil, finish: Bool = true) throws {
        var n = 0
        var failure: String?
        var events: [AppEvent] = []
        for item in try Fixtures.engine(fixture) {
            switch item {
            case .status(let s):
                if let limit, n >= limit { break }
                events.append(.driver(id: id, .status(s)))
                n += 1
            case .error(let e): failure = e
            default: break
            }
        }
        if finish {
            events.append(.driver(id: id, .finished(failure.map(BuildResult.init(error:)) ?? .succeeded(imageID: "sha256:abc"))))
        }
        post(events)
    }

    var text: String { terminal.screen.text() }
}

@MainActor
struct ScenarioTests {
    /// Launch from the form with a build arg: the request carries it and a panel opens at once.
    @Test func launchFromFormWithBuildArg() throws {
        let h = Harness()
        let dir = try TestEngine.tempDir("form")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "ARG BASE=localbase\nFROM $BASE AS builder\nARG GREETING=hello\nRUN echo $GREETING\nFROM builder AS final\n"], in: dir)
        h.keys([.char("n"), .ctrl("u")])
        h.type(dir.path)
        h.keys([.down])  // leaves the context field: the Dockerfile is read
        #expect(h.text.contains("GREETING"))
        #expect(h.text.contains("default: hello"))
        h.keys([.up, .down])
        // Target: choose "builder" with →.
        h.keys([.down, .right])
        #expect(h.text.contains("builder"))
        // Down to the build args, value of the GREETING row.
        for _ in 0..<7 { h.keys([.down]) }
        guard case .form(let form) = h.runtime.state.mode else {
            Issue.record("form closed")
            return
        }
        #expect(form.field == .args)
        let row = try #require(form.args.firstIndex { $0.name == "GREETING" })
        while case .form(let f) = h.runtime.state.mode, f.argRow < row { h.keys([.down]) }
        h.type("hi there")
        h.keys([.ctrl("l")])
        let started = h.drivers.started.withLock { $0 }
        #expect(started.count == 1)
        let request = try #require(started.first?.1)
        #expect(request.buildArgs.contains(.init(name: "GREETING", value: "hi there")))
        #expect(!request.buildArgs.contains { $0.name == "BASE" })  // default kept
        #expect(request.target == "builder")
        #expect(h.runtime.state.mode == .dashboard)
        #expect(h.text.contains("1 " + dir.lastPathComponent))
        // The form was remembered for this folder.
        h.keys([.char("n")])
        h.settle()
        guard case .form(let f) = h.runtime.state.mode else {
            Issue.record("the form did not open")
            return
        }
        #expect(f.args.first { $0.name == "GREETING" }?.value == "hi there")
    }

    /// Cancel asks first, then reaches the driver; the panel shows the canceled build.
    @Test func cancelAndRerun() throws {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "api", contextPath: "/ctx/api"))])
        try h.feed(1, fixture: "cancel", limit: 8, finish: false)
        #expect(h.text.contains("running"))
        h.keys([.char("x")])
        #expect(h.text.contains("Cancel build 1 (api)?"))
        h.keys([.char("y")])
        // The cancel is performed asynchronously.
        for _ in 0..<100 where h.drivers.canceled.withLock({ $0.isEmpty }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(h.drivers.canceled.withLock { $0 } == [1])
        #expect(h.text.contains("canceling"))
        try h.feed(1, fixture: "cancel")
        #expect(h.text.contains("canceled"))
        #expect(h.text.contains("CANCELED"))
        // Rerun starts the same request again.
        h.keys([.char("r")])
        let started = h.drivers.started.withLock { $0 }
        #expect(started.count == 2)
        #expect(started.last?.1.contextPath == "/ctx/api")
    }

    /// Zoom shows one build full screen; Tab moves the focus.
    @Test func zoomAndFocus() throws {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "one", contextPath: "/a"))])
        h.post([.launch(BuildRequest(name: "two", contextPath: "/b"))])
        try h.feed(1, fixture: "simple")
        try h.feed(2, fixture: "failing")
        #expect(h.text.contains("1 one") && h.text.contains("2 two"))
        h.keys([.char("1"), .char("z")])
        #expect(h.text.contains("1 one") && !h.text.contains("2 two"))
        h.keys([.tab])
        #expect(!h.text.contains("1 one") && h.text.contains("2 two"))
        h.keys([.char("z")])
        #expect(h.text.contains("1 one") && h.text.contains("2 two"))
    }

    /// Search in a log: `/` text Enter jumps to the match, `n` cycles, Esc leaves.
    @Test func searchInLog() throws {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "ms", contextPath: "/ms"))])
        try h.feed(1, fixture: "multistage")
        h.keys([.enter])
        guard case .logs = h.runtime.state.mode else {
            Issue.record("log view not open")
            return
        }
        h.keys([.tab])  // focus the steps
        while case .logs(let lv) = h.runtime.state.mode, !(h.runtime.state.builds[0].state.visibleSteps[lv.step].name.hasPrefix("[b 2/2]")) {
            let before = lv.step
            h.keys([.char("k")])
            if case .logs(let after) = h.runtime.state.mode, after.step == before { break }
        }
        h.keys([.tab, .char("/")])
        h.type("line 1")
        h.keys([.enter])
        #expect(h.runtime.state.message?.hasPrefix("match 1/") == true)
        h.keys([.char("n")])
        #expect(h.runtime.state.message?.hasPrefix("match 2/") == true)
        h.keys([.char("N")])
        #expect(h.runtime.state.message?.hasPrefix("match 1/") == true)
        #expect(h.text.contains("/line 1"))
        h.keys([.char("w"), .char("t"), .char("f")])
        guard case .logs(let lv) = h.runtime.state.mode else {
            Issue.record("the log view closed")
            return
        }
        #expect(lv.wrap && lv.timestamps)
        h.keys([.escape])
        #expect(h.runtime.state.mode == .dashboard)
    }

    /// `:theme NAME` switches live; an unknown theme is one message.
    @Test func themeSwitch() {
        let h = Harness()
        h.keys([.char(":")])
        h.type("theme mono")
        h.keys([.enter])
        #expect(h.runtime.state.theme.name == "mono")
        h.keys([.char(":")])
        h.type("theme no-such-theme")
        h.keys([.enter])
        #expect(h.runtime.state.theme.name == "mono")
        #expect(h.runtime.state.message?.contains("no-such-theme") == true)
    }

    /// `q` asks while builds run and cancels them on yes; quits at once otherwise.
    @Test func quitAsksWhileBuildsRun() throws {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "slow", contextPath: "/s"))])
        try h.feed(1, fixture: "cancel", limit: 5, finish: false)
        h.keys([.char("q")])
        #expect(h.text.contains("still running"))
        h.keys([.char("n")])
        #expect(!h.runtime.state.quitting)
        h.keys([.char("q"), .char("y")])
        #expect(h.runtime.state.quitting)
        // The cancel goes out in the background (quitting never waits for it).
        for _ in 0..<2000 where h.drivers.canceled.withLock({ $0.isEmpty }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(h.drivers.canceled.withLock { $0 } == [1])
    }
}

struct PathCompletionTests {
    /// Folder completion: a partial name, a trailing slash, "." and "..".
    @Test func completesFolders() throws {
        let dir = try TestEngine.tempDir("complete")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["alpha/x": "", "alpine/y": "", "beta/z": "", "file.txt": ""], in: dir)
        let base = dir.path + "/"
        #expect(PathCompletion.complete(base + "al") == [base + "alpha/", base + "alpine/"])
        #expect(PathCompletion.complete(base) == [base + "alpha/", base + "alpine/", base + "beta/"])
        #expect(PathCompletion.complete(base + "file") == [])
        #expect(PathCompletion.complete(".") == ["./"])
        #expect(PathCompletion.complete(base + "..") == [base + "../"])
    }
}
