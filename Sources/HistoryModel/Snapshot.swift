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

extension ContextManifest {
    /// The manifest as the store keeps it: a line per entry, `path TAB size TAB mode(octal) TAB
    /// mtime-ns TAB digest` (`-` when unknown), paths with `\`, TAB and newline escaped. Fast to
    /// write and read for contexts of tens of thousands of files (JSON coders took seconds).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 120)
        out.append(contentsOf: Array("buildtop-context-manifest 1\n".utf8))
        for e in entries {
            for b in e.path.utf8 {
                switch b {
                case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
                case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
                case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
                default: out.append(b)
                }
            }
            out.append(9)
            out.append(contentsOf: String(e.size).utf8)
            out.append(9)
            out.append(contentsOf: String(e.mode, radix: 8).utf8)
            out.append(9)
            out.append(contentsOf: String(e.modifiedNanos).utf8)
            out.append(9)
            out.append(contentsOf: (e.digest ?? "-").utf8)
            out.append(10)
        }
        return out
    }

    /// Reads `encoded()`; nil when the bytes are not a manifest.
    public init?(decoding bytes: [UInt8]) {
        let header = Array("buildtop-context-manifest 1\n".utf8)
        guard bytes.starts(with: header) else { return nil }
        var entries: [Entry] = []
        var i = header.count
        while i < bytes.count {
            guard let nl = bytes[i...].firstIndex(of: 10) else { return nil }
            let fields = bytes[i..<nl].split(separator: 9, omittingEmptySubsequences: false)
            guard fields.count == 5 else { return nil }
            var path: [UInt8] = []
            var escape = false
            for b in fields[0] {
                if escape {
                    path.append(b == UInt8(ascii: "t") ? 9 : b == UInt8(ascii: "n") ? 10 : b)
                    escape = false
                } else if b == 92 {
                    escape = true
                } else {
                    path.append(b)
                }
            }
            func text(_ f: ArraySlice<UInt8>) -> String { String(decoding: f, as: UTF8.self) }
            guard let size = Int64(text(fields[1])), let mode = UInt32(text(fields[2]), radix: 8),
                let mtime = Int64(text(fields[3]))
            else { return nil }
            let digest = text(fields[4])
            entries.append(
                Entry(path: String(decoding: path, as: UTF8.self), size: size, mode: mode, modifiedNanos: mtime, digest: digest == "-" ? nil : digest))
            i = nl + 1
        }
        self.entries = entries
    }
}
