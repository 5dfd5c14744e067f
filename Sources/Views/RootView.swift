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
        }
        if let palette = state.palette {
            screen.fill(footer, style: state.theme.style(.input))
            screen.write(":" + palette + "▏", x: footer.x, y: footer.y, style: state.theme.style(.inputFocused), clip: footer)
        } else {
            drawFooter(hints, state: state, into: &screen, rect: footer)
        }
        if state.showHelp { HelpView.draw(state, sections: helpHints, into: &screen, rect: main) }
        if let c = state.confirm { drawConfirm(c, state: state, into: &screen, rect: main) }
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
        }
        let w = min(rect.width - 2, TextWidth.width(text) + 4)
        let box = Rect(x: rect.x + (rect.width - w) / 2, y: rect.y + rect.height / 2 - 1, width: w, height: 3)
        screen.fill(box, style: .plain)
        screen.box(box, style: state.theme.style(.warning), title: "confirm")
        screen.write(text, x: box.x + 2, y: box.y + 1, style: state.theme.style(.text).with(.bold), clip: box.inset(1))
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

/// The help overlay: every key of the current view, generated from the keymap.
public enum HelpView {
    /// Draws the overlay.
    public static func draw(_ state: AppState, sections: [(String, [KeyHint])], into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let rows = sections.reduce(0) { $0 + $1.1.count + 2 }
        let h = min(rect.height, rows + 2)
        let w = min(rect.width, 64)
        let box = Rect(x: rect.x + (rect.width - w) / 2, y: rect.y + max(0, (rect.height - h) / 2), width: w, height: h)
        screen.fill(box, style: .plain)
        screen.box(box, style: theme.style(.borderFocused), title: "help — ? or Esc to close")
        var y = box.y + 1
        let inner = box.inset(1).inset(left: 1, right: 1)
        for (title, hints) in sections {
            guard y < inner.maxY else { break }
            screen.write(title, x: inner.x, y: y, style: theme.style(.title).with(.bold), clip: inner)
            y += 1
            for h in hints where y < inner.maxY {
                screen.write(TextWidth.pad(h.keys, to: 14), x: inner.x + 1, y: y, style: theme.style(.footerKey).with(.bold), clip: inner)
                screen.write(h.label, x: inner.x + 16, y: y, style: theme.style(.text), clip: inner)
                y += 1
            }
            y += 1
        }
    }
}
