import AppModel
import BuildModel
import TerminalKit

/// One build's steps (left) and the selected step's full log (right): scroll, follow, search
/// highlights, wrap, timestamps, stdout/stderr distinguished.
public enum LogView {
    /// Draws the view.
    public static func draw(_ state: AppState, _ lv: LogViewState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        guard let entry = state.build(lv.buildID) else { return }
        let steps = entry.state.visibleSteps
        let listWidth = min(max(24, rect.width * 2 / 5), 56)
        let (left, right) = (Rect(x: rect.x, y: rect.y, width: listWidth, height: rect.height),
                             Rect(x: rect.x + listWidth, y: rect.y, width: rect.width - listWidth, height: rect.height))
        screen.box(left, style: theme.style(lv.stepsFocused ? .borderFocused : .border), title: "steps · \(Format.clean(entry.request.name))")
        let li = left.inset(1)
        let first = max(0, min(lv.step - li.height / 2, steps.count - li.height))
        let frame = Int(state.now.unix * 10)
        for (row, i) in (first..<min(steps.count, first + li.height)).enumerated() {
            let s = steps[i]
            let y = li.y + row
            let sel = i == lv.step
            if sel { screen.fill(Rect(x: li.x, y: y, width: li.width, height: 1), style: theme.style(lv.stepsFocused ? .selection : .selectionInactive)) }
            var x = li.x
            x += screen.write(StepLook.icon(s.state, frame: frame) + " ", x: x, y: y, style: sel ? theme.style(.selection) : theme.style(StepLook.role(s.state)), clip: li)
            let tag = s.state == .cached ? "CACHED" : s.state == .error ? "ERROR" : s.state == .canceled ? "CANCELED" : s.isStarted ? Format.duration(s.duration(now: state.now)) : ""
            let tw = TextWidth.width(tag)
            screen.write(TextWidth.truncate(Format.clean(s.name), to: max(0, li.maxX - x - tw - 1)), x: x, y: y, style: sel ? theme.style(.selection) : theme.style(.text), clip: li)
            screen.write(tag, x: li.maxX - tw, y: y, style: sel ? theme.style(.selection) : theme.style(.duration), clip: li)
        }
        guard steps.indices.contains(lv.step) else {
            screen.box(right, style: theme.style(.border), title: "log")
            return
        }
        let step = steps[lv.step]
        let all = LogLines.lines(of: step)
        let flags = [lv.follow ? "follow" : nil, lv.wrap ? "wrap" : nil, lv.timestamps ? "time" : nil].compactMap { $0 }.joined(separator: ",")
        var title = "log · \(all.count + step.log.spilledLines) lines"
        if !flags.isEmpty { title += " · " + flags }
        if !lv.search.isEmpty { title += " · /" + Format.clean(lv.search) }
        screen.box(right, style: theme.style(lv.stepsFocused ? .border : .borderFocused), title: title)
        var ri = right.inset(1)
        if lv.searching {
            let (body, bar) = ri.splitBottom(1)
            screen.fill(bar, style: theme.style(.input))
            screen.write("/" + Format.clean(lv.search) + "▏", x: bar.x, y: bar.y, style: theme.style(.inputFocused), clip: bar)
            ri = body
        } else if let path = lv.savePath {
            let (body, bar) = ri.splitBottom(1)
            screen.fill(bar, style: theme.style(.input))
            var x = bar.x
            x += screen.write("save to: ", x: x, y: bar.y, style: theme.style(.title).with(.bold), clip: bar)
            // Keep the end of a long path (the file name) in view.
            let text = Format.clean(path) + "▏"
            let room = max(1, bar.maxX - x)
            let shown = TextWidth.width(text) > room ? "…" + String(text.suffix(room - 1)) : text
            screen.write(shown, x: x, y: bar.y, style: theme.style(.inputFocused), clip: bar)
            ri = body
        }
        guard !ri.isEmpty else { return }
        var rows: [(LogLine, Int, String?)] = []  // line, absolute number, wrapped piece (nil = whole)
        let base = step.log.spilledLines
        if base > 0 {
            rows.append((LogLine(stream: 0, time: .zero, text: Array("… \(base) earlier lines are on disk (s saves the full log)".utf8)), -1, nil))
        }
        let start = step.latestStart ?? step.vertex.started
        for (i, l) in all.enumerated() { rows.append((l, base + i, nil)) }
        // Which lines fit: follow shows the end; otherwise from the scroll position.
        let prefixWidth = lv.timestamps ? 10 : 0
        let textWidth = max(1, ri.width - prefixWidth)
        var display: [(LogLine, Int, [StyledSpan])] = []
        func spans(_ l: LogLine) -> [StyledSpan] {
            let role: ThemeRole = l.stream == 2 ? .logStderr : l.stream == 0 ? .dim : .logStdout
            return ANSIText.parse(ANSIText.applyCarriageReturns(l.text), base: theme.style(role), colors: !state.noColor)
        }
        let firstIndex: Int
        if lv.follow {
            firstIndex = max(0, rows.count - ri.height)
        } else {
            firstIndex = max(0, min(rows.count - 1, (rows.firstIndex { $0.1 >= lv.scroll } ?? 0)))
        }
        for (l, n, _) in rows[firstIndex...] {
            if display.count >= ri.height + (lv.follow ? rows.count : 0) && !lv.follow { break }
            let sp = spans(l)
            if lv.wrap {
                for piece in wrapSpans(sp, width: textWidth) { display.append((l, n, piece)) }
            } else {
                display.append((l, n, sp))
            }
            if !lv.follow, display.count >= ri.height { break }
        }
        if lv.follow, display.count > ri.height { display = Array(display.suffix(ri.height)) }
        var y = ri.y
        var lastNumber = Int.min
        for (l, n, sp) in display.prefix(ri.height) {
            var x = ri.x
            if lv.timestamps {
                let t = n == lastNumber || n < 0 ? "" : start.map { "+" + Format.duration(l.time.seconds(since: $0)) } ?? ""
                screen.write(TextWidth.pad(t, to: prefixWidth - 1), x: x, y: y, style: theme.style(.logTimestamp), clip: ri)
                x += prefixWidth
            }
            screen.write(sp, x: x, y: y, clip: ri)
            if !lv.search.isEmpty { highlight(lv.search, in: &screen, row: Rect(x: x, y: y, width: ri.maxX - x, height: 1), current: n == lv.matchLine, theme: theme) }
            lastNumber = n
            y += 1
        }
    }

    static func wrapSpans(_ spans: [StyledSpan], width: Int) -> [[StyledSpan]] {
        var out: [[StyledSpan]] = [[]]
        var used = 0
        for sp in spans {
            var cur = ""
            for ch in sp.text {
                let w = TextWidth.width(of: ch)
                if used + w > width, used > 0 {
                    if !cur.isEmpty { out[out.count - 1].append(StyledSpan(text: cur, style: sp.style)) }
                    out.append([])
                    cur = ""
                    used = 0
                }
                cur.append(ch)
                used += w
            }
            if !cur.isEmpty { out[out.count - 1].append(StyledSpan(text: cur, style: sp.style)) }
        }
        return out
    }

    /// Marks occurrences of `needle` (case-insensitive) in a drawn row.
    static func highlight(_ needle: String, in screen: inout Screen, row: Rect, current: Bool, theme: Theme) {
        var text: [String] = []
        for x in row.x..<row.maxX { text.append(screen[x, row.y].text) }
        let hay = text.map { $0.lowercased() }
        let n = needle.lowercased().map(String.init)
        guard !n.isEmpty, n.count <= hay.count else { return }
        var i = 0
        while i + n.count <= hay.count {
            if Array(hay[i..<(i + n.count)]) == n {
                screen.restyle(Rect(x: row.x + i, y: row.y, width: n.count, height: 1)) { s in
                    s = theme.style(.searchMatch)
                    if current { s.attributes.insert(.bold); s.attributes.insert(.underline) }
                }
                i += n.count
            } else {
                i += 1
            }
        }
    }
}
