import Foundation
import Testing
import TestSupport

/// The history on the real engine, through the real binary: every build lands in the store, and
/// `buildtop history` lists, inspects, replays, compares and draws them.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct HistoryEngineTests {
    /// A store of its own for each test (`XDG_STATE_HOME`).
    static func stateHome(_ label: String) throws -> URL { try TestEngine.tempDir("hist-\(label)") }

    static func build(_ args: [String], state: URL, extra: [String: String] = [:]) async throws -> ProcessResult {
        var env = ["XDG_STATE_HOME": state.path]
        for (k, v) in extra { env[k] = v }
        return try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none"] + args, environment: env)
    }

    static func history(_ args: [String], state: URL) async throws -> ProcessResult {
        try await ChildProcess.buildtop(["history"] + args, environment: ["XDG_STATE_HOME": state.path, "COLUMNS": "160"])
    }

    /// JSON lines of `history ls --format json`.
    static func list(_ state: URL) async throws -> [[String: Any]] {
        let r = try await history(["ls", "--format", "json"], state: state)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Every byte under `dir`, for secrets that must not be there.
    static func allBytes(_ dir: URL) -> Data {
        var all = Data()
        if let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) {
            for case let url as URL in e { if let d = try? Data(contentsOf: url) { all.append(d) } }
        }
        return all
    }

    /// Build, change one file, rebuild, change a build arg, rebuild: ls, inspect and logs show all
    /// three; diff names the changed file and the first missed COPY, then the changed arg; the
    /// secret value and the masked arg's value are nowhere in the store.
    @Test func threeBuildsThenDiff() async throws {
        // Unique content: the engine's cache outlives the test, and build 2 must miss.
        let nonce = UUID().uuidString.prefix(8)
        let dir = try TestEngine.tempDir("hist-ctx")
        let state = try Self.stateHome("three")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: state)
        }
        try TestEngine.write(
            [
                "Dockerfile": """
                    # syntax-free on purpose: the engine's own frontend
                    FROM localbase
                    ARG VERSION
                    ARG API_TOKEN
                    COPY app.txt /app/
                    RUN --mount=type=secret,id=tok cat /app/app.txt && echo "v$VERSION" && test -s /run/secrets/tok
                    COPY other.txt /app/
                    """,
                "app.txt": "first-\(nonce)\n", "other.txt": "o\n", "unrelated.txt": "u\n",
            ], in: dir)
        let secretFile = dir.appendingPathComponent("../\(dir.lastPathComponent)-secret")
        try Data("sEcReTvAlUe-4711".utf8).write(to: secretFile)
        defer { try? FileManager.default.removeItem(at: secretFile) }
        let common = ["--secret", "id=tok,src=\(secretFile.path)", "--build-arg", "API_TOKEN=supersecret123"]

        let b1 = try await Self.build(common + ["--build-arg", "VERSION=1", dir.path], state: state)
        #expect(b1.status == 0, "\(b1.stderr.suffix(1500))")
        try Data("second-\(nonce)\n".utf8).write(to: dir.appendingPathComponent("app.txt"))
        let b2 = try await Self.build(common + ["--build-arg", "VERSION=1", dir.path], state: state)
        #expect(b2.status == 0, "\(b2.stderr.suffix(1500))")
        let b3 = try await Self.build(common + ["--build-arg", "VERSION=2", dir.path], state: state)
        #expect(b3.status == 0, "\(b3.stderr.suffix(1500))")
        #expect(!b3.stderr.contains("WARNING"), "\(b3.stderr)")

        let rows = try await Self.list(state)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0["status"] as? String == "Completed" })
        #expect(rows.allSatisfy { ($0["context"] as? String)?.hasSuffix(dir.lastPathComponent) == true })
        // The newest first; the second build ran the COPY and what follows, the third hit the COPY.
        let table = try await Self.history(["ls"], state: state)
        #expect(table.stdout.hasPrefix("BUILD ID"), "\(table.stdout)")
        #expect(table.stdout.split(separator: "\n").count == 4)

        // buildx's filters: comma-separated, all must match; times and durations compared.
        let recent = try await Self.history(["ls", "--filter", "status=completed,startedAt>1h,duration<10m"], state: state)
        #expect(recent.stdout.split(separator: "\n").count == 4, "\(recent.stdout)\(recent.stderr)")
        let none = try await Self.history(["ls", "--filter", "duration>1h"], state: state)
        #expect(none.stdout.split(separator: "\n").count == 1, "\(none.stdout)")
        let bad = try await Self.history(["ls", "--filter", "duration=3"], state: state)
        #expect(bad.status == 1 && bad.stderr.contains("ERROR: filter duration takes <, <=, > or >="), "\(bad.stderr)")

        let inspect = try await Self.history(["inspect", "^0"], state: state)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("VERSION"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("API_TOKEN") && inspect.stdout.contains("(masked)"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("Build Steps:"), "\(inspect.stdout)")
        let json = try await Self.history(["inspect", "^2", "--format", "json"], state: state)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(obj["Status"] as? String == "completed")

        let logs = try await Self.history(["logs", "^1"], state: state)
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stderr.contains("second-\(nonce)"), "the RUN's output of build 2: \(logs.stderr.suffix(1500))")
        #expect(logs.stderr.contains("COPY app.txt /app/"))

        // Build 2 against build 1: the file, and the COPY that copies it.
        let d1 = try await Self.history(["diff", "^1"], state: state)
        #expect(d1.status == 0, "\(d1.stderr)")
        let first1 = try #require(d1.stdout.split(separator: "\n").first { $0.hasPrefix("first miss:") })
        #expect(first1.contains("COPY app.txt /app/"), "\(d1.stdout)")
        #expect(first1.contains("app.txt (modified)"), "\(d1.stdout)")
        #expect(!d1.stdout.contains("unrelated.txt"), "\(d1.stdout)")
        #expect(d1.stdout.contains("cascade"), "\(d1.stdout)")
        // Build 3 against build 2: the arg.
        let d2 = try await Self.history(["diff"], state: state)
        let first2 = try #require(d2.stdout.split(separator: "\n").first { $0.hasPrefix("first miss:") })
        #expect(first2.contains("VERSION") && first2.contains("1 → 2"), "\(d2.stdout)")
        #expect(d2.stdout.contains("hit"), "the COPY hit: \(d2.stdout)")

        let timeline = try await Self.history(["timeline", "--ascii", "--width", "100"], state: state)
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(timeline.stdout.contains("wall "), "\(timeline.stdout)")
        #expect(timeline.stdout.unicodeScalars.allSatisfy { $0.isASCII }, "\(timeline.stdout)")

        let bytes = Self.allBytes(state)
        #expect(bytes.range(of: Data("sEcReTvAlUe-4711".utf8)) == nil, "the secret's value is in the store")
        #expect(bytes.range(of: Data("supersecret123".utf8)) == nil, "the masked arg's value is in the store")
        #expect(bytes.count > 1000, "the store holds the builds")
    }

    /// The timeline of the multi-stage example shows its two stages running at once.
    @Test func timelineShowsParallelStages() async throws {
        let state = try Self.stateHome("par")
        defer { try? FileManager.default.removeItem(at: state) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let b = try await Self.build(["--no-cache", root.appendingPathComponent("examples/multistage").path], state: state)
        #expect(b.status == 0, "\(b.stderr.suffix(1500))")
        let t = try await Self.history(["timeline", "--width", "120"], state: state)
        #expect(t.status == 0, "\(t.stderr)")
        let conc = try #require(t.stdout.split(separator: "\n").first { $0.contains("max ") && $0.contains("conc") })
        let max = Int(conc.split(separator: " ").last ?? "") ?? 0
        #expect(max >= 2, "\(t.stdout)")
        #expect(t.stdout.contains("/slow.txt"), "\(t.stdout)")
    }

    /// Two buildtop processes building at once both land in the store.
    @Test func twoProcessesAtOnce() async throws {
        let state = try Self.stateHome("two")
        let a = try TestEngine.tempDir("hist-a")
        let b = try TestEngine.tempDir("hist-b")
        defer { for d in [state, a, b] { try? FileManager.default.removeItem(at: d) } }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo a-\(UUID().uuidString) && sleep 1\n"], in: a)
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo b-\(UUID().uuidString) && sleep 1\n"], in: b)
        async let ra = Self.build([a.path], state: state)
        async let rb = Self.build([b.path], state: state)
        let (x, y) = try await (ra, rb)
        #expect(x.status == 0 && y.status == 0, "\(x.stderr.suffix(800))\n\(y.stderr.suffix(800))")
        #expect(!x.stderr.contains("WARNING") && !y.stderr.contains("WARNING"), "\(x.stderr)\n\(y.stderr)")
        let rows = try await Self.list(state)
        #expect(rows.count == 2)
        #expect(Set(rows.compactMap { $0["name"] as? String }) == [a.lastPathComponent, b.lastPathComponent])
    }

    /// kill -9 of buildtop mid-build: the store opens, the build is interrupted, the build before
    /// it is intact.
    @Test func killedMidBuild() async throws {
        let state = try Self.stateHome("kill")
        let dir = try TestEngine.tempDir("hist-kill")
        defer { for d in [state, dir] { try? FileManager.default.removeItem(at: d) } }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo started-\(UUID().uuidString) && sleep 20\n"], in: dir)
        let quick = try TestEngine.tempDir("hist-quick")
        defer { try? FileManager.default.removeItem(at: quick) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo quick\n"], in: quick)
        let first = try await Self.build([quick.path], state: state)
        #expect(first.status == 0)
        let p = try ChildProcess(
            TestEngine.binary, ["build", "--progress=plain", "--network", "none", dir.path], environment: ["XDG_STATE_HOME": state.path])
        let running = await p.waitForStderr(timeout: 60) { $0.contains("started-") }
        #expect(running, "\(p.stderrSoFar)")
        p.signal(SIGKILL)
        _ = await p.wait(timeout: 10)
        let rows = try await Self.list(state)
        #expect(rows.count == 2)
        #expect(rows.first?["status"] as? String == "Interrupted", "\(rows)")
        #expect(rows.last?["status"] as? String == "Completed", "\(rows)")
        // What was recorded before the kill replays.
        let logs = try await Self.history(["logs", "^0"], state: state)
        #expect(logs.stderr.contains("started-"), "\(logs.stderr.suffix(800))")
        let inspect = try await Self.history(["inspect", "^0"], state: state)
        #expect(inspect.stdout.contains("Interrupted"), "\(inspect.stdout)")
    }

    /// A full disk under the state folder: the build succeeds with one warning line.
    @Test func fullDiskWarnsOnce() async throws {
        let state = try Self.stateHome("full")
        let dir = try TestEngine.tempDir("hist-full")
        defer { for d in [state, dir] { try? FileManager.default.removeItem(at: d) } }
        guard ChildProcess.runBlocking("/bin/mount", ["-t", "tmpfs", "-o", "size=160k", "tmpfs", state.path]) == 0 else {
            Issue.record("cannot mount a tmpfs (the tests run as root in CI)")
            return
        }
        defer { _ = ChildProcess.runBlocking("/bin/umount", [state.path]) }
        // The chatty step writes more than the tmpfs holds.
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN seq 1 60000 && echo full-\(UUID().uuidString)\n"], in: dir)
        let r = try await Self.build([dir.path], state: state)
        #expect(r.status == 0, "\(r.stderr.suffix(1500))")
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("WARNING") && $0.contains("history") }
        #expect(warnings.count == 1, "\(warnings)")
        #expect(r.stderr.contains("60000"))
    }
}
