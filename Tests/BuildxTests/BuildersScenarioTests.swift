import App
import AppModel
import BuildModel
import Foundation
import LiveServices
import TerminalKit
import Testing
import TestSupport
import Views

/// The builders menu and buildx builds on the real runtime with the live services: buildx's files
/// in a temporary docker config, `docker` = the contract double or a docker without buildx.
@MainActor
struct BuildersScenarioTests {
    let config: URL
    let terminal = ScriptedTerminal(size: Size(width: 130, height: 32))
    let runtime: Runtime

    init(buildx: Bool) throws {
        config = try BuildxFixtures.makeConfig("scn")
        let docker = buildx ? BuildxFixtures.doublesDirectory : try BuildxFixtures.dockerWithoutBuildx()
        var env = BuildxFixtures.environment(config: config, dockerDirectory: docker, extra: [
            "XDG_STATE_HOME": config.appendingPathComponent("state").path, "BUILDX_DOUBLE_STREAM": "multistage",
            "BUILDX_DOUBLE_BOOT": "0",
        ])
        env["BUILDX_DOUBLE_DELAY"] = "0"
        let services = RuntimeServices.live(
            hostFlag: nil, contextFlag: nil, builderFlag: nil, environment: env,
            themeDirectories: [Fixtures.repositoryRoot.appendingPathComponent("themes").path], clock: { UIFixtures.now })
        runtime = Runtime(state: AppState(now: UIFixtures.now, theme: .default, size: terminal.size), terminal: terminal, services: services)
    }

    init() throws { try self.init(buildx: false) }

    /// Runs the real loop until `done` holds and the screen shows it (or 20 s pass).
    func settle(until done: @escaping (AppState) -> Bool) async {
        let runtime = self.runtime
        let deadline = DispatchTime.now().uptimeNanoseconds + 20_000_000_000
        runtime.run(until: {
            if DispatchTime.now().uptimeNanoseconds > deadline {
                Issue.record("the loop did not settle in 20 s")
                return true
            }
            return done(runtime.state) && !runtime.needsRedraw
        })
    }

    /// Plays keys through the real loop until they are drawn.
    func keys(_ ks: [Key]) {
        terminal.script += ks.map { .key($0) }
        let terminal = self.terminal
        let runtime = self.runtime
        runtime.run(until: { terminal.script.isEmpty && !runtime.needsRedraw && runtime.bus.isEmpty })
    }

    var text: String { terminal.screen.text() }

    func currentFile() -> String? {
        FileManager.default.contents(atPath: config.appendingPathComponent("buildx/current").path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Without buildx: open the menu, pick `oldone`, Enter — the store says so and the marker moves.
    @Test func switchDefaultMovesTheMarker() async throws {
        keys([.char("b")])
        await settle { $0.builderList != nil && !$0.buildersLoading }
        #expect(text.contains("builders — current: default (docker context default)"))
        #expect(text.contains("* default"))
        #expect(runtime.state.builderList?.builders.map(\.name) == ["builder1", "oldone", "ssh1", "default", "remote1"])
        keys([.char("j")])  // builder1 → oldone
        keys([.enter])
        await settle { $0.commandLog.count == 1 && !$0.buildersLoading && $0.currentBuilder == "oldone" }
        #expect(currentFile() == #"{"Key":"unix:///var/run/docker.sock","Name":"oldone","Global":false}"#)
        #expect(runtime.state.currentBuilder == "oldone")
        #expect(text.contains("* oldone"))
        #expect(!text.contains("* default"))
        #expect(text.contains("✓ buildtop builders use oldone"))  // what ran: buildtop, not buildx
        #expect(text.contains(" builder: oldone "))
        // D on `default` resets to the context's builder, --default clears defaults/.
        keys([.char("j"), .char("j"), .char("D")])
        await settle { $0.commandLog.count == 2 && !$0.buildersLoading }
        #expect(currentFile() == #"{"Key":"unix:///var/run/docker.sock","Name":"","Global":false}"#)
        #expect(text.contains("* default"))
        // Without buildx, create says clearly that it needs buildx.
        keys([.char("c")])
        #expect(runtime.state.commandLog.last?.succeeded == false)
        #expect(runtime.state.commandLog.last?.output.contains("needs buildx, which is not installed") == true)
        // Back to the dashboard: new builds use the new current builder.
        keys([.escape])
        #expect(runtime.state.mode == .dashboard)
    }

    /// With buildx (the double): a build on a docker-container builder streams like an Engine build.
    @Test func buildxBuildShowsLiveProgress() async throws {
        let scenario = try BuildersScenarioTests(buildx: true)
        let ctx = try TestEngine.tempDir("scnctx")
        try Data("FROM scratch\n".utf8).write(to: ctx.appendingPathComponent("Dockerfile"))
        scenario.runtime.bus.post(.launch(BuildRequest(name: "api", contextPath: ctx.path, builder: "builder1")))
        await scenario.settle { $0.builds.first.map { !$0.isRunning } ?? false }
        let build = try #require(scenario.runtime.state.builds.first)
        #expect(build.builder == "builder1")
        #expect(build.state.phase == .succeeded)
        // The same steps, counts and cache hits as the recording decoded directly.
        var reference = BuildState(name: "api")
        for item in try Fixtures.rawjson("multistage") { if case .status(let s) = item { _ = reference.apply(.status(s)) } }
        #expect(build.state.totalSteps == reference.totalSteps)
        #expect(build.state.completedSteps == reference.completedSteps)
        #expect(build.state.cachedSteps == reference.cachedSteps)
        #expect(build.state.visibleSteps.map(\.name) == reference.visibleSteps.map(\.name))
        #expect(scenario.text.contains("builder1"))
        #expect(scenario.text.contains("steps \(reference.totalSteps)/\(reference.totalSteps)"))
    }

    /// With buildx (the double): create from the form, see it listed and current, remove it (confirmed).
    @Test func createAndRemoveThroughBuildx() async throws {
        let scenario = try BuildersScenarioTests(buildx: true)
        scenario.keys([.char("b")])
        await scenario.settle { $0.builderList != nil && !$0.buildersLoading }
        #expect(scenario.runtime.state.builderList?.buildxVersion == "v0.17.1")
        scenario.keys([.char("c")])
        for ch in "ci-1" { scenario.keys([.char(ch)]) }
        scenario.keys([.down, .right])  // driver → kubernetes → back is ←; keep docker-container
        scenario.keys([.left])
        scenario.keys([.enter])
        await scenario.settle { $0.commandLog.count == 1 && !$0.buildersLoading && $0.currentBuilder == "ci-1" }
        let created = try #require(scenario.runtime.state.commandLog.first)
        #expect(created.succeeded, "\(created.output)")
        #expect(created.command == "docker buildx create --name ci-1 --driver docker-container --use")
        #expect(scenario.text.contains("* ci-1"))
        let instance = scenario.config.appendingPathComponent("buildx/instances/ci-1")
        #expect(FileManager.default.fileExists(atPath: instance.path))
        // Remove: asks first, then runs `docker buildx rm`.
        let index = try #require(scenario.runtime.state.builderList?.builders.firstIndex { $0.name == "ci-1" })
        scenario.keys(Array(repeating: Key.char("k"), count: 10) + Array(repeating: Key.char("j"), count: index))
        scenario.keys([.char("d")])
        #expect(scenario.text.contains("Remove builder ci-1 (docker buildx rm)?"))
        scenario.keys([.char("y")])
        await scenario.settle { $0.commandLog.count == 2 && !$0.buildersLoading }
        #expect(scenario.runtime.state.commandLog.last?.command == "docker buildx rm ci-1")
        #expect(scenario.runtime.state.commandLog.last?.succeeded == true)
        #expect(!FileManager.default.fileExists(atPath: instance.path))
        #expect(scenario.runtime.state.builderList?.builders.contains { $0.name == "ci-1" } == false)
        // A context builder cannot be removed: said in one line, nothing run.
        let def = try #require(scenario.runtime.state.builderList?.builders.firstIndex { $0.name == "default" })
        scenario.keys(Array(repeating: Key.char("k"), count: 10) + Array(repeating: Key.char("j"), count: def) + [.char("d")])
        #expect(scenario.runtime.state.message == "default is a docker context's builder: remove it with `docker context rm default`")
        #expect(scenario.runtime.state.commandLog.count == 2)
    }
}
