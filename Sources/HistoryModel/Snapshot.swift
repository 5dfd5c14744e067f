import Synchronization
import BuildModel

/// The build context as it was sent: one entry per file after `.dockerignore`.
public struct ContextManifest: Sendable, Equatable, Codable {
    /// One file, folder or symlink of the context.
    public struct Entry: Sendable, Equatable, Codable {
        /// Path relative to the context root, `/`-separated, no leading `./`.
        public var path: String
        /// Size in bytes (0 for folders).
        public var size: Int64
        /// Unix mode with the type bits (`0o100644` for a regular file, `0o040755` for a folder).
        public var mode: UInt32
        /// Modification time in nanoseconds since 1970.
        public var modifiedNanos: Int64
        /// `sha256:…` of a regular file's content (a symlink's target), nil when not known.
        public var digest: String?

        /// Creates an entry.
        public init(path: String, size: Int64, mode: UInt32, modifiedNanos: Int64, digest: String? = nil) {
            self.path = path
            self.size = size
            self.mode = mode
            self.modifiedNanos = modifiedNanos
            self.digest = digest
        }

        /// True for a regular file.
        public var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
        /// True for a folder.
        public var isDirectory: Bool { mode & 0o170000 == 0o040000 }
    }

    /// Entries sorted by path.
    public var entries: [Entry]

    /// Creates a manifest (entries are sorted by path).
    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.path < $1.path }
    }
}

/// What the history keeps of one build, as the analyses need it.
public struct BuildSnapshot: Sendable {
    /// The folded status stream.
    public var state: BuildState
    /// Build arguments by name. A masked argument's value is `masked:` plus a keyed fingerprint:
    /// two equal fingerprints mean equal values, and the value itself is never kept.
    public var buildArgs: [String: String]
    /// `--no-cache` was given.
    public var noCache: Bool
    /// The context as sent, nil when not recorded.
    public var manifest: ContextManifest?
    /// Builder name.
    public var builder: String
    /// Target stage, nil for the last one.
    public var target: String?

    /// Creates a snapshot.
    public init(
        state: BuildState, buildArgs: [String: String] = [:], noCache: Bool = false,
        manifest: ContextManifest? = nil, builder: String = "default", target: String? = nil
    ) {
        self.state = state
        self.buildArgs = buildArgs
        self.noCache = noCache
        self.manifest = manifest
        self.builder = builder
        self.target = target
    }

    /// True when the value of a build argument was masked.
    public static func isMasked(_ value: String) -> Bool { value.hasPrefix("masked:") }
}


/// Collects the context manifest while a path sends the context: an entry per file listed, the
/// digest of each file whose content went out. Thread-safe.
public final class ManifestCollector: Sendable {
    private let state = Mutex((entries: [String: ContextManifest.Entry](), order: [String]()))

    /// Creates an empty collector.
    public init() {}

    /// A file, folder or symlink of the context was listed.
    public func listed(_ entry: ContextManifest.Entry) {
        state.withLock { s in
            if s.entries[entry.path] == nil { s.order.append(entry.path) }
            s.entries[entry.path] = entry
        }
    }

    /// The content of `path` was sent; this is its digest.
    public func sent(_ path: String, digest: String) {
        state.withLock { s in s.entries[path]?.digest = digest }
    }

    /// The manifest so far.
    public var manifest: ContextManifest {
        state.withLock { s in ContextManifest(entries: s.order.compactMap { s.entries[$0] }) }
    }

    /// True before anything was listed.
    public var isEmpty: Bool { state.withLock { $0.order.isEmpty } }
}
