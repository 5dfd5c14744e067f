import BuildModel

/// A file of the build context that differs between two builds.
public struct FileChange: Sendable, Equatable, Hashable {
    /// How it differs.
    public enum Kind: String, Sendable, Equatable, Hashable {
        /// Only in the newer context.
        case added
        /// Only in the older context.
        case removed
        /// In both, with other content, size, modification time, type or permissions.
        case modified
    }

    /// Path relative to the context root.
    public var path: String
    /// How it differs.
    public var kind: Kind

    /// Creates a change.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// `app.txt (modified)`.
    public var text: String { "\(path) (\(kind.rawValue))" }
}

extension ContextManifest {
    /// The files that differ from `previous`, sorted by path, limited to those under `sources`
    /// (paths or globs relative to the context root as a `COPY` names them; `""` or `.` is the
    /// whole context; nil means no limit).
    ///
    /// A file is modified when the content digests differ (when both are known; else when size or
    /// modification time differ), or when its type or permission bits changed. Folders are
    /// reported only as added or removed, and not when a change below them already says so.
    public func changes(since previous: ContextManifest, within sources: [String]? = nil) -> [FileChange] {
        let patterns = sources.map { $0.map(StepName.cleanPath) }
        func wanted(_ path: String) -> Bool {
            guard let patterns else { return true }
            return patterns.contains { SourceMatch.matches(pattern: $0, path: path) }
        }
        var old: [String: Entry] = [:]
        for e in previous.entries { old[e.path] = e }
        var new: [String: Entry] = [:]
        for e in entries { new[e.path] = e }
        var out: [FileChange] = []
        for path in Set(old.keys).union(new.keys).sorted() where wanted(path) {
            switch (old[path], new[path]) {
            case (nil, .some): out.append(FileChange(path: path, kind: .added))
            case (.some, nil): out.append(FileChange(path: path, kind: .removed))
            case (let a?, let b?):
                if Self.differs(a, b) { out.append(FileChange(path: path, kind: .modified)) }
            case (nil, nil): break
            }
        }
        // A folder added or removed together with what it holds: the files say it.
        let isFolder: (String) -> Bool = { p in (new[p] ?? old[p])?.isDirectory ?? false }
        return out.filter { change in
            guard isFolder(change.path) else { return true }
            let prefix = change.path + "/"
            return !out.contains { $0.path.hasPrefix(prefix) }
        }
    }

    /// True when two entries of the same path count as a change.
    static func differs(_ a: Entry, _ b: Entry) -> Bool {
        if a.mode != b.mode { return true }
        if a.isDirectory { return false }
        if let da = a.digest, let db = b.digest { return da != db }
        return a.size != b.size || a.modifiedNanos != b.modifiedNanos
    }
}

/// Which context paths a `COPY` source names.
enum SourceMatch {
    /// True when `path` is `pattern`, lies below it, or (for a glob) below a match of it.
    /// `pattern` is cleaned (no leading `./` or `/`); empty means the whole context.
    static func matches(pattern: String, path: String) -> Bool {
        if pattern.isEmpty { return true }
        if !pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
            return path == pattern || path.hasPrefix(pattern + "/")
        }
        let pat = pattern.split(separator: "/")
        let comps = path.split(separator: "/")
        guard comps.count >= pat.count else { return false }
        for (p, c) in zip(pat, comps) where !GlobMatch.match(String(p), String(c)) { return false }
        return true
    }
}
