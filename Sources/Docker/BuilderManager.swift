import BuildModel
import Foundation

/// Runs builder commands: through `docker buildx` when it is installed, otherwise — for what
/// needs no BuildKit (`use`, the alias, `inspect`) — by writing buildx's own files exactly as
/// buildx does, so a later `docker buildx` sees the same choice.
public struct BuilderManager: Sendable {
    /// Where the builders come from.
    public var discovery: BuilderDiscovery

    /// Creates a manager.
    public init(discovery: BuilderDiscovery) {
        self.discovery = discovery
    }

    /// Runs a command; `buildxInstalled` says which way.
    public func perform(_ command: BuilderCommand, buildxInstalled: Bool) async -> CommandLogEntry {
        let cli = discovery.cli
        if buildxInstalled, let cli {
            let out = await cli.run(command.buildxArguments)
            var text = out.stdout
            if !out.stderr.isEmpty { text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + out.stderr }
            return CommandLogEntry(command: out.command, succeeded: out.succeeded, output: text)
        }
        if let why = command.refusalWithoutBuildx {
            return CommandLogEntry(command: command.commandLine + " (not run)", succeeded: false, output: "ERROR: \(why)")
        }
        // buildtop does it itself: the log names what ran.
        let shown = command.ownCommandLine
        do throws(BuildxStore.StoreError) {
            switch command {
            case .use(let name, let global, let makeDefault):
                let done = try use(name, global: global, makeDefault: makeDefault)
                return CommandLogEntry(command: shown, succeeded: true, output: done)
            case .setAlias(let on):
                let dir = discovery.contexts.configDirectory
                try DockerConfigFile.setBuildxAlias(on, configDirectory: dir)
                let file = DockerConfigFile.path(configDirectory: dir)
                return CommandLogEntry(
                    command: shown, succeeded: true,
                    output: on ? "" : "removed aliases.builder from \(file)")
            case .inspect(let name):
                let list = await discovery.discover(builderFlag: nil)
                guard let b = list.builder(named: name) else { throw BuildxStore.StoreError("no builder \"\(name)\" found") }
                return CommandLogEntry(command: shown, succeeded: true, output: Self.inspectText(b))
            default:
                throw BuildxStore.StoreError("`docker buildx \(command.buildxArguments.first ?? "")` needs buildx")  // refused above
            }
        } catch {
            return CommandLogEntry(command: shown, succeeded: false, output: "ERROR: \(error.description)")
        }
    }

    /// buildx `runUse` on the files (PROTOCOL.md §4.3): an instance becomes current for this
    /// endpoint (and its default with `makeDefault`); `default` or the current context's name
    /// resets the choice; another context's name asks to switch the docker context.
    public func use(_ name: String, global: Bool, makeDefault: Bool) throws(BuildxStore.StoreError) -> String {
        let contexts = discovery.contexts
        let store = discovery.store
        let key = contexts.endpointKey
        let found: Bool
        do {
            found = try store.instance(named: name) != nil
        } catch {
            // Only "no such instance" goes on to the context checks (buildx `runUse`).
            throw BuildxStore.StoreError("failed to find instance \"\(name)\": \(error.description)")
        }
        let lookupError = "open \(store.path("instances", name.lowercased())): no such file or directory"
        if found {
            try store.setCurrent(key: key, name: name, global: global, makeDefault: makeDefault)
            return "current builder for \(key): \(name)" + (global ? " (global)" : "") + (makeDefault ? " (default for this context)" : "")
        }
        if name == "default", contexts.currentName != "default" {
            throw BuildxStore.StoreError("run `docker context use default` to switch to default context")
        }
        if name == "default" || name == contexts.currentName {
            try store.setCurrent(key: key, name: "", global: false, makeDefault: false)
            return "current builder for \(key): the context's own builder \"\(contexts.currentName)\""
        }
        if contexts.context(named: name) != nil {
            throw BuildxStore.StoreError("run `docker context use \(name)` to switch to context \(name)")
        }
        throw BuildxStore.StoreError("failed to find instance \"\(name)\": \(lookupError)")
    }

    /// A builder described like `docker buildx inspect` (tab-aligned labels).
    public static func inspectText(_ b: Builder) -> String {
        var rows: [(String, String)] = [("Name:", b.name), ("Driver:", b.driver)]
        rows.append(("Last Activity:", b.lastActivity.map { RFC3339.format($0) } ?? "never"))
        if let e = b.error { rows.append(("Error:", e)) }
        var out = align(rows)
        out += "\nNodes:\n"
        for (i, n) in b.nodes.enumerated() {
            if i > 0 { out += "\n" }
            var r: [(String, String)] = [("Name:", n.name), ("Endpoint:", n.endpoint)]
            if !n.driverOptions.isEmpty {
                r.append(("Driver Options:", n.driverOptions.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: " ")))
            }
            r.append(("Status:", n.status ?? "unknown"))
            if let e = n.error { r.append(("Error:", e)) }
            if !n.flags.isEmpty { r.append(("BuildKit daemon flags:", n.flags.joined(separator: " "))) }
            if let v = n.version { r.append(("BuildKit version:", v)) }
            if !n.platforms.isEmpty { r.append(("Platforms:", n.platforms.joined(separator: ", "))) }
            out += align(r) + "\n"
        }
        return out
    }

    static func align(_ rows: [(String, String)]) -> String {
        let width = (rows.map(\.0.count).max() ?? 0) + 1
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}
