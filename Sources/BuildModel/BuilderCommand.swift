/// What a user can do to builders; each maps to one `docker buildx` command line.
public enum BuilderCommand: Sendable, Equatable {
    /// `docker buildx use [--global] [--default] NAME`.
    case use(name: String, global: Bool, makeDefault: Bool)
    /// `docker buildx create …`.
    case create(BuilderSpec)
    /// `docker buildx rm NAME`.
    case remove(name: String)
    /// `docker buildx inspect --bootstrap NAME`.
    case bootstrap(name: String)
    /// `docker buildx stop NAME`.
    case stop(name: String)
    /// `docker buildx inspect NAME`.
    case inspect(name: String)
    /// `docker buildx install` (true) / `uninstall` (false): the `docker build` → buildx alias.
    case setAlias(Bool)

    /// The arguments after `docker buildx`.
    public var buildxArguments: [String] {
        switch self {
        case .use(let name, let global, let makeDefault):
            return ["use"] + (global ? ["--global"] : []) + (makeDefault ? ["--default"] : []) + positional(name)
        case .create(let spec): return spec.buildxArguments
        case .remove(let name): return ["rm"] + positional(name)
        case .bootstrap(let name): return ["inspect", "--bootstrap"] + positional(name)
        case .stop(let name): return ["stop"] + positional(name)
        case .inspect(let name): return ["inspect"] + positional(name)
        case .setAlias(let on): return [on ? "install" : "uninstall"]
        }
    }

    /// The command line as shown in the command log (`docker buildx use --default b1`).
    public var commandLine: String {
        (["docker", "buildx"] + buildxArguments).map(ShellQuote.quote).joined(separator: " ")
    }

    /// The command line of buildtop's own equivalent, run when buildx is not installed
    /// (`buildtop builders use b1`): the command log names what actually ran.
    public var ownCommandLine: String {
        let args: [String]
        switch self {
        case .use(let name, let global, let makeDefault):
            args = ["use"] + (global ? ["--global"] : []) + (makeDefault ? ["--default"] : []) + [name]
        case .inspect(let name): args = ["inspect", name]
        case .setAlias(let on): args = [on ? "install" : "uninstall"]
        default: args = buildxArguments
        }
        return (["buildtop", "builders"] + args).map(ShellQuote.quote).joined(separator: " ")
    }

    /// Why it cannot run when buildx is not installed; nil when buildtop can do it itself
    /// (writing buildx's files as buildx does). One rule for the CLI and the menu.
    public var refusalWithoutBuildx: String? {
        switch self {
        case .use, .inspect, .setAlias(false): nil
        case .setAlias(true):
            "buildx is not installed: with the alias `docker build` would fail; install the docker-buildx plugin first"
        default:
            "`docker buildx \(buildxArguments.first ?? "")` needs buildx, which is not installed (install the docker-buildx plugin)"
        }
    }

    /// True when the builder list should be read again afterwards.
    public var changesBuilders: Bool {
        if case .inspect = self { return false }
        return true
    }
}

/// A positional argument, after `--` when it would read as a flag.
func positional(_ value: String) -> [String] {
    value.hasPrefix("-") ? ["--", value] : [value]
}

/// The fields of `docker buildx create`.
public struct BuilderSpec: Sendable, Equatable {
    /// `--name` (buildx picks one when empty).
    public var name: String
    /// `--driver` (`docker-container`, `kubernetes`, `remote`, `docker`).
    public var driver: String
    /// `--driver-opt k=v`, each.
    public var driverOptions: [String]
    /// The context or endpoint (`tcp://…` for remote), empty = current context.
    public var endpoint: String
    /// `--platform`, each.
    public var platforms: [String]
    /// `--buildkitd-flags`.
    public var buildkitdFlags: String
    /// `--use`.
    public var use: Bool
    /// `--bootstrap`.
    public var bootstrap: Bool

    /// Creates a spec.
    public init(
        name: String = "", driver: String = "docker-container", driverOptions: [String] = [], endpoint: String = "",
        platforms: [String] = [], buildkitdFlags: String = "", use: Bool = false, bootstrap: Bool = false
    ) {
        self.name = name
        self.driver = driver
        self.driverOptions = driverOptions
        self.endpoint = endpoint
        self.platforms = platforms
        self.buildkitdFlags = buildkitdFlags
        self.use = use
        self.bootstrap = bootstrap
    }

    /// `create --name N --driver D --driver-opt … --platform … --buildkitd-flags … --use --bootstrap [ENDPOINT]`.
    public var buildxArguments: [String] {
        var a = ["create"]
        if !name.isEmpty { a += ["--name", name] }
        if !driver.isEmpty { a += ["--driver", driver] }
        for o in driverOptions where !o.isEmpty { a += ["--driver-opt", o] }
        for p in platforms where !p.isEmpty { a += ["--platform", p] }
        if !buildkitdFlags.isEmpty { a += ["--buildkitd-flags", buildkitdFlags] }
        if use { a.append("--use") }
        if bootstrap { a.append("--bootstrap") }
        if !endpoint.isEmpty { a += positional(endpoint) }
        return a
    }
}

/// One line of the builders menu's command log: the exact command and what came of it.
public struct CommandLogEntry: Sendable, Equatable {
    /// The command line (`docker buildx use --default builder1`).
    public var command: String
    /// It worked.
    public var succeeded: Bool
    /// What it printed (stdout then stderr), or what buildtop did in its place.
    public var output: String

    /// Creates an entry.
    public init(command: String, succeeded: Bool, output: String) {
        self.command = command
        self.succeeded = succeeded
        self.output = output
    }

    /// The error in a command's output: its last `ERROR: ` line without the prefix (as buildx
    /// prints it), else its last non-blank line; nil when there is none.
    public static func errorLine(_ text: String) -> String? {
        let lines = text.split(separator: "\n").map(String.init)
        if let e = lines.last(where: { $0.hasPrefix("ERROR: ") }) { return String(e.dropFirst(7)) }
        return lines.last(where: { $0.contains { $0 != " " && $0 != "\t" } })
    }

    /// What went wrong, in one line.
    public var errorMessage: String { Self.errorLine(output) ?? "\(command) failed" }
}

/// POSIX shell quoting for showing commands.
public enum ShellQuote {
    /// `s` as a shell word: unchanged when it is safe, else in single quotes.
    public static func quote(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
        if !s.isEmpty, s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
