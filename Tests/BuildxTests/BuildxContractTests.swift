import BuildEvents
import BuildModel
import Foundation
import TestSupport
import Testing
@testable import Docker

/// buildtop against the `docker` contract double (Tests/Doubles/docker, an independent Python
/// implementation of buildx's store and commands per PROTOCOL.md): what buildtop writes, buildx
/// reads, and the other way round; builds on the buildx path; cancel; missing buildx.
@Suite(.serialized) struct BuildxContractTests {
    let config: URL
    let noBuildx: URL

    init() throws {
        config = try BuildxFixtures.makeConfig("bx")
        noBuildx = try BuildxFixtures.dockerWithoutBuildx()
    }

    func env(buildx: Bool, _ extra: [String: String] = [:]) -> [String: String] {
        BuildxFixtures.environment(config: config, dockerDirectory: buildx ? BuildxFixtures.doublesDirectory : noBuildx, extra: extra)
    }

    /// Runs the double as `docker`.
    func double(_ args: [String], _ extra: [String: String] = [:]) async throws -> ProcessResult {
        try await ChildProcess.run(BuildxFixtures.doublesDirectory.appendingPathComponent("docker").path, args, environment: env(buildx: true, extra))
    }

    func buildtop(_ args: [String], buildx: Bool, _ extra: [String: String] = [:]) async throws -> ProcessResult {
        try await ChildProcess.buildtop(args, environment: env(buildx: buildx, extra))
    }

    func file(_ path: String) -> String? {
        FileManager.default.contents(atPath: config.appendingPathComponent(path).path).map { String(decoding: $0, as: UTF8.self) }
    }

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    // MARK: - Discovery and use, both ways

    @Test func lsMatchesBuildxByteForByte() async throws {
        _ = try await double(["buildx", "use", "--default", "builder1"])
        let theirs = try await double(["buildx", "ls", "--format", "json"])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        // With buildx installed, buildtop lists what buildx lists, in buildx's JSON.
        let ours = try await buildtop(["builders", "ls", "--format", "json"], buildx: true)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == theirs.stdout)
        // Without buildx, from the files alone: the same builders, order, drivers, nodes, activity
        // and current marker (statuses come from engines, which these endpoints do not have).
        let files = try await buildtop(["builders", "ls", "--format", "json"], buildx: false)
        #expect(files.status == 0, "\(files.stderr)")
        func essentials(_ line: String) throws -> [String] {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let nodes = (o["Nodes"] as? [[String: Any]] ?? []).map { "\($0["Name"] ?? "")@\($0["Endpoint"] ?? "")" }
            return ["\(o["Name"] ?? "")", "\(o["Driver"] ?? "")", "\(o["LastActivity"] ?? "")", "\(o["Current"] ?? "")"] + nodes
        }
        #expect(try lines(files.stdout).map(essentials) == lines(theirs.stdout).map(essentials))
        #expect(lines(files.stdout).first?.contains(#""Current":true"#) == true)
    }

    @Test func ourUseIsWhatBuildxReads() async throws {
        // buildtop writes the store itself (no buildx), then buildx reads it.
        let use = try await buildtop(["builders", "use", "--default", "oldone"], buildx: false)
        #expect(use.status == 0, "\(use.stderr)")
        let ours = (file("buildx/current"), file("buildx/defaults/13c4025c96f36e94b348"))
        let ls = try await double(["buildx", "ls", "--format", "json"])
        let current = lines(ls.stdout).filter { $0.contains(#""Current":true"#) }
        #expect(current.count == 1 && current[0].hasPrefix(#"{"Name":"oldone""#))
        // buildx writing the same choice produces the same bytes.
        _ = try await double(["buildx", "use", "default"])
        #expect(file("buildx/defaults/13c4025c96f36e94b348") == nil)
        _ = try await double(["buildx", "use", "--default", "oldone"])
        #expect(file("buildx/current") == ours.0)
        #expect(file("buildx/defaults/13c4025c96f36e94b348") == ours.1)
        #expect(ours.0 == #"{"Key":"unix:///var/run/docker.sock","Name":"oldone","Global":false}"#)
        // And with buildx installed, buildtop runs `docker buildx use` (argv recorded).
        let log = config.appendingPathComponent("argv.log")
        let viaBuildx = try await buildtop(["builders", "use", "--global", "builder1"], buildx: true, ["BUILDX_DOUBLE_LOG": log.path])
        #expect(viaBuildx.status == 0, "\(viaBuildx.stderr)")
        let argv = try String(contentsOf: log, encoding: .utf8)
        #expect(argv.contains(#""argv":["buildx","use","--global","builder1"]"#))
        #expect(file("buildx/current") == #"{"Key":"unix:///var/run/docker.sock","Name":"builder1","Global":true}"#)
    }

    @Test func useErrorsAreBuildxErrors() async throws {
        let other = try await buildtop(["builders", "use", "remote1"], buildx: false)
        #expect(other.status == 1)
        #expect(other.stderr == "ERROR: run `docker context use remote1` to switch to context remote1\n")
        let theirs = try await double(["buildx", "use", "remote1"])
        #expect(theirs.stderr == other.stderr)
        let missing = try await buildtop(["builders", "use", "nosuch"], buildx: false)
        #expect(missing.status == 1 && missing.stderr.hasPrefix("ERROR: failed to find instance \"nosuch\""))
    }

    @Test func inspectWithoutBuildxReadsTheFiles() async throws {
        let out = try await buildtop(["builders", "inspect", "builder1"], buildx: false)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("Name:          builder1\nDriver:        docker-container\nLast Activity: 2026-11-20T10:11:12Z"))
        #expect(out.stdout.contains("Driver Options:        image=\"moby/buildkit:v0.20.0\" network=\"host\""))
        let missing = try await buildtop(["builders", "inspect", "nosuch"], buildx: false)
        #expect(missing.status == 1 && missing.stderr == "ERROR: no builder \"nosuch\" found\n")
    }

    @Test func aliasToggleFollowsBuildx() async throws {
        try Data("{\n\t\"auths\": {}\n}".utf8).write(to: config.appendingPathComponent("config.json"))
        // Without buildx the alias would break `docker build`: refused, file untouched.
        let refused = try await buildtop(["builders", "install"], buildx: false)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("ERROR: buildx is not installed"))
        #expect(file("config.json") == "{\n\t\"auths\": {}\n}")
        // With buildx, `docker buildx install` does it; buildtop sees the alias.
        let log = config.appendingPathComponent("alias.log")
        let on = try await buildtop(["builders", "install"], buildx: true, ["BUILDX_DOUBLE_LOG": log.path])
        #expect(on.status == 0, "\(on.stderr)")
        #expect(try String(contentsOf: log, encoding: .utf8).contains(#""argv":["buildx","install"]"#))
        let onText = try #require(file("config.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(onText.utf8)) as? [String: Any])
        #expect(object["aliases"] as? [String: String] == ["builder": "buildx"])
        // Uninstalling needs no buildx: only the alias goes, every other key stays.
        let off = try await buildtop(["builders", "uninstall"], buildx: false)
        #expect(off.status == 0, "\(off.stderr)")
        let offText = try #require(file("config.json"))
        let after = try #require(try JSONSerialization.jsonObject(with: Data(offText.utf8)) as? [String: Any])
        #expect(after["aliases"] == nil)
        #expect(after["auths"] != nil)
    }

    /// Two processes switching the builder over and over never leave a partial `current`.
    @Test func concurrentUseNeverLeavesAPartialFile() async throws {
        // The reader polls on its own thread (not the shared task pool) and stops whatever happens.
        let stop = ManagedFlag()
        let tally = Tally()
        let finished = DispatchSemaphore(value: 0)
        let path = config.appendingPathComponent("buildx/current").path
        Thread.detachNewThread {
            while !stop.isSet {
                if let d = FileManager.default.contents(atPath: path) {
                    tally.add(bad: (try? JSONSerialization.jsonObject(with: d)) == nil)
                }
            }
            finished.signal()
        }
        defer { stop.set() }
        async let a: [Int32] = { var s: [Int32] = []; for _ in 0..<15 { s.append(try await self.buildtop(["builders", "use", "builder1"], buildx: false).status) }; return s }()
        async let b: [Int32] = { var s: [Int32] = []; for _ in 0..<15 { s.append(try await self.buildtop(["builders", "use", "--default", "oldone"], buildx: false).status) }; return s }()
        let statuses = try await a + b
        stop.set()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                finished.wait()
                c.resume()
            }
        }
        let (reads, bad) = tally.value
        #expect(statuses.allSatisfy { $0 == 0 })
        #expect(reads > 0)
        #expect(bad == 0)
        let final = try #require(file("buildx/current"))
        #expect(final.hasPrefix(#"{"Key":"unix:///var/run/docker.sock","Name":""#))
        let left = try FileManager.default.contentsOfDirectory(atPath: config.appendingPathComponent("buildx").path)
        #expect(!left.contains { $0.hasPrefix(".tmp-") })
    }

    // MARK: - Builds on the buildx path

    @Test(arguments: ["v0.17.1", "v0.13.1"])  // compact rawjson, and the indented form of buildx 0.12–0.14
    func buildStreamsLikeTheFixture(version: String) async throws {
        let ctx = try TestEngine.tempDir("bxctx")
        try Data("FROM scratch\n".utf8).write(to: ctx.appendingPathComponent("Dockerfile"))
        let log = config.appendingPathComponent("build-\(version).log")
        let out = try await buildtop(
            ["build", "--progress=rawjson", "--builder", "builder1", "-t", "app:dev", "--build-arg", "A=1", "--secret", "id=tok,src=/dev/null", "--load", ctx.path],
            buildx: true, [
                "BUILDX_DOUBLE_STREAM": "multistage", "BUILDX_DOUBLE_VERSION": version, "BUILDX_DOUBLE_LOG": log.path,
                "BUILDX_DOUBLE_BOOT": "0",  // no client-side "booting buildkit" vertex: compare with the recording alone
            ])
        #expect(out.status == 0, "\(out.stderr)")
        // Every status value came through unchanged: buildtop's rawjson re-encoding equals the recording.
        #expect(out.stderr == (try Fixtures.text("rawjson/multistage.jsonl")))
        let argv = try lines(String(contentsOf: log, encoding: .utf8)).last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let args = try #require(argv?["argv"] as? [String])
        // The metadata file is a fresh temporary path: compared by its shape, the rest exactly.
        let metadata = try #require(args.firstIndex(of: "--metadata-file").map { args.indices.contains($0 + 1) ? args[$0 + 1] : "" })
        #expect(metadata.hasPrefix(FileManager.default.temporaryDirectory.path) && metadata.contains("buildtop-metadata-"))
        #expect(args.map { $0 == metadata ? "<metadata file>" : $0 } == [
            "buildx", "build", "--progress=rawjson", "--builder", "builder1", "--tag", "app:dev", "--build-arg", "A=1",
            "--secret", "id=tok,src=/dev/null", "--load", "--metadata-file", "<metadata file>", ctx.path,
        ])
    }

    @Test func failingBuildKeepsBuildxsErrorAndExitCode() async throws {
        let ctx = try TestEngine.tempDir("bxfail")
        let out = try await buildtop(["build", "--progress=plain", ctx.path], buildx: true, ["BUILDX_DOUBLE_STREAM": "failing", "BUILDX_DOUBLE_STDERR_NOISE": "1"])
        #expect(out.status == 1)
        let errorLine = try #require(lines(out.stderr).last)
        #expect(errorLine.hasPrefix("ERROR: ") && errorLine.contains("exit code: 3"))
        #expect(out.stderr.contains("main.c:3: error: expected ';'"))
        // Stray stderr lines from buildx (warnings) are shown, never a crash or a lost status.
        #expect(out.stderr.contains("WARNING"))
        #expect(out.stderr.contains("#5 ERROR: executor failed running"))
    }

    @Test func ctrlCCancelsWithSIGINTAndExits130() async throws {
        let ctx = try TestEngine.tempDir("bxcancel")
        let p = try ChildProcess(
            TestEngine.binary, ["build", "--progress=plain", ctx.path],
            environment: env(buildx: true, ["BUILDX_DOUBLE_STREAM": "simple", "BUILDX_DOUBLE_HANG": "1"]))
        #expect(await p.waitForStderr(timeout: 20) { $0.contains("#5 DONE") || $0.contains("DONE") })
        p.signal(SIGINT)
        let r = await p.wait(timeout: 30)
        #expect(r.status == 130, "\(r.stderr)")
        #expect(r.stderr.contains("canceling the build on buildx"))
        #expect(r.stderr.hasSuffix("ERROR: build canceled\n"))
    }

    @Test func cancelEscalatesWhenBuildxIgnoresSIGINT() async throws {
        let ctx = try TestEngine.tempDir("bxstuck")
        let start = Date()
        let p = try ChildProcess(
            TestEngine.binary, ["build", "--progress=plain", ctx.path],
            environment: env(buildx: true, [
                "BUILDX_DOUBLE_STREAM": "simple", "BUILDX_DOUBLE_HANG": "1", "BUILDX_DOUBLE_IGNORE_SIGINT": "1", "BUILDTOP_BUILDX_GRACE": "1",
            ]))
        #expect(await p.waitForStderr(timeout: 20) { $0.contains("DONE") })
        p.signal(SIGINT)
        let r = await p.wait(timeout: 30)
        #expect(r.status == 130, "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func builderThatNeedsBuildxSaysSoWithoutIt() async throws {
        _ = try await double(["buildx", "use", "builder1"])
        let ctx = try TestEngine.tempDir("bxneed")
        let out = try await buildtop(["build", "--progress=plain", ctx.path], buildx: false)
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("ERROR: builder \"builder1\" uses the docker-container driver, which needs buildx"))
        let secret = try await buildtop(
            ["build", "--progress=plain", "--builder", "default", "--secret", "id=a", ctx.path], buildx: false, ["BUILDTOP_ENGINE_PATH": "legacy"])
        #expect(secret.status == 1 && secret.stderr.hasPrefix("ERROR: --secret needs a BuildKit session"))
        let unknown = try await buildtop(["build", "--progress=plain", "--builder", "nosuch", ctx.path], buildx: true)
        #expect(unknown.status == 1 && unknown.stderr.contains("no builder \"nosuch\" found"))
    }
}

/// Counts of reads and bad reads, shared with the reader thread.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var reads = 0
    private var bad = 0
    func add(bad isBad: Bool) { lock.withLock { reads += 1; if isBad { bad += 1 } } }
    var value: (Int, Int) { lock.withLock { (reads, bad) } }
}

/// A flag shared between tasks.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// buildx detection with the real docker CLI (Debian's 20.10): its plugin folders decide, as the
/// docker CLI resolves `docker buildx` from them.
@Suite struct BuildxDetectionTests {
    @Test func pluginFoldersDecideForTheDockerCLI() async throws {
        let config = try TestEngine.tempDir("plug")
        let cli = BuildxCLI(executable: "/usr/bin/docker", environment: ["DOCKER_CONFIG": config.path, "HOME": config.path, "PATH": "/usr/bin:/bin"])
        #expect(await cli.installedVersion(configDirectory: config.path) == nil)
        // A docker-buildx plugin in <config>/cli-plugins (answering the plugin protocol).
        let plugins = config.appendingPathComponent("cli-plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        let plugin = plugins.appendingPathComponent("docker-buildx")
        try Data("""
            #!/bin/sh
            if [ "$1" = "docker-cli-plugin-metadata" ]; then
              echo '{"SchemaVersion":"0.1.0","Vendor":"buildtop tests","Version":"v0.17.1","ShortDescription":"Docker Buildx"}'
              exit 0
            fi
            if [ "$1" = "buildx" ] && [ "$2" = "version" ]; then echo "github.com/docker/buildx v0.17.1 abcdef0"; exit 0; fi
            exit 1

            """.utf8).write(to: plugin)
        chmod(plugin.path, 0o755)
        #expect(await cli.installedVersion(configDirectory: config.path) == "v0.17.1")
        #expect(BuildxCLI.pluginDirectories(configDirectory: config.path).first == plugins.path)
    }
}
