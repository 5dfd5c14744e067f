import ArgumentParser
import BuildEvents
import BuildModel
import Foundation
import History
import HistoryModel
import TerminalKit

/// `buildtop history …`: the builds buildtop ran, in `docker buildx history`'s words.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Builds buildtop ran: list, inspect, logs, compare, timeline.",
        discussion: """
            Every build buildtop runs (dashboard or headless, any path) is kept in \
            $XDG_STATE_HOME/buildtop (builds.db and builds/): its request (masked build args as \
            fingerprints, secret values never), result, cache figure, status stream and context \
            manifest. REF is a build ref or a prefix of one, or ^N (^0 = newest, ^1 = the one before). \
            BUILDTOP_HISTORY=off stops recording; BUILDTOP_HISTORY_MAX_BUILDS (default 1000) and \
            BUILDTOP_HISTORY_MAX_SIZE (default 1GiB) bound it, oldest first, pinned builds kept.
            """,
        subcommands: [
            HistoryList.self, HistoryInspect.self, HistoryLogs.self, HistoryDiff.self, HistoryTimeline.self,
            HistoryRemove.self, HistoryPin.self, HistoryExport.self, HistoryImport.self,
        ],
        defaultSubcommand: HistoryList.self)
}

/// Shared plumbing of the history commands.
enum HistoryCLI {
    static func open() throws -> HistoryStore {
        let settings = HistorySettings.from(environment: ProcessInfo.processInfo.environment)
        do { return try HistoryStore(settings: settings) } catch { throw CLIError(error.description) }
    }

    static func run(_ body: () async throws -> Int32) async throws {
        do {
            let code = try await body()
            if code != 0 { throw ExitCode(code) }
        } catch let e as CLIError {
            FDWriter.stderr.write("ERROR: \(Sanitizer.sanitize(e.description))\n")
            throw ExitCode(e.code)
        } catch let e as HistoryError {
            FDWriter.stderr.write("ERROR: \(Sanitizer.sanitize(e.description))\n")
            throw ExitCode(1)
        }
    }

    /// The build folded from its stored stream, ended with its recorded result.
    static func state(_ store: HistoryStore, _ entry: HistoryEntry) throws -> BuildState { try store.state(entry) }

    /// The snapshot the comparisons take.
    static func snapshot(_ store: HistoryStore, _ entry: HistoryEntry) throws -> BuildSnapshot { try store.snapshot(entry) }

    /// buildx's duration: `%.1fs` under a minute, else `%dm %2ds`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return ByteUnits.fixed(seconds, 1) + "s" }
        let s = Int(seconds)
        let rest = String(s % 60)
        return "\(s / 60)m \(rest.count < 2 ? " " + rest : rest)s"
    }

    /// Docker's `units.HumanDuration` + " ago".
    static func ago(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        let text: String
        switch s {
        case ..<1: text = "Less than a second"
        case 1: text = "1 second"
        case ..<60: text = "\(s) seconds"
        case ..<120: text = "About a minute"
        case ..<3600: text = "\(s / 60) minutes"
        case ..<7200: text = "About an hour"
        case ..<(3600 * 48): text = "\(s / 3600) hours"
        case ..<(86400 * 14): text = "\(s / 86400) days"
        case ..<(86400 * 60): text = "\(s / 86400 / 7) weeks"
        case ..<(86400 * 365 * 2): text = "\(s / 86400 / 30) months"
        default: text = "\(s / 86400 / 365) years"
        }
        return text + " ago"
    }

    static func rfc3339(_ unix: Double) -> String { RFC3339.format(Timestamp(unix: unix)) }

    static func local(_ unix: Double) -> String {
        var t = time_t(unix)
        var tm = tm()
        localtime_r(&t, &tm)
        var buf = [Int8](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S %Z", &tm)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Left-truncation like buildx (`..` and the last characters).
    static func truncLeft(_ s: String, _ width: Int) -> String {
        guard s.count > width, width > 2 else { return s }
        return ".." + String(s.suffix(width - 2))
    }

    /// The cache figure in the words every other output uses.
    static func cacheText(_ c: CacheFigure) -> String {
        guard c.of > 0 else { return "-" }
        return "\(c.hits)/\(c.of) (\(Int((Double(c.hits) * 100 / Double(c.of)).rounded()))%)"
    }
}

// MARK: - ls

struct HistoryList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the builds, newest first.")

    @Option(name: .customLong("filter"), help: "Filter: status=, ref=, name=, context=, builder= (!= negates); startedAt, completedAt, duration with <, <=, >, >= and a duration (24h) or time. Repeatable or comma-separated; all must match.")
    var filters: [String] = []

    @Option(help: "Output format: table or json (one JSON object per line).")
    var format = "table"

    @Flag(name: .customLong("no-trunc"), help: "Do not truncate names and refs.")
    var noTrunc = false

    @Option(help: "Show at most this many builds.")
    var limit: Int?

    func run() async throws {
        try await HistoryCLI.run { try execute() }
    }

    /// One filter, as buildx takes them: `status`, `ref`, `name`, `context`, `builder` with `=` or
    /// `!=`; `startedAt`, `completedAt`, `duration` with `<`, `<=`, `>`, `>=` and a Go duration
    /// (`30s`, `1h30m`: for the times, "now minus") or an RFC 3339 time.
    struct Filter {
        enum Op: String { case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
        var key: String
        var op: Op
        var value: String
        /// The compared number: unix seconds for the times, seconds for the duration.
        var number: Double?

        static let textKeys = ["status", "ref", "name", "context", "builder"]
        static let timeKeys = ["startedat", "completedat", "duration"]

        init(_ text: String, now: Double) throws {
            var found: (Op, Range<String.Index>)?
            for op in [Op.ne, .ge, .le, .eq, .gt, .lt] {
                if let r = text.range(of: op.rawValue), found.map({ r.lowerBound < $0.1.lowerBound }) ?? true { found = (op, r) }
            }
            guard let (op, r) = found else {
                throw CLIError("invalid filter \(text.debugDescription): use key=value, key!=value or key>value")
            }
            self.op = op
            key = text[..<r.lowerBound].trimmingCharacters(in: .whitespaces).lowercased()
            var v = String(text[r.upperBound...])
            if op == .eq, v.hasPrefix("=") { v.removeFirst() }
            value = v
            if Self.textKeys.contains(key) {
                guard op == .eq || op == .ne else { throw CLIError("filter \(key) takes = or !=") }
                if key == "status" {
                    let ok = HistoryEntry.Status.allCases.map(\.rawValue) + ["error"]
                    guard ok.contains(value.lowercased()) else {
                        throw CLIError("invalid status \(value.debugDescription): use \(ok.joined(separator: ", "))")
                    }
                }
            } else if Self.timeKeys.contains(key) {
                guard op != .eq, op != .ne else { throw CLIError("filter \(key) takes <, <=, > or >=") }
                if let d = Self.goDuration(value) {
                    number = key == "duration" ? d : now - d
                } else if key != "duration", let t = RFC3339.parse(Array(value.utf8)) {
                    number = t.unix
                } else {
                    throw CLIError("invalid \(key) value \(value.debugDescription): use a duration like 30s or 24h\(key == "duration" ? "" : ", or an RFC 3339 time")")
                }
            } else {
                throw CLIError("unsupported filter \(key.debugDescription): use status, ref, name, context, builder, startedAt, completedAt or duration")
            }
        }

        /// Go's `time.ParseDuration` for the units a user types: ns us ms s m h.
        static func goDuration(_ text: String) -> Double? {
            let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
            var rest = Substring(text)
            var total = 0.0
            guard !rest.isEmpty else { return nil }
            while !rest.isEmpty {
                let digits = rest.prefix { $0.isNumber || $0 == "." }
                guard let n = Double(digits) else { return nil }
                rest = rest.dropFirst(digits.count)
                guard let (u, f) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else { return nil }
                rest = rest.dropFirst(u.count)
                total += n * f
            }
            return total
        }

        func matches(_ e: HistoryEntry) -> Bool {
            if let number {
                let have: Double?
                switch key {
                case "startedat": have = e.startedAt
                case "completedat": have = e.endedAt
                default: have = e.duration
                }
                guard let have else { return false }
                switch op {
                case .lt: return have < number
                case .le: return have <= number
                case .gt: return have > number
                case .ge: return have >= number
                case .eq, .ne: return false
                }
            }
            let hit: Bool
            switch key {
            case "status":
                let v = value.lowercased() == "error" ? "failed" : value.lowercased()
                hit = e.status.rawValue == v
            case "ref": hit = e.ref.hasPrefix(value.lowercased())
            case "name": hit = e.name.contains(value)
            case "context": hit = e.context.contains(value)
            default: hit = e.builder == value
            }
            return hit != (op == .ne)
        }
    }

    func execute() throws -> Int32 {
        guard ["table", "json"].contains(format) else { throw CLIError("invalid format \(format.debugDescription): use table or json") }
        let now = Date().timeIntervalSince1970
        // Several filters in one value, comma-separated, as buildx joins them: all must match.
        let parsed = try filters.flatMap { $0.split(separator: ",").map(String.init) }.map { try Filter($0, now: now) }
        let store = try HistoryCLI.open()
        var entries = try store.list(limit: parsed.isEmpty ? limit.map { max(0, $0) } : nil).filter { e in parsed.allSatisfy { $0.matches(e) } }
        if let limit { entries = Array(entries.prefix(max(0, limit))) }
        var out = ""
        if format == "json" {
            for e in entries {
                var fields: [(String, String)] = [
                    ("ref", GoJSONString.quote("\(e.builder)/\(e.builder)0/\(e.ref)")),
                    ("name", GoJSONString.quote(e.name)),
                    ("status", GoJSONString.quote(e.status == .failed ? "Error" : e.status.listWord)),
                    ("created_at", GoJSONString.quote(HistoryCLI.rfc3339(e.startedAt))),
                ]
                if let end = e.endedAt { fields.append(("completed_at", GoJSONString.quote(HistoryCLI.rfc3339(end)))) }
                fields += [
                    ("total_steps", "\(e.totalSteps)"), ("completed_steps", "\(e.completedSteps)"),
                    ("cached_steps", "\(e.cachedSteps)"), ("context", GoJSONString.quote(e.context)),
                    ("builder", GoJSONString.quote(e.builder)), ("path", GoJSONString.quote(e.path)),
                    ("cache_hits", "\(e.cache.hits)"), ("cache_steps", "\(e.cache.of)"),
                ]
                if let d = e.duration { fields.append(("duration", "\(Int64((d * 1e9).rounded()))")) }
                if let err = e.error { fields.append(("error", GoJSONString.quote(err))) }
                if e.pinned { fields.append(("pinned", "true")) }
                out += "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
            }
            FDWriter.stdout.write(out)
            return 0
        }
        var rows: [[String]] = [["BUILD ID", "NAME", "STATUS", "CREATED AT", "DURATION", "CACHE"]]
        for e in entries {
            let ref = noTrunc ? e.ref : e.ref
            let name = Sanitizer.sanitize(noTrunc ? e.name : HistoryCLI.truncLeft(e.name, 36))
            let duration: String
            if let d = e.duration {
                duration = HistoryCLI.duration(d)
            } else {
                duration = HistoryCLI.duration(max(0, now - e.startedAt)) + (e.status == .running ? "+" : "")
            }
            rows.append([
                ref + (e.pinned ? "*" : ""), name, e.status.listWord, HistoryCLI.ago(max(0, now - e.startedAt)), duration,
                HistoryCLI.cacheText(e.cache),
            ])
        }
        out = Table.render(rows)
        FDWriter.stdout.write(out)
        return 0
    }
}

/// Columns padded to the widest cell plus three spaces, like docker's tabwriter.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        // Widths once per cell (ASCII cells, the usual case, are their UTF-8 length).
        let cellWidths = rows.map { r in r.map { c in c.utf8.allSatisfy { $0 < 0x80 } ? c.utf8.count : TextWidth.width(c) } }
        var widths = [Int](repeating: 0, count: first.count)
        for r in cellWidths { for (i, w) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], w) } }
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (widths.reduce(0, +) + 3 * widths.count + 1))
        for (r, row) in rows.enumerated() {
            for (i, c) in row.enumerated() {
                out.append(contentsOf: c.utf8)
                if i < row.count - 1 {
                    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: widths[i] - cellWidths[r][i] + 3))
                }
            }
            out.append(10)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: - inspect

struct HistoryInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show what a build was asked and what it did.")

    @Argument(help: "Build ref, a prefix of one, or ^N (default: the newest).")
    var ref: String?

    @Option(help: "Output format: pretty or json.")
    var format = "pretty"

    func run() async throws {
        try await HistoryCLI.run { try execute() }
    }

    func execute() throws -> Int32 {
        guard ["pretty", "json"].contains(format) else { throw CLIError("invalid format \(format.debugDescription): use pretty or json") }
        let store = try HistoryCLI.open()
        let e = try store.resolve(ref)
        let r = e.request
        let state = try HistoryCLI.state(store, e)
        let s: (String) -> String = { Sanitizer.sanitize($0) }
        let dockerfile = r.dockerfile ?? "Dockerfile"
        if format == "json" {
            var fields: [(String, String)] = [
                ("Name", GoJSONString.quote(e.name)), ("Ref", GoJSONString.quote(e.ref)),
                ("Context", GoJSONString.quote(e.context)), ("Dockerfile", GoJSONString.quote(dockerfile)),
            ]
            if let t = r.target { fields.append(("Target", GoJSONString.quote(t))) }
            fields.append(("Platform", "[" + r.platforms.map(GoJSONString.quote).joined(separator: ",") + "]"))
            fields.append(("StartedAt", GoJSONString.quote(HistoryCLI.rfc3339(e.startedAt))))
            if let end = e.endedAt { fields.append(("CompletedAt", GoJSONString.quote(HistoryCLI.rfc3339(end)))) }
            if let d = e.duration { fields.append(("Duration", "\(Int64((d * 1e9).rounded()))")) }
            let status: String
            switch e.status {
            case .completed: status = "completed"
            case .running: status = "running"
            case .canceled: status = "canceled"
            case .failed, .interrupted: status = "failed"
            }
            fields.append(("Status", GoJSONString.quote(status)))
            if let err = e.error { fields.append(("Error", "{\"Message\":\(GoJSONString.quote(err))}")) }
            fields += [
                ("NumCompletedSteps", "\(e.completedSteps)"), ("NumTotalSteps", "\(e.totalSteps)"),
                ("NumCachedSteps", "\(e.cachedSteps)"), ("CacheHits", "\(e.cache.hits)"), ("CacheSteps", "\(e.cache.of)"),
                ("Builder", GoJSONString.quote(e.builder)), ("Path", GoJSONString.quote(e.path)),
            ]
            let args = r.buildArgs.map { a in
                "{\"Name\":\(GoJSONString.quote(a.name)),\"Value\":\(GoJSONString.quote(Self.shown(a.value)))}"
            }
            fields.append(("BuildArgs", "[" + args.joined(separator: ",") + "]"))
            let labels = r.labels.map { "{\"Name\":\(GoJSONString.quote($0.name)),\"Value\":\(GoJSONString.quote($0.value ?? ""))}" }
            fields.append(("Labels", "[" + labels.joined(separator: ",") + "]"))
            if let id = e.imageID { fields.append(("ImageID", GoJSONString.quote(id))) }
            FDWriter.stdout.write("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n")
            return 0
        }
        var rows: [(String, String)] = [("Name", s(e.name))]
        if ref == nil { rows.append(("Ref", e.ref)) }
        rows += [("Context", s(e.context)), ("Dockerfile", s(dockerfile))]
        if let t = r.target, !t.isEmpty { rows.append(("Target", s(t))) }
        if !r.platforms.isEmpty { rows.append(("Platforms", s(r.platforms.joined(separator: ", ")))) }
        rows.append(("Builder", s("\(e.builder) (\(e.path) path)")))
        if !r.tags.isEmpty { rows.append(("Tags", s(r.tags.joined(separator: ", ")))) }
        if let id = e.imageID { rows.append(("Image", s(id))) }
        var out = Self.block(rows) + "\n"
        rows = [("Started", HistoryCLI.local(e.startedAt))]
        if let d = e.duration {
            rows.append(("Duration", HistoryCLI.duration(d)))
        } else {
            rows.append(("Duration", HistoryCLI.duration(max(0, Date().timeIntervalSince1970 - e.startedAt)) + " (running)"))
        }
        switch e.status {
        case .failed: rows.append(("Error", s(e.error ?? "failed")))
        case .canceled: rows.append(("Status", "Canceled"))
        case .interrupted: rows.append(("Status", "Interrupted: " + s(e.error ?? "")))
        default: break
        }
        let pct = e.totalSteps > 0 ? Int((Double(e.cachedSteps) * 100 / Double(e.totalSteps)).rounded()) : 0
        rows.append(("Build Steps", "\(e.completedSteps)/\(e.totalSteps) (\(pct)% cached)"))
        rows.append(("Cache", e.cache.of > 0 ? "\(HistoryCLI.cacheText(e.cache)) of the user steps from the cache" : "no cacheable steps ran"))
        if r.noCache { rows.append(("No Cache", "true")) }
        if let n = r.network { rows.append(("Network", s(n))) }
        out += Self.block(rows)
        if !r.buildArgs.isEmpty {
            out += "\n" + Table.render([["BUILD ARG", "VALUE"]] + r.buildArgs.map { [s($0.name), s(Self.shown($0.value))] })
        }
        if !r.labels.isEmpty {
            out += "\n" + Table.render([["LABEL", "VALUE"]] + r.labels.map { [s($0.name), s($0.value ?? "")] })
        }
        if let failed = state.failedStep {
            out += "\n\(s(failed.name)):\n"
            let lines = failed.log.tail(16)
            for line in lines { out += "  " + s(String(decoding: line.text, as: UTF8.self)) + "\n" }
            if lines.isEmpty { out += "  (no output)\n" }
        }
        out += "\nPrint build logs: buildtop history logs \(e.ref)\n"
        FDWriter.stdout.write(out)
        return 0
    }

    static func shown(_ value: String?) -> String {
        guard let value else { return "(from the environment)" }
        return BuildSnapshot.isMasked(value) ? "(masked)" : value
    }

    static func block(_ rows: [(String, String)]) -> String {
        let w = (rows.map { $0.0.count }.max() ?? 0) + 2
        return rows.map { $0.0 + ":" + String(repeating: " ", count: w - $0.0.count) + $0.1 + "\n" }.joined()
    }
}

// MARK: - logs

struct HistoryLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a build's logs as they were shown (stderr, like buildx).")

    @Argument(help: "Build ref, a prefix of one, or ^N (default: the newest).")
    var ref: String?

    @Option(help: "Type of progress output (plain, rawjson).")
    var progress = "plain"

    func run() async throws {
        try await HistoryCLI.run { try execute() }
    }

    func execute() throws -> Int32 {
        guard let mode = ProgressMode(rawValue: progress), mode == .plain || mode == .rawjson else {
            throw CLIError("invalid progress mode \(progress.debugDescription): use plain or rawjson")
        }
        let store = try HistoryCLI.open()
        let e = try store.resolve(ref)
        var last = Timestamp.zero
        let out = HeadlessProgress(mode: mode, names: [e.name], description: nil, clock: .recording, spill: { _ in nil })
        try store.events(e) { event in
            if case .status(let st) = event, let t = ReplayCommand.latestTime(st) { last = max(last, t) }
            out.handle(0, event, now: last)
        }
        return 0
    }
}

// MARK: - rm, pin

struct HistoryRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove builds from the history.")

    @Argument(help: "Build refs, prefixes or ^N.")
    var refs: [String] = []

    @Flag(help: "Remove every build (pinned ones too).")
    var all = false

    func validate() throws {
        if refs.isEmpty && !all { throw ValidationError("name at least one build, or --all") }
    }

    func run() async throws {
        try await HistoryCLI.run {
            let store = try HistoryCLI.open()
            let targets = all ? try store.list().map(\.ref) : try refs.map { try store.resolve($0).ref }
            try store.remove(targets)
            for r in targets { FDWriter.stdout.write(r + "\n") }
            return 0
        }
    }
}

struct HistoryPin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pin", abstract: "Keep a build whatever the retention limits (--unpin to undo).")

    @Argument(help: "Build ref, a prefix of one, or ^N.")
    var ref: String

    @Flag(help: "Let retention drop the build again.")
    var unpin = false

    func run() async throws {
        try await HistoryCLI.run {
            let store = try HistoryCLI.open()
            let e = try store.resolve(ref)
            try store.pin(e.ref, !unpin)
            FDWriter.stdout.write("\(e.ref) \(unpin ? "unpinned" : "pinned")\n")
            return 0
        }
    }
}

// MARK: - diff, timeline

/// Width of the terminal on stdout, else 100 (CI logs).
func outputWidth() -> Int {
    if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c), n >= 20 { return n }
    var ws = winsize()
    if isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col >= 20 { return Int(ws.ws_col) }
    return 100
}

/// True when the terminal takes UTF-8 (the locale says so), else the ASCII glyphs.
func unicodeOutput() -> Bool {
    let env = ProcessInfo.processInfo.environment
    let locale = [env["LC_ALL"], env["LC_CTYPE"], env["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
    let l = locale.lowercased()
    return l.contains("utf-8") || l.contains("utf8")
}

struct HistoryDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two builds step by step and say why each cache miss happened.",
        discussion: """
            With no REF, compares the newest build with the build of the same context before it; \
            with one, that build with the one before it of its context; with two, A then B. Each step \
            of the newer build is a hit, the first miss (with its reason: a build arg, the \
            instruction, the base image, the context files it copies, --no-cache, or cache \
            unavailable), or a cascade of an earlier miss.
            """)

    @Argument(help: "Builds: [B] or A B (refs, prefixes, ^N).")
    var refs: [String] = []

    @Option(help: "Width of the output (default: the terminal's, else 100).")
    var width: Int?

    func validate() throws {
        if refs.count > 2 { throw ValidationError("give at most two builds: A B") }
    }

    func run() async throws {
        try await HistoryCLI.run {
            let store = try HistoryCLI.open()
            let (a, b): (HistoryEntry, HistoryEntry)
            if refs.count == 2 {
                a = try store.resolve(refs[0])
                b = try store.resolve(refs[1])
            } else {
                b = try store.resolve(refs.first)
                guard let p = try store.previous(of: b) else {
                    throw CLIError("build \(b.ref) is the first of its context (\(b.context)) in the history: nothing to compare it with")
                }
                a = p
            }
            let previous = try HistoryCLI.snapshot(store, a)
            let current = try HistoryCLI.snapshot(store, b)
            let comparison = BuildComparison.compare(previous: previous, current: current)
            var out = "A \(a.ref)  \(HistoryCLI.local(a.startedAt))\nB \(b.ref)  \(HistoryCLI.local(b.startedAt))\n"
            out += ComparisonText.lines(comparison, previous: previous, current: current, width: width ?? outputWidth())
                .map { Sanitizer.sanitize($0) + "\n" }.joined()
            FDWriter.stdout.write(out)
            return 0
        }
    }
}

struct HistoryTimeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Draw a build's steps on a time axis (critical path, parallelism, cache).")

    @Argument(help: "Build ref, a prefix of one, or ^N (default: the newest).")
    var ref: String?

    @Option(help: "Compare with this build (ref or ^N): its durations and the miss reasons beside each row.")
    var compare: String?

    @Flag(help: "Only ASCII characters (default when the locale is not UTF-8).")
    var ascii = false

    @Option(help: "Width of the output (default: the terminal's, else 100).")
    var width: Int?

    func run() async throws {
        try await HistoryCLI.run {
            let store = try HistoryCLI.open()
            let e = try store.resolve(ref)
            let current = try HistoryCLI.snapshot(store, e)
            var comparison: BuildComparison?
            if let compare {
                let other = try HistoryCLI.snapshot(store, try store.resolve(compare))
                comparison = BuildComparison.compare(previous: other, current: current)
            }
            let model = Timeline.Model(current.state, now: nil, comparison: comparison)
            let glyphs: Timeline.Glyphs = ascii || !unicodeOutput() ? .ascii : .unicode
            var out = "\(Sanitizer.sanitize(e.name))  \(e.ref)  \(HistoryCLI.local(e.startedAt))\n"
            out += Timeline.lines(model, width: width ?? outputWidth(), glyphs: glyphs).map { Sanitizer.sanitize($0) + "\n" }.joined()
            FDWriter.stdout.write(out)
            return 0
        }
    }
}

// MARK: - export, import

struct HistoryExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write builds to an archive (a tar: REF/build.json, REF/status, REF/context).")

    @Argument(help: "Builds (refs, prefixes, ^N; default: the newest).")
    var refs: [String] = []

    @Flag(help: "Export every build.")
    var all = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "The archive to write.")
    var output: String

    func run() async throws {
        try await HistoryCLI.run {
            if output == "-" || (isatty(1) != 0 && output == "/dev/stdout") {
                throw CLIError("refusing to write an archive to a terminal: give -o FILE")
            }
            let store = try HistoryCLI.open()
            let entries = all ? try store.list() : try (refs.isEmpty ? [nil] : refs.map(Optional.some)).map { try store.resolve($0) }
            try HistoryArchive.export(entries, from: store, to: output)
            FDWriter.stderr.write("exported \(entries.count) build\(entries.count == 1 ? "" : "s") to \(Sanitizer.sanitize(output))\n")
            return 0
        }
    }
}

struct HistoryImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Add the builds of an archive to the history.")

    @Argument(help: "An archive written by buildtop history export.")
    var file: String

    func run() async throws {
        try await HistoryCLI.run {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("\(file): cannot read the file (\(String(cString: strerror(errno))))")
            }
            let store = try HistoryCLI.open()
            let added = try HistoryArchive.import([UInt8](data), into: store)
            for r in added { FDWriter.stdout.write(r + "\n") }
            FDWriter.stderr.write("imported \(added.count) build\(added.count == 1 ? "" : "s")\n")
            return 0
        }
    }
}

/// Hidden: records a saved stream (rawjson, Engine API or status.v0) into the history as a build,
/// read in pieces (used by scripts/bench.sh to open a big stored build in the dashboard).
struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-store", shouldDisplay: false)

    @Argument var file: String

    func run() throws {
        let store = try HistoryCLI.open()
        let name = ReplayCommand.displayName(file)
        let request = BuildRequest(name: name, contextPath: URL(fileURLWithPath: file).deletingLastPathComponent().path)
        let (rec, warning) = BuildRecorder.begin(store: store, request: request, builder: "bench", path: "replay")
        guard let recorder = rec else { throw CLIError(warning ?? "cannot record") }
        guard let fh = FileHandle(forReadingAtPath: file) else { throw CLIError("\(file): cannot read the file") }
        defer { try? fh.close() }
        var first = true
        var rawjson = RawJSONDecoder()
        var engine = EngineStreamDecoder()
        var frames = StatusFrames.Decoder()
        var format: StreamFormat?
        func take(_ items: [StreamItem]) {
            for case .status(let s) in items { recorder.record(.status(s)) }
        }
        while true {
            let data = fh.readData(ofLength: 1 << 20)
            if data.isEmpty { break }
            let bytes = [UInt8](data)
            if first {
                format = StreamFormat.detect(Array(bytes.prefix(64 * 1024)))
                first = false
            }
            switch format {
            case .rawjson: take(rawjson.feed(bytes))
            case .engine: take(engine.feed(bytes))
            case .statusV0: take(frames.feed(bytes))
            case nil: throw CLIError("\(file): not a build stream")
            }
        }
        switch format {
        case .rawjson: take(rawjson.finish())
        case .engine: take(engine.finish())
        case .statusV0: take(frames.finish())
        case nil: break
        }
        recorder.record(.streamEnded)
        if let w = recorder.takeWarning() { throw CLIError(w) }
        print(recorder.ref)
    }
}
