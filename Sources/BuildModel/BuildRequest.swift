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
}
