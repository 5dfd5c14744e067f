import AppModel
import BuildModel
import HistoryModel
import TerminalKit

/// The history view: stored builds newest first (status, context, duration, cache figure, age),
/// a filter, and a trend line of the selected build's context (duration and cache figure of its
/// last builds).
public enum HistoryView {
    static let columns = ["BUILD", "NAME", "STATUS", "DURATION", "CACHE", "AGE", "CONTEXT"]

    static func statusRole(_ status: String) -> ThemeRole {
        switch status {
        case "completed": .done
        case "failed": .error
        case "canceled", "interrupted": .canceled
        case "running": .running
        default: .dim
        }
    }

    static func cacheText(_ c: CacheFigure) -> String {
        c.of > 0 ? "\(c.hits)/\(c.of) \(Int((Double(c.hits) * 100 / Double(c.of)).rounded()))%" : "-"
    }

    static func cells(_ r: HistoryRow, now: Timestamp) -> [String] {
        [
            String(r.ref.prefix(8)) + (r.pinned ? "*" : ""), r.name, r.status, r.duration.map(Format.duration) ?? "…",
            cacheText(r.cache), Format.duration(max(0, now.seconds(since: r.startedAt))), r.context,
        ].map(Format.clean)
    }

    /// `▁▃█` of values scaled to their maximum.
    static func sparkline(_ values: [Double]) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        let top = values.max() ?? 0
        guard top > 0 else { return String(repeating: "▁", count: values.count) }
        return String(values.map { bars[min(7, Int(($0 / top) * 7.999))] })
    }

    /// Draws the view.
    public static func draw(_ state: AppState, _ h: HistoryViewState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let box = rect.inset(top: 0, left: 1, bottom: 0, right: 1)
        var title = "history — \(h.rows.count) build\(h.rows.count == 1 ? "" : "s")"
        if !h.filter.isEmpty || h.filtering { title += " · filter: \(Format.clean(h.filter))\(h.filtering ? "▏" : "")" }
        screen.box(box, style: theme.style(.borderFocused), title: title)
        let inner = box.inset(1).inset(left: 1, right: 1)
        guard inner.height >= 3 else { return }
        var y = inner.y
        if let error = h.error {
            screen.write("cannot read the history: " + Format.clean(error), x: inner.x, y: y, style: theme.style(.error), clip: inner)
            return
        }
        let rows = h.visible
        if rows.isEmpty {
            let text = h.loading ? "reading the history…" : h.rows.isEmpty ? "no builds yet: every build buildtop runs is kept here" : "no build matches the filter"
            screen.write(text, x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            return
        }
        // Trend of the selected build's context, oldest to newest.
        if let cur = h.current {
            let trend = Array(h.trend(of: cur.context).reversed())
            let durations = trend.compactMap(\.duration)
            var line = "trend of \(Format.clean(cur.context)) (\(trend.count) build\(trend.count == 1 ? "" : "s")): duration "
            line += sparkline(durations) + " " + (durations.last.map(Format.duration) ?? "-")
            let ratios = trend.compactMap { $0.cache.ratio }
            line += "  cache " + sparkline(ratios.map { $0 + 0.001 }) + " " + (trend.last.map { cacheText($0.cache) } ?? "-")
            screen.write(line, x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            y += 2
        }
        let table = rows.map { Self.cells($0, now: state.now) }
        var widths = columns.map { TextWidth.width($0) }
        for r in table { for (i, c) in r.enumerated() { widths[i] = min(max(widths[i], TextWidth.width(c)), i == 1 ? 28 : 40) } }
        func drawRow(_ r: [String], y: Int, style: (Int) -> Style) {
            var x = inner.x + 2
            for (i, c) in r.enumerated() {
                let w = i == r.count - 1 ? max(0, inner.maxX - x) : widths[i]
                let text = i == r.count - 1 ? Format.clean(truncateLeft(c, w)) : TextWidth.truncate(c, to: w)
                screen.write(text, x: x, y: y, style: style(i), clip: inner)
                x += w + 2
            }
        }
        drawRow(columns, y: y, style: { _ in theme.style(.title).with(.bold) })
        y += 1
        let visible = max(1, inner.maxY - y - 1)
        let first = max(0, min(h.selected - visible / 2, rows.count - visible))
        for (i, r) in rows.enumerated().dropFirst(first).prefix(visible) {
            let selected = i == h.selected
            if selected { screen.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: theme.style(.selection)) }
            drawRow(table[i], y: y) { col in
                if selected { return theme.style(.selection) }
                if col == 2 { return theme.style(statusRole(r.status)) }
                if col == 0 || col == 5 { return theme.style(.dim) }
                return theme.style(.text)
            }
            y += 1
        }
        if let cur = h.current, let error = cur.error, cur.status != "completed" {
            screen.write("✗ " + Format.clean(error), x: inner.x, y: inner.maxY - 1, style: theme.style(.error), clip: inner)
        }
    }

    static func truncateLeft(_ s: String, _ w: Int) -> String {
        guard TextWidth.width(s) > w, w > 2 else { return s }
        var out = ""
        for c in s.reversed() {
            if TextWidth.width(out) + TextWidth.width(of: c) > w - 2 { break }
            out.insert(c, at: out.startIndex)
        }
        return ".." + out
    }
}

/// A build on a time axis (HistoryModel's timeline), drawn from its state as it is now: a live
/// build's bars grow.
public enum TimelineView {
    static func role(_ r: Timeline.Row) -> ThemeRole {
        switch r.state {
        case .hit: .cached
        case .executed: .done
        case .error: .error
        case .canceled: .canceled
        case .skipped, .pending: .dim
        case .running: .running
        }
    }

    /// Draws the view.
    public static func draw(_ state: AppState, _ t: TimelineViewState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let box = rect.inset(top: 0, left: 1, bottom: 0, right: 1)
        guard let b = state.build(t.buildID) else {
            screen.box(box, style: theme.style(.borderFocused), title: "timeline")
            screen.write("the build is gone", x: box.x + 2, y: box.y + 1, style: theme.style(.dim), clip: box)
            return
        }
        var title = "timeline — build \(b.number): \(Format.clean(b.request.name))"
        if t.comparing { title += " · comparing…" } else if t.comparison != nil { title += " · compared with the build before it" }
        screen.box(box, style: theme.style(.borderFocused), title: title)
        let inner = box.inset(1).inset(left: 1, right: 1)
        guard inner.height >= 4, inner.width >= 20 else { return }
        let glyphs: Timeline.Glyphs = t.ascii ? .ascii : .unicode
        let model = Timeline.Model(b.state, now: b.isRunning ? state.now : nil, comparison: t.comparison)
        var y = inner.y
        screen.write(model.header(glyphs), x: inner.x, y: y, style: theme.style(.title), clip: inner)
        y += 1
        if model.rows.isEmpty {
            screen.write(b.isRunning ? "waiting for the first step…" : "no step ran", x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            return
        }
        let layout = Timeline.Layout(model, width: inner.width, glyphs: glyphs)
        for line in layout.axis(glyphs: glyphs) {
            screen.write(line, x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            y += 1
        }
        let room = max(1, inner.maxY - y - 1)
        for row in model.rows.dropFirst(min(t.scroll, max(0, model.rows.count - 1))).prefix(room) {
            var x = inner.x
            let style = theme.style(role(row))
            x += screen.write(row.glyph(glyphs) + " ", x: x, y: y, style: row.onCriticalPath ? theme.style(.warning).with(.bold) : style, clip: inner)
            x += screen.write(layout.label(row, glyphs: glyphs) + " ", x: x, y: y, style: row.state == .skipped ? theme.style(.dim) : theme.style(.text), clip: inner)
            x += screen.write(layout.bar(row, glyphs: glyphs) + " ", x: x, y: y, style: style, clip: inner)
            x += screen.write(TextWidth.pad(row.durationText, to: layout.durationWidth), x: x, y: y, style: theme.style(.duration), clip: inner)
            if layout.noteWidth > 0 {
                var note = row.note(glyphs)
                if TextWidth.width(note) > layout.noteWidth { note = row.note(glyphs, compact: true) }
                let role: ThemeRole = row.isFirstMiss ? .error : .dim
                screen.write(" " + TextWidth.truncate(Format.clean(note), to: layout.noteWidth), x: x, y: y, style: theme.style(role), clip: inner)
            }
            y += 1
        }
        screen.write(layout.sparkline(model, glyphs: glyphs), x: inner.x, y: inner.maxY - 1, style: theme.style(.dim), clip: inner)
    }
}

/// Computed lines (a comparison), scrollable.
public enum TextView {
    /// Draws the view.
    public static func draw(_ state: AppState, _ v: TextViewState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let box = rect.inset(top: 0, left: 1, bottom: 0, right: 1)
        screen.box(box, style: theme.style(.borderFocused), title: Format.clean(v.title))
        let inner = box.inset(1).inset(left: 1, right: 1)
        guard inner.height >= 1 else { return }
        if v.loading {
            screen.write("comparing…", x: inner.x, y: inner.y, style: theme.style(.dim), clip: inner)
            return
        }
        var y = inner.y
        for line in v.lines.dropFirst(v.scroll).prefix(inner.height) {
            let clean = Format.clean(line)
            let role: ThemeRole =
                clean.hasPrefix("first miss") || clean.hasPrefix("MISS") ? .error
                : clean.hasPrefix("hit") ? .cached : clean.hasPrefix("cascade") ? .warning : .text
            screen.write(clean, x: inner.x, y: y, style: theme.style(role), clip: inner)
            y += 1
        }
    }
}
