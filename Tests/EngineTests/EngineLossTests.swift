import Foundation
import Testing
import TestSupport

/// Processes below `pid` (by parent links in /proc).
func descendants(of pid: Int32) -> [Int32] {
    var parent: [Int32: Int32] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let p = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, let pp = Int32(fields[1]) { parent[p] = pp }
    }
    var out: [Int32] = []
    var frontier = [pid]
    while let p = frontier.popLast() {
        for (child, pp) in parent where pp == p {
            out.append(child)
            frontier.append(child)
        }
    }
    return out
}

/// The engine dies mid-build: buildtop reports the lost connection in one line and exits non-zero.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct EngineLossTests {
    @Test func engineKilledMidBuild() async throws {
        // A second private engine of our own, so killing it leaves the shared one alone.
        let state = URL(fileURLWithPath: "/tmp/bt-kill-\(UUID().uuidString.prefix(6))")
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/engine.sh").path
        let env = ["BUILDTOP_STATE_DIR": state.path]
        let start = try await ChildProcess.run(script, ["start"], environment: env, timeout: 120)
        defer {
            // Never leave the second engine behind, even when an expectation failed.
            ChildProcess.runBlocking(script, ["stop"], environment: env)
            try? FileManager.default.removeItem(at: state)
        }
        #expect(start.status == 0, "\(start.stderr)")
        let host = start.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let dir = try TestEngine.tempDir("kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo running-\(UUID().uuidString.prefix(4)) && sleep 120\n"], in: dir)
        let p = try ChildProcess(TestEngine.binary, ["build", "--progress=plain", "--network", "none", dir.path], environment: ["DOCKER_HOST": host])
        #expect(await p.waitForStderr(timeout: 60) { $0.contains(" running-") }, "\(p.stderrSoFar)")
        let pidText = try String(contentsOf: state.appendingPathComponent("engine/docker.pid"), encoding: .utf8)
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        // The build's container processes outlive a killed engine: note them to clean up after.
        let orphans = descendants(of: pid)
        kill(pid, SIGKILL)
        defer { for p in orphans { kill(p, SIGKILL) } }
        let r = await p.wait(timeout: 60)
        #expect(r.status == 1)
        let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("ERROR: engine connection lost"), "\(r.stderr.suffix(500))")
    }
}
