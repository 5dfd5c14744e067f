import Foundation
import Testing
import TestSupport

/// Every process a test starts (docker, buildx's double, buildtop) gets a temporary home, so a
/// test run writes nothing into the real one (`~/.docker/.buildNodeID`, `~/.local/state/buildtop`).
struct TestHomeTests {
    @Test func childProcessesGetATemporaryHome() async throws {
        let r = try await ChildProcess.run("/usr/bin/env", [])
        var env: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            env[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        let temp = FileManager.default.temporaryDirectory.path
        for key in ["HOME", "DOCKER_CONFIG", "XDG_STATE_HOME", "XDG_CONFIG_HOME"] {
            let value = try #require(env[key], "\(key) is not set")
            #expect(value.hasPrefix(temp), "\(key)=\(value)")
        }
        #expect(env["HOME"] != ProcessInfo.processInfo.environment["HOME"])
        // A test may still choose its own.
        let own = try await ChildProcess.run("/usr/bin/env", [], environment: ["HOME": "/tmp/own-home"])
        #expect(own.stdout.contains("HOME=/tmp/own-home\n"))
    }
}
