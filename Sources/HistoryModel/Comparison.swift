import BuildModel

/// Why a step that ran in the current build was not served from the cache, as far as a client can
/// tell (HISTORY.md §5.3): BuildKit never says, so this is inferred from what differs between the
/// two builds' names, arguments and contexts.
public enum MissReason: Sendable, Equatable {
    /// A build argument the step can see has another value (nil: not given). Masked values are
    /// compared by fingerprint and never shown.
    case buildArg(name: String, old: String?, new: String?)
    /// The instruction text differs (names without the `[stage n/m]` counter).
    case instructionChanged(old: String, new: String)
    /// A base image the step builds on differs (usually its `@sha256:` pin).
    case baseImageChanged(old: String, new: String)
    /// A `COPY`/`ADD` from the context reads files that differ.
    case contextFiles([FileChange])
    /// A `COPY`/`ADD` from the context ran but a build's context manifest was not recorded.
    case contextUnknown
    /// `--no-cache` was given.
    case noCache
    /// Nothing visible changed: the cache entry is gone (pruned) or was made elsewhere. The
    /// builders are given when they differ.
    case unavailable(previousBuilder: String?, builder: String?)

    /// One line for people: `build arg VERSION: 1.2.3 → 1.2.4`, `context changed: app.txt
    /// (modified)`. Control characters are replaced; masked values print as `(masked)`.
    public var text: String { text(ascii: false) }

    /// `text`, with `ascii` only printable ASCII (`->` for `→`, `?` for other characters).
    public func text(ascii: Bool) -> String {
        let arrow = ascii ? " -> " : " → "
        let out: String
        switch self {
        case .buildArg(let name, let old, let new):
            out = "build arg \(name): " + Self.value(old) + arrow + Self.value(new)
        case .instructionChanged(let old, let new):
            out = "instruction changed: " + Self.short(old) + arrow + Self.short(new)
        case .baseImageChanged(let old, let new):
            out = "base image changed: " + old + arrow + new
        case .contextFiles(let files):
            let shown = files.prefix(3).map(\.text).joined(separator: ", ")
            out = "context changed: " + shown + (files.count > 3 ? " and \(files.count - 3) more" : "")
        case .contextUnknown:
            out = "context unknown: a build has no context manifest recorded"
        case .noCache:
            out = "--no-cache"
        case .unavailable(let old?, let new?):
            out = "nothing visible changed: cache unavailable (other builder: " + old + arrow + new + ")"
        case .unavailable:
            out = "nothing visible changed: cache unavailable (pruned, other builder)"
        }
        return Cells.clean(out, ascii: ascii)
    }

    /// A word or two for narrow columns: `ctx: 3 files`, `arg VERSION`, `instr`, `base`,
    /// `no-cache`, `ctx?`, `cache gone`.
    public func word(ascii: Bool = false) -> String {
        let out: String
        switch self {
        case .buildArg(let name, _, _): out = "arg " + name
        case .instructionChanged: out = "instr"
        case .baseImageChanged: out = "base"
        case .contextFiles(let files): out = files.count == 1 ? "ctx: \(files[0].path)" : "ctx: \(files.count) files"
        case .contextUnknown: out = "ctx?"
        case .noCache: out = "no-cache"
        case .unavailable: out = "cache gone"
        }
        return Cells.clean(out, ascii: ascii)
    }

    /// A build argument value as shown: `(masked)`, `(unset)` or the value (at most 60 cells).
    static func value(_ v: String?) -> String {
        guard let v else { return "(unset)" }
        if BuildSnapshot.isMasked(v) { return "(masked)" }
        return short(v)
    }

    static func short(_ s: String) -> String { Cells.truncateRight(s, to: 60) }
}

/// Two builds side by side: each visible step of the current build aligned with its counterpart
/// in the previous one and classified (hit, first miss with its reason, cascade, …).
public struct BuildComparison: Sendable, Equatable {
    /// What happened to a step of the current build.
    public enum Outcome: Sendable, Equatable {
        /// Served from the cache.
        case hit
        /// Ran although none of its inputs ran: the miss starts here.
        case firstMiss(MissReason)
        /// Ran because an ancestor ran; names that ancestor (the step where the miss started).
        case cascade(from: String)
        /// Ran and has no counterpart in the previous build.
        case new
        /// Ran, but is not a step the cache could serve (`[internal] …`, `FROM`, exporting).
        case ran
        /// Not needed (BuildKit reported it cached with no time, see `StepState.skipped`).
        case skipped
        /// Failed.
        case failed
        /// Canceled or interrupted.
        case canceled
        /// Never started.
        case notRun

        /// `hit`, `MISS`, `cascade`, `new`, `ran`, `skipped`, `error`, `canceled`, `not run`.
        public var word: String {
            switch self {
            case .hit: "hit"
            case .firstMiss: "MISS"
            case .cascade: "cascade"
            case .new: "new"
            case .ran: "ran"
            case .skipped: "skipped"
            case .failed: "error"
            case .canceled: "canceled"
            case .notRun: "not run"
            }
        }
    }

    /// One visible step of the current build.
    public struct Row: Sendable, Equatable {
        /// The step's id in the current build.
        public var stepID: String
        /// Its name in the current build.
        public var name: String
        /// The counterpart's name in the previous build, nil when there is none.
        public var previousName: String?
        /// What happened.
        public var outcome: Outcome
        /// Why the step ran when the miss starts here; also set for a failed or canceled step
        /// that is where a miss started.
        public var reason: MissReason?
        /// A step the cache can serve (`Step.countsForCache`).
        public var isUserStep: Bool
        /// Seconds it ran (merged intervals), nil when it never started.
        public var duration: Double?
        /// Seconds the counterpart ran, nil without one (or when it never started).
        public var previousDuration: Double?

        /// Creates a row.
        public init(
            stepID: String, name: String, previousName: String?, outcome: Outcome, reason: MissReason?,
            isUserStep: Bool, duration: Double?, previousDuration: Double?
        ) {
            self.stepID = stepID
            self.name = name
            self.previousName = previousName
            self.outcome = outcome
            self.reason = reason
            self.isUserStep = isUserStep
            self.duration = duration
            self.previousDuration = previousDuration
        }

        /// `duration − previousDuration` when both are known.
        public var delta: Double? {
            guard let duration, let previousDuration else { return nil }
            return duration - previousDuration
        }
    }

    /// The current build's visible steps in display order.
    public var rows: [Row]
    /// Names of the previous build's steps with no counterpart now.
    public var removed: [String]
    /// Wall time of the previous build in seconds.
    public var previousWallTime: Double
    /// Wall time of the current build in seconds.
    public var wallTime: Double
    /// The previous build's cache figure.
    public var previousCache: CacheFigure
    /// The current build's cache figure.
    public var cache: CacheFigure

    /// Creates a comparison from its parts (`compare` computes one).
    public init(
        rows: [Row], removed: [String], previousWallTime: Double, wallTime: Double, previousCache: CacheFigure,
        cache: CacheFigure
    ) {
        self.rows = rows
        self.removed = removed
        self.previousWallTime = previousWallTime
        self.wallTime = wallTime
        self.previousCache = previousCache
        self.cache = cache
    }

    /// `wallTime − previousWallTime`.
    public var wallDelta: Double { wallTime - previousWallTime }

    /// The rows where a miss started (outcome `.firstMiss`, or a failed/canceled row with a reason).
    public var missStarts: [Row] { rows.filter { $0.reason != nil } }

    /// The row of a step of the current build.
    public func row(for stepID: String) -> Row? { rows.first { $0.stepID == stepID } }

    /// One line for CLIs: `first miss: [2/3] COPY app.txt /app/ — context changed: app.txt
    /// (modified)`, `new step ran: …`, or `no cache miss`. Control characters are replaced.
    public var summary: String {
        let starts = missStarts
        if let first = starts.first, let reason = first.reason {
            var out = "first miss: " + Cells.clean(first.name) + " — " + reason.text
            if starts.count > 1 { out += " (+\(starts.count - 1) more)" }
            return out
        }
        let fresh = rows.filter { $0.outcome == .new && $0.isUserStep }
        if let first = fresh.first {
            return "new step ran: " + Cells.clean(first.name) + (fresh.count > 1 ? " (+\(fresh.count - 1) more)" : "")
        }
        return "no cache miss"
    }

    // MARK: - Computing

    /// Compares two builds (`previous` is the older one).
    public static func compare(previous: BuildSnapshot, current: BuildSnapshot) -> BuildComparison {
        let old = StepGraph(previous.state)
        let cur = StepGraph(current.state)
        let pairs = align(old, cur)
        let changedArgs = Set(previous.buildArgs.keys).union(current.buildArgs.keys)
            .filter { previous.buildArgs[$0] != current.buildArgs[$0] }.sorted()
        let steps = current.state.steps

        func executed(_ i: Int) -> Bool {
            switch steps[i].state {
            case .done, .running, .error: true
            // Stopped while it ran: it ran, so the cache did not serve it.
            case .canceled: steps[i].isStarted
            default: false
            }
        }
        // A step that ran where the cache could have served it.
        func isMiss(_ i: Int) -> Bool { executed(i) && steps[i].countsForCache }
        var roots: [Int: Int] = [:]
        var visiting: Set<Int> = []
        func root(_ i: Int) -> Int? {
            if let r = roots[i] { return r }
            guard isMiss(i), visiting.insert(i).inserted else { return nil }
            var best: Int?
            for p in cur.parents[i] {
                guard let r = root(p) else { continue }
                if best.map({ order(r, in: steps) < order($0, in: steps) }) ?? true { best = r }
            }
            visiting.remove(i)
            let r = best ?? i
            roots[i] = r
            return r
        }

        var rows: [Row] = []
        for i in cur.visible {
            let step = steps[i]
            let p = pairs[i]
            let prevStep = p.map { old.state.steps[$0] }
            var reason: MissReason?
            if let r = root(i), r == i, let p, step.countsForCache {
                reason = missReason(i, p, old, cur, previous, current, changedArgs)
            }
            let outcome: Outcome
            switch step.state {
            case .pending: outcome = .notRun
            case .skipped: outcome = .skipped
            case .error: outcome = .failed
            case .canceled: outcome = .canceled
            case .cached: outcome = .hit
            case .done, .running:
                if p == nil {
                    outcome = .new
                } else if !step.countsForCache {
                    outcome = .ran
                } else if let reason {
                    outcome = .firstMiss(reason)
                } else if let r = root(i), r != i {
                    outcome = .cascade(from: steps[r].name)
                } else {
                    outcome = .ran
                }
            }
            rows.append(
                Row(
                    stepID: step.id, name: step.name, previousName: prevStep?.name, outcome: outcome,
                    reason: reason, isUserStep: step.countsForCache,
                    duration: step.isStarted ? step.duration(now: current.state.lastEventTime) : nil,
                    previousDuration: prevStep.flatMap { $0.isStarted ? $0.duration(now: previous.state.lastEventTime) : nil }
                ))
        }
        let matched = Set(pairs.values)
        let removed = old.visible.filter { !matched.contains($0) }.map { old.state.steps[$0].name }
        return BuildComparison(
            rows: rows, removed: removed, previousWallTime: previous.state.elapsed(now: nil),
            wallTime: current.state.elapsed(now: nil), previousCache: previous.state.cache,
            cache: current.state.cache)
    }

    /// Display position of a step: start order, then announcement order.
    static func order(_ i: Int, in steps: [Step]) -> (Int, Int) { (steps[i].startOrder ?? Int.max, steps[i].seenOrder) }

    /// Pairs the visible steps of two builds: current index → previous index (into `steps`).
    ///
    /// 1. Same stage and instruction (the `[stage n/m]` counter and white space ignored; `FROM`
    ///    by image without its pin), the k-th occurrence with the k-th.
    /// 2. Of the rest, same instruction in any stage (a renumbered `stage-N`).
    /// 3. Of the rest, same stage and position: an instruction whose text changed.
    static func align(_ old: StepGraph, _ cur: StepGraph) -> [Int: Int] {
        var pairs: [Int: Int] = [:]
        var usedOld: Set<Int> = []
        func byOccurrence(_ g: StepGraph, _ indices: [Int]) -> [Int] {
            indices.sorted { a, b in
                let pa = g.names[a].position ?? Int.max
                let pb = g.names[b].position ?? Int.max
                return pa != pb ? pa < pb : g.state.steps[a].seenOrder < g.state.steps[b].seenOrder
            }
        }
        func pass(_ key: (StepGraph, Int) -> String?) {
            var pool: [String: [Int]] = [:]
            for i in byOccurrence(old, old.visible) where !usedOld.contains(i) {
                if let k = key(old, i) { pool[k, default: []].append(i) }
            }
            for i in byOccurrence(cur, cur.visible) where pairs[i] == nil {
                guard let k = key(cur, i), var list = pool[k], !list.isEmpty else { continue }
                let j = list.removeFirst()
                pool[k] = list
                pairs[i] = j
                usedOld.insert(j)
            }
        }
        pass { g, i in g.names[i].key }
        pass { g, i in g.names[i].isFrom ? nil : g.names[i].instruction }
        pass { g, i in
            let n = g.names[i]
            guard let stage = n.stage, let pos = n.position, g.state.steps[i].kind != .internal else { return nil }
            return (n.isFrom ? "F" : "S") + stage + "\u{0}\(pos)"
        }
        return pairs
    }

    /// The reason step `i` of the current build missed, its counterpart being `p` (first match
    /// wins): a build argument it visibly uses, its instruction, its base image, the context files
    /// it copies, `--no-cache`, a changed build argument it may see, else "cache unavailable".
    static func missReason(
        _ i: Int, _ p: Int, _ old: StepGraph, _ cur: StepGraph, _ previous: BuildSnapshot, _ current: BuildSnapshot,
        _ changedArgs: [String]
    ) -> MissReason {
        let name = cur.names[i]
        let oldName = old.names[p]
        func arg(_ k: String) -> MissReason { .buildArg(name: k, old: previous.buildArgs[k], new: current.buildArgs[k]) }
        // 1. An argument the instruction names (`$V`, `${V}`), or whose value it shows expanded.
        for k in changedArgs where references(name.instruction, k) || references(oldName.instruction, k) {
            return arg(k)
        }
        if name.instruction != oldName.instruction,
            let k = expandedArg(old: oldName.instruction, new: name.instruction, changedArgs, previous, current)
        {
            return arg(k)
        }
        if name.instruction != oldName.instruction,
            let (k, was, now) = defaultedArg(old: oldName.instruction, new: name.instruction, changedArgs, previous, current)
        {
            return .buildArg(name: k, old: was, new: now)
        }
        // 2. The instruction.
        if name.instruction != oldName.instruction {
            return .instructionChanged(old: oldName.instruction, new: name.instruction)
        }
        // 3. The base image.
        let bases = cur.baseImages(of: i)
        let oldBases = old.baseImages(of: p)
        if bases != oldBases {
            let o = oldBases.first { !bases.contains($0) } ?? oldBases.first ?? "(none)"
            let n = bases.first { !oldBases.contains($0) } ?? bases.first ?? "(none)"
            return .baseImageChanged(old: StepName.fromImage(o), new: StepName.fromImage(n))
        }
        // 4. The context files it copies.
        let sources = name.contextSources
        if let sources {
            guard let a = previous.manifest, let b = current.manifest else { return .contextUnknown }
            let files = b.changes(since: a, within: sources)
            if !files.isEmpty { return .contextFiles(files) }
        }
        // 5. --no-cache.
        if current.noCache { return .noCache }
        // 6. Any changed argument: ARG values reach the environment of every later RUN of a stage.
        if sources == nil, name.keyword != "COPY", name.keyword != "ADD", let k = changedArgs.first { return arg(k) }
        // 7. Nothing visible.
        if previous.builder != current.builder {
            return .unavailable(previousBuilder: previous.builder, builder: current.builder)
        }
        return .unavailable(previousBuilder: nil, builder: nil)
    }

    /// True when `text` uses `$name` or `${name…}`.
    static func references(_ text: String, _ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        let t = Array(text.unicodeScalars)
        let n = Array(name.unicodeScalars)
        func isIdent(_ s: Unicode.Scalar) -> Bool { s == "_" || s.properties.isAlphabetic || ("0"..."9").contains(s) }
        var i = 0
        while i < t.count {
            defer { i += 1 }
            guard t[i] == "$" else { continue }
            var j = i + 1
            let braced = j < t.count && t[j] == "{"
            if braced { j += 1 }
            guard j + n.count <= t.count, Array(t[j..<(j + n.count)]) == n else { continue }
            let k = j + n.count
            if braced {
                if k < t.count, !isIdent(t[k]) { return true }
            } else if k == t.count || !isIdent(t[k]) {
                return true
            }
        }
        return false
    }

    /// The changed argument whose old value, replaced by its new one, turns `old` into `new`
    /// (BuildKit shows `RUN echo $V` with `$V` expanded). Masked or unset values never match.
    static func expandedArg(
        old: String, new: String, _ changed: [String], _ previous: BuildSnapshot, _ current: BuildSnapshot
    ) -> String? {
        var text = old
        var used: [String] = []
        for k in changed {
            guard let a = previous.buildArgs[k], let b = current.buildArgs[k], !a.isEmpty,
                !BuildSnapshot.isMasked(a), !BuildSnapshot.isMasked(b), text.contains(a)
            else { continue }
            text = replacing(a, with: b, in: text)
            used.append(k)
        }
        return text == new ? used.first : nil
    }

    /// A changed argument given in one build and left to its Dockerfile default in the other:
    /// the instructions differ only where the given value stands, and the other side of that
    /// difference is the default (`RUN echo v1` → `RUN echo v2` with `VERSION=2` given and
    /// `ARG VERSION=1`). Returns the name and both values, the default marked as such.
    static func defaultedArg(
        old: String, new: String, _ changed: [String], _ previous: BuildSnapshot, _ current: BuildSnapshot
    ) -> (String, String, String)? {
        let o = Array(old.unicodeScalars)
        let n = Array(new.unicodeScalars)
        var head = 0
        while head < o.count, head < n.count, o[head] == n[head] { head += 1 }
        var tail = 0
        while tail < o.count - head, tail < n.count - head, o[o.count - 1 - tail] == n[n.count - 1 - tail] { tail += 1 }
        for k in changed {
            let a = previous.buildArgs[k]
            let b = current.buildArgs[k]
            if let a, BuildSnapshot.isMasked(a) { continue }
            if let b, BuildSnapshot.isMasked(b) { continue }
            // Widen the difference to whole words of the value (`v1` → `v2` differs in one digit).
            if a == nil, let b, !b.isEmpty, let lo = find(Array(b.unicodeScalars), in: n) {
                let hi = lo + b.unicodeScalars.count
                let oldHi = o.count - (n.count - hi)
                guard lo <= head, hi >= n.count - tail, lo <= oldHi, oldHi <= o.count else { continue }
                return (k, String(String.UnicodeScalarView(o[lo..<oldHi])) + " (Dockerfile default)", b)
            }
            if b == nil, let a, !a.isEmpty, let lo = find(Array(a.unicodeScalars), in: o) {
                let hi = lo + a.unicodeScalars.count
                guard lo <= head, hi >= o.count - tail else { continue }
                let newHi = n.count - (o.count - hi)
                guard lo <= head, hi >= o.count - tail, lo <= newHi, newHi <= n.count else { continue }
                return (k, a, String(String.UnicodeScalarView(n[lo..<newHi])) + " (Dockerfile default)")
            }
        }
        return nil
    }

    /// Where `needle` first occurs in `hay`.
    static func find(_ needle: [Unicode.Scalar], in hay: [Unicode.Scalar]) -> Int? {
        guard !needle.isEmpty, needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    /// `text` with every occurrence of `a` replaced by `b`.
    static func replacing(_ a: String, with b: String, in text: String) -> String {
        let t = Array(text.utf8)
        let n = Array(a.utf8)
        guard !n.isEmpty else { return text }
        var out: [UInt8] = []
        var i = 0
        while i < t.count {
            if i + n.count <= t.count, Array(t[i..<(i + n.count)]) == n {
                out.append(contentsOf: b.utf8)
                i += n.count
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension StepName {
    /// `FROM docker.io/library/alpine:3.19@sha256:…` → `docker.io/library/alpine:3.19@sha256:…`.
    static func fromImage(_ instruction: String) -> String {
        instruction.hasPrefix("FROM ") ? String(instruction.dropFirst(5)) : instruction
    }
}
