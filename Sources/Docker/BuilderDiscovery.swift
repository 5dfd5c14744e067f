import BuildEvents
import BuildModel
import Foundation

/// Finds every builder as buildx would list it (PROTOCOL.md §4): docker contexts (each a
/// `docker`-driver builder named after it) and buildx store instances, merged with `docker buildx
/// ls --format json` when buildx ≥ 0.13 is installed; docker-driver builders on a reachable
/// engine get their status, BuildKit version and platform from the Engine API.
/// The platforms a builder's BuildKit workers report.
public protocol BuildKitWorkersProbe: Sendable {
    /// `os/arch[/variant]` of every worker, nil when BuildKit's API cannot be reached.
    func platforms(_ endpoint: DockerEndpoint) async -> [String]?
}

public struct BuilderDiscovery: Sendable {
    /// Process environment.
    public var environment: [String: String]
    /// Home folder (for `~/.docker`).
    public var homeDirectory: String
    /// `-H/--host`.
    public var hostFlag: String?
    /// `--context`.
    public var contextFlag: String?
    /// How long to wait for an engine before calling it unreachable.
    public var probeTimeout: Duration = .seconds(3)
    /// Asks a docker-driver builder's BuildKit for its workers' platforms (`ListWorkers` through
    /// the engine's `/grpc`), when the native client is linked.
    public var workers: (any BuildKitWorkersProbe)?

    /// Creates a discovery.
    public init(
        environment: [String: String], homeDirectory: String, hostFlag: String? = nil, contextFlag: String? = nil,
        workers: (any BuildKitWorkersProbe)? = nil
    ) {
        self.workers = workers
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.hostFlag = hostFlag
        self.contextFlag = contextFlag
    }

    /// The docker contexts.
    public var contexts: DockerContexts {
        DockerContexts(hostFlag: hostFlag, contextFlag: contextFlag, environment: environment, homeDirectory: homeDirectory)
    }

    /// The buildx store.
    public var store: BuildxStore {
        BuildxStore(directory: BuildxStore.directory(environment: environment, homeDirectory: homeDirectory))
    }

    /// The docker CLI used for `docker buildx` (global flags passed on), nil when there is no `docker`.
    public var cli: BuildxCLI? {
        var global: [String] = []
        if let c = contextFlag, !c.isEmpty { global += ["--context", c] }
        if let h = hostFlag { global += ["-H", h] }
        return BuildxCLI(environment: environment, globalArguments: global)
    }

    /// buildx's version when `docker buildx` is installed.
    public func buildxVersion() async -> String? {
        await cli?.installedVersion(configDirectory: contexts.configDirectory)
    }

    // MARK: - Precedence

    /// buildx's precedence (PROTOCOL.md §4.1): `--builder` > `BUILDX_BUILDER` > the store's choice
    /// for this endpoint > the current context's builder. Reports the store's choice when the flag
    /// or the variable overrides it.
    public static func selectCurrent(
        flag: String?, environmentValue: String?, storeChoice: String?, contextName: String
    ) -> (name: String, source: BuilderSource, overridden: String?) {
        if let f = flag, !f.isEmpty { return (f, .flag, storeChoice) }
        if let e = environmentValue, !e.isEmpty { return (e, .environment, storeChoice) }
        if let s = storeChoice { return (s, .store, nil) }
        return (contextName, .context, nil)
    }

    // MARK: - Listing

    /// Builders from the files alone (no buildx, no engine): store instances sorted by name, then
    /// contexts sorted by name, a context hidden by an instance of the same name.
    public func storeBuilders(problems: inout [String], contexts: DockerContexts? = nil) -> [Builder] {
        let contexts = contexts ?? self.contexts
        let store = self.store
        let instances = store.instances(problems: &problems)
        var builders = instances.map { i in
            Builder(
                name: i.name, driver: i.driver,
                nodes: i.nodes.map {
                    Builder.Node(name: $0.name, endpoint: $0.endpoint, platforms: $0.platforms, flags: $0.flags, driverOptions: $0.driverOptions)
                },
                lastActivity: store.lastActivity(i.name), dynamic: i.dynamic)
        }
        let names = Set(builders.map(\.name))
        for c in contexts.all where !names.contains(c.name) {
            builders.append(Builder(
                name: c.name, driver: "docker", nodes: [Builder.Node(name: c.name, endpoint: c.name)],
                lastActivity: store.lastActivity(c.name), isContextBuilder: true))
        }
        return builders
    }

    /// Everything: files, buildx (when installed) and — with `details` — `buildx ls` and the
    /// engines of docker-driver builders (without, only what choosing a build path needs).
    public func discover(builderFlag: String?, details: Bool = true) async -> BuilderList {
        var problems: [String] = []
        let contexts = self.contexts
        var builders = storeBuilders(problems: &problems, contexts: contexts)
        let cli = self.cli
        var buildxVersion: String?
        if let cli { buildxVersion = await cli.installedVersion(configDirectory: contexts.configDirectory) }
        if details, let cli, let version = buildxVersion {
            if BuildxCLI.version(version, atLeast: 0, 13) {
                let out = await cli.run(["ls", "--format", "json"], timeout: .seconds(25))
                if out.succeeded {
                    let listed = Self.parseLs(out.stdout, problems: &problems)
                    builders = Self.merge(files: builders, buildx: listed)
                } else {
                    problems.append("docker buildx ls: \(out.errorMessage)")
                }
            } else {
                problems.append("buildx \(version) is older than v0.13 (no `ls --format json`): statuses are not shown")
            }
        }
        // Engine facts for docker-driver builders (and docker-container nodes) buildx did not describe.
        await withTaskGroup(of: (Int, Int, Builder.Node).self) { group in
            for (b, builder) in builders.enumerated() where details {
                for (n, node) in builder.nodes.enumerated() where node.status == nil {
                    group.addTask { (b, n, await self.probe(builder: builder, node: node, contexts: contexts)) }
                }
            }
            for await (b, n, node) in group { builders[b].nodes[n] = node }
        }
        let storeChoice = store.currentInstanceName(forKey: contexts.endpointKey)
        let pick = Self.selectCurrent(
            flag: builderFlag, environmentValue: environment["BUILDX_BUILDER"], storeChoice: storeChoice,
            contextName: contexts.currentName)
        func known(_ name: String) -> String? {
            builders.first(where: { $0.name == name })?.name
                ?? builders.first(where: { !$0.isContextBuilder && $0.name == name.lowercased() })?.name
        }
        let currentName = known(pick.name) ?? pick.name
        if known(pick.name) == nil {
            let by = pick.source == .flag ? "--builder" : pick.source == .environment ? "BUILDX_BUILDER" : "the buildx store"
            problems.append("no builder \"\(pick.name)\" found (chosen by \(by))")
        }
        if let problem = store.currentFileProblem() { problems.append(problem) }
        for i in builders.indices { builders[i].isCurrent = builders[i].name == currentName }
        let defaultName = storeChoice.flatMap(known) ?? contexts.currentName
        return BuilderList(
            builders: builders, current: currentName, source: pick.source, overriddenStoreChoice: pick.overridden,
            contextName: contexts.currentName, buildxVersion: buildxVersion, warnings: problems,
            aliasInstalled: DockerConfigFile.buildxAliasInstalled(configDirectory: contexts.configDirectory),
            defaultName: defaultName)
    }

    /// Status of one node from its engine: the engine's own BuildKit for the docker driver, the
    /// `buildx_buildkit_<node>` container for the docker-container driver; other drivers stay unknown.
    func probe(builder: Builder, node: Builder.Node, contexts: DockerContexts) async -> Builder.Node {
        var node = node
        guard builder.driver == "docker" || builder.driver == "docker-container" else { return node }
        let endpoint: DockerEndpoint
        do {
            if let ctx = contexts.context(named: node.endpoint) {
                endpoint = try contextEndpoint(ctx.name, contexts: contexts)
            } else if node.endpoint.contains("://") {
                endpoint = try DockerEndpoint.resolve(
                    hostFlag: node.endpoint, contextFlag: nil, environment: environment, homeDirectory: homeDirectory)
            } else {
                node.status = "error"
                node.error = "context \"\(node.endpoint)\" does not exist"
                return node
            }
        } catch {
            node.status = "error"
            node.error = error.description
            return node
        }
        if case .ssh = endpoint.transport {
            return node  // not reachable from buildtop: status unknown
        }
        let timeout = probeTimeout
        let start = node
        let result: Result<Builder.Node, EngineError> = await withTaskGroup(of: Result<Builder.Node, EngineError>?.self) { group in
            group.addTask {
                do {
                    let client = try EngineClient(endpoint: endpoint, connectTimeout: .milliseconds(Int64(timeout.components.seconds * 1000)))
                    var n = start
                    let v = try await client.version()
                    if builder.driver == "docker" {
                        n.status = "running"
                        n.version = Self.buildKitVersion(engine: v.version)
                        if let probe = workers, let platforms = await probe.platforms(endpoint), !platforms.isEmpty {
                            for p in platforms where !n.platforms.contains(p) { n.platforms.append(p) }
                        } else if v.os != "?", v.arch != "?" {
                            let p = "\(v.os)/\(v.arch == "x86_64" ? "amd64" : v.arch)"
                            if !n.platforms.contains(p) { n.platforms.append(p) }
                        }
                    } else {
                        n.status = try await Self.containerStatus(client, name: "buildx_buildkit_\(start.name)")
                    }
                    return .success(n)
                } catch let e as EngineError {
                    return .failure(e)
                } catch {
                    return .failure(EngineError("\(error)"))
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(EngineError("no answer from \(endpoint.host) within \(timeout)"))
        }
        switch result {
        case .success(let n): return n
        case .failure(let e):
            node.status = "error"
            node.error = e.description
            return node
        }
    }

    /// The engine endpoint of a docker context: the resolved one (flags, DOCKER_HOST) for the
    /// current context; the virtual `default` context's (`-H`/`DOCKER_HOST`/the default socket,
    /// never `currentContext`); a stored context's own.
    public func contextEndpoint(_ name: String, contexts: DockerContexts) throws(EndpointError) -> DockerEndpoint {
        if name == contexts.currentName {
            return try DockerEndpoint.resolve(hostFlag: hostFlag, contextFlag: contextFlag, environment: environment, homeDirectory: homeDirectory)
        }
        if name == "default" {
            return try DockerEndpoint.resolveDefault(hostFlag: hostFlag, environment: environment, configDirectory: contexts.configDirectory)
        }
        return try DockerEndpoint.resolve(hostFlag: nil, contextFlag: name, environment: environment, homeDirectory: homeDirectory)
    }

    /// `inactive` (no container), `running` or `stopped` from `GET /containers/NAME/json`.
    static func containerStatus(_ client: EngineClient, name: String) async throws(EngineError) -> String {
        let (status, body) = try await client.request(method: .GET, path: "/\(EngineClient.apiVersion)/containers/\(name)/json")
        if status == 404 { return "inactive" }
        guard status == 200,
              let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let state = obj["State"] as? [String: Any] else {
            throw EngineError("cannot inspect container \(name): HTTP \(status)")
        }
        return state["Running"] as? Bool == true ? "running" : "stopped"
    }

    /// buildx's docker driver reports the BuildKit version an engine embeds; for engines up to 23
    /// it maps the engine version (`driver/docker` `mobyBuildkitVersions`, coarse: minor series).
    static func buildKitVersion(engine: String) -> String? {
        let parts = engine.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        guard parts.count >= 2 else { return nil }
        switch (parts[0], parts[1]) {
        case (20, 10):
            if parts.count == 3, (21...23).contains(parts[2]) { return "v0.8.2+eeb7b65" }
            return "v0.8+unknown"
        case (22, 6): return "v0.10.3"
        case (23, _): return "v0.10+unknown"
        default: return nil
        }
    }

    // MARK: - buildx ls --format json

    /// Parses `docker buildx ls --format json` (one builder per line).
    public static func parseLs(_ text: String, problems: inout [String]) -> [Builder] {
        var out: [Builder] = []
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
                  let map = object as? [String: Any] else {
                problems.append("docker buildx ls: not JSON: \(line.prefix(80))")
                continue
            }
            let field = DockerEndpoint.jsonField
            var nodes: [Builder.Node] = []
            for case let n as [String: Any] in field(map, "Nodes") as? [Any] ?? [] {
                nodes.append(Builder.Node(
                    name: field(n, "Name") as? String ?? "", endpoint: field(n, "Endpoint") as? String ?? "",
                    status: field(n, "Status") as? String, version: field(n, "Version") as? String,
                    platforms: (field(n, "Platforms") as? [Any] ?? []).compactMap(BuildxStore.platformString),
                    flags: field(n, "Flags") as? [String] ?? [], driverOptions: BuildxStore.driverOptions(n), error: field(n, "Err") as? String))
            }
            let activity = (field(map, "LastActivity") as? String).flatMap { RFC3339.parse(Array($0.utf8)) }
            out.append(Builder(
                name: field(map, "Name") as? String ?? "", driver: field(map, "Driver") as? String ?? "", nodes: nodes,
                lastActivity: activity.flatMap { $0.isZero ? nil : $0 }, dynamic: field(map, "Dynamic") as? Bool ?? false,
                error: field(map, "Err") as? String, isCurrent: field(map, "Current") as? Bool ?? false))
        }
        return out
    }

    /// buildx's list wins for what it knows (status, versions, platforms); the files say which
    /// builders are contexts. Builders only one side knows are kept.
    static func merge(files: [Builder], buildx: [Builder]) -> [Builder] {
        var out = buildx
        let contextNames = Set(files.filter(\.isContextBuilder).map(\.name))
        for i in out.indices { out[i].isContextBuilder = contextNames.contains(out[i].name) && out[i].driver == "docker" }
        let known = Set(buildx.map(\.name))
        out += files.filter { !known.contains($0.name) }
        return out
    }

    // MARK: - JSON like `docker buildx ls --format json`

    /// One line of `buildtop builders ls --format json`, shaped like buildx's; `current` is the
    /// `Current` field (buildx ls marks the store/context choice).
    public static func jsonLine(_ b: Builder, current: Bool? = nil) -> String {
        var s = "{\"Name\":\(GoJSON.quoted(b.name)),\"Driver\":\(GoJSON.quoted(b.driver))"
        s += ",\"LastActivity\":\"\(b.lastActivity.map { RFC3339.format($0) } ?? "0001-01-01T00:00:00Z")\""
        s += ",\"Dynamic\":\(b.dynamic),\"Nodes\":["
        s += b.nodes.map { n in
            var o = "{\"Name\":\(GoJSON.quoted(n.name)),\"Endpoint\":\(GoJSON.quoted(n.endpoint))"
            if !n.flags.isEmpty { o += ",\"Flags\":[" + n.flags.map(GoJSON.quoted).joined(separator: ",") + "]" }
            if !n.driverOptions.isEmpty {
                o += ",\"DriverOpts\":{" + n.driverOptions.sorted { $0.key < $1.key }
                    .map { "\(GoJSON.quoted($0.key)):\(GoJSON.quoted($0.value))" }.joined(separator: ",") + "}"
            }
            if let st = n.status { o += ",\"Status\":\(GoJSON.quoted(st))" }
            if let v = n.version { o += ",\"Version\":\(GoJSON.quoted(v))" }
            if let e = n.error { o += ",\"Err\":\(GoJSON.quoted(e))" }
            if !n.platforms.isEmpty { o += ",\"Platforms\":[" + n.platforms.map(GoJSON.quoted).joined(separator: ",") + "]" }
            return o + "}"
        }.joined(separator: ",")
        s += "]"
        if let e = b.error { s += ",\"Err\":\(GoJSON.quoted(e))" }
        return s + ",\"Current\":\(current ?? b.isCurrent)}"
    }
}
