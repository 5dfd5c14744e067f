import Foundation

/// The private test engine and the built `buildtop` binary, for tests that build for real.
public enum TestEngine {
    /// `DOCKER_HOST` of the private engine (set by scripts/with-engine.sh), nil when none.
    public static var host: String? {
        ProcessInfo.processInfo.environment["BUILDTOP_TEST_DOCKER_HOST"]
    }

    /// Engine tests run when an engine is configured; with `BUILDTOP_REQUIRE_ENGINE=1` (the README's
    /// test command) a missing engine fails instead of skipping.
    public static var enabled: Bool {
        host != nil || ProcessInfo.processInfo.environment["BUILDTOP_REQUIRE_ENGINE"] == "1"
    }

    /// The binary `scripts/build.sh` builds, the one the run command starts (override with
    /// `BUILDTOP_BIN`).
    public static var binary: String {
        ProcessInfo.processInfo.environment["BUILDTOP_BIN"]
            ?? Fixtures.repositoryRoot.appendingPathComponent(".build/release/buildtop").path
    }

    /// The home of every process a test starts (`HOME`, `DOCKER_CONFIG`, `XDG_*`): a temporary
    /// folder, so no docker, buildx or buildtop run writes into the real home (`~/.docker/.buildNodeID`,
    /// `~/.local/state/buildtop`).
    public static let home: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-test-home-\(getpid())")
        try? FileManager.default.createDirectory(at: url.appendingPathComponent(".docker"), withIntermediateDirectories: true)
        return url
    }()

    /// The environment a test's child process starts with: the test process's own, with the
    /// homes moved to `home` (a test may override any of them).
    public static func childEnvironment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env["DOCKER_CONFIG"] = home.appendingPathComponent(".docker").path
        env["XDG_STATE_HOME"] = home.appendingPathComponent(".local/state").path
        env["XDG_CONFIG_HOME"] = home.appendingPathComponent(".config").path
        env.removeValue(forKey: "BUILDX_CONFIG")
        return env
    }

    /// A fresh temporary folder.
    public static func tempDir(_ label: String = "ctx") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-test-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes files (path → content) under `dir`.
    public static func write(_ files: [String: String], in dir: URL) throws {
        for (path, content) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
    }
}

/// A finished child process.
public struct ProcessResult: Sendable {
    /// Exit status (128+signal when killed).
    public var status: Int32
    /// Standard output.
    public var stdout: String
    /// Standard error.
    public var stderr: String
    /// Peak resident memory in KiB, when measured with /usr/bin/time.
    public var maxRSSKiB: Int?
}

/// Runs processes for tests with posix_spawn: a clean signal mask for the child, pipes read on
/// their own threads and a blocking `waitpid` on another, so nothing blocks the test's task.
public final class ChildProcess: @unchecked Sendable {
    /// Process id.
    public let pid: pid_t
    let lock = NSLock()
    private var out = Data()
    private var err = Data()
    var exitStatus: Int32?
    private let readers = DispatchGroup()
    private let rssFile: URL?

    /// Starts `executable` with `arguments`; `measureRSS` wraps it in /usr/bin/time.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil,
        measureRSS: Bool = false, currentDirectory: URL? = nil
    ) throws {
        var env = TestEngine.childEnvironment()
        env["SWIFT_BACKTRACE"] = "interactive=no"
        if let host = TestEngine.host { env["DOCKER_HOST"] = host }
        for (k, v) in environment { env[k] = v }
        var argv = [executable] + arguments
        if measureRSS {
            let f = FileManager.default.temporaryDirectory.appendingPathComponent("rss-\(UUID().uuidString)")
            rssFile = f
            argv = ["/usr/bin/time", "-f", "%M", "-o", f.path] + argv
        } else {
            rssFile = nil
        }
        var inFD: [Int32] = [0, 0], outFD: [Int32] = [0, 0], errFD: [Int32] = [0, 0]
        guard pipe(&inFD) == 0, pipe(&outFD) == 0, pipe(&errFD) == 0 else {
            throw NSError(domain: "ChildProcess", code: Int(errno))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inFD[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outFD[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errFD[1], 2)
        for fd in inFD + outFD + errFD { posix_spawn_file_actions_addclose(&actions, fd) }
        if let dir = currentDirectory { argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir.path] + argv }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var dflt = sigset_t()
        sigemptyset(&dflt)
        for sig in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&dflt, sig) }
        posix_spawnattr_setsigdefault(&attr, &dflt)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, argv[0], &actions, &attr, cArgs, cEnv)
        let spawned = child
        close(inFD[0]); close(outFD[1]); close(errFD[1])
        guard rc == 0 else {
            close(inFD[1]); close(outFD[0]); close(errFD[0])
            throw NSError(domain: "ChildProcess: cannot start \(argv[0]): \(String(cString: strerror(rc)))", code: Int(rc))
        }
        pid = spawned
        let writeFD = inFD[1]
        let input = stdin ?? Data()
        Thread.detachNewThread {
            input.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(writeFD, raw.baseAddress.map { $0 + off }, raw.count - off)
                    if n <= 0 { break }
                    off += n
                }
            }
            close(writeFD)
        }
        for (fd, isOut) in [(outFD[0], true), (errFD[0], false)] {
            readers.enter()
            Thread.detachNewThread { [self] in
                var buf = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buf, buf.count)
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    let chunk = Data(buf[0..<n])
                    lock.withLock { if isOut { out.append(chunk) } else { err.append(chunk) } }
                }
                close(fd)
                readers.leave()
            }
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) < 0, errno == EINTR {}
            let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            lock.withLock { exitStatus = code }
        }
    }

    /// True until the process has exited.
    public var isRunning: Bool { lock.withLock { exitStatus == nil } }

    /// Standard error so far.
    public var stderrSoFar: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits (polling) until `condition` holds for stderr, up to `timeout` seconds.
    public func waitForStderr(timeout: Double, _ condition: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stderrSoFar) { return true }
            if !isRunning { return condition(stderrSoFar) }
            if (try? await Task.sleep(for: .milliseconds(50))) == nil { return false }
        }
        return false
    }

    /// Sends a signal.
    public func signal(_ sig: Int32) {
        kill(pid, sig)
    }

    /// Waits for the exit; after `timeout` seconds the process is killed.
    public func wait(timeout: Double = 300) async -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning, Date() < deadline {
            // A cancelled test stops waiting (and kills the child) instead of spinning.
            if (try? await Task.sleep(for: .milliseconds(20))) == nil { break }
        }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { usleep(5000) }
        }
        // Grandchildren may keep the pipes open (a daemon started by a script): wait at most 5 s.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                _ = self.readers.wait(timeout: .now() + 5)
                c.resume()
            }
        }
        var rss: Int?
        if let rssFile, let text = try? String(contentsOf: rssFile, encoding: .utf8) {
            rss = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
            try? FileManager.default.removeItem(at: rssFile)
        }
        return lock.withLock {
            ProcessResult(
                status: exitStatus ?? -1, stdout: String(decoding: out, as: UTF8.self),
                stderr: String(decoding: err, as: UTF8.self), maxRSSKiB: rss)
        }
    }

    /// Runs to completion.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil,
        measureRSS: Bool = false, currentDirectory: URL? = nil, timeout: Double = 300
    ) async throws -> ProcessResult {
        let p = try ChildProcess(executable, arguments, environment: environment, stdin: stdin, measureRSS: measureRSS, currentDirectory: currentDirectory)
        return await p.wait(timeout: timeout)
    }

    /// Runs to completion, blocking the calling thread (for `defer` blocks that cannot await).
    @discardableResult
    public static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> Int32 {
        guard let p = try? ChildProcess(executable, arguments, environment: environment) else { return -1 }
        while p.isRunning { usleep(10_000) }
        return p.lock.withLock { p.exitStatus ?? -1 }
    }

    /// Runs `buildtop` with arguments.
    public static func buildtop(
        _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil, measureRSS: Bool = false,
        timeout: Double = 300
    ) async throws -> ProcessResult {
        try await run(TestEngine.binary, arguments, environment: environment, stdin: stdin, measureRSS: measureRSS, timeout: timeout)
    }

    /// Runs `/usr/bin/docker` (the 20.10 CLI with BuildKit built in) against the test engine.
    public static func docker(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 300) async throws -> ProcessResult {
        var env = environment
        env["DOCKER_BUILDKIT"] = "1"
        return try await run("/usr/bin/docker", arguments, environment: env, timeout: timeout)
    }
}
