import BuildModel
import Foundation
import Subprocess

import SystemPackage

/// Runs `docker buildx …` commands (the docker CLI first on PATH, or `BUILDTOP_DOCKER`), each
/// shown as the exact command line it runs.
public struct BuildxCLI: Sendable {
    /// The docker executable's full path.
    public let executable: String
    /// Global docker flags put before `buildx` (`--context NAME`, `-H HOST`).
    public let globalArguments: [String]
    /// Environment of the commands.
    public let environment: [String: String]

    /// Finds `docker` (or `$BUILDTOP_DOCKER`) on the environment's PATH; nil when there is none.
    public init?(environment: [String: String], globalArguments: [String] = []) {
        let name = environment["BUILDTOP_DOCKER"].flatMap { $0.isEmpty ? nil : $0 } ?? "docker"
        guard let path = Self.find(name, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else { return nil }
        self.executable = path
        self.globalArguments = globalArguments
        self.environment = environment
    }

    /// Creates a runner for a known executable.
    public init(executable: String, globalArguments: [String] = [], environment: [String: String]) {
        self.executable = executable
        self.globalArguments = globalArguments
        self.environment = environment
    }

    static func find(_ name: String, path: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// The outcome of one command.
    public struct Outcome: Sendable, Equatable {
        /// The command line as typed (`docker buildx use --default x`).
        public var command: String
        /// Exit status (128+N when killed by signal N, -1 when it could not start).
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// True on exit status 0.
        public var succeeded: Bool { status == 0 }

        /// The error line buildx printed (`ERROR: ` removed), or a description of the failure.
        public var errorMessage: String { CommandLogEntry.errorLine(stderr) ?? "exit status \(status)" }
    }

    /// The full argument list for `buildx` arguments.
    public func arguments(_ buildxArguments: [String]) -> [String] {
        globalArguments + ["buildx"] + buildxArguments
    }

    /// The command line as shown in the command log.
    public func commandLine(_ buildxArguments: [String]) -> String {
        (["docker"] + arguments(buildxArguments)).map(ShellQuote.quote).joined(separator: " ")
    }

    /// Runs `docker [global] buildx ARGS`, collecting its output (stdin is /dev/null); with a
    /// timeout, a command still running then is torn down and reported as timed out.
    public func run(_ buildxArguments: [String], timeout: Duration? = nil) async -> Outcome {
        guard let timeout else { return await run(buildxArguments) }
        let command = commandLine(buildxArguments)
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.run(buildxArguments) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? Outcome(command: command, status: -1, stdout: "", stderr: "ERROR: no answer within \(timeout)")
        }
    }

    func run(_ buildxArguments: [String]) async -> Outcome {
        let command = commandLine(buildxArguments)
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments(buildxArguments)),
                environment: Self.subprocessEnvironment(environment), input: .none,
                output: .string(limit: 8 << 20), error: .string(limit: 8 << 20))
            return Outcome(
                command: command, status: Self.status(result.terminationStatus),
                stdout: result.standardOutput, stderr: result.standardError)
        } catch {
            return Outcome(command: command, status: -1, stdout: "", stderr: "ERROR: cannot run \(executable): \(error)")
        }
    }

    /// `docker buildx version` → the version word (`v0.17.1`), nil when buildx is missing.
    public func version() async -> String? {
        let out = await run(["version"], timeout: .seconds(10))
        guard out.succeeded else { return nil }
        return Self.parseVersion(out.stdout)
    }

    /// Where the docker CLI looks for the `docker-buildx` plugin (docker/cli `cli-plugins/manager`):
    /// `<config>/cli-plugins`, config.json's `cliPluginsExtraDirs`, then the system folders.
    public static func pluginDirectories(configDirectory: String) -> [String] {
        var dirs = [(configDirectory as NSString).appendingPathComponent("cli-plugins")]
        let config = (configDirectory as NSString).appendingPathComponent("config.json")
        if let data = FileManager.default.contents(atPath: config),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let extra = DockerEndpoint.jsonField(object, "cliPluginsExtraDirs") as? [String] {
            dirs += extra
        }
        return dirs + [
            "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins",
            "/usr/libexec/docker/cli-plugins",
        ]
    }

    /// True when the executable is a compiled program (the docker CLI) rather than a script.
    var isNativeExecutable: Bool {
        guard let handle = FileHandle(forReadingAtPath: executable) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data([0x7F, 0x45, 0x4C, 0x46])
    }

    /// buildx's version when it is installed, nil when not. For the docker CLI itself the plugin
    /// folders answer "not installed" without starting a process (the docker CLI resolves
    /// `docker buildx` from those folders); anything else (a wrapper script) is asked.
    public func installedVersion(configDirectory: String) async -> String? {
        if isNativeExecutable {
            let found = Self.pluginDirectories(configDirectory: configDirectory).contains {
                access(($0 as NSString).appendingPathComponent("docker-buildx"), X_OK) == 0
            }
            if !found { return nil }
        }
        return await version()
    }

    /// The version in `github.com/docker/buildx v0.17.1 abc1234`.
    public static func parseVersion(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard let i = words.firstIndex(where: { $0.hasSuffix("/buildx") }), i + 1 < words.count else {
            return words.first(where: { $0.hasPrefix("v") && $0.dropFirst().first?.isNumber == true })
        }
        return words[i + 1]
    }

    /// True when a version (`v0.13.0`, `0.13.0-rc1`, `v0.14.1-desktop.1`) is at least `major.minor`.
    public static func version(_ version: String, atLeast major: Int, _ minor: Int) -> Bool {
        let digits = version.drop(while: { !$0.isNumber })
        let parts = digits.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return false }
        return parts[0] > major || (parts[0] == major && parts[1] >= minor)
    }

    static func status(_ t: TerminationStatus) -> Int32 {
        switch t {
        case .exited(let code): Int32(code)
        case .signaled(let sig): 128 + Int32(sig)
        }
    }

    static func subprocessEnvironment(_ env: [String: String]) -> Subprocess.Environment {
        var map: [Subprocess.Environment.Key: String] = [:]
        for (k, v) in env {
            if let key = Subprocess.Environment.Key(rawValue: k) { map[key] = v }
        }
        return .custom(map)
    }
}
