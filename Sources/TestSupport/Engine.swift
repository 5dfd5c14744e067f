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

    /// The debug binary built by `swift build` (override with `BUILDTOP_BIN`).
    public static var binary: String {
        ProcessInfo.processInfo.environment["BUILDTOP_BIN"]
            ?? Fixtures.repositoryRoot.appendingPathComponent(".build/debug/buildtop").path
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

/// Runs processes for tests (blocking reads on their own threads, never on the test's task).
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let done = DispatchGroup()
    private let rssFile: URL?

    /// Starts `executable` with `arguments`; `measureRSS` wraps it in /usr/bin/time.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil,
        measureRSS: Bool = false, currentDirectory: URL? = nil
    ) throws {
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "interactive=no"
        if let host = TestEngine.host { env["DOCKER_HOST"] = host }
        for (k, v) in environment { env[k] = v }
        if measureRSS {
            let f = FileManager.default.temporaryDirectory.appendingPathComponent("rss-\(UUID().uuidString)")
            rssFile = f
            process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
            process.arguments = ["-f", "%M", "-o", f.path, executable] + arguments
        } else {
            rssFile = nil
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try? inPipe.fileHandleForWriting.close()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            done.enter()
            let h = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let d = h.availableData
                    if d.isEmpty { break }
                    lock.withLock { if isOut { out.append(d) } else { err.append(d) } }
                }
                done.leave()
            }
        }
    }

    /// Standard error so far.
    public var stderrSoFar: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits (polling) until `condition` holds for stderr, up to `timeout` seconds.
    public func waitForStderr(timeout: Double, _ condition: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stderrSoFar) { return true }
            if !process.isRunning { return condition(stderrSoFar) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Sends a signal.
    public func signal(_ sig: Int32) {
        kill(process.processIdentifier, sig)
    }

    /// Waits for the exit (polling, so no thread blocks in the cooperative pool).
    public func wait(timeout: Double = 300) async -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            try? await Task.sleep(for: .milliseconds(200))
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            done.notify(queue: .global()) { c.resume() }
        }
        var rss: Int?
        if let rssFile, let text = try? String(contentsOf: rssFile, encoding: .utf8) {
            rss = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
            try? FileManager.default.removeItem(at: rssFile)
        }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return lock.withLock {
            ProcessResult(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self), maxRSSKiB: rss)
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
