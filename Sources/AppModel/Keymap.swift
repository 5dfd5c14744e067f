import TerminalKit

/// What a key does.
public enum Action: Sendable, Equatable {
    case quit, help, palette, newBuild, open, back, rerun, cancel, zoom, layout
    case nextPanel, prevPanel, panel(Int), moreTail, lessTail
    case up, down, top, bottom, pageUp, pageDown, switchFocus
    case follow, wrap, timestamps, search, nextMatch, prevMatch, save
    case suspend
    case builders, useBuilder, useDefault, useGlobal, createBuilder, removeBuilder, bootstrapBuilder, stopBuilder
    case inspectBuilder, toggleAlias, refresh
}

/// A key binding: keys, the action, the text for the footer and help, and when it applies.
public struct Binding: Sendable {
    /// Keys that trigger it.
    public var keys: [Key]
    /// Keys as shown (`j/k`).
    public var label: String
    /// The action.
    public var action: Action
    /// Help text.
    public var help: String
    /// Shown in the footer (otherwise only in help).
    public var footer: Bool

    init(_ keys: [Key], _ label: String, _ action: Action, _ help: String, footer: Bool = true) {
        self.keys = keys
        self.label = label
        self.action = action
        self.help = help
        self.footer = footer
    }
}

/// Where keys are read.
public enum KeyContext: String, Sendable, CaseIterable {
    case dashboard, logs, builders
}

/// The keymaps, as data: the reducer looks keys up here, and the footer and help screen are
/// generated from the same tables (showing only keys that work right now).
public enum Keymap {
    /// Global bindings (every view).
    public static let global: [Binding] = [
        Binding([.char("?"), .function(1)], "?", .help, "help"),
        Binding([.char(":")], ":", .palette, "command palette (:build, :builders, :theme NAME, :quit)"),
        Binding([.ctrl("z")], "^Z", .suspend, "suspend to the shell", footer: false),
    ]

    /// Dashboard bindings.
    public static let dashboard: [Binding] = [
        Binding([.char("n")], "n", .newBuild, "new build"),
        Binding([.enter], "⏎", .open, "steps and logs of the build"),
        Binding([.char("b")], "b", .builders, "builders"),
        Binding([.tab, .char("l"), .right, .char("j"), .down], "tab", .nextPanel, "next panel"),
        Binding([.backTab, .char("h"), .left, .char("k"), .up], "S-tab", .prevPanel, "previous panel", footer: false),
        Binding((1...9).map { .char(Character(String($0))) }, "1-9", .panel(0), "panel by number", footer: false),
        Binding([.char("z")], "z", .zoom, "zoom the build (full screen)"),
        Binding([.char("L")], "L", .layout, "grid / stacked layout", footer: false),
        Binding([.char("r")], "r", .rerun, "rerun the build"),
        Binding([.char("x")], "x", .cancel, "cancel the build"),
        Binding([.char("+")], "+/-", .moreTail, "more / fewer log lines per step", footer: false),
        Binding([.char("-")], "-", .lessTail, "fewer log lines", footer: false),
        Binding([.char("q"), .ctrl("c")], "q", .quit, "quit"),
    ]

    /// Step-and-log view bindings.
    public static let logs: [Binding] = [
        Binding([.escape, .char("q")], "esc", .back, "back to the dashboard"),
        Binding([.tab, .backTab], "tab", .switchFocus, "steps ⇄ log"),
        Binding([.char("j"), .down], "j/k", .down, "next step / scroll down"),
        Binding([.char("k"), .up], "k", .up, "previous step / scroll up", footer: false),
        Binding([.char("g"), .home], "g/G", .top, "top / bottom"),
        Binding([.char("G"), .end], "G", .bottom, "bottom", footer: false),
        Binding([.pageUp, .ctrl("b")], "PgUp/PgDn", .pageUp, "page up / down", footer: false),
        Binding([.pageDown, .ctrl("f"), .char(" ")], "PgDn", .pageDown, "page down", footer: false),
        Binding([.char("f")], "f", .follow, "follow (auto-scroll)"),
        Binding([.char("w")], "w", .wrap, "wrap lines"),
        Binding([.char("t")], "t", .timestamps, "timestamps"),
        Binding([.char("/")], "/", .search, "search"),
        Binding([.char("n")], "n/N", .nextMatch, "next / previous match"),
        Binding([.char("N")], "N", .prevMatch, "previous match", footer: false),
        Binding([.char("s")], "s", .save, "save the log to a file"),
        Binding([.char("x")], "x", .cancel, "cancel the build", footer: false),
        Binding([.char("r")], "r", .rerun, "rerun the build", footer: false),
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// Builders menu bindings.
    public static let builders: [Binding] = [
        Binding([.char("j"), .down], "j/k", .down, "move"),
        Binding([.char("k"), .up], "k", .up, "previous builder", footer: false),
        Binding([.enter], "⏎", .useBuilder, "use"),
        Binding([.char("D")], "D", .useDefault, "use --default"),
        Binding([.char("G")], "G", .useGlobal, "use --global", footer: false),
        Binding([.char("c")], "c", .createBuilder, "create"),
        Binding([.char("d"), .delete], "d", .removeBuilder, "remove"),
        Binding([.char("B")], "B", .bootstrapBuilder, "bootstrap", footer: false),
        Binding([.char("s")], "s", .stopBuilder, "stop", footer: false),
        Binding([.char("i")], "i", .inspectBuilder, "inspect"),
        Binding([.char("a")], "a", .toggleAlias, "docker build → buildx alias", footer: false),
        Binding([.char("r")], "r", .refresh, "refresh", footer: false),
        Binding([.escape, .char("q")], "esc", .back, "back"),
        Binding([.ctrl("c")], "^C", .quit, "quit", footer: false),
    ]

    /// Bindings of a context.
    public static func bindings(_ context: KeyContext) -> [Binding] {
        switch context {
        case .dashboard: dashboard + global
        case .logs: logs + global
        case .builders: builders + global
        }
    }

    /// The action for a key in a context.
    public static func action(for key: Key, in context: KeyContext) -> Action? {
        for b in bindings(context) where b.keys.contains(key) {
            if case .panel = b.action, case .char(let c) = key, let n = Int(String(c)) { return .panel(n - 1) }
            return b.action
        }
        return nil
    }

    /// Footer hints for the current state: only keys that work now.
    public static func hints(for state: AppState) -> [KeyHint] {
        if state.confirm != nil { return [KeyHint(keys: "y", label: "yes"), KeyHint(keys: "n/esc", label: "no")] }
        if state.palette != nil { return [KeyHint(keys: "⏎", label: "run"), KeyHint(keys: "esc", label: "close")] }
        if state.showHelp { return [KeyHint(keys: "?/esc", label: "close help")] }
        switch state.mode {
        case .form:
            return [
                KeyHint(keys: "tab/↓", label: "next field"), KeyHint(keys: "←/→", label: "target"),
                KeyHint(keys: "space", label: "toggle"), KeyHint(keys: "^L", label: "launch"), KeyHint(keys: "esc", label: "close"),
            ]
        case .logs(let lv):
            if lv.searching { return [KeyHint(keys: "⏎", label: "find"), KeyHint(keys: "esc", label: "cancel search")] }
            return filtered(logs + global, state: state).filter(\.footer).map { KeyHint(keys: $0.label, label: $0.help) }
        case .dashboard:
            return filtered(dashboard + global, state: state).filter(\.footer).map { KeyHint(keys: $0.label, label: $0.help) }
        case .builders(let menu):
            if menu.create != nil {
                return [
                    KeyHint(keys: "tab/↓", label: "next field"), KeyHint(keys: "←/→", label: "driver"),
                    KeyHint(keys: "space", label: "toggle"), KeyHint(keys: "⏎", label: "create"), KeyHint(keys: "esc", label: "close"),
                ]
            }
            return filtered(builders + global, state: state).filter(\.footer).map { KeyHint(keys: $0.label, label: $0.help) }
        }
    }

    /// Help sections for the current view.
    public static func helpSections(for state: AppState) -> [(String, [KeyHint])] {
        let view: (String, [Binding])
        switch state.mode {
        case .logs: view = ("Steps and log", logs)
        case .form: return [("New build", hints(for: state)), ("Everywhere", global.map { KeyHint(keys: $0.label, label: $0.help) })]
        case .dashboard: view = ("Dashboard", dashboard)
        case .builders: view = ("Builders", builders)
        }
        return [
            (view.0, filtered(view.1, state: state).map { KeyHint(keys: $0.label, label: $0.help) }),
            ("Everywhere", global.map { KeyHint(keys: $0.label, label: $0.help) }),
        ]
    }

    /// Leaves out bindings that do nothing in this state (rerun while running, cancel when done…).
    static func filtered(_ bs: [Binding], state: AppState) -> [Binding] {
        let build: BuildEntry?
        if case .logs(let lv) = state.mode { build = state.build(lv.buildID) } else { build = state.focused }
        return bs.filter { b in
            switch b.action {
            case .rerun: build.map { !$0.isRunning } ?? false
            case .cancel: build.map { $0.isRunning && !$0.cancelRequested } ?? false
            case .open, .zoom, .nextPanel, .prevPanel, .panel, .moreTail, .lessTail, .layout: build != nil
            case .nextMatch, .prevMatch:
                if case .logs(let lv) = state.mode { !lv.search.isEmpty } else { false }
            case .createBuilder, .removeBuilder, .bootstrapBuilder, .stopBuilder:
                state.builderList?.buildxVersion != nil
            default: true
            }
        }
    }
}
