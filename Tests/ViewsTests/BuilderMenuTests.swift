import App
import AppModel
import Foundation
import BuildModel
import TerminalKit
import Testing
import TestSupport
import Views

struct BuilderMenuTests {
    static func list(current: String = "builder1") -> BuilderList {
        var builders = [
            Builder(
                name: "builder1", driver: "docker-container",
                nodes: [.init(name: "builder10", endpoint: "remote1", status: "running", version: "v0.20.0", platforms: ["linux/amd64", "linux/arm64"])]),
            Builder(name: "k8s", driver: "kubernetes", nodes: [.init(name: "k8s0", endpoint: "kubernetes:///k8s?deployment=&kubeconfig=", status: "inactive"), .init(name: "k8s1", endpoint: "x")]),
            Builder(name: "broken", driver: "remote", nodes: [.init(name: "broken0", endpoint: "tcp://10.0.0.9:1234", status: "error", error: "connection refused")]),
            Builder(name: "default", driver: "docker", nodes: [.init(name: "default", endpoint: "default", status: "running", version: "v0.8+unknown", platforms: ["linux/amd64"])], isContextBuilder: true),
            Builder(name: "evil\u{1b}[31m", driver: "docker", nodes: [.init(name: "x", endpoint: "x\u{7}")], isContextBuilder: true),
        ]
        for i in builders.indices { builders[i].isCurrent = builders[i].name == current }
        return BuilderList(
            builders: builders, current: current, source: .environment, overriddenStoreChoice: "k8s", contextName: "default",
            buildxVersion: "v0.17.1", warnings: [], aliasInstalled: true)
    }

    static func state(_ menu: BuilderMenuState, size: Size = Size(width: 120, height: 26)) -> AppState {
        var st = AppState(now: UIFixtures.now, theme: .default, size: size)
        st.builderList = list()
        st.currentBuilder = "builder1"
        st.mode = .builders(menu)
        st.commandLog = [
            CommandLogEntry(command: "docker buildx use --default builder1", succeeded: true, output: ""),
            CommandLogEntry(command: "docker buildx rm default", succeeded: false, output: "ERROR: context builder cannot be removed, run `docker context rm default` to remove this context"),
        ]
        return st
    }

    /// The list with the current marker, statuses, the override note and the command log.
    @Test func menu() {
        var menu = BuilderMenuState()
        menu.selected = 3
        let screen = UIFixtures.render(Self.state(menu))
        Snapshot.assert(screen, named: "builders-menu", styles: true)
        let text = screen.text()
        #expect(text.contains("builders — current: builder1 (BUILDX_BUILDER)"))
        #expect(text.contains("* builder1"))
        #expect(text.contains("NOTE: BUILDX_BUILDER selects \"builder1\" instead of the stored default \"k8s\""))
        #expect(text.contains("✗ docker buildx rm default"))
        #expect(text.contains("docker build → buildx: on"))
        for row in text.split(separator: "\n") { #expect(Sanitizer.isSafe(String(row))) }
        #expect(!text.contains("\u{1b}"))
    }

    /// The create form shows the exact command it will run.
    @Test func createForm() {
        var menu = BuilderMenuState()
        var form = CreateBuilderForm()
        form.name = "ci"
        form.driverOptions = "network=host,image=moby/buildkit:v0.20.0"
        form.platforms = "linux/amd64, linux/arm64"
        form.field = .driver
        menu.create = form
        let screen = UIFixtures.render(Self.state(menu))
        Snapshot.assert(screen, named: "builders-create")
        let text = screen.text()
        #expect(text.contains("docker buildx create --name ci --driver docker-container --driver-opt "))
        #expect(text.contains(" network=host --driver-opt image=moby/buildkit:v0.20.0 --platform "))
        #expect(text.contains(" linux/amd64 --platform linux/arm64 --use "))
        #expect(form.spec.buildxArguments == [
            "create", "--name", "ci", "--driver", "docker-container", "--driver-opt", "network=host", "--driver-opt",
            "image=moby/buildkit:v0.20.0", "--platform", "linux/amd64", "--platform", "linux/arm64", "--use",
        ])
    }

    /// Without buildx the menu says what works and what needs it.
    @Test func withoutBuildx() {
        var st = Self.state(BuilderMenuState(), size: Size(width: 150, height: 20))
        st.builderList?.buildxVersion = nil
        st.commandLog = []
        let text = UIFixtures.render(st).text()
        #expect(text.contains("buildx not installed: use works; create, remove, bootstrap, stop and the alias need buildx"))
        #expect(text.contains("c create (needs buildx)"))
    }
}

struct ClientWarningTests {
    /// buildx's own warnings (stray `WARNING:` lines on stderr) show in the build's panel.
    @Test func buildxWarningsShowInThePanel() throws {
        var st = try UIFixtures.state([("simple", nil)], size: Size(width: 110, height: 20))
        _ = st.builds[0].state.apply(.output("WARNING: No output specified with docker-container driver. Build result will only remain in the build cache."))
        _ = st.builds[0].state.apply(.output("#0 building with \"b1\" instance"))
        let text = UIFixtures.render(st).text()
        #expect(text.contains("⚠ WARN: No output specified with docker-container driver."))
        #expect(!text.contains("#0 building with"))
    }
}
