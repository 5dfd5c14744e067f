import AppModel
import BuildModel
import TerminalKit

/// The builders menu: every builder with driver, endpoint, status, BuildKit version, platforms
/// and a marker on the current one; how the current one was chosen; the command log of the
/// `docker buildx …` commands run from here (or an `inspect`'s output); the create form.
public enum BuilderMenuView {
    /// Column titles.
    static let columns = ["NAME", "DRIVER", "ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS"]

    /// The cells of one builder's row (sanitized).
    static func cells(_ b: Builder) -> [String] {
        let node = b.nodes.first
        var endpoint = node?.endpoint ?? ""
        if b.nodes.count > 1 { endpoint += " +\(b.nodes.count - 1)" }
        return [
            b.name, b.driver, endpoint, b.status ?? "unknown", node?.version ?? "", b.platforms.joined(separator: ","),
        ].map(Format.clean)
    }

    static func statusRole(_ status: String?) -> ThemeRole {
        switch status {
        case "running": .done
        case "error": .error
        case "starting", "stopping": .running
        case "inactive", "stopped": .pending
        default: .dim
        }
    }

    static func sourceText(_ list: BuilderList) -> String {
        switch list.source {
        case .flag: "--builder"
        case .environment: "BUILDX_BUILDER"
        case .store: "buildx store"
        case .context: "docker context \(list.contextName)"
        }
    }

    /// Draws the menu.
    public static func draw(_ state: AppState, _ menu: BuilderMenuState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let box = rect.inset(top: 0, left: 1, bottom: 0, right: 1)
        let title: String
        if let list = state.builderList {
            title = "builders — current: \(Format.clean(list.current)) (\(sourceText(list)))"
        } else {
            title = "builders"
        }
        screen.box(box, style: theme.style(.borderFocused), title: title)
        let inner = box.inset(1).inset(left: 1, right: 1)
        guard inner.height >= 3 else { return }
        var y = inner.y
        guard let list = state.builderList else {
            screen.write(state.buildersLoading ? "looking for builders…" : "no builders read yet (r refreshes)", x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            return
        }
        var facts = list.buildxVersion.map { "buildx \($0)" } ?? "buildx not installed: use works; create, remove, bootstrap, stop and the alias need buildx"
        facts += " · context \(Format.clean(list.contextName)) · docker build → buildx: \(list.aliasInstalled ? "on" : "off")"
        if state.buildersLoading { facts += " · refreshing…" }
        for line in wrap(Format.clean(facts), width: inner.width).prefix(2) {
            screen.write(line, x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            y += 1
        }
        if let note = list.overrideNote {
            screen.write("NOTE: " + Format.clean(note), x: inner.x, y: y, style: theme.style(.warning), clip: inner)
            y += 1
        }
        for w in list.warnings.prefix(2) {
            screen.write("! " + Format.clean(w), x: inner.x, y: y, style: theme.style(.warning), clip: inner)
            y += 1
        }
        y += 1

        // Table.
        let rows = list.builders.map(cells)
        var widths = columns.map { TextWidth.width($0) }
        for r in rows { for (i, c) in r.enumerated() { widths[i] = min(max(widths[i], TextWidth.width(c)), i == 5 ? 60 : 28) } }
        let logHeight = max(3, min(10, inner.maxY - y - rows.count - 2))
        let tableBottom = inner.maxY - logHeight - 1
        func drawRow(_ cells: [String], y: Int, style: (Int) -> Style, marker: String) {
            var x = inner.x
            x += screen.write(marker, x: x, y: y, style: style(-1), clip: inner)
            for (i, c) in cells.enumerated() {
                let w = i == cells.count - 1 ? max(0, inner.maxX - x) : widths[i]
                screen.write(TextWidth.truncate(c, to: w), x: x, y: y, style: style(i), clip: inner)
                x += w + 2
            }
        }
        drawRow(columns, y: y, style: { _ in theme.style(.title).with(.bold) }, marker: "  ")
        y += 1
        let visible = max(1, tableBottom - y)
        let first = max(0, min(menu.selected - visible + 1, rows.count - visible))
        for (i, b) in list.builders.enumerated().dropFirst(first).prefix(visible) {
            let selected = i == menu.selected
            if selected { screen.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: theme.style(.selection)) }
            drawRow(rows[i], y: y, style: { col in
                if selected { return theme.style(.selection).with(col == 0 ? .bold : []) }
                if col == 3 { return theme.style(statusRole(b.status)) }
                if col == -1 { return theme.style(.title).with(.bold) }
                return theme.style(col == 0 && b.isCurrent ? .title : .text).with(col == 0 && b.isCurrent ? .bold : [])
            }, marker: b.isCurrent ? "* " : "  ")
            y += 1
        }
        if list.builders.isEmpty {
            screen.write("no builders", x: inner.x + 2, y: y, style: theme.style(.dim), clip: inner)
        }

        // Command log or inspect output.
        let pane = Rect(x: inner.x, y: tableBottom, width: inner.width, height: inner.maxY - tableBottom)
        drawLog(state, menu, into: &screen, rect: pane)
        if let form = menu.create { drawCreate(state, form, into: &screen, rect: rect) }
    }

    static func drawLog(_ state: AppState, _ menu: BuilderMenuState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        guard rect.height >= 2 else { return }
        let ruleTitle = menu.detail != nil ? "─ inspect " : "─ commands "
        screen.write(ruleTitle + String(repeating: "─", count: max(0, rect.width - TextWidth.width(ruleTitle))), x: rect.x, y: rect.y, style: theme.style(.border), clip: rect)
        let body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        var lines: [(String, ThemeRole)] = []
        if let detail = menu.detail {
            lines = detail.split(separator: "\n", omittingEmptySubsequences: false).map { (Format.clean(String($0)), .text) }
        } else if state.commandLog.isEmpty {
            lines = [("Commands run from here appear with their output, e.g. docker buildx use NAME.", .dim)]
        } else {
            for e in state.commandLog {
                lines.append(((e.succeeded ? "✓ " : "✗ ") + Format.clean(e.command), e.succeeded ? .done : .error))
                for l in e.output.split(separator: "\n").suffix(4) {
                    for part in wrap(Format.clean(String(l)), width: max(1, rect.width - 2)) {
                        lines.append(("  " + part, e.succeeded ? .dim : .error))
                    }
                }
            }
        }
        for (i, l) in lines.suffix(body.height).enumerated() {
            screen.write(l.0, x: body.x, y: body.y + i, style: theme.style(l.1), clip: body)
        }
    }

    /// Label and value of a create-form field.
    static func field(_ f: CreateBuilderForm.Field, _ form: CreateBuilderForm) -> (String, String, String) {
        switch f {
        case .name: ("Name", form.name, "generated by buildx")
        case .driver: ("Driver", form.driver, "")
        case .driverOptions: ("Driver opts", form.driverOptions, "k=v,k=v (e.g. network=host, image=…)")
        case .endpoint: ("Endpoint", form.endpoint, "current context (or a context name / tcp://host:port)")
        case .platforms: ("Platforms", form.platforms, "detected (e.g. linux/amd64,linux/arm64)")
        case .buildkitdFlags: ("Daemon flags", form.buildkitdFlags, "e.g. --allow-insecure-entitlement network.host")
        case .use: ("Use now", form.use ? "[x]" : "[ ]", "")
        case .bootstrap: ("Bootstrap", form.bootstrap ? "[x]" : "[ ]", "")
        }
    }

    static func drawCreate(_ state: AppState, _ form: CreateBuilderForm, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let fields = CreateBuilderForm.Field.allCases
        let w = min(rect.width - 2, 76)
        let preview = Format.clean("docker buildx " + form.spec.buildxArguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))
        let previewLines = wrap(preview, width: w - 4)
        let h = min(rect.height, fields.count + 3 + previewLines.count)
        let box = Rect(x: rect.x + (rect.width - w) / 2, y: rect.y + max(0, (rect.height - h) / 2), width: w, height: h)
        screen.fill(box, style: state.theme.style(.text))
        screen.box(box, style: theme.style(.borderFocused), title: "create builder — docker buildx create")
        let inner = box.inset(1).inset(left: 1, right: 1)
        var y = inner.y
        for f in fields where y < inner.maxY {
            let (label, value, hint) = field(f, form)
            let focused = form.field == f
            screen.write(TextWidth.pad(label, to: 14), x: inner.x, y: y, style: theme.style(focused ? .title : .dim).with(focused ? .bold : []), clip: inner)
            let fr = Rect(x: inner.x + 14, y: y, width: inner.width - 14, height: 1)
            screen.fill(fr, style: theme.style(focused ? .inputFocused : .input))
            if value.isEmpty, !hint.isEmpty {
                screen.write(hint, x: fr.x + 1, y: y, style: theme.style(.dim), clip: fr)
            } else {
                let caret = focused && f != .driver && f != .use && f != .bootstrap ? "▏" : ""
                let shown = f == .driver ? "◂ \(value) ▸" : Format.clean(value) + caret
                screen.write(shown, x: fr.x + 1, y: y, style: theme.style(focused ? .inputFocused : .input), clip: fr)
            }
            y += 1
        }
        y += 1
        for line in previewLines where y < inner.maxY {
            screen.write(line, x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            y += 1
        }
    }

    /// Splits text at spaces into lines of at most `width` columns (a longer word is cut).
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ").map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if TextWidth.width(candidate) <= width {
                line = candidate
            } else {
                if !line.isEmpty { lines.append(line) }
                line = TextWidth.width(word) > width ? TextWidth.truncate(word, to: width) : word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
