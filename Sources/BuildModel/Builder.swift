/// A buildx builder: a docker context's own BuildKit (`docker` driver) or an instance from
/// buildx's store (`docker-container`, `kubernetes`, `remote`, …). Field names follow
/// `docker buildx ls --format json`.
public struct Builder: Sendable, Equatable {
    /// One BuildKit node of a builder.
    public struct Node: Sendable, Equatable {
        /// Node name.
        public var name: String
        /// Docker context name or a host URL.
        public var endpoint: String
        /// `inactive`, `starting`, `running`, `stopping`, `stopped` or `error`; nil when unknown.
        public var status: String?
        /// BuildKit version (e.g. `v0.20.0`).
        public var version: String?
        /// Platforms as `os/arch[/variant]` (configured first, then detected).
        public var platforms: [String]
        /// buildkitd flags.
        public var flags: [String]
        /// Driver options in the order they were given.
        public var driverOptions: [KeyValue]
        /// Why the node's status could not be read.
        public var error: String?

        /// Creates a node.
        public init(
            name: String, endpoint: String, status: String? = nil, version: String? = nil, platforms: [String] = [],
            flags: [String] = [], driverOptions: [KeyValue] = [], error: String? = nil
        ) {
            self.name = name
            self.endpoint = endpoint
            self.status = status
            self.version = version
            self.platforms = platforms
            self.flags = flags
            self.driverOptions = driverOptions
            self.error = error
        }
    }

    /// A key and its value (kept in order).
    public struct KeyValue: Sendable, Equatable {
        /// Key.
        public var key: String
        /// Value.
        public var value: String

        /// Creates a pair.
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Builder name.
    public var name: String
    /// Driver (`docker`, `docker-container`, `kubernetes`, `remote`, …).
    public var driver: String
    /// Nodes.
    public var nodes: [Node]
    /// Last use recorded by buildx (`activity/<name>`), nil when never.
    public var lastActivity: Timestamp?
    /// Created on the fly (buildx's `Dynamic`).
    public var dynamic: Bool
    /// Why the builder could not be loaded.
    public var error: String?
    /// The builder a build without `--builder` uses.
    public var isCurrent: Bool
    /// A docker context's own builder (not in buildx's store).
    public var isContextBuilder: Bool

    /// Creates a builder.
    public init(
        name: String, driver: String, nodes: [Node], lastActivity: Timestamp? = nil, dynamic: Bool = false,
        error: String? = nil, isCurrent: Bool = false, isContextBuilder: Bool = false
    ) {
        self.name = name
        self.driver = driver
        self.nodes = nodes
        self.lastActivity = lastActivity
        self.dynamic = dynamic
        self.error = error
        self.isCurrent = isCurrent
        self.isContextBuilder = isContextBuilder
    }

    /// The status shown for the builder: its first node's, `error` when it has an error.
    public var status: String? {
        if error != nil { return "error" }
        return nodes.first?.status
    }

    /// Platforms of all nodes, without repeats.
    public var platforms: [String] {
        var seen = Set<String>()
        return nodes.flatMap(\.platforms).filter { seen.insert($0).inserted }
    }
}

/// Where the current builder came from (buildx's precedence, PROTOCOL.md §4.1).
public enum BuilderSource: String, Sendable, Equatable, Codable {
    /// `--builder NAME`.
    case flag
    /// `BUILDX_BUILDER`.
    case environment
    /// buildx's store (`current` for this endpoint, global, or `defaults/`).
    case store
    /// The current docker context's own builder.
    case context
}

/// Every builder this machine knows, the current one, and how it was chosen.
public struct BuilderList: Sendable, Equatable {
    /// Store instances (by name), then docker contexts (by name).
    public var builders: [Builder]
    /// Name of the current builder.
    public var current: String
    /// Where the current builder came from.
    public var source: BuilderSource
    /// The builder the store names for this endpoint when `--builder`/`BUILDX_BUILDER` overrides it.
    public var overriddenStoreChoice: String?
    /// The current docker context.
    public var contextName: String
    /// `docker buildx version` output (e.g. `v0.17.1`), nil when buildx is not installed.
    public var buildxVersion: String?
    /// Problems met while looking (unreadable files, buildx errors), one line each.
    public var warnings: [String]
    /// `docker buildx install` is in effect (`aliases.builder = buildx` in config.json).
    public var aliasInstalled: Bool
    /// The builder `docker buildx ls` marks current: the store's choice for this endpoint, else
    /// the context's builder (it ignores `--builder` and `BUILDX_BUILDER`).
    public var defaultName: String

    /// Creates a list.
    public init(
        builders: [Builder], current: String, source: BuilderSource, overriddenStoreChoice: String? = nil,
        contextName: String, buildxVersion: String? = nil, warnings: [String] = [], aliasInstalled: Bool = false,
        defaultName: String? = nil
    ) {
        self.builders = builders
        self.current = current
        self.source = source
        self.overriddenStoreChoice = overriddenStoreChoice
        self.contextName = contextName
        self.buildxVersion = buildxVersion
        self.warnings = warnings
        self.aliasInstalled = aliasInstalled
        self.defaultName = defaultName ?? overriddenStoreChoice ?? current
    }

    /// The builder with a name (buildx lower-cases store names).
    public func builder(named name: String) -> Builder? {
        builders.first { $0.name == name } ?? builders.first { $0.name == name.lowercased() && !$0.isContextBuilder }
    }

    /// A one-line note when `--builder` or `BUILDX_BUILDER` overrides the stored choice.
    public var overrideNote: String? {
        guard let stored = overriddenStoreChoice, stored != current else { return nil }
        let by = source == .flag ? "--builder" : "BUILDX_BUILDER"
        return "\(by) selects \"\(current)\" instead of the stored default \"\(stored)\""
    }
}
