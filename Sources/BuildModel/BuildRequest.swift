/// Everything needed to launch one build, in `docker buildx build` terms.
public struct BuildRequest: Sendable, Equatable, Codable {
    /// A build argument; a nil value means "take it from the environment" (`--build-arg NAME`).
    public struct Arg: Sendable, Equatable, Codable {
        /// Argument name.
        public var name: String
        /// Value, or nil when not set.
        public var value: String?

        /// Creates a build argument.
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }

        /// True when an argument of this name looks like a secret: its value is masked on screen
        /// and never written to the history store.
        public static func looksSecret(_ name: String) -> Bool {
            let n = name.uppercased()
            return ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL"].contains { n.contains($0) }
        }
    }

    /// Display name of the build (defaults to the context folder's name).
    public var name: String
    /// Context folder.
    public var contextPath: String
    /// Dockerfile path as given with `-f` (relative to the current directory), `-` for stdin, nil = `Dockerfile` in the context.
    public var dockerfile: String?
    /// Dockerfile content when it was read from stdin.
    public var dockerfileContents: [UInt8]?
    /// Target stage.
    public var target: String?
    /// Image names.
    public var tags: [String]
    /// Build arguments in the order given.
    public var buildArgs: [Arg]
    /// Image labels in the order given.
    public var labels: [Arg]
    /// Target platforms.
    public var platforms: [String]
    /// Do not use the cache.
    public var noCache: Bool
    /// Always pull referenced images.
    public var pull: Bool
    /// External cache sources.
    public var cacheFrom: [String]
    /// Network mode for RUN (`default`, `none`, `host`).
    public var network: String?
    /// Builder to use (nil = current).
    public var builder: String?
    /// Cache export destinations (`--cache-to`, buildx path only).
    public var cacheTo: [String] = []
    /// Secrets exposed to the build (`--secret id=…,src=…`, buildx path only).
    public var secrets: [String] = []
    /// SSH agent sockets or keys (`--ssh default|id=path`, buildx path only).
    public var ssh: [String] = []
    /// Outputs (`-o type=…`, buildx path only).
    public var outputs: [String] = []
    /// Load the result into the engine's image store (`--load`).
    public var load = false
    /// Push the result (`--push`, buildx path only).
    public var push = false

    /// Options only a BuildKit session (the buildx path) can serve, as the flag names a user typed.
    public var sessionOnlyFlags: [String] {
        var names: [String] = []
        if !secrets.isEmpty { names.append("--secret") }
        if !ssh.isEmpty { names.append("--ssh") }
        if !outputs.isEmpty { names.append("--output") }
        if push { names.append("--push") }
        if !cacheTo.isEmpty { names.append("--cache-to") }
        return names
    }

    /// Creates a request.
    public init(
        name: String, contextPath: String, dockerfile: String? = nil, dockerfileContents: [UInt8]? = nil,
        target: String? = nil, tags: [String] = [], buildArgs: [Arg] = [], labels: [Arg] = [],
        platforms: [String] = [], noCache: Bool = false, pull: Bool = false, cacheFrom: [String] = [],
        network: String? = nil, builder: String? = nil
    ) {
        self.name = name
        self.contextPath = contextPath
        self.dockerfile = dockerfile
        self.dockerfileContents = dockerfileContents
        self.target = target
        self.tags = tags
        self.buildArgs = buildArgs
        self.labels = labels
        self.platforms = platforms
        self.noCache = noCache
        self.pull = pull
        self.cacheFrom = cacheFrom
        self.network = network
        self.builder = builder
    }

    enum CodingKeys: String, CodingKey {
        case name, contextPath, dockerfile, dockerfileContents, target, tags, buildArgs, labels, platforms, noCache, pull
        case cacheFrom, network, builder, cacheTo, secrets, ssh, outputs, load, push
    }

    /// Decodes a request; fields added in later versions may be missing (saved form history).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        contextPath = try c.decode(String.self, forKey: .contextPath)
        dockerfile = try c.decodeIfPresent(String.self, forKey: .dockerfile)
        dockerfileContents = try c.decodeIfPresent([UInt8].self, forKey: .dockerfileContents)
        target = try c.decodeIfPresent(String.self, forKey: .target)
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        buildArgs = try c.decodeIfPresent([Arg].self, forKey: .buildArgs) ?? []
        labels = try c.decodeIfPresent([Arg].self, forKey: .labels) ?? []
        platforms = try c.decodeIfPresent([String].self, forKey: .platforms) ?? []
        noCache = try c.decodeIfPresent(Bool.self, forKey: .noCache) ?? false
        pull = try c.decodeIfPresent(Bool.self, forKey: .pull) ?? false
        cacheFrom = try c.decodeIfPresent([String].self, forKey: .cacheFrom) ?? []
        network = try c.decodeIfPresent(String.self, forKey: .network)
        builder = try c.decodeIfPresent(String.self, forKey: .builder)
        cacheTo = try c.decodeIfPresent([String].self, forKey: .cacheTo) ?? []
        secrets = try c.decodeIfPresent([String].self, forKey: .secrets) ?? []
        ssh = try c.decodeIfPresent([String].self, forKey: .ssh) ?? []
        outputs = try c.decodeIfPresent([String].self, forKey: .outputs) ?? []
        load = try c.decodeIfPresent(Bool.self, forKey: .load) ?? false
        push = try c.decodeIfPresent(Bool.self, forKey: .push) ?? false
    }
}

extension BuildRequest {
    /// A copy changed by `change`.
    public func with(_ change: (inout BuildRequest) -> Void) -> BuildRequest {
        var copy = self
        change(&copy)
        return copy
    }
}
