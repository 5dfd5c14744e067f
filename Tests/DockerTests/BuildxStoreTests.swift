import BuildModel
import Foundation
import TestSupport
import Testing
@testable import Docker

/// buildx's store, contexts and precedence read and written as buildx does (PROTOCOL.md §4).
@Suite struct BuildxStoreTests {
    let config: URL
    let env: [String: String]

    init() throws {
        config = try BuildxFixtures.makeConfig()
        env = ["DOCKER_CONFIG": config.path, "HOME": config.path]
    }

    func discovery(_ extra: [String: String] = [:], host: String? = nil, context: String? = nil) -> BuilderDiscovery {
        var e = env
        for (k, v) in extra { e[k] = v }
        return BuilderDiscovery(environment: e, homeDirectory: config.path, hostFlag: host, contextFlag: context)
    }

    func write(_ path: String, _ text: String) throws {
        let url = config.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: config.appendingPathComponent(path).path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func listsInstancesThenContextsLikeBuildxLs() {
        var problems: [String] = []
        let builders = discovery().storeBuilders(problems: &problems)
        #expect(problems.isEmpty)
        #expect(builders.map(\.name) == ["builder1", "oldone", "ssh1", "default", "remote1"])
        let b1 = builders[0]
        #expect(b1.driver == "docker-container")
        #expect(b1.nodes[0].endpoint == "remote1")
        #expect(b1.nodes[0].platforms == ["linux/amd64", "linux/arm64/v8"])
        #expect(b1.nodes[0].driverOptions == [.init("image", "moby/buildkit:v0.20.0"), .init("network", "host")])
        #expect(b1.nodes[0].flags == ["--debug"])
        #expect(b1.lastActivity == RFC3339.parse(Array("2026-11-20T10:11:12Z".utf8)))
        // The old format (ConfigFile instead of Files) still reads.
        #expect(builders[1].nodes[0].name == "oldone0")
        // ssh1 is an instance: the context of that name is hidden, as in buildx ls.
        #expect(builders[2].driver == "remote" && !builders[2].isContextBuilder)
        #expect(builders[3].isContextBuilder && builders[3].driver == "docker" && builders[3].nodes[0].endpoint == "default")
        #expect(builders[4].isContextBuilder)
    }

    /// The `default` context is the virtual one (-H/DOCKER_HOST/the default socket), even when
    /// config.json makes another context current.
    @Test func defaultContextIsVirtualEvenWhenAnotherIsCurrent() throws {
        try write("config.json", #"{"currentContext":"remote1"}"#)
        let d = discovery()
        #expect(d.contexts.currentName == "remote1")
        #expect(try d.contextEndpoint("default", contexts: d.contexts).host == "unix:///var/run/docker.sock")
        #expect(try d.contextEndpoint("remote1", contexts: d.contexts).host == "tcp://127.0.0.1:1")
        let withHost = discovery(["DOCKER_HOST": "unix:///tmp/x.sock"])
        #expect(try withHost.contextEndpoint("default", contexts: withHost.contexts).host == "unix:///tmp/x.sock")
    }

    @Test func endpointKeyIsTheContextNameOrTheDefaultHost() {
        #expect(discovery().contexts.endpointKey == "unix:///var/run/docker.sock")
        #expect(discovery(["DOCKER_HOST": "tcp://10.0.0.1:2375"]).contexts.endpointKey == "tcp://10.0.0.1:2375")
        #expect(discovery(host: "tcp://h2").contexts.endpointKey == "tcp://h2:2375")
        #expect(discovery(["DOCKER_CONTEXT": "remote1"]).contexts.endpointKey == "remote1")
        // DOCKER_HOST beats DOCKER_CONTEXT (docker CLI resolveContextName).
        #expect(discovery(["DOCKER_CONTEXT": "remote1", "DOCKER_HOST": "unix:///x.sock"]).contexts.endpointKey == "unix:///x.sock")
        #expect(discovery(context: "remote1").contexts.endpointKey == "remote1")
    }

    @Test func hashIsTheFirstTwentyHexDigitsOfSHA256() throws {
        let key = "unix:///var/run/docker.sock"
        #expect(BuildxStore.hash(key) == String(try #require(BuildxFixtures.sha256[key]).prefix(20)))
        #expect(EndpointSHA256.hexDigest(Array("remote1".utf8)) == BuildxFixtures.sha256["remote1"])
        #expect(BuildxStore.hash(key) == "13c4025c96f36e94b348")
    }

    /// txn.Current(key) without the rewrites: current for this key, global, defaults/, nothing.
    @Test(arguments: [
        (#"{"Key":"unix:///var/run/docker.sock","Name":"builder1","Global":false}"#, nil as String?, "builder1" as String?),
        (#"{"Key":"remote1","Name":"builder1","Global":false}"#, nil, nil),  // another endpoint's choice
        (#"{"Key":"remote1","Name":"builder1","Global":true}"#, nil, "builder1"),  // global follows everywhere
        (#"{"Key":"unix:///var/run/docker.sock","Name":"gone","Global":false}"#, "oldone", nil),  // missing instance
        (#"{"Key":"remote1","Name":"builder1","Global":false}"#, "oldone", "oldone"),  // falls back to defaults/
        (#"{"Key":"unix:///var/run/docker.sock","Name":"","Global":false}"#, "oldone", "oldone"),
        (#"{"Key":"unix:///var/run/docker.sock","Name":"Builder1","Global":false}"#, nil, "builder1"),  // names are case-insensitive
        ("", nil, nil),
    ])
    func storeChoice(current: String, defaultName: String?, expected: String?) throws {
        if !current.isEmpty { try write("buildx/current", current) }
        if let d = defaultName { try write("buildx/defaults/\(BuildxStore.hash("unix:///var/run/docker.sock"))", d) }
        #expect(discovery().store.currentInstanceName(forKey: "unix:///var/run/docker.sock") == expected)
    }

    @Test(arguments: [
        ("flag", "env", "stored", "flag", BuilderSource.flag, "stored" as String?),
        (nil, "env", "stored", "env", .environment, "stored"),
        ("", "env", "stored", "env", .environment, "stored"),  // --builder's default is $BUILDX_BUILDER
        (nil, nil, "stored", "stored", .store, nil),
        (nil, "", nil, "ctx", .context, nil),
        ("flag", nil, nil, "flag", .flag, nil),
    ] as [(String?, String?, String?, String, BuilderSource, String?)])
    func precedence(flag: String?, envValue: String?, stored: String?, name: String, source: BuilderSource, overridden: String?) {
        let pick = BuilderDiscovery.selectCurrent(flag: flag, environmentValue: envValue, storeChoice: stored, contextName: "ctx")
        #expect(pick.name == name)
        #expect(pick.source == source)
        #expect(pick.overridden == overridden)
    }

    @Test func discoveryReportsWhenTheVariableOverridesTheStoredDefault() async throws {
        try write("buildx/current", #"{"Key":"unix:///var/run/docker.sock","Name":"builder1","Global":false}"#)
        var d = discovery(["BUILDX_BUILDER": "oldone", "PATH": "/nonexistent"])
        d.probeTimeout = .milliseconds(200)
        let list = await d.discover(builderFlag: nil, details: false)
        #expect(list.current == "oldone")
        #expect(list.source == .environment)
        #expect(list.overrideNote == "BUILDX_BUILDER selects \"oldone\" instead of the stored default \"builder1\"")
        #expect(list.builders.filter(\.isCurrent).map(\.name) == ["oldone"])
        let flagged = await d.discover(builderFlag: "remote1", details: false)
        #expect(flagged.current == "remote1" && flagged.source == .flag)
        let plain = await discovery(["PATH": "/nonexistent"]).discover(builderFlag: nil, details: false)
        #expect(plain.current == "builder1" && plain.source == .store && plain.overrideNote == nil)
    }

    // MARK: - use, as buildx writes it

    @Test func useWritesCurrentAndDefaultsByteForByte() throws {
        let manager = BuilderManager(discovery: discovery())
        _ = try manager.use("builder1", global: false, makeDefault: true)
        let hash = BuildxStore.hash("unix:///var/run/docker.sock")
        #expect(read("buildx/current") == #"{"Key":"unix:///var/run/docker.sock","Name":"builder1","Global":false}"#)
        #expect(read("buildx/defaults/\(hash)") == "builder1")
        // Without --default the defaults entry goes away.
        _ = try manager.use("oldone", global: true, makeDefault: false)
        #expect(read("buildx/current") == #"{"Key":"unix:///var/run/docker.sock","Name":"oldone","Global":true}"#)
        #expect(read("buildx/defaults/\(hash)") == nil)
        // `default` (the current context) resets the choice.
        _ = try manager.use("default", global: false, makeDefault: false)
        #expect(read("buildx/current") == #"{"Key":"unix:///var/run/docker.sock","Name":"","Global":false}"#)
        // Mode 0600 and no temporary files left.
        var st = stat()
        #expect(stat(config.appendingPathComponent("buildx/current").path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let left = try FileManager.default.contentsOfDirectory(atPath: config.appendingPathComponent("buildx").path)
        #expect(!left.contains { $0.hasPrefix(".tmp-") })
    }

    @Test func useOnAnotherContextExplainsTheContextSwitch() throws {
        let manager = BuilderManager(discovery: discovery())
        #expect(throws: BuildxStore.StoreError("run `docker context use remote1` to switch to context remote1")) {
            try manager.use("remote1", global: false, makeDefault: false)
        }
        let onRemote = BuilderManager(discovery: discovery(["DOCKER_CONTEXT": "remote1"]))
        #expect(throws: BuildxStore.StoreError("run `docker context use default` to switch to default context")) {
            try onRemote.use("default", global: false, makeDefault: false)
        }
        _ = try onRemote.use("remote1", global: false, makeDefault: false)
        #expect(read("buildx/current") == #"{"Key":"remote1","Name":"","Global":false}"#)
        #expect(throws: (any Error).self) { try manager.use("nosuch", global: false, makeDefault: false) }
        #expect(throws: (any Error).self) { try manager.use("9bad", global: false, makeDefault: false) }
    }

    @Test func namesAreValidatedAndLowerCased() throws {
        #expect(try BuildxStore.validateName("My.Builder-1_") == "my.builder-1_")
        for bad in ["", "1abc", "a b", "a/b", "ä", "a+b"] {
            #expect(throws: BuildxStore.StoreError.self) { try BuildxStore.validateName(bad) }
        }
    }

    @Test func currentValueEscapesLikeGo() {
        let c = BuildxStore.Current(key: "tcp://a<b>&c", name: "x", global: true)
        #expect(String(decoding: c.encoded, as: UTF8.self) == #"{"Key":"tcp://a\u003cb\u003e\u0026c","Name":"x","Global":true}"#)
    }

    // MARK: - config.json alias

    @Test func aliasInstallKeepsEveryOtherByte() throws {
        let original = "{\n\t\"auths\": {\n\t\t\"registry.example\": {\n\t\t\t\"auth\": \"dXNlcjpwYXNz\"\n\t\t}\n\t},\n\t\"currentContext\": \"remote1\",\n\t\"experimental\": \"enabled\",\n\t\"number\": 1.50\n}"
        try write("config.json", original)
        chmod(config.appendingPathComponent("config.json").path, 0o600)
        try DockerConfigFile.setBuildxAlias(true, configDirectory: config.path)
        let installed = try #require(read("config.json"))
        #expect(installed == original.replacingOccurrences(of: "\"number\": 1.50\n}", with: "\"number\": 1.50,\n\t\"aliases\": {\n\t\t\"builder\": \"buildx\"\n\t}\n}"))
        #expect(DockerConfigFile.buildxAliasInstalled(configDirectory: config.path))
        var st = stat()
        #expect(stat(config.appendingPathComponent("config.json").path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        // The result is valid JSON with every key.
        let object = try JSONSerialization.jsonObject(with: Data(installed.utf8)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["auths", "currentContext", "experimental", "number", "aliases"])
        try DockerConfigFile.setBuildxAlias(false, configDirectory: config.path)
        #expect(read("config.json") == original)
        #expect(!DockerConfigFile.buildxAliasInstalled(configDirectory: config.path))
    }

    @Test func aliasKeepsOtherAliasesAndHandlesEmptyFiles() throws {
        try write("config.json", #"{"aliases":{"compose":"x"},"a":1}"#)
        try DockerConfigFile.setBuildxAlias(true, configDirectory: config.path)
        let on = try #require(read("config.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(on.utf8)) as? [String: Any])
        #expect(object["aliases"] as? [String: String] == ["builder": "buildx", "compose": "x"])
        try DockerConfigFile.setBuildxAlias(false, configDirectory: config.path)
        let offText = try #require(read("config.json"))
        let off = try #require(try JSONSerialization.jsonObject(with: Data(offText.utf8)) as? [String: Any])
        #expect(off["aliases"] as? [String: String] == ["compose": "x"])
        #expect(off["a"] as? Int == 1)
        // No file: install creates one; uninstall of nothing writes nothing.
        try FileManager.default.removeItem(at: config.appendingPathComponent("config.json"))
        try DockerConfigFile.setBuildxAlias(false, configDirectory: config.path)
        #expect(read("config.json") == nil)
        try DockerConfigFile.setBuildxAlias(true, configDirectory: config.path)
        #expect(read("config.json") == "{\n\t\"aliases\": {\n\t\t\"builder\": \"buildx\"\n\t}\n}")
        // A broken file is left alone with a clear error.
        try write("config.json", "{\"a\": ")
        #expect(throws: BuildxStore.StoreError.self) { try DockerConfigFile.setBuildxAlias(true, configDirectory: config.path) }
        #expect(read("config.json") == "{\"a\": ")
    }

    // MARK: - buildx ls --format json

    @Test func lsJSONRoundTrips() {
        let line = #"{"Name":"builder1","Driver":"docker-container","LastActivity":"2026-11-20T10:11:12Z","Dynamic":false,"Nodes":[{"Name":"builder10","Endpoint":"remote1","Flags":["--debug"],"DriverOpts":{"image":"moby/buildkit:v0.20.0","network":"host"},"Status":"running","Version":"v0.20.0","Platforms":["linux/amd64","linux/arm64/v8"]}],"Current":true}"#
        var problems: [String] = []
        let parsed = BuilderDiscovery.parseLs(line + "\nnot json\n", problems: &problems)
        #expect(problems.count == 1)
        #expect(parsed.count == 1)
        #expect(BuilderDiscovery.jsonLine(parsed[0]) == line)
    }

    @Test func versionChecks() {
        #expect(BuildxCLI.parseVersion("github.com/docker/buildx v0.17.1 5f3a8c9\n") == "v0.17.1")
        #expect(BuildxCLI.version("v0.13.0", atLeast: 0, 13))
        #expect(BuildxCLI.version("v0.14.1-desktop.1", atLeast: 0, 13))
        #expect(!BuildxCLI.version("v0.12.1", atLeast: 0, 13))
        #expect(BuildxCLI.version("1.0.0", atLeast: 0, 13))
        #expect(BuilderDiscovery.buildKitVersion(engine: "20.10.24+dfsg1") == "v0.8+unknown")
        #expect(BuilderDiscovery.buildKitVersion(engine: "20.10.22") == "v0.8.2+eeb7b65")
    }
}

/// How a build request becomes `docker buildx build` arguments, and which path a build takes.
@Suite struct BuildPathTests {
    @Test func everyFieldMapsToItsFlag() {
        var r = BuildRequest(
            name: "api", contextPath: "ctx", dockerfile: "ctx/Dockerfile.dev", target: "prod", tags: ["a:1", "b:2"],
            buildArgs: [.init(name: "A", value: "1"), .init(name: "FROM_ENV", value: nil)], labels: [.init(name: "l", value: "v")],
            platforms: ["linux/amd64", "linux/arm64"], noCache: true, pull: true, cacheFrom: ["type=local,src=/c"],
            network: "none", builder: "b1")
        r.cacheTo = ["type=local,dest=/c"]
        r.secrets = ["id=tok,src=/run/tok"]
        r.ssh = ["default"]
        r.outputs = ["type=local,dest=out"]
        r.load = true
        r.push = true
        #expect(BuildxDriver.arguments(for: r, metadataFile: "/tmp/m.json") == [
            "build", "--progress=rawjson", "--builder", "b1", "--file", "ctx/Dockerfile.dev", "--tag", "a:1", "--tag", "b:2",
            "--build-arg", "A=1", "--build-arg", "FROM_ENV", "--target", "prod", "--platform", "linux/amd64,linux/arm64",
            "--label", "l=v", "--no-cache", "--pull", "--cache-from", "type=local,src=/c", "--cache-to", "type=local,dest=/c",
            "--network", "none", "--secret", "id=tok,src=/run/tok", "--ssh", "default", "--output", "type=local,dest=out",
            "--load", "--push", "--metadata-file", "/tmp/m.json", "ctx",
        ])
        #expect(BuildxDriver.arguments(for: BuildRequest(name: "x", contextPath: "-dir"), metadataFile: nil).suffix(2) == ["--", "-dir"])
        #expect(BuilderCommand.use(name: "-x", global: false, makeDefault: false).buildxArguments == ["use", "--", "-x"])
        #expect(BuilderCommand.remove(name: "b1").buildxArguments == ["rm", "b1"])
        #expect(BuildLauncher.grace("2.5") == .milliseconds(2500))
        for bad in ["inf", "nan", "-1", "1e300", "x", ""] { #expect(BuildLauncher.grace(bad) == nil) }
        let stdin = BuildRequest(name: "x", contextPath: ".", dockerfileContents: Array("FROM scratch\n".utf8))
        #expect(BuildxDriver.arguments(for: stdin, metadataFile: nil) == ["build", "--progress=rawjson", "--file", "-", "."])
    }

    func list(buildx: String?, current: String = "default") -> BuilderList {
        BuilderList(
            builders: [
                Builder(name: "b1", driver: "docker-container", nodes: [.init(name: "b10", endpoint: "default")]),
                Builder(name: "default", driver: "docker", nodes: [.init(name: "default", endpoint: "default")], isContextBuilder: true),
                Builder(name: "remote1", driver: "docker", nodes: [.init(name: "remote1", endpoint: "remote1")], isContextBuilder: true),
            ],
            current: current, source: .context, contextName: "default", buildxVersion: buildx)
    }

    @Test func pathChoice() {
        let plain = BuildRequest(name: "x", contextPath: ".")
        #expect(BuildLauncher.choosePath(for: plain, builders: list(buildx: "v0.17.1", current: "b1")) == .buildx)
        #expect(BuildLauncher.choosePath(for: plain, builders: list(buildx: "v0.17.1")) == .buildx)
        #expect(BuildLauncher.choosePath(for: plain, builders: list(buildx: nil)) == .engine(contextName: "default"))
        // Another context's builder: switch the context first, as buildx says.
        #expect(BuildLauncher.choosePath(for: plain.with { $0.builder = "remote1" }, builders: list(buildx: nil))
            == .unavailable("use `buildtop --context=remote1` to switch to context \"remote1\" (like `docker --context=remote1 buildx`)"))
        // buildx before v0.12 has no rawjson: the engine path for the context's builder, else a clear line.
        #expect(BuildLauncher.choosePath(for: plain, builders: list(buildx: "v0.11.2")) == .engine(contextName: "default"))
        guard case .unavailable(let old) = BuildLauncher.choosePath(for: plain, builders: list(buildx: "v0.11.2", current: "b1")) else {
            Issue.record("old buildx must not be used for rawjson")
            return
        }
        #expect(old.contains("buildx ≥ v0.12.0"))
        guard case .unavailable(let why) = BuildLauncher.choosePath(for: plain, builders: list(buildx: nil, current: "b1")) else {
            Issue.record("a docker-container builder without buildx must not build")
            return
        }
        #expect(why.contains("docker-container driver, which needs buildx") && why.contains("default, remote1"))
        guard case .unavailable(let secret) = BuildLauncher.choosePath(for: plain.with { $0.secrets = ["id=a"] }, builders: list(buildx: nil)) else {
            Issue.record("--secret needs the buildx path")
            return
        }
        #expect(secret.hasPrefix("--secret needs a BuildKit session"))
        #expect(BuildLauncher.choosePath(for: plain.with { $0.builder = "nosuch" }, builders: list(buildx: nil)) == .unavailable("no builder \"nosuch\" found"))
    }
}
