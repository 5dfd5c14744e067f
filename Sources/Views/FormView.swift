import AppModel
import BuildModel
import TerminalKit

/// The new-build form: context (with completions), Dockerfile, target (from the Dockerfile's
/// stages), tags, platforms, network, no-cache, pull, builder, and a build-arg table whose
/// secret-looking values are masked.
public enum FormView {
    /// Label of a field.
    public static func label(_ f: FormState.Field) -> String {
        switch f {
        case .context: "Context"
        case .dockerfile: "Dockerfile"
        case .target: "Target"
        case .tags: "Tags"
        case .platforms: "Platforms"
        case .network: "Network"
        case .noCache: "No cache"
        case .pull: "Pull"
        case .builder: "Builder"
        case .args: "Build args"
        case .launch: "Launch"
        }
    }

    /// The value text of a field.
    public static func value(_ form: FormState, _ f: FormState.Field) -> String {
        switch f {
        case .context: form.context
        case .dockerfile: form.dockerfile.isEmpty ? "" : form.dockerfile
        case .target: form.target
        case .tags: form.tags
        case .platforms: form.platforms
        case .network: form.network
        case .noCache: form.noCache ? "[x]" : "[ ]"
        case .pull: form.pull ? "[x]" : "[ ]"
        case .builder: form.builder
        case .args, .launch: ""
        }
    }

    static func placeholder(_ form: FormState, _ f: FormState.Field, builders: [String] = []) -> String {
        switch f {
        case .dockerfile: "Dockerfile in the context"
        case .target: form.stages.isEmpty ? "last stage" : "last stage · ←/→: " + form.stages.joined(separator: ", ")
        case .tags: "name:tag, comma separated"
        case .platforms: "engine default (linux/amd64 …)"
        case .network: "default · none · host"
        case .builder:
            builders.isEmpty ? "current builder" : "current builder · ←/→: " + builders.joined(separator: ", ")
        default: ""
        }
    }

    /// Draws the form.
    public static func draw(_ state: AppState, _ form: FormState, into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let box = rect.inset(top: 0, left: 1, bottom: 0, right: 1)
        screen.box(box, style: theme.style(.borderFocused), title: "new build")
        let inner = box.inset(1).inset(left: 1, right: 1)
        guard !inner.isEmpty else { return }
        var y = inner.y
        let labelWidth = 12
        for f in FormState.Field.allCases where f != .args && f != .launch {
            guard y < inner.maxY else { return }
            let focused = form.field == f
            screen.write(TextWidth.pad(label(f), to: labelWidth), x: inner.x, y: y, style: theme.style(focused ? .title : .dim).with(focused ? .bold : []), clip: inner)
            let fieldRect = Rect(x: inner.x + labelWidth, y: y, width: inner.width - labelWidth, height: 1)
            screen.fill(fieldRect, style: theme.style(focused ? .inputFocused : .input))
            let v = Format.clean(value(form, f))
            let cursor = focused && f != .noCache && f != .pull ? "▏" : ""
            var x = fieldRect.x + 1
            if v.isEmpty {
                // A focused empty field shows its cursor, then what an empty value means.
                x += screen.write(cursor, x: x, y: y, style: theme.style(.inputFocused), clip: fieldRect)
                let names = state.builderList?.builders.map { Format.clean($0.name) } ?? []
                screen.write(placeholder(form, f, builders: names), x: x, y: y, style: theme.style(.dim), clip: fieldRect)
            } else {
                screen.write(v + cursor, x: x, y: y, style: theme.style(focused ? .inputFocused : .input), clip: fieldRect)
            }
            y += 1
            if f == .context, let problem = form.contextProblem, y < inner.maxY {
                screen.write("  ✖ " + Format.clean(problem), x: inner.x + labelWidth, y: y, style: theme.style(.error), clip: inner)
                y += 1
            }
            if f == .context, focused, !form.completions.isEmpty {
                let shown = form.completions.prefix(4).map { Format.clean($0) }.joined(separator: "  ")
                screen.write("  " + shown, x: inner.x + labelWidth, y: y, style: theme.style(.dim), clip: inner)
                y += 1
            }
        }
        y += 1
        guard y < inner.maxY else { return }
        let argsFocused = form.field == .args
        screen.write("Build args", x: inner.x, y: y, style: theme.style(argsFocused ? .title : .dim).with(.bold), clip: inner)
        let argKeys = Keymap.inlineHint([.addArgRow, .deleteArgRow, .toggleArgColumn], in: .form)
        screen.write("  " + argKeys, x: inner.x + 10, y: y, style: theme.style(.dim), clip: inner)
        y += 1
        let nameWidth = min(28, max(12, inner.width / 3))
        if form.args.isEmpty, y < inner.maxY {
            let add = Keymap.inlineHint([.addArgRow], in: .form)
            screen.write("  (none: ARG lines of the Dockerfile appear here; \(add))", x: inner.x, y: y, style: theme.style(.dim), clip: inner)
            y += 1
        }
        for (i, row) in form.args.enumerated() {
            guard y < inner.maxY - 2 else { break }
            let sel = argsFocused && i == form.argRow
            let nameStyle = theme.style(sel && !form.argValue ? .inputFocused : .input)
            let valueStyle = theme.style(sel && form.argValue ? .inputFocused : .input)
            screen.fill(Rect(x: inner.x + 2, y: y, width: nameWidth, height: 1), style: nameStyle)
            screen.write(Format.clean(row.name) + (sel && !form.argValue ? "▏" : ""), x: inner.x + 3, y: y, style: nameStyle, clip: Rect(x: inner.x + 2, y: y, width: nameWidth, height: 1))
            let vr = Rect(x: inner.x + 3 + nameWidth, y: y, width: inner.maxX - inner.x - 3 - nameWidth, height: 1)
            screen.fill(vr, style: valueStyle)
            var shown = row.isSecret && !row.value.isEmpty ? String(repeating: "•", count: min(12, row.value.count)) : Format.clean(row.value)
            if sel && form.argValue { shown += "▏" }
            if row.value.isEmpty, !(sel && form.argValue), let d = row.defaultValue {
                // A default that looks secret is masked like a typed value.
                let shownDefault = row.isSecret && !d.isEmpty ? String(repeating: "•", count: min(12, d.count)) : Format.clean(d)
                screen.write("default: " + shownDefault, x: vr.x + 1, y: y, style: theme.style(row.isSecret ? .masked : .dim), clip: vr)
            } else {
                screen.write(shown, x: vr.x + 1, y: y, style: row.isSecret ? theme.style(.masked) : valueStyle, clip: vr)
            }
            y += 1
        }
        y = max(y + 1, inner.maxY - 2)
        guard y < inner.maxY else { return }
        let launchFocused = form.field == .launch
        screen.write("[ Launch ]", x: inner.x, y: y, style: theme.style(launchFocused ? .selection : .title).with(.bold), clip: inner)
        screen.write("  " + Keymap.inlineHint([.launch, .dismiss], in: .form), x: inner.x + 10, y: y, style: theme.style(.dim), clip: inner)
        if let e = form.error, y + 1 < inner.maxY {
            screen.write(Format.clean(e), x: inner.x, y: y + 1, style: theme.style(.error), clip: inner)
        }
    }
}
