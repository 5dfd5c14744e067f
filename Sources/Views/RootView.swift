import AppModel
import BuildModel
import TerminalKit

/// Draws the whole screen from the app state: a top bar, the main area (dashboard, logs or form),
/// overlays (help, confirmation, palette) and a footer of key hints generated from the keymap.
public enum RootView {
    /// Renders a frame.
    public static func render(_ state: AppState, hints: [KeyHint], helpHints: [(String, [KeyHint])] = []) -> Screen {
        var screen = Screen(size: state.size)
        let all = screen.bounds
        guard all.width >= 20, all.height >= 5 else {
            screen.write("window too small", x: 0, y: 0, style: state.theme.style(.warning))
            return screen
        }
        let (top, rest) = all.splitTop(1)
        let (main, footer) = rest.splitBottom(1)
        drawTopBar(state, into: &screen, rect: top)
        switch state.mode {
        case .dashboard: Dashboard.draw(state, into: &screen, rect: main)
        case .logs(let lv): LogView.draw(state, lv, into: &screen, rect: main)
        case .form(let form): FormView.draw(state, form, into: &screen, rect: main)
        case .builders(let menu): BuilderMenuView.draw(state, menu, into: &screen, rect: main)
        case .history(let h): HistoryView.draw(state, h, into: &screen, rect: main)
        case .timeline(let t): TimelineView.draw(state, t, into: &screen, rect: main)
        case .text(let v): TextView.draw(state, v, into: &screen, rect: main)
        }
        if let palette = state.palette {
            screen.fill(footer, style: state.theme.style(.input))
            screen.write(":" + palette + "▏", x: footer.x, y: footer.y, style: state.theme.style(.inputFocused), clip: footer)
        } else {
            drawFooter(hints, state: state, into: &screen, rect: footer)
        }
        if state.showHelp { HelpView.draw(state, sections: helpHints, into: &screen, rect: main) }
        if let c = state.confirm { drawConfirm(c, state: state, into: &screen, rect: main) }
        // A theme with a background (base16 schemes) gives it to every cell left on the
        // terminal's default (beside borders, between panels); reversed cells keep theirs.
        let background = state.theme.style(.text).bg
        if background != .terminalDefault {
            screen.restyle(all) { s in
                if s.bg == .terminalDefault, !s.attributes.contains(.reverse) { s.bg = background }
            }
        }
        return screen
    }

    static func drawTopBar(_ state: AppState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        screen.fill(rect, style: theme.style(.statusBar))
        var x = rect.x
        x += screen.write(" buildtop ", x: x, y: rect.y, style: theme.style(.header).with(.bold), clip: rect)
        x += screen.write(" builder: \(Format.clean(state.currentBuilder))", x: x, y: rect.y, style: theme.style(.statusBar), clip: rect)
        let running = state.runningCount
        let done = state.builds.count - running
        x += screen.write("  builds: \(running) running, \(done) finished", x: x, y: rect.y, style: theme.style(.statusBar), clip: rect)
        if state.exitWhenDone, state.message == nil {
            let text = " exits when the build ends · any key keeps it open "
            let w = TextWidth.width(text)
            if rect.maxX - w > x + 2 { screen.write(text, x: rect.maxX - w, y: rect.y, style: theme.style(.statusBar), clip: rect) }
        }
        if let m = state.message {
            let text = " " + Format.clean(m) + " "
            let w = TextWidth.width(text)
            screen.write(text, x: max(x + 2, rect.maxX - w), y: rect.y, style: theme.style(.info).with(.bold), clip: rect)
        }
    }

    static func drawFooter(_ hints: [KeyHint], state: AppState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        screen.fill(rect, style: theme.style(.footer))
        var x = rect.x + 1
        for h in hints {
            let need = TextWidth.width(h.keys) + TextWidth.width(h.label) + 3
            if x + need > rect.maxX { break }
            x += screen.write(h.keys, x: x, y: rect.y, style: theme.style(.footerKey).with(.bold), clip: rect)
            x += screen.write(" " + h.label + "  ", x: x, y: rect.y, style: theme.style(.footer), clip: rect)
        }
    }

    static func drawConfirm(_ c: Confirmation, state: AppState, into screen: inout Screen, rect: Rect) {
        let text: String
        switch c {
        case .cancel(let id):
            let b = state.build(id)
            let name = b.map { Format.clean($0.request.name) } ?? "?"
            text = "Cancel build \(b?.number ?? 0) (\(name))?  y / n"
        case .removeBuilder(let name):
            text = "Remove builder \(Format.clean(name)) (docker buildx rm)?  y / n"
        case .quit(let running):
            text = "\(running) build\(running == 1 ? "" : "s") still running. Cancel and quit?  y / n"
        case .removeStored(let ref, let name):
            text = "Delete \(Format.clean(name)) \(ref.prefix(8)) from the history?  y / n"
        }
        let area = Overlay.area(for: c, state: state, main: rect)
        let w = min(area.width, TextWidth.width(text) + 4)
        let lines = TextWidth.wrap(text, width: max(1, w - 4))
        let h = min(area.height, lines.count + 2)
        let box = Rect(x: area.x + (area.width - w) / 2, y: area.y + max(0, (area.height - h) / 2), width: w, height: h)
        Overlay.clear(box, theme: state.theme, into: &screen, within: area)
        screen.box(box, style: state.theme.style(.warning), title: "confirm")
        for (i, l) in lines.enumerated() {
            screen.write(l, x: box.x + 2, y: box.y + 1 + i, style: state.theme.style(.text).with(.bold), clip: box.inset(1))
        }
    }
}

/// The panels of all builds.
public enum Dashboard {
    /// Draws every panel (or a welcome text when there is no build).
    public static func draw(_ state: AppState, into screen: inout Screen, rect: Rect) {
        guard !state.builds.isEmpty else {
            let lines = [
                "No builds yet.", "", "n  new build (context, Dockerfile, target, tags, build args)",
                ":  command palette (:build PATH, :theme NAME, :quit)", "?  help",
            ]
            for (i, l) in lines.enumerated() {
                screen.write(l, x: rect.x + 2, y: rect.y + 1 + i, style: state.theme.style(i == 0 ? .title : .dim), clip: rect)
            }
            return
        }
        for (i, r) in PanelLayout.rects(count: state.builds.count, layout: state.layout, focus: state.focus, rect: rect) {
            BuildPanel.draw(state.builds[i], number: state.builds[i].number, focused: i == state.focus, state: state, into: &screen, rect: r)
        }
    }
}

/// The help overlay: every binding of the current view, generated from the keymap; keys that do
/// nothing now are dimmed. Long lists flow into two columns, or scroll; no line is cut off.
public enum HelpView {
    /// Draws the overlay.
    public static func draw(_ state: AppState, sections: [(String, [KeyHint])], into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let layout = HelpLayout.layout(sections, area: Size(width: rect.width, height: rect.height))
        let w = layout.columns.count * layout.columnWidth + (layout.columns.count - 1) * 2 + 4
        let h = layout.height + 2
        guard w <= rect.width, h <= rect.height, layout.height > 0 else { return }
        // The help replaces the whole main area (no panel border is left half covered).
        screen.fill(rect, style: theme.style(.text))
        let box = Rect(x: rect.x + (rect.width - w) / 2, y: rect.y + max(0, (rect.height - h) / 2), width: w, height: h)
        let scroll = layout.scrolls ? min(state.helpScroll, layout.total - layout.height) : 0
        let title =
            layout.scrolls
            ? "help — lines \(scroll + 1)–\(scroll + layout.height) of \(layout.total) · ↓/↑ scroll · esc closes"
            : "help — ? or Esc to close"
        screen.box(box, style: theme.style(.borderFocused), title: title)
        let inner = box.inset(1).inset(left: 1, right: 1)
        for (c, column) in layout.columns.enumerated() {
            let x = inner.x + c * (layout.columnWidth + 2)
            for (row, line) in column.dropFirst(scroll).prefix(layout.height).enumerated() {
                let y = inner.y + row
                let clip = Rect(x: x, y: y, width: layout.columnWidth, height: 1)
                if line.isTitle {
                    screen.write(line.text, x: x, y: y, style: theme.style(.title).with(.bold), clip: clip)
                    continue
                }
                let keyStyle = line.enabled ? theme.style(.footerKey).with(.bold) : theme.style(.dim)
                let textStyle = line.enabled ? theme.style(.text) : theme.style(.dim)
                if let keys = line.keys {
                    screen.write(TextWidth.truncate(keys, to: HelpLayout.keyWidth - 1), x: x + 1, y: y, style: keyStyle, clip: clip)
                }
                screen.write(line.text, x: x + HelpLayout.keyWidth + 2, y: y, style: textStyle, clip: clip)
            }
        }
    }
}

/// Boxes drawn over the panels (help, questions). They never cross a panel's border: a question
/// sits inside the panel it is about (or inside the view's own frame), the help covers the whole
/// main area; a one-cell margin inside that area keeps their borders off any other line.
enum Overlay {
    /// Where a question may go: inside the focused panel (the panel of the build it is about),
    /// else inside the main area's frame.
    static func area(for c: Confirmation, state: AppState, main: Rect) -> Rect {
        if case .dashboard = state.mode, !state.builds.isEmpty {
            var index = state.focus
            if case .cancel(let id) = c, let i = state.index(of: id) { index = i }
            if let panel = PanelLayout.rects(count: state.builds.count, layout: state.layout, focus: state.focus, rect: main)[index],
                panel.width >= 24, panel.height >= 7
            {
                return panel.inset(2)
            }
        }
        return main.inset(2)
    }

    /// Clears the box and a one-cell margin around it (kept within `area`'s one-cell border).
    static func clear(_ box: Rect, theme: Theme, into screen: inout Screen, within area: Rect? = nil) {
        var margin = Rect(x: box.x - 1, y: box.y - 1, width: box.width + 2, height: box.height + 2)
        if let area { margin = margin.intersection(Rect(x: area.x - 1, y: area.y - 1, width: area.width + 2, height: area.height + 2)) }
        screen.fill(margin, style: theme.style(.text))
    }
}
