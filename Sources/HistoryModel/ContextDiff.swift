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
        for (p, c) in zip(pat, comps) where !glob(Array(p), Array(c)) { return false }
        return true
    }

    /// Shell-style matching of one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`, `\x`.
    static func glob(_ p: [Character], _ s: [Character]) -> Bool {
        var pi = 0
        var si = 0
        var starP = -1
        var starS = 0
        while si < s.count {
            if pi < p.count {
                let c = p[pi]
                if c == "*" {
                    starP = pi
                    starS = si
                    pi += 1
                    continue
                }
                if c == "?" {
                    pi += 1
                    si += 1
                    continue
                }
                if c == "[", let (ok, next) = matchClass(p, pi, s[si]) {
                    if ok {
                        pi = next
                        si += 1
                        continue
                    }
                } else if c == "\\", pi + 1 < p.count {
                    if p[pi + 1] == s[si] {
                        pi += 2
                        si += 1
                        continue
                    }
                } else if c == s[si] {
                    pi += 1
                    si += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starS += 1
            si = starS
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Matches `c` against the class starting at `p[start] == "["`: (matched, index after `]`),
    /// nil when the class is not closed.
    static func matchClass(_ p: [Character], _ start: Int, _ c: Character) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]", !first { return (matched != negate, i + 1) }
            first = false
            var lo = p[i]
            if lo == "\\", i + 1 < p.count {
                i += 1
                lo = p[i]
            }
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                let hi = p[i + 2]
                if lo <= c && c <= hi { matched = true }
                i += 3
            } else {
                if lo == c { matched = true }
                i += 1
            }
        }
        return nil
    }
}
