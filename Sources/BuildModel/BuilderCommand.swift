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

    /// True when buildtop can do it without buildx (writing buildx's files as buildx does).
    public var worksWithoutBuildx: Bool {
        switch self {
        case .use, .setAlias, .inspect: true
        default: false
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
}
