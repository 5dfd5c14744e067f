import Foundation
import Testing
import TestSupport

/// Builders on a machine with only the docker.io engine (no buildx): the default context's
/// builder gets its status, BuildKit version and platform from the private engine; a
/// docker-container instance's status comes from its container; builds take the Engine path.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct EngineBuildersTests {
    @Test func lsFillsDockerDriverBuildersFromTheEngine() async throws {
        let config = try BuildxFixtures.makeConfig("eng")
        try Data(#"{"Name":"dc","Driver":"docker-container","Nodes":[{"Name":"dc0","Endpoint":"default","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}"#.utf8)
            .write(to: config.appendingPathComponent("buildx/instances/dc"))
        let env = BuildxFixtures.environment(config: config, dockerDirectory: try BuildxFixtures.dockerWithoutBuildx(), extra: [
            "DOCKER_HOST": try #require(TestEngine.host),
        ])
        let r = try await ChildProcess.buildtop(["builders", "ls", "--format", "json"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try r.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ("\($0["Name"] ?? "")", $0) })
        let def = try #require((byName["default"]?["Nodes"] as? [[String: Any]])?.first)
        #expect(def["Status"] as? String == "running")
        #expect(def["Version"] as? String == "v0.8+unknown")  // Debian's dockerd 20.10.24 → buildx's mapping
        #expect((def["Platforms"] as? [String])?.first == "linux/amd64")
        #expect(byName["default"]?["Current"] as? Bool == true)
        // No buildx_buildkit_dc0 container on this engine: inactive, as buildx would say.
        let dc = try #require((byName["dc"]?["Nodes"] as? [[String: Any]])?.first)
        #expect(dc["Status"] as? String == "inactive")
        // remote1's engine (tcp://127.0.0.1:1) is down: an error for that node, the rest still listed.
        let remote = try #require((byName["remote1"]?["Nodes"] as? [[String: Any]])?.first)
        #expect(remote["Status"] as? String == "error")
        #expect(rows.count == 6)

        // The table marks the current builder like buildx.
        let table = try await ChildProcess.buildtop(["builders", "ls"], environment: env)
        #expect(table.stdout.contains("default*"))
        #expect(table.stdout.contains("running"))

        // A build on the default builder takes the Engine path (no buildx needed).
        let dir = try TestEngine.tempDir()
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo engine-path\n"], in: dir)
        let build = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", dir.path], environment: env)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stderr.contains("#0 building with \"default\" instance using docker driver"))
        // Making `dc` current (store written by buildtop) turns builds into a clear "needs buildx".
        let use = try await ChildProcess.buildtop(["builders", "use", "dc"], environment: env)
        #expect(use.status == 0, "\(use.stderr)")
        let blocked = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", dir.path], environment: env)
        #expect(blocked.status == 1)
        #expect(blocked.stderr.hasPrefix("ERROR: builder \"dc\" uses the docker-container driver, which needs buildx"))
        // --builder default overrides the stored choice for this build.
        let flagged = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", "--builder", "default", dir.path], environment: env)
        #expect(flagged.status == 0, "\(flagged.stderr)")
    }
}
