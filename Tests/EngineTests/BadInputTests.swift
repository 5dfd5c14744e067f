import Foundation
import Testing
import TestSupport

/// The one `ERROR: …` line buildtop printed last.
private func errorLine(_ r: ProcessResult) -> String {
    r.stderr.split(separator: "\n").last.map(String.init) ?? ""
}

/// Bad input: one clear line, a non-zero exit, no crash, nothing left behind.
@Suite(.serialized)
struct BadInputTests {
    /// A context folder that does not exist.
    @Test func missingContext() async throws {
        let r = try await ChildProcess.buildtop(["build", "/nonexistent/ctx-\(UUID().uuidString.prefix(4))"], environment: ["DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(r.status == 1)
        #expect(errorLine(r).hasPrefix("ERROR: "))
        #expect(errorLine(r).contains("/nonexistent/ctx-"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    /// A context without a Dockerfile, and `-f` naming a file that does not exist.
    @Test func missingDockerfile() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["a.txt": "x"], in: dir)
        let r = try await ChildProcess.buildtop(["build", dir.path], environment: ["DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(r.status == 1)
        #expect(errorLine(r).contains("Dockerfile"))
        let f = try await ChildProcess.buildtop(["build", "-f", "/nonexistent/Dockerfile.x", dir.path], environment: ["DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(f.status == 1)
        #expect(errorLine(f).contains("/nonexistent/Dockerfile.x"))
    }

    /// A file in the context that the user cannot read (run as nobody: root reads everything).
    @Test func unreadableFileInContext() async throws {
        let dir = try TestEngine.tempDir("unreadable")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nCOPY . /x\n", "ok.txt": "x", "secret.txt": "s"], in: dir)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        for f in ["Dockerfile", "ok.txt"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.appendingPathComponent(f).path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: dir.appendingPathComponent("secret.txt").path)
        let tmp = FileManager.default.temporaryDirectory.path
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: tmp)
        let r = try await ChildProcess.run(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", TestEngine.binary, "build", dir.path],
            environment: ["DOCKER_HOST": TestEngine.host ?? "unix:///nonexistent.sock", "HOME": "/tmp"])
        #expect(r.status == 1)
        #expect(errorLine(r).contains("secret.txt"), "\(r.stderr)")
        #expect(errorLine(r).lowercased().contains("permission denied"))
    }

    /// A context folder that is a symlink loop.
    @Test func symlinkLoopContext() async throws {
        let dir = try TestEngine.tempDir("loop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: b.path)
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: a.path)
        let r = try await ChildProcess.buildtop(["build", a.path], environment: ["DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(r.status == 1)
        #expect(errorLine(r).lowercased().contains("symbolic links"), "\(r.stderr)")
    }

    /// No engine at the address: one line saying so.
    @Test func engineNotReachable() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\n"], in: dir)
        let r = try await ChildProcess.buildtop(["build", dir.path], environment: ["DOCKER_HOST": "unix:///tmp/no-such-docker.sock"])
        #expect(r.status == 1)
        #expect(errorLine(r).contains("cannot connect to the Docker engine at unix:///tmp/no-such-docker.sock"), "\(r.stderr)")
        let tcp = try await ChildProcess.buildtop(["build", "-H", "tcp://127.0.0.1:1", dir.path])
        #expect(tcp.status == 1)
        #expect(errorLine(tcp).contains("cannot connect"), "\(tcp.stderr)")
        let ssh = try await ChildProcess.buildtop(["build", "-H", "ssh://user@example.invalid", dir.path])
        #expect(ssh.status == 1)
        #expect(errorLine(ssh).contains("not supported yet"), "\(ssh.stderr)")
    }

    /// Flags that need a BuildKit session: refused on the legacy upload (naming why), and what
    /// the engine's BuildKit cannot do refused on the native path with the reason.
    @Test func sessionOnlyFlags() async throws {
        let dir = try TestEngine.tempDir("sessflags")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\n"], in: dir)
        let r = try await ChildProcess.buildtop(["build", "--secret", "id=x,src=/dev/null", dir.path], environment: ["BUILDTOP_ENGINE_PATH": "legacy"])
        #expect(r.status != 0)
        #expect(errorLine(r).contains("--secret"))
        #expect(errorLine(r).contains("session"))
        let cache = try await ChildProcess.buildtop(["build", "--cache-to", "type=local,dest=/tmp/x", dir.path])
        #expect(cache.status == 1)
        #expect(errorLine(cache).contains("exports only inline cache"), "\(cache.stderr)")
        let platforms = try await ChildProcess.buildtop(["build", "--platform", "linux/amd64,linux/arm64", dir.path])
        #expect(platforms.status == 1)
        #expect(errorLine(platforms).contains("image store"), "\(platforms.stderr)")
        let p = try await ChildProcess.buildtop(["build", "--progress", "fancy", "."])
        #expect(p.status != 0)
        #expect(errorLine(p).contains("invalid progress mode"))
    }

    /// Replay of garbage, a truncated stream and a missing file.
    @Test func replayBadFiles() async throws {
        let dir = try TestEngine.tempDir("replay")
        defer { try? FileManager.default.removeItem(at: dir) }
        let garbage = dir.appendingPathComponent("garbage.jsonl")
        try Data("this is not a build stream\n\u{1}\u{2}\u{3}".utf8).write(to: garbage)
        let g = try await ChildProcess.buildtop(["replay", "--speed", "max", garbage.path])
        #expect(g.status == 1)
        #expect(errorLine(g).contains("not a rawjson, Engine API or BuildKit status build stream"))
        #expect(g.stderr.split(separator: "\n").count == 1)

        let bytes = try Fixtures.bytes("rawjson/multistage.jsonl")
        let cut = dir.appendingPathComponent("cut.jsonl")
        try Data(bytes[0..<(bytes.count * 2 / 3)]).write(to: cut)
        let c = try await ChildProcess.buildtop(["replay", "--speed", "max", cut.path])
        #expect(c.status == 1)
        #expect(c.stderr.contains("#1 "))
        #expect(errorLine(c).contains("cut.jsonl"))
        #expect(errorLine(c).contains("truncated"))

        let m = try await ChildProcess.buildtop(["replay", dir.appendingPathComponent("missing.jsonl").path])
        #expect(m.status == 1)
        #expect(errorLine(m).contains("missing.jsonl"))
    }
}

/// Replay of recorded streams.
struct ReplayTests {
    /// One file prints like the live build; the exit code is the recorded build's.
    @Test func replaysRecordings() async throws {
        let ok = try await ChildProcess.buildtop(["replay", "--speed", "max", Fixtures.directory.appendingPathComponent("engine/multistage.stream").path])
        #expect(ok.status == 0)
        #expect(ok.stderr.contains("b line 20"))
        let fail = try await ChildProcess.buildtop(["replay", "--speed", "max", Fixtures.directory.appendingPathComponent("rawjson/failing.jsonl").path])
        #expect(fail.status == 1)
        #expect(fail.stderr.contains("ERROR: executor failed running"))
        let raw = try await ChildProcess.buildtop(["replay", "--speed", "max", "--progress", "rawjson", Fixtures.directory.appendingPathComponent("engine/simple.stream").path])
        #expect(raw.stderr == (try Fixtures.text("rawjson/simple.jsonl")))
    }

    /// Several files interleave, every line prefixed with its build's name.
    @Test func interleavesWithPrefixes() async throws {
        let a = Fixtures.directory.appendingPathComponent("rawjson/multistage.jsonl").path
        let b = Fixtures.directory.appendingPathComponent("engine/failing.stream").path
        let r = try await ChildProcess.buildtop(["replay", "--speed", "max", a, b])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("[multistage] ") || $0.hasPrefix("[failing] ") })
        #expect(lines.contains { $0.hasPrefix("[multistage] #") && $0.hasSuffix("b line 20") })
        #expect(lines.contains { $0.hasPrefix("[failing] ERROR: ") })
    }

    /// `--speed 4` changes when lines appear, never what is printed.
    @Test func speedChangesTimingOnly() async throws {
        let file = Fixtures.directory.appendingPathComponent("rawjson/multistage.jsonl").path
        let paced = try await ChildProcess.buildtop(["replay", "--speed", "4", "--progress", "plain", file])
        let fast = try await ChildProcess.buildtop(["replay", "--speed", "max", "--progress", "plain", file])
        #expect(paced.status == 0 && fast.status == 0)
        #expect(paced.stderr == fast.stderr)
    }

}
