import BuildModel

/// A step name taken apart: `[stage-2 3/4] COPY a b /x` → stage `stage-2`, position 3,
/// instruction `COPY a b /x` (whitespace normalized).
struct StepName: Sendable, Equatable {
    /// The stage label (`stage-2`, `build`; empty for `[3/4]`), nil when the name has no counter.
    let stage: String?
    /// `n` of `n/m`, nil when the name has no counter.
    let position: Int?
    /// The name without the counter, runs of white space made one space.
    let instruction: String
    /// The first word of `instruction`, upper-cased (`RUN`, `COPY`, `FROM`, …).
    let keyword: String

    init(_ name: String) {
        if let (inside, rest) = Step.splitStagePrefix(name) {
            let parts = inside.split(separator: " ")
            let counter = parts.last.map(String.init) ?? ""
            stage = parts.dropLast().joined(separator: " ")
            position = counter.split(separator: "/").first.flatMap { Int($0) }
            instruction = StepName.normalize(rest)
        } else {
            stage = nil
            position = nil
            instruction = StepName.normalize(name)
        }
        keyword = instruction.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
    }

    /// Collapses white space.
    static func normalize(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// True for `FROM …`.
    var isFrom: Bool { keyword == "FROM" }

    /// The key that aligns steps of two builds: stage and instruction. `FROM` is keyed by the
    /// image without its `@sha256:` pin and without the stage (BuildKit shows a base image shared
    /// by several stages once, under any one of their labels).
    var key: String {
        if isFrom { return "FROM\u{0}" + StepName.unpinned(instruction) }
        // The export step, whatever the output (`exporting to image`, `… to client`, `… to
        // oci image format`): one step of every build.
        if stage == nil, instruction.hasPrefix("exporting to ") { return "\u{1}\u{0}exporting" }
        return (stage ?? "\u{1}") + "\u{0}" + instruction
    }

    /// `FROM docker.io/library/alpine:3.19@sha256:…` → `FROM docker.io/library/alpine:3.19`.
    static func unpinned(_ s: String) -> String {
        s.split(separator: " ").map { word -> Substring in
            if let at = word.firstIndex(of: "@"), word[at...].hasPrefix("@sha256:") { return word[..<at] }
            return word
        }.joined(separator: " ")
    }

    // MARK: - COPY / ADD

    /// For `COPY`/`ADD` without `--from=`: the sources it reads from the build context (URLs and
    /// here-documents left out). Nil for every other instruction.
    var contextSources: [String]? {
        guard keyword == "COPY" || keyword == "ADD" else { return nil }
        var words = StepName.words(String(instruction.dropFirst(keyword.count)))
        var flags: [String] = []
        while let first = words.first, first.hasPrefix("--") {
            flags.append(first)
            words.removeFirst()
        }
        if flags.contains(where: { $0.hasPrefix("--from=") || $0 == "--from" }) { return nil }
        guard words.count >= 2 else { return nil }
        let sources = words.dropLast().filter { w in
            !(w.hasPrefix("http://") || w.hasPrefix("https://") || w.hasPrefix("git@") || w.hasPrefix("<<"))
        }
        guard !sources.isEmpty else { return nil }
        return sources.map(StepName.cleanPath)
    }

    /// Words of an instruction's arguments: the JSON form `["a", "b", "/c"]` or space separated.
    static func words(_ text: String) -> [String] {
        let t = normalize(text)
        var flags: [String] = []
        var rest = Substring(t)
        // Flags come before the JSON array: `COPY --chown=1 ["a", "/b"]`.
        while rest.hasPrefix("--") {
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            flags.append(String(rest[..<end]))
            rest = rest[end...].drop { $0 == " " }
        }
        if rest.hasPrefix("["), rest.hasSuffix("]") {
            var items: [String] = []
            var current = ""
            var inString = false
            var escaped = false
            for c in rest.dropFirst().dropLast() {
                if inString {
                    if escaped {
                        current.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        inString = false
                        items.append(current)
                        current = ""
                    } else {
                        current.append(c)
                    }
                } else if c == "\"" {
                    inString = true
                }
            }
            return flags + items
        }
        return flags + rest.split(separator: " ").map(String.init)
    }

    /// `./a/b/` → `a/b`, `/x` → `x`, `.` → `` (the whole context).
    static func cleanPath(_ p: String) -> String {
        var parts: [Substring] = []
        for part in p.split(separator: "/") where part != "." && !part.isEmpty {
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
