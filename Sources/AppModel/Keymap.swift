import TerminalKit

/// What a key does.
public enum Action: Sendable, Equatable {
    case quit, help, closeHelp, palette, newBuild, open, back, rerun, cancel, zoom, layout
    case nextPanel, prevPanel, panel(Int), moreTail, lessTail
    case up, down, top, bottom, pageUp, pageDown, switchFocus
    case follow, wrap, timestamps, search, nextMatch, prevMatch, save
    case suspend
    case builders, useBuilder, useDefault, useGlobal, createBuilder, removeBuilder, bootstrapBuilder, stopBuilder
    case inspectBuilder, toggleAlias, refresh
    /// History and timeline.
    case history, timeline, compare, filter, glyphs, pin, removeStored
    /// Text entry (form fields, search, palette, save prompt).
    case deleteChar, clearField, submit, dismiss
    /// Forms.
    case nextField, prevField, complete, toggleArgColumn, launch, addArgRow, insertArgRow, deleteArgRow
    case choosePrevious, chooseNext, toggle
    /// Questions.
    case yes, no
}

/// A key binding: keys, the action, the text for the footer and help, and when it applies.
public struct Binding: Sendable {
    /// Keys that trigger it.
    public var keys: [Key]
    /// Keys as the footer shows them (`j/k`).
    public var label: String
    /// The action.
    public var action: Action
    /// Help text.
    public var help: String
    /// Shown in the footer (every binding is in the help).
    public var footer: Bool
    /// The footer's shorter text (the help's otherwise).
    public var short: String?
    /// Whether it does something in this state. A key bound twice goes to the first binding that
    /// applies (Tab completes in the context field and moves on elsewhere).
    public var applies: @Sendable (AppState) -> Bool

    init(
        _ keys: [Key], _ label: String, _ action: Action, _ help: String, footer: Bool = true, short: String? = nil,
        when applies: @escaping @Sendable (AppState) -> Bool = { _ in true }
    ) {
        self.keys = keys
        self.label = label
        self.action = action
        self.help = help
        self.footer = footer
        self.short = short
        self.applies = applies
    }

    /// The keys as the help lists them (`j ↓`).
    public var keyNames: String { keys.count > 6 ? label : keys.map(Keymap.name).joined(separator: " ") }
}

/// Where keys are read.
public enum KeyContext: String, Sendable, CaseIterable {
    case dashboard, logs, search, savePrompt, form, builders, createBuilder, palette, confirm, help
    case history, historyFilter, timeline, text
}

/// The keymaps, as data: the reducer looks keys up here, and the footer and the help overlay are
/// generated from the same tables. The footer shows what works now; the help lists every binding
/// of the current context, dimming the ones that do not apply now.
public enum Keymap {
    // MARK: - Conditions

    static func focusedBuild(_ s: AppState) -> BuildEntry? {
        if case .logs(let lv) = s.mode { return s.build(lv.buildID) }
        return s.focused
    }

    static func form(_ s: AppState) -> FormState? {
        if case .form(let f) = s.mode { return f }
        return nil
    }

    static func field(_ s: AppState) -> FormState.Field? { form(s)?.field }

    static func createForm(_ s: AppState) -> CreateBuilderForm? {
        if case .builders(let m) = s.mode { return m.create }
        return nil
    }

    static func hasBuild(_ s: AppState) -> Bool { focusedBuild(s) != nil }
    static func canRerun(_ s: AppState) -> Bool {
        focusedBuild(s).map { !$0.isRunning && !$0.request.contextPath.isEmpty } ?? false
    }
    static func canCancel(_ s: AppState) -> Bool { focusedBuild(s).map { $0.isRunning && !$0.cancelRequested } ?? false }
    static func hasSearch(_ s: AppState) -> Bool {
        if case .logs(let lv) = s.mode { return !lv.search.isEmpty }
        return false
    }
    /// Builders are listed (or not found yet: the reducer then says it is still looking).
    static func hasBuilders(_ s: AppState) -> Bool { s.builderList.map { !$0.builders.isEmpty } ?? true }

    // MARK: - Tables

    static let help = Binding([.char("?"), .function(1)], "?", .help, "help: every key of this view", short: "help")
    static let palette = Binding([.char(":")], ":", .palette, "command palette (:build, :builders, :history, :theme NAME, :layout, :quit)", short: "commands")
    static let suspend = Binding([.ctrl("z")], "^Z", .suspend, "suspend to the shell", footer: false)

    /// Dashboard bindings.
    public static let dashboard: [Binding] = [
        Binding([.char("n")], "n", .newBuild, "new build"),
        Binding([.enter], "⏎", .open, "steps and logs of the build", short: "logs", when: hasBuild),
        Binding([.char("b")], "b", .builders, "builders"),
        Binding([.char("H")], "H", .history, "history: the builds buildtop ran", short: "history"),
        Binding([.char("t")], "t", .timeline, "timeline of the build", footer: false, when: hasBuild),
        Binding([.tab, .char("l"), .right, .char("j"), .down], "tab", .nextPanel, "next panel", when: hasBuild),
        Binding([.backTab, .char("h"), .left, .char("k"), .up], "S-tab", .prevPanel, "previous panel", footer: false, when: hasBuild),
        Binding((1...9).map { .char(Character(String($0))) }, "1-9", .panel(0), "panel by number", footer: false, when: hasBuild),
        Binding([.char("z")], "z", .zoom, "zoom the build (full screen)", short: "zoom", when: hasBuild),
        Binding([.char("L")], "L", .layout, "grid / stacked layout", footer: false, when: hasBuild),
        Binding([.char("r")], "r", .rerun, "rerun the build", when: canRerun),
        Binding([.char("x")], "x", .cancel, "cancel the build", when: canCancel),
        Binding([.char("+")], "+", .moreTail, "more log lines per running step", footer: false, when: hasBuild),
        Binding([.char("-")], "-", .lessTail, "fewer log lines per running step", footer: false, when: hasBuild),
        help, palette, suspend,
        Binding([.char("q"), .ctrl("c")], "q", .quit, "quit"),
    ]

    /// Step-and-log view bindings.
    public static let logs: [Binding] = [
        Binding([.escape, .char("q")], "esc", .back, "back to the dashboard"),
        Binding([.tab, .backTab], "tab", .switchFocus, "steps ⇄ log"),
        Binding([.char("j"), .down], "j/k", .down, "next step / scroll down"),
        Binding([.char("k"), .up], "k", .up, "previous step / scroll up", footer: false),
        Binding([.char("g"), .home], "g/G", .top, "first step / top of the log"),
        Binding([.char("G"), .end], "G", .bottom, "last step / bottom of the log", footer: false),
        Binding([.pageUp, .ctrl("b")], "PgUp", .pageUp, "page up", footer: false),
        Binding([.pageDown, .ctrl("f"), .char(" ")], "PgDn", .pageDown, "page down", footer: false),
        Binding([.char("f")], "f", .follow, "follow (auto-scroll)"),
        Binding([.char("w")], "w", .wrap, "wrap lines"),
        Binding([.char("t")], "t", .timestamps, "timestamps"),
        Binding([.char("/")], "/", .search, "search"),
        Binding([.char("n")], "n/N", .nextMatch, "next match", when: hasSearch),
        Binding([.char("N")], "N", .prevMatch, "previous match", footer: false, when: hasSearch),
        Binding([.char("s")], "s", .save, "save the step's log to a file (asks where)"),
        Binding([.char("T")], "T", .timeline, "timeline of the build", footer: false),
        Binding([.char("x")], "x", .cancel, "cancel the build", footer: false, when: canCancel),
        Binding([.char("r")], "r", .rerun, "rerun the build", footer: false, when: canRerun),
        help, palette, suspend,
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// Typing a search in the log view.
    public static let search: [Binding] = [
        Binding([.enter], "⏎", .submit, "find"),
        Binding([.backspace], "⌫", .deleteChar, "delete a character", footer: false),
        Binding([.ctrl("u")], "^U", .clearField, "clear", footer: false),
        Binding([.escape], "esc", .dismiss, "cancel the search"),
    ]

    /// Typing the path of a saved log.
    public static let savePrompt: [Binding] = [
        Binding([.enter], "⏎", .submit, "save here"),
        Binding([.backspace], "⌫", .deleteChar, "delete a character", footer: false),
        Binding([.ctrl("u")], "^U", .clearField, "clear", footer: false),
        Binding([.escape], "esc", .dismiss, "do not save"),
    ]

    static func isTextField(_ f: FormState.Field?) -> Bool {
        guard let f else { return false }
        return [.context, .dockerfile, .tags, .platforms, .network].contains(f)
    }

    /// The new-build form. Characters type into the focused field.
    public static let form: [Binding] = [
        Binding([.tab], "tab", .complete, "complete the folder name", short: "complete", when: { field($0) == .context }),
        Binding([.tab], "tab", .toggleArgColumn, "build arg: name ⇄ value", short: "name⇄value", when: {
            field($0) == .args && !(form($0)?.args.isEmpty ?? true)
        }),
        Binding([.tab], "tab", .nextField, "next field", when: { field($0) != .context && !(field($0) == .args && !(form($0)?.args.isEmpty ?? true)) }),
        Binding([.down], "↓", .nextField, "next field (next row in the build args)", footer: false),
        Binding([.backTab, .up], "↑", .prevField, "previous field (previous row in the build args)", footer: false),
        Binding([.left], "←/→", .choosePrevious, "choose: target, builder; toggle a box; build arg: name", short: "choose", when: {
            [.target, .builder, .noCache, .pull, .args].contains(field($0))
        }),
        Binding([.right], "→", .chooseNext, "choose: target, builder; toggle a box; build arg: value", footer: false, when: {
            [.target, .builder, .noCache, .pull, .args].contains(field($0))
        }),
        Binding([.char(" ")], "space", .toggle, "toggle no-cache / pull", short: "toggle", when: { field($0) == .noCache || field($0) == .pull }),
        Binding([.ctrl("l")], "^L", .launch, "launch from any field", short: "launch"),
        Binding([.enter], "⏎", .launch, "launch", footer: false, when: { field($0) == .launch }),
        Binding([.enter], "⏎", .toggle, "toggle", footer: false, when: { field($0) == .noCache || field($0) == .pull }),
        Binding([.enter], "⏎", .insertArgRow, "new build-arg row below", footer: false, when: { field($0) == .args }),
        Binding([.enter], "⏎", .nextField, "next field", footer: false),
        Binding([.ctrl("n")], "^N", .addArgRow, "add a build-arg row", short: "add arg"),
        Binding([.ctrl("d")], "^D", .deleteArgRow, "delete the build-arg row", footer: false, when: {
            field($0) == .args && !(form($0)?.args.isEmpty ?? true)
        }),
        Binding([.backspace], "⌫", .deleteChar, "delete a character", footer: false, when: { isTextField(field($0)) || field($0) == .args }),
        Binding([.ctrl("u")], "^U", .clearField, "clear the field", footer: false, when: { isTextField(field($0)) || field($0) == .args }),
        Binding([.escape], "esc", .dismiss, "close the form", short: "close"),
        Binding([.function(1)], "F1", .help, "help: every key of this view", short: "help"),
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// Builders menu bindings.
    public static let builders: [Binding] = [
        Binding([.char("j"), .down], "j/k", .down, "next builder"),
        Binding([.char("k"), .up], "k", .up, "previous builder", footer: false),
        Binding([.enter], "⏎", .useBuilder, "use (docker buildx use)", when: hasBuilders),
        Binding([.char("D")], "D", .useDefault, "use --default", when: hasBuilders),
        Binding([.char("G")], "G", .useGlobal, "use --global", footer: false, when: hasBuilders),
        Binding([.char("c")], "c", .createBuilder, "create (needs buildx)"),
        Binding([.char("d"), .delete], "d", .removeBuilder, "remove (needs buildx)", when: hasBuilders),
        Binding([.char("B")], "B", .bootstrapBuilder, "bootstrap (needs buildx)", footer: false, when: hasBuilders),
        Binding([.char("s")], "s", .stopBuilder, "stop (needs buildx)", footer: false, when: hasBuilders),
        Binding([.char("i")], "i", .inspectBuilder, "inspect", when: hasBuilders),
        Binding([.char("a")], "a", .toggleAlias, "docker build → buildx alias", footer: false),
        Binding([.char("r")], "r", .refresh, "refresh", footer: false),
        Binding([.escape, .char("q")], "esc", .back, "back"),
        help, palette, suspend,
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    static func createField(_ s: AppState) -> CreateBuilderForm.Field? { createForm(s)?.field }

    /// The create-builder form. Characters type into the focused field.
    public static let createBuilder: [Binding] = [
        Binding([.tab, .down], "tab/↓", .nextField, "next field", short: "next"),
        Binding([.backTab, .up], "↑", .prevField, "previous field", footer: false),
        Binding([.left], "←/→", .choosePrevious, "choose the driver; toggle a box", short: "driver", when: {
            [.driver, .use, .bootstrap].contains(createField($0))
        }),
        Binding([.right], "→", .chooseNext, "next driver; toggle a box", footer: false, when: {
            [.driver, .use, .bootstrap].contains(createField($0))
        }),
        Binding([.char(" ")], "space", .toggle, "toggle --use / --bootstrap", short: "toggle", when: {
            createField($0) == .use || createField($0) == .bootstrap
        }),
        Binding([.backspace], "⌫", .deleteChar, "delete a character", footer: false),
        Binding([.ctrl("u")], "^U", .clearField, "clear the field", footer: false),
        Binding([.enter, .ctrl("l")], "⏎", .launch, "create (docker buildx create)", short: "create"),
        Binding([.escape], "esc", .dismiss, "close the form", short: "close"),
        Binding([.function(1)], "F1", .help, "help: every key of this view", short: "help"),
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    static func historyRow(_ s: AppState) -> HistoryRow? {
        if case .history(let h) = s.mode { return h.current }
        return nil
    }

    static func hasRow(_ s: AppState) -> Bool { historyRow(s) != nil }

    /// The history view.
    public static let historyKeys: [Binding] = [
        Binding([.char("j"), .down], "j/k", .down, "next build"),
        Binding([.char("k"), .up], "k", .up, "previous build", footer: false),
        Binding([.char("g"), .home], "g/G", .top, "newest / oldest", footer: false),
        Binding([.char("G"), .end], "G", .bottom, "oldest", footer: false),
        Binding([.pageDown, .ctrl("f"), .char(" ")], "PgDn", .pageDown, "page down", footer: false),
        Binding([.pageUp, .ctrl("b")], "PgUp", .pageUp, "page up", footer: false),
        Binding([.enter], "⏎", .open, "open the build in a panel (as if live)", short: "open", when: hasRow),
        Binding([.char("t")], "t", .timeline, "open the build and show its timeline", short: "timeline", when: hasRow),
        Binding([.char("c")], "c", .compare, "compare with the build of its context before it (why the cache missed)", short: "compare", when: hasRow),
        Binding([.char("r")], "r", .rerun, "run the build's request again", short: "rerun", when: hasRow),
        Binding([.char("/")], "/", .filter, "filter by text (name, context, status, builder)", short: "filter"),
        Binding([.char("p")], "p", .pin, "pin / unpin (retention keeps pinned builds)", footer: false, when: hasRow),
        Binding([.char("d"), .delete], "d", .removeStored, "delete from the history (asks first)", footer: false, when: hasRow),
        Binding([.char("R")], "R", .refresh, "read the history again", footer: false),
        Binding([.escape, .char("q")], "esc", .back, "back"),
        help, palette, suspend,
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// Typing the history filter.
    public static let historyFilter: [Binding] = [
        Binding([.enter, .down], "⏎", .submit, "keep the filter"),
        Binding([.backspace], "⌫", .deleteChar, "delete a character", footer: false),
        Binding([.ctrl("u")], "^U", .clearField, "clear", footer: false),
        Binding([.escape], "esc", .dismiss, "clear the filter"),
    ]

    /// The timeline view.
    public static let timelineKeys: [Binding] = [
        Binding([.char("j"), .down], "j/k", .down, "scroll"),
        Binding([.char("k"), .up], "k", .up, "scroll back", footer: false),
        Binding([.pageDown, .char(" ")], "PgDn", .pageDown, "page down", footer: false),
        Binding([.pageUp], "PgUp", .pageUp, "page up", footer: false),
        Binding([.char("a")], "a", .glyphs, "blocks ⇄ ASCII", short: "ascii"),
        Binding([.char("c")], "c", .compare, "compare with the build of its context before it (stored builds)", short: "compare", when: {
            if case .timeline(let t) = $0.mode { return $0.build(t.buildID)?.storedRef != nil }
            return false
        }),
        Binding([.enter], "⏎", .open, "steps and logs of the build", short: "logs"),
        Binding([.escape, .char("q")], "esc", .back, "back"),
        help, palette, suspend,
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// The text view (a comparison).
    public static let textKeys: [Binding] = [
        Binding([.char("j"), .down], "j/k", .down, "scroll"),
        Binding([.char("k"), .up], "k", .up, "scroll back", footer: false),
        Binding([.pageDown, .char(" ")], "PgDn", .pageDown, "page down", footer: false),
        Binding([.pageUp], "PgUp", .pageUp, "page up", footer: false),
        Binding([.escape, .char("q")], "esc", .back, "back"),
        help, palette, suspend,
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// The command palette.
    public static let paletteKeys: [Binding] = [
        Binding([.enter], "⏎", .submit, "run"),
        Binding([.backspace], "⌫", .deleteChar, "delete a character", footer: false),
        Binding([.ctrl("u")], "^U", .clearField, "clear", footer: false),
        Binding([.escape], "esc", .dismiss, "close"),
    ]

    /// A yes/no question.
    public static let confirm: [Binding] = [
        Binding([.char("y"), .char("Y")], "y", .yes, "yes"),
        Binding([.char("n"), .char("N"), .escape, .char("q")], "n/esc", .no, "no"),
    ]

    /// The help overlay.
    public static let helpKeys: [Binding] = [
        Binding([.escape, .char("?"), .char("q"), .function(1)], "?/esc", .closeHelp, "close help"),
        Binding([.down, .char("j")], "↓/↑", .down, "scroll", when: { HelpLayout.maxScroll($0) > 0 }),
        Binding([.up, .char("k")], "↑", .up, "scroll back", footer: false, when: { HelpLayout.maxScroll($0) > 0 }),
        Binding([.pageDown, .char(" ")], "PgDn", .pageDown, "page down", footer: false, when: { HelpLayout.maxScroll($0) > 0 }),
        Binding([.pageUp], "PgUp", .pageUp, "page up", footer: false, when: { HelpLayout.maxScroll($0) > 0 }),
    ]

    // MARK: - Lookup

    /// Where keys go in this state.
    public static func context(for s: AppState) -> KeyContext {
        if s.confirm != nil { return .confirm }
        if s.palette != nil { return .palette }
        if s.showHelp { return .help }
        switch s.mode {
        case .dashboard: return .dashboard
        case .form: return .form
        case .logs(let lv): return lv.searching ? .search : lv.savePath != nil ? .savePrompt : .logs
        case .builders(let m): return m.create != nil ? .createBuilder : .builders
        case .history(let h): return h.filtering ? .historyFilter : .history
        case .timeline: return .timeline
        case .text: return .text
        }
    }

    /// Bindings of a context.
    public static func bindings(_ context: KeyContext) -> [Binding] {
        switch context {
        case .dashboard: dashboard
        case .logs: logs
        case .search: search
        case .savePrompt: savePrompt
        case .form: form
        case .builders: builders
        case .createBuilder: createBuilder
        case .palette: paletteKeys
        case .confirm: confirm
        case .help: helpKeys
        case .history: historyKeys
        case .historyFilter: historyFilter
        case .timeline: timelineKeys
        case .text: textKeys
        }
    }

    /// Contexts where characters without a binding are typed into a field.
    public static func takesText(_ context: KeyContext) -> Bool {
        [.search, .savePrompt, .form, .createBuilder, .palette, .historyFilter].contains(context)
    }

    /// The action of a key now: the first binding of the current context that has the key and
    /// applies.
    public static func action(for key: Key, state: AppState) -> Action? {
        for b in bindings(context(for: state)) where b.keys.contains(key) && b.applies(state) {
            if case .panel = b.action, case .char(let c) = key, let n = Int(String(c)) { return .panel(n - 1) }
            return b.action
        }
        return nil
    }

    /// Footer hints: the keys that work now.
    public static func hints(for state: AppState) -> [KeyHint] {
        bindings(context(for: state)).filter { $0.footer && $0.applies(state) }.map { KeyHint(keys: $0.label, label: $0.short ?? $0.help) }
    }

    /// The help overlay's sections: every binding of the current context (those that do not
    /// apply now are marked, to be shown dimmed), listed once each with its own keys.
    public static func helpSections(for state: AppState) -> [(String, [KeyHint])] {
        var s = state
        s.showHelp = false
        let ctx = context(for: s)
        let title: String =
            switch ctx {
            case .dashboard: "Dashboard"
            case .logs: "Steps and log"
            case .search: "Search"
            case .savePrompt: "Save the log"
            case .form: "New build (characters type into the field)"
            case .builders: "Builders"
            case .createBuilder: "Create a builder (characters type into the field)"
            case .palette: "Command palette"
            case .confirm: "Question"
            case .help: "Help"
            case .history: "History"
            case .historyFilter: "Filter the history"
            case .timeline: "Timeline"
            case .text: "Comparison"
            }
        var seen: [(String, String)] = []
        var rows: [KeyHint] = []
        for b in bindings(ctx) {
            let names = b.keyNames
            guard !seen.contains(where: { $0 == (names, b.help) }) else { continue }
            seen.append((names, b.help))
            rows.append(KeyHint(keys: names, label: b.help, enabled: b.applies(s)))
        }
        var sections = [(title, rows)]
        if ctx == .dashboard || ctx == .logs {
            sections.append(("Reading a panel", legend))
        }
        return sections
    }

    /// What the panel's words and figures mean (the help shows it below the keys).
    public static let legend: [KeyHint] = [
        KeyHint(keys: "2/3 cached", label: "steps served from the cache / steps that ran or were served; FROM, [internal] and export steps (dimmed) do not count"),
        KeyHint(keys: "SKIPPED", label: "BuildKit marked the step cached but never needed it (a later step was cached, or a failure stopped the build): not a cache hit"),
        KeyHint(keys: "CANCELED", label: "stopped by a cancel, or still open when the build ended"),
    ]

    /// `^N add a build-arg row · ^D delete the build-arg row`: the bindings of `actions` in
    /// `context`, for hints drawn inside a view (so they cannot drift from the keys).
    public static func inlineHint(_ actions: [Action], in context: KeyContext) -> String {
        var parts: [String] = []
        for a in actions {
            guard let b = bindings(context).first(where: { $0.action == a }) else { continue }
            parts.append(b.keys.map(name).joined(separator: "/") + " " + b.help)
        }
        return parts.joined(separator: " · ")
    }

    /// How a key is written in the help.
    public static func name(_ k: Key) -> String {
        switch k {
        case .char(" "): "space"
        case .char(let c): String(c)
        case .ctrl(let c): "^" + String(c).uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "home"
        case .end: "end"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .enter: "⏎"
        case .escape: "esc"
        case .tab: "tab"
        case .backTab: "S-tab"
        case .backspace: "⌫"
        case .delete: "del"
        case .insert: "ins"
        case .function(let n): "F\(n)"
        }
    }
}
