import AppModel
import BuildModel
import TerminalKit

/// Draws one build as a panel: header, steps with state, timing and cache hits, sub-progress,
/// live log tails of running steps, warnings, and an error box when the build failed.
public enum BuildPanel {
    /// One row of the step area.
    enum Row {
        case step(Step, index: Int)
        case status(VertexStatus)
        case log(LogLine)
        case warning(String)
        case more(String)
    }

    /// Draws `entry` into `rect` of `screen`.
    public static func draw(
        _ entry: BuildEntry, number: Int, focused: Bool, state: AppState, into screen: inout Screen, rect: Rect
    ) {
        let theme = state.theme
        guard rect.width >= 12, rect.height >= 3 else { return }
        let st = entry.state
        let border = theme.style(focused ? .borderFocused : .border)
        let title = "\(number) " + Format.clean(entry.request.name)
        screen.fill(rect, style: theme.style(.text))
        screen.box(rect, style: border, title: title, titleStyle: theme.style(.title).with(focused ? [.bold] : []))
        var inner = rect.inset(1)
        inner = inner.inset(left: 1, right: 1)
        guard !inner.isEmpty else { return }
        let frame = Int(state.now.unix * 10)

        // Header: state, elapsed, steps, cache, builder.
        let phase = st.phase
        let elapsed = entry.elapsed(now: state.now)
        var x = inner.x
        let y0 = inner.y
        let icon = phase == .running ? StepLook.spinner[abs(frame) % StepLook.spinner.count] : (phase == .succeeded ? "✔" : phase == .failed ? "✖" : phase == .canceled ? "⊘" : "·")
        x += screen.write("\(icon) \(entry.cancelRequested && phase == .running ? "canceling" : Format.phase(phase))", x: x, y: y0, style: theme.style(StepLook.phaseRole(phase)).with(.bold), clip: inner)
        x += screen.write("  \(Format.duration(elapsed))", x: x, y: y0, style: theme.style(.duration), clip: inner)
        x += screen.write("  steps \(st.completedSteps)/\(st.totalSteps)", x: x, y: y0, style: theme.style(.text), clip: inner)
        x += screen.write("  " + st.cache.text, x: x, y: y0, style: theme.style(.cached), clip: inner)
        if st.skippedSteps > 0 {
            x += screen.write("  \(st.skippedSteps) skipped", x: x, y: y0, style: theme.style(.dim), clip: inner)
        }
        screen.write("  \(Format.clean(entry.builder))", x: x, y: y0, style: theme.style(.dim), clip: inner)

        var area = inner.inset(top: 1)
        // Error box at the bottom when failed.
        if phase == .failed, let message = st.errorMessage {
            let box = errorBoxHeight(area)
            if box >= 3 {
                let (top, bottom) = area.splitBottom(box)
                drawErrorBox(entry, message: message, state: state, into: &screen, rect: bottom)
                area = top
            }
        }
        // Client-side warnings (buildx's `WARNING: …` lines on stderr) stay at the bottom.
        let clientWarnings = st.output.compactMap { $0.hasPrefix("WARNING: ") ? String($0.dropFirst(9)) : nil }.suffix(3)
        let warningRows = min(clientWarnings.count, max(0, area.height - 2))
        let rows = layoutRows(st, height: area.height - warningRows, tail: state.tailLines)
            + clientWarnings.suffix(warningRows).map { Row.warning($0) }
        var y = area.y
        for row in rows {
            guard y < area.maxY else { break }
            draw(row, entry: entry, state: state, frame: frame, into: &screen, rect: Rect(x: area.x, y: y, width: area.width, height: 1))
            y += 1
        }
    }

    static func errorBoxHeight(_ area: Rect) -> Int {
        min(max(3, area.height / 3), 9, area.height - 1)
    }

    /// Picks the rows that fit: running and failed steps always stay (with their details), then the
    /// newest other steps; what does not fit is counted in a `↑ N more` row, never silently dropped.
    /// Works on indexes and row counts first, so only the rows drawn are built.
    static func layoutRows(_ st: BuildState, height: Int, tail: Int) -> [Row] {
        guard height > 0 else { return [] }
        let order = st.visibleIndices
        var counts = [Int](repeating: 1, count: order.count)
        var priority = [Bool](repeating: false, count: order.count)
        var total = 0
        for (k, i) in order.enumerated() {
            let running = st.steps[i].state == .running
            var n = 1 + st.steps[i].warnings.count
            if running {
                n += st.steps[i].statuses.count { $0.completed == nil }
                n += min(tail, st.steps[i].log.totalLines + (st.steps[i].log.hasPartial ? 1 : 0))
            }
            counts[k] = n
            priority[k] = running || st.steps[i].hasError
            total += n
        }
        func rows(_ k: Int, full: Bool) -> [Row] {
            let step = st.steps[order[k]]
            var out: [Row] = [.step(step, index: k)]
            guard full else { return out }
            if step.state == .running {
                for s in step.statuses where s.completed == nil { out.append(.status(s)) }
                let lines = step.log.tail(tail) + step.log.partialLines
                for l in lines.suffix(tail) { out.append(.log(l)) }
            }
            for w in step.warnings { out.append(.warning(String(decoding: w.short, as: UTF8.self))) }
            return out
        }
        if total <= height { return order.indices.flatMap { rows($0, full: true) } }
        var keep = [Bool](repeating: false, count: order.count)
        var used = 1  // the "more" row
        for k in order.indices where priority[k] {
            keep[k] = true
            used += counts[k]
        }
        if used > height {
            // Even priority details do not fit: show priority steps as single rows.
            let pri = order.indices.filter { priority[$0] }
            let shown = Array(pri.suffix(max(0, height - 1)))
            let hidden = order.count - shown.count
            var out: [Row] = hidden > 0 ? [.more("↑ \(hidden) more steps")] : []
            for k in shown { out += rows(k, full: false) }
            return Array(out.prefix(height))
        }
        for k in stride(from: order.count - 1, through: 0, by: -1) where !keep[k] && used + counts[k] <= height {
            keep[k] = true
            used += counts[k]
        }
        let hidden = keep.count { !$0 }
        var out: [Row] = hidden > 0 ? [.more("↑ \(hidden) more steps")] : []
        for k in order.indices where keep[k] { out += rows(k, full: true) }
        return out
    }

    static func draw(_ row: Row, entry: BuildEntry, state: AppState, frame: Int, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        switch row {
        case .more(let text):
            screen.write(text, x: rect.x, y: rect.y, style: theme.style(.dim), clip: rect)
        case .step(let step, _):
            let s = step.state
            let role = StepLook.role(s)
            var x = rect.x
            x += screen.write(StepLook.icon(s, frame: frame) + " ", x: x, y: rect.y, style: theme.style(role), clip: rect)
            let tag = StepLook.tag(step, now: state.now)
            let tagWidth = TextWidth.width(tag)
            let nameWidth = max(0, rect.maxX - x - tagWidth - 1)
            let name = Format.clean(step.name)
            // Steps the cache figure does not count (internal, FROM) are dimmed when finished, so
            // the CACHED rows left in full colour are the ones the header counts.
            let counted = step.countsForCache || s == .running || s == .error
            let nameRole: ThemeRole = s == .pending || s == .skipped || !counted ? .pending : .text
            screen.write(TextWidth.truncate(name, to: nameWidth), x: x, y: rect.y, style: theme.style(nameRole), clip: rect)
            if tagWidth > 0 {
                let tagRole: ThemeRole = !counted ? .dim : (s == .running || s == .done ? .duration : role)
                screen.write(tag, x: rect.maxX - tagWidth, y: rect.y, style: theme.style(tagRole), clip: rect)
            }
        case .status(let st):
            var x = rect.x + 2
            x += screen.write("↳ ", x: x, y: rect.y, style: theme.style(.dim), clip: rect)
            let label = Format.clean(st.name.isEmpty ? st.id : st.name)
            var right = ""
            if st.total > 0 {
                right = "\(Format.bytes(st.current)) / \(Format.bytes(st.total))"
            } else if st.current > 0 {
                right = Format.bytes(st.current)
            }
            let barWidth = st.total > 0 ? min(20, max(0, rect.width / 4)) : 0
            let rightWidth = TextWidth.width(right) + (barWidth > 0 ? barWidth + 3 : 0)
            screen.write(TextWidth.truncate(label, to: max(0, rect.maxX - x - rightWidth - 1)), x: x, y: rect.y, style: theme.style(.text), clip: rect)
            var rx = rect.maxX - rightWidth
            if barWidth > 0 {
                let frac = min(1, max(0, Double(st.current) / Double(st.total)))
                let filled = Int((Double(barWidth) * frac).rounded(.down))
                rx += screen.write("[", x: rx, y: rect.y, style: theme.style(.dim), clip: rect)
                rx += screen.write(String(repeating: "█", count: filled), x: rx, y: rect.y, style: theme.style(.progressBar), clip: rect)
                rx += screen.write(String(repeating: "░", count: barWidth - filled), x: rx, y: rect.y, style: theme.style(.progressTrack), clip: rect)
                rx += screen.write("] ", x: rx, y: rect.y, style: theme.style(.dim), clip: rect)
            }
            screen.write(right, x: rx, y: rect.y, style: theme.style(.dim), clip: rect)
        case .log(let line):
            let x = rect.x + 2
            screen.write("│ ", x: x, y: rect.y, style: theme.style(.dim), clip: rect)
            let role: ThemeRole = line.stream == 2 ? .logStderr : .logStdout
            let spans = ANSIText.parse(ANSIText.applyCarriageReturns(line.text), base: theme.style(role).with(.dim), colors: !state.noColor)
            screen.write(spans, x: x + 2, y: rect.y, clip: rect)
        case .warning(let text):
            screen.write("  ⚠ WARN: " + Format.clean(text), x: rect.x, y: rect.y, style: theme.style(.warning), clip: rect)
        }
    }

    static func drawErrorBox(_ entry: BuildEntry, message: String, state: AppState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let failed = entry.state.failedStep
        let title = failed.map { "ERROR in " + Format.clean($0.name) } ?? "ERROR"
        screen.box(rect, style: theme.style(.error), title: title, titleStyle: theme.style(.error).with(.bold))
        let inner = rect.inset(1).inset(left: 1, right: 1)
        guard !inner.isEmpty else { return }
        var y = inner.y
        for part in TextWidth.wrap(Format.clean(message), width: inner.width).prefix(2) where y < inner.maxY {
            screen.write(part, x: inner.x, y: y, style: theme.style(.error), clip: inner)
            y += 1
        }
        if let failed, let (n, line) = entry.dockerfileLine(for: failed), y < inner.maxY {
            var x = inner.x
            x += screen.write("Dockerfile:\(n)  ", x: x, y: y, style: theme.style(.dim), clip: inner)
            screen.write(Format.clean(line), x: x, y: y, style: theme.style(.text).with(.bold), clip: inner)
            y += 1
        }
        if let failed {
            let room = inner.maxY - y
            let lines = failed.log.tail(max(0, room))
            for l in lines where y < inner.maxY {
                let role: ThemeRole = l.stream == 2 ? .logStderr : .logStdout
                let spans = ANSIText.parse(ANSIText.applyCarriageReturns(l.text), base: theme.style(role), colors: !state.noColor)
                screen.write(spans, x: inner.x, y: y, clip: inner)
                y += 1
            }
        }
    }
}
