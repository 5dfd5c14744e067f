import App
import AppModel
import BuildModel
import TerminalKit
import Testing
import TestSupport
import Views

/// The builders part of the reducer, pure: stale discoveries, keys before the first discovery,
/// commands that need buildx, the inspect pane.
struct BuildersReducerTests {
    func list(_ current: String, buildx: String? = "v0.17.1") -> BuilderList {
        let names = ["a", "b", "default"]
        return BuilderList(
            builders: names.map { Builder(name: $0, driver: $0 == "default" ? "docker" : "docker-container", nodes: [.init(name: $0 + "0", endpoint: "default")], isCurrent: $0 == current, isContextBuilder: $0 == "default") },
            current: current, source: .store, contextName: "default", buildxVersion: buildx)
    }

    @Test func staleDiscoveriesAreDropped() {
        var st = AppState(now: UIFixtures.now, theme: .default, size: Size(width: 100, height: 30))
        #expect(st.apply(.key(.char("b"))) == [.discoverBuilders(generation: 1)])
        #expect(st.apply(.key(.char("r"))) == [.discoverBuilders(generation: 2)])
        _ = st.apply(.buildersLoaded(list("b"), generation: 2))
        #expect(st.currentBuilder == "b" && !st.buildersLoading)
        _ = st.apply(.buildersLoaded(list("a"), generation: 1))  // older, arrives late
        #expect(st.currentBuilder == "b")
    }

    @Test func keysBeforeTheFirstDiscoveryDoNotClaimBuildxIsMissing() {
        var st = AppState(now: UIFixtures.now, theme: .default, size: Size(width: 100, height: 30))
        _ = st.apply(.key(.char("b")))
        #expect(st.apply(.key(.enter)) == [])
        #expect(st.message == "still looking for builders…")
        #expect(st.commandLog.isEmpty)
    }

    @Test func commandsThatNeedBuildxAreRefusedInTheLogWithoutIt() {
        var st = AppState(now: UIFixtures.now, theme: .default, size: Size(width: 100, height: 30))
        _ = st.apply(.key(.char("b")))
        _ = st.apply(.buildersLoaded(list("default", buildx: nil), generation: 1))
        #expect(st.apply(.key(.char("s"))) == [])
        #expect(st.commandLog.last?.command == "docker buildx stop a (not run)")
        #expect(st.commandLog.last?.succeeded == false)
        #expect(st.apply(.key(.char("a"))) == [])  // the alias without buildx would break docker build
        #expect(st.commandLog.last?.output.contains("install the docker-buildx plugin first") == true)
        // use works without buildx (buildtop writes the store).
        #expect(st.apply(.key(.enter)) == [.runBuilderCommand(.use(name: "a", global: false, makeDefault: false))])
    }

    @Test func inspectPaneClosesOnEscapeAndOnOtherCommands() {
        var st = AppState(now: UIFixtures.now, theme: .default, size: Size(width: 100, height: 30))
        _ = st.apply(.key(.char("b")))
        _ = st.apply(.buildersLoaded(list("a"), generation: 1))
        #expect(st.apply(.key(.char("i"))) == [.runBuilderCommand(.inspect(name: "a"))])
        _ = st.apply(.builderCommandFinished(.inspect(name: "a"), CommandLogEntry(command: "docker buildx inspect a", succeeded: true, output: "Name: a")))
        guard case .builders(let m1) = st.mode else { Issue.record("left the menu"); return }
        #expect(m1.detail == "Name: a")
        _ = st.apply(.key(.escape))
        guard case .builders(let m2) = st.mode else { Issue.record("Esc left the menu instead of closing the pane"); return }
        #expect(m2.detail == nil)
        _ = st.apply(.key(.escape))
        #expect(st.mode == .dashboard)
    }
}
