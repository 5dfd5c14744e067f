import BuildModel

/// A build on a time axis (HISTORY.md §6.2): one bar per step, the critical path, how many steps
/// ran at once, and with a comparison each step's outcome and change in duration.
///
/// `Model` holds the figures, `Layout` places them in a number of columns, and `lines` renders
/// plain text; a dashboard view can draw the same pieces (`Row.glyph`, `Layout.label`,
/// `Layout.bar`, `Row.durationText`, `Row.note`) in colour.
public enum Timeline {
    /// Which characters to draw with.
    public enum Glyphs: Sendable, Equatable {
        /// Block elements and symbols (`◆ ▶ ★ ✗ ⊘ ·`, `▏▎▍▌▋▊▉█`, `▁▂▃▄▅▆▇█`).
        case unicode
        /// Printable ASCII only (`o > * x - .`, `#`, `=`, `|`, digits).
        case ascii
    }

    /// A step's state on the timeline.
    public enum RowState: String, Sendable, Equatable {
        /// Served from the cache.
        case hit
        /// Ran and completed.
        case executed
        /// Failed.
        case error
        /// Canceled or interrupted.
        case canceled
        /// Not needed (`StepState.skipped`).
        case skipped
        /// Running now.
        case running
        /// Announced, not started.
        case pending

        init(_ s: StepState) {
            switch s {
            case .pending: self = .pending
            case .running: self = .running
            case .done: self = .executed
            case .cached: self = .hit
            case .skipped: self = .skipped
            case .error: self = .error
            case .canceled: self = .canceled
            }
        }
    }

    /// A span of time in seconds from the build's first start.
    public struct Segment: Sendable, Equatable {
        /// Start offset in seconds.
        public var start: Double
        /// Stop offset in seconds (≥ `start`).
        public var stop: Double

        /// Creates a segment.
        public init(start: Double, stop: Double) {
            self.start = start
            self.stop = max(start, stop)
        }
    }

    /// One step.
    public struct Row: Sendable, Equatable {
        /// The step's id.
        public var stepID: String
        /// Its name as BuildKit sent it (sanitize before printing; `Layout.label` does).
        public var name: String
        /// Its state.
        public var state: RowState
        /// When it ran: merged intervals as offsets from the build's first start (an open one
        /// ends at `now`, or at the last event).
        public var segments: [Segment]
        /// Seconds it ran (sum of `segments`).
        public var duration: Double
        /// On the chain of steps that decided when the build finished.
        public var onCriticalPath: Bool
        /// The step in a comparison with an earlier build, when one was given.
        public var comparison: BuildComparison.Row?

        /// Creates a row.
        public init(
            stepID: String, name: String, state: RowState, segments: [Segment], duration: Double,
            onCriticalPath: Bool = false, comparison: BuildComparison.Row? = nil
        ) {
            self.stepID = stepID
            self.name = name
            self.state = state
            self.segments = segments
            self.duration = duration
            self.onCriticalPath = onCriticalPath
            self.comparison = comparison
        }

        /// First start offset, nil when it never started.
        public var start: Double? { segments.first?.start }
        /// Last stop offset, nil when it never started.
        public var stop: Double? { segments.last?.stop }

        /// The comparison says the miss starts here.
        public var isFirstMiss: Bool {
            if case .firstMiss = comparison?.outcome { return true }
            return false
        }

        /// The state mark, first match: `✗` error, `⊘` canceled, `·` skipped, `▶` first miss,
        /// `◆` hit, `★` critical path, else a space (ASCII: `x - . > o *`).
        public func glyph(_ glyphs: Glyphs) -> String {
            let u = glyphs == .unicode
            switch state {
            case .error: return u ? "✗" : "x"
            case .canceled: return u ? "⊘" : "-"
            case .skipped: return u ? "·" : "."
            default: break
            }
            if isFirstMiss { return u ? "▶" : ">" }
            if state == .hit { return u ? "◆" : "o" }
            if onCriticalPath { return u ? "★" : "*" }
            return " "
        }

        /// `1.2s`, empty when the step never started.
        public var durationText: String { segments.isEmpty ? "" : DurationText.format(duration) }

        /// With a comparison: the outcome (`MISS ctx: app.txt`, `cascade`, `hit`, `new`) and the
        /// change in duration (`+3.2s`); `compact`: the outcome word alone (`MISS`); empty
        /// without a comparison.
        public func note(_ glyphs: Glyphs, compact: Bool = false) -> String {
            guard let c = comparison else { return "" }
            var parts: [String] = []
            switch c.outcome {
            case .firstMiss(let reason): parts.append(compact ? "MISS" : "MISS " + reason.word(ascii: glyphs == .ascii))
            case .ran, .notRun: break
            default: parts.append(c.outcome.word)
            }
            if !compact, let d = c.delta { parts.append(ComparisonText.signed(d)) }
            return parts.joined(separator: " ")
        }
    }

    /// The figures of one build.
    public struct Model: Sendable, Equatable {
        /// Visible steps in the order `BuildState` shows them.
        public var rows: [Row]
        /// Seconds from the first start to the end (or `now`), as `BuildState.elapsed`.
        public var wall: Double
        /// Seconds of step run time added up.
        public var busy: Double
        /// The cache figure (`BuildState.cache`).
        public var cache: CacheFigure
        /// Row indexes of the critical path, earliest first.
        public var criticalPath: [Int]
        /// The most steps running at one time.
        public var maxConcurrency: Int
        /// Wall time of the compared build, when a comparison was given.
        public var previousWall: Double?

        /// Creates a model from its parts (`init(_:now:comparison:)` computes one).
        public init(
            rows: [Row], wall: Double, busy: Double, cache: CacheFigure, criticalPath: [Int], maxConcurrency: Int,
            previousWall: Double? = nil
        ) {
            self.rows = rows
            self.wall = wall
            self.busy = busy
            self.cache = cache
            self.criticalPath = criticalPath
            self.maxConcurrency = maxConcurrency
            self.previousWall = previousWall
        }

        /// Lays out a build, live or finished: `now` ends running steps (nil: the last event);
        /// `comparison` (of this build with an earlier one) adds outcomes and deltas.
        public init(_ state: BuildState, now: Timestamp? = nil, comparison: BuildComparison? = nil) {
            let graph = StepGraph(state)
            let origin = state.startTime
            let end = now ?? state.lastEventTime
            var byStep: [Int: Int] = [:]
            var rows: [Row] = []
            var compared: [String: BuildComparison.Row] = [:]
            for r in comparison?.rows ?? [] { compared[r.stepID] = r }
            for i in graph.visible {
                let step = state.steps[i]
                var segments: [Segment] = []
                if let origin {
                    for ival in step.intervals {
                        let stop = ival.stop ?? step.interruptedAt ?? end ?? ival.start
                        segments.append(
                            Segment(start: max(0, ival.start.seconds(since: origin)), stop: max(0, stop.seconds(since: origin))))
                    }
                }
                byStep[i] = rows.count
                rows.append(
                    Row(
                        stepID: step.id, name: step.name, state: RowState(step.state), segments: segments,
                        duration: segments.reduce(0) { $0 + ($1.stop - $1.start) }, comparison: compared[step.id]))
            }
            let path = Self.criticalPath(rows, graph, byStep)
            for r in path { rows[r].onCriticalPath = true }
            self.init(
                rows: rows, wall: state.elapsed(now: now), busy: rows.reduce(0) { $0 + $1.duration },
                cache: state.cache, criticalPath: path, maxConcurrency: Self.maxConcurrency(rows),
                previousWall: comparison?.previousWallTime)
        }

        /// Busy time over wall time (0 when no time passed).
        public var parallelism: Double { wall > 0 ? busy / wall : 0 }

        /// Seconds the time axis covers: the wall time, or the last stop when later.
        public var span: Double {
            max(wall, rows.compactMap(\.stop).max() ?? 0)
        }

        /// True when a step started.
        public var hasStartedSteps: Bool { rows.contains { !$0.segments.isEmpty } }

        /// The most steps running at once within each of `columns` equal slices of `span`.
        public func concurrency(columns: Int) -> [Int] {
            guard columns > 0 else { return [] }
            let span = self.span
            guard span > 0 else { return Array(repeating: 0, count: columns) }
            let events = Self.events(rows)
            var out: [Int] = []
            out.reserveCapacity(columns)
            var k = 0
            var running = 0
            for c in 0..<columns {
                let t0 = Double(c) * span / Double(columns)
                let t1 = Double(c + 1) * span / Double(columns)
                while k < events.count, events[k].time <= t0 {
                    running += events[k].delta
                    k += 1
                }
                var peak = running
                while k < events.count, events[k].time < t1 {
                    running += events[k].delta
                    peak = max(peak, running)
                    k += 1
                }
                out.append(peak)
            }
            return out
        }

        /// `wall 21.4s  busy 38.2s  ×1.8 par  cache 9/14 (64%)`, with a comparison `  ▲+6.1s vs
        /// previous` (ASCII: `x1.8`, no arrow).
        public func header(_ glyphs: Glyphs) -> String {
            let u = glyphs == .unicode
            var out = "wall \(DurationText.format(wall))  busy \(DurationText.format(busy))  "
            out += (u ? "×" : "x") + ByteUnits.fixed(parallelism, 1) + " par  cache \(cache.hits)/\(cache.of)"
            if let r = cache.ratio { out += " (\(Int((r * 100).rounded()))%)" }
            if let previousWall {
                let d = wall - previousWall
                out += "  " + (u ? (d < 0 ? "▼" : "▲") : "") + ComparisonText.signed(d) + " vs previous"
            }
            return out
        }

        // MARK: - Helpers

        /// Starts (+1) and stops (−1) of all segments with a length, in time order, stops first.
        static func events(_ rows: [Row]) -> [(time: Double, delta: Int)] {
            var events: [(time: Double, delta: Int)] = []
            for row in rows {
                for s in row.segments where s.stop > s.start {
                    events.append((s.start, 1))
                    events.append((s.stop, -1))
                }
            }
            events.sort { $0.time != $1.time ? $0.time < $1.time : $0.delta < $1.delta }
            return events
        }

        static func maxConcurrency(_ rows: [Row]) -> Int {
            var running = 0
            var peak = 0
            for e in events(rows) {
                running += e.delta
                peak = max(peak, running)
            }
            return peak
        }

        /// From the step that finished last, back through the input that finished latest
        /// (inputs by digest, else the step before in the same stage; a step with neither waited
        /// for the step that finished last before it started).
        static func criticalPath(_ rows: [Row], _ graph: StepGraph, _ byStep: [Int: Int]) -> [Int] {
            var last: Int?
            for (r, row) in rows.enumerated() {
                guard let stop = row.stop else { continue }
                if last.flatMap({ rows[$0].stop }).map({ stop >= $0 }) ?? true { last = r }
            }
            guard var current = last else { return [] }
            var stepOfRow: [Int: Int] = [:]
            for (i, r) in byStep { stepOfRow[r] = i }
            var path = [current]
            var seen: Set<Int> = [current]
            while let i = stepOfRow[current], let start = rows[current].start {
                let limit = rows[current].stop ?? start
                var best: Int?
                let parents = graph.parents[i].compactMap { byStep[$0] }
                if parents.isEmpty {
                    // Nothing says what it waited for: the step that finished last before it began.
                    for (r, row) in rows.enumerated() where !seen.contains(r) {
                        guard let stop = row.stop, stop <= start + 0.001, let s = row.start, s < start else { continue }
                        if best.flatMap({ rows[$0].stop }).map({ stop > $0 }) ?? true { best = r }
                    }
                } else {
                    for r in parents where !seen.contains(r) {
                        guard let stop = rows[r].stop, stop <= limit else { continue }
                        if best.flatMap({ rows[$0].stop }).map({ stop > $0 }) ?? true { best = r }
                    }
                }
                guard let next = best else { break }
                path.append(next)
                seen.insert(next)
                current = next
            }
            return path.reversed()
        }
    }

    /// Where things go in `width` columns: `G label␣bar␣duration␣note`.
    public struct Layout: Sendable, Equatable {
        /// Total columns.
        public var width: Int
        /// Cells of the label column.
        public var labelWidth: Int
        /// Cells of the bar area.
        public var barColumns: Int
        /// Cells of the duration column.
        public var durationWidth: Int
        /// Cells of the note column (0: none).
        public var noteWidth: Int
        /// Seconds the bar area covers.
        public var span: Double

        /// Lays out `model` in `width` columns (at least 20 are used).
        public init(_ model: Model, width: Int, glyphs: Glyphs = .unicode) {
            let width = max(20, width)
            self.width = width
            span = model.span
            let durW = max(4, model.rows.map { Cells.width($0.durationText) }.max() ?? 0, Cells.width("max \(model.maxConcurrency)"))
            durationWidth = durW
            let maxLabel = model.rows.map { Cells.width(Cells.clean($0.name, ascii: glyphs == .ascii)) }.max() ?? 0
            let maxNote = model.rows.map { Cells.width($0.note(glyphs)) }.max() ?? 0
            var note = min(maxNote, max(0, width / 4))
            func available(_ note: Int) -> Int { width - 2 - 1 - 1 - durW - (note > 0 ? note + 1 : 0) }
            if available(note) - min(maxLabel, 8) < 10 { note = 0 }
            noteWidth = note
            let avail = available(note)
            var label = min(maxLabel, max(8, avail * 2 / 5))
            if avail - label < 10 { label = max(4, avail - 10) }
            labelWidth = max(1, label)
            barColumns = max(1, avail - labelWidth)
        }

        /// Position of a time offset in cells of the bar area.
        public func cell(_ seconds: Double) -> Double {
            span > 0 ? seconds / span * Double(barColumns) : 0
        }

        /// The row's name cut from the left (`..`) and padded to `labelWidth`.
        public func label(_ row: Row, glyphs: Glyphs) -> String {
            Cells.pad(Cells.truncateLeft(Cells.clean(row.name, ascii: glyphs == .ascii), to: labelWidth), to: labelWidth)
        }

        /// The row's bar, exactly `barColumns` cells.
        public func bar(_ row: Row, glyphs: Glyphs) -> String {
            Timeline.bar(row.segments.map { (cell($0.start), cell($0.stop)) }, columns: barColumns, glyphs: glyphs)
        }

        /// One text line for a row.
        public func line(_ row: Row, glyphs: Glyphs) -> String {
            var out = row.glyph(glyphs) + " " + label(row, glyphs: glyphs) + " " + bar(row, glyphs: glyphs) + " "
            out += Cells.padLeft(row.durationText, to: durationWidth)
            if noteWidth > 0 {
                var note = row.note(glyphs)
                if Cells.width(note) > noteWidth { note = row.note(glyphs, compact: true) }
                if !note.isEmpty { out += " " + Cells.truncateRight(note, to: noteWidth, ascii: glyphs == .ascii) }
            }
            return Timeline.trimmed(out)
        }

        /// Tick labels and the rule above the bars: ticks every 1, 2 or 5 × 10ⁿ seconds, far
        /// enough apart for their labels.
        public func axis(glyphs: Glyphs) -> [String] {
            let u = glyphs == .unicode
            let cols = barColumns
            let ticks = Timeline.ticks(span: span, columns: cols)
            var labels = [Character](repeating: " ", count: cols)
            var rule = [String](repeating: u ? "─" : "-", count: cols)
            var free = 0
            for (t, text) in ticks {
                let c = Int(cell(t))
                guard c < cols else { continue }
                rule[c] = u ? "┼" : "+"
                guard c >= free, c + text.count <= cols else { continue }
                for (k, ch) in text.enumerated() { labels[c + k] = ch }
                free = c + text.count + 1
            }
            rule[0] = u ? "├" : "|"
            if cols > 1 { rule[cols - 1] = u ? "┤" : "|" }
            let indent = String(repeating: " ", count: 2 + labelWidth + 1)
            return [Timeline.trimmed(indent + String(labels)), indent + rule.joined()]
        }

        /// The concurrency sparkline under the bars: `conc ▁▂▅█▅▃▁  max 3` (ASCII: digits).
        public func sparkline(_ model: Model, glyphs: Glyphs) -> String {
            let series = model.concurrency(columns: barColumns)
            let peak = max(1, model.maxConcurrency)
            let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
            let spark = series.map { n -> Character in
                guard n > 0 else { return " " }
                if glyphs == .ascii { return n > 9 ? "+" : Character(String(n)) }
                return levels[min(7, max(0, (n * 8 + peak - 1) / peak - 1))]
            }
            let out = "  " + Cells.pad("conc", to: labelWidth) + " " + String(spark) + " "
                + Cells.padLeft("max \(model.maxConcurrency)", to: durationWidth)
            return out
        }
    }

    /// Text lines: header, time axis, one line per step, concurrency sparkline. Every line is at
    /// most `width` cells (at least 20 are used); a build with no started step gives the header
    /// alone. `.ascii` lines hold printable ASCII only.
    public static func lines(_ model: Model, width: Int, glyphs: Glyphs = .unicode) -> [String] {
        let width = max(20, width)
        let ascii = glyphs == .ascii
        var out = [model.header(glyphs)]
        if model.hasStartedSteps {
            let layout = Layout(model, width: width, glyphs: glyphs)
            out += layout.axis(glyphs: glyphs)
            for row in model.rows { out.append(layout.line(row, glyphs: glyphs)) }
            out.append(layout.sparkline(model, glyphs: glyphs))
        }
        return out.map { Cells.fit($0, width, ascii: ascii) }
    }

    /// A bar of `columns` cells for spans given in cells (`[start, stop)`), with eighth-block
    /// precision: the end cell of a span is a left-aligned eighth block (`▏▎▍▌▋▊▉`), its start
    /// cell `▕` or `▐` (the right-aligned partial blocks Unicode has), a span inside one cell its
    /// length in eighths, and a span shorter than a sixteenth of a cell the marker `·`. ASCII:
    /// `#` full, `=` partial, `|` marker.
    public static func bar(_ spans: [(Double, Double)], columns: Int, glyphs: Glyphs) -> String {
        guard columns > 0 else { return "" }
        enum Fill: Equatable {
            case empty, marker, full
            case left(Int)
            case right(Int)
        }
        var cells = [Fill](repeating: .empty, count: columns)
        func put(_ i: Int, _ f: Fill) {
            guard i >= 0, i < columns else { return }
            if cells[i] == .empty || cells[i] == .marker || f == .full { cells[i] = f }
        }
        let top = Double(columns)
        for (a0, b0) in spans {
            let s = min(max(0, a0), top)
            let e = min(max(s, b0), top)
            if (e - s) * 16 < 1 {
                put(min(columns - 1, Int(s)), .marker)
                continue
            }
            let first = Int(s)
            var last = Int(e)
            if Double(last) == e { last -= 1 }
            if first >= last {
                let n = min(8, max(1, Int(((e - s) * 8).rounded())))
                // Within one cell: anchored to the side it touches (a span reaching the cell's
                // right edge from inside it is a start).
                let right = e >= Double(first + 1) - 1e-9 && s > Double(first) + 1e-9
                put(first, n == 8 ? .full : right ? .right(n) : .left(n))
                continue
            }
            let head = min(8, max(1, Int(((Double(first + 1) - s) * 8).rounded())))
            put(first, head >= 7 ? .full : .right(head))
            if first + 1 < last { for i in (first + 1)..<last { put(i, .full) } }
            let tail = Int(((e - Double(last)) * 8).rounded())
            if tail >= 8 {
                put(last, .full)
            } else if tail > 0 {
                put(last, .left(tail))
            }
        }
        let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(
            cells.map { f -> Character in
                switch (f, glyphs) {
                case (.empty, _): " "
                case (.marker, .unicode): "·"
                case (.marker, .ascii): "|"
                case (.full, .unicode): "█"
                case (.full, .ascii): "#"
                case (.left(let n), .unicode): eighths[n - 1]
                case (.right(let n), .unicode): n <= 2 ? "▕" : "▐"
                case (.left, .ascii), (.right, .ascii): "="
                }
            })
    }

    /// Tick times and labels for an axis of `columns` cells over `span` seconds: the smallest
    /// step of 1, 2 or 5 × 10ⁿ seconds that leaves room for the labels.
    static func ticks(span: Double, columns: Int) -> [(Double, String)] {
        guard span > 0, columns > 0 else { return [(0, "0s")] }
        for e in -3...7 {
            var base = 1.0
            if e >= 0 { for _ in 0..<e { base *= 10 } } else { for _ in 0..<(-e) { base /= 10 } }
            for m in [1.0, 2.0, 5.0] {
                let step = m * base
                let decimals = max(0, -e)
                let widest = tickLabel(span, decimals).count + 2
                guard step / span * Double(columns) >= Double(max(6, widest)) else { continue }
                var out: [(Double, String)] = []
                var k = 0
                while Double(k) * step <= span + step * 1e-9 {
                    out.append((Double(k) * step, tickLabel(Double(k) * step, decimals)))
                    k += 1
                }
                return out
            }
        }
        return [(0, "0s")]
    }

    static func tickLabel(_ t: Double, _ decimals: Int) -> String {
        if t >= 60, decimals == 0 { return DurationText.format(t) }
        return ByteUnits.fixed(t, decimals) + "s"
    }

    static func trimmed(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}
