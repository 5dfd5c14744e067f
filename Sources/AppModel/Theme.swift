import TerminalKit

/// A part of the UI that a theme styles.
///
/// The raw value is the key used in theme files (`roles:` mapping); loaders also accept
/// `kebab-case` and `snake_case` spellings of it.
public enum ThemeRole: String, CaseIterable, Sendable {
    /// Ordinary text; also the fill of empty areas.
    case text
    /// De-emphasised text (hints, secondary columns).
    case dim
    /// Pane titles.
    case title
    /// Borders of unfocused panes.
    case border
    /// Border of the focused pane.
    case borderFocused
    /// The selected row in the focused pane.
    case selection
    /// The selected row in an unfocused pane.
    case selectionInactive
    /// Steps and builds that are running.
    case running
    /// Steps and builds that completed.
    case done
    /// Steps served from the cache.
    case cached
    /// Failed steps and builds, error messages.
    case error
    /// Warnings.
    case warning
    /// Canceled steps and builds.
    case canceled
    /// Steps that have not started.
    case pending
    /// Informational messages and notices.
    case info
    /// The filled part of a progress bar.
    case progressBar
    /// The empty part of a progress bar.
    case progressTrack
    /// Durations and timers.
    case duration
    /// Log lines written to stdout.
    case logStdout
    /// Log lines written to stderr.
    case logStderr
    /// Timestamps in front of log lines.
    case logTimestamp
    /// Search matches.
    case searchMatch
    /// The top bar.
    case header
    /// The key-hint bar at the bottom.
    case footer
    /// Key names inside the footer.
    case footerKey
    /// Status lines.
    case statusBar
    /// Text input fields.
    case input
    /// The text input field that has the cursor.
    case inputFocused
    /// Masked values (secrets).
    case masked

    /// The role whose style is used when a theme has no entry for this one.
    public var fallback: ThemeRole? {
        switch self {
        case .text: nil
        case .selectionInactive: .selection
        case .inputFocused: .input
        case .footerKey: .footer
        case .borderFocused: .border
        case .logTimestamp, .duration, .masked, .pending, .progressTrack: .dim
        default: .text
        }
    }
}

/// A mapping from UI roles to styles.
public struct Theme: Sendable, Equatable {
    /// Display name.
    public var name: String
    /// The style of each role; missing roles fall back along `ThemeRole.fallback`.
    public var styles: [ThemeRole: Style]

    /// Creates a theme.
    public init(name: String, styles: [ThemeRole: Style]) {
        self.name = name
        self.styles = styles
    }

    /// The style for a role: its own entry, else the nearest fallback's, else `Style.plain`.
    public func style(_ role: ThemeRole) -> Style {
        var current: ThemeRole? = role
        var hops = 0
        while let r = current, hops < 8 {
            if let s = styles[r] { return s }
            current = r.fallback
            hops += 1
        }
        return .plain
    }

    /// The terminal's own 16 colours, so the user's terminal palette (and base16-shell setups) decide
    /// the actual hues: running blue, done green, cached cyan, error red, warning and canceled yellow,
    /// default borders, a bold focused border, dim via the dim attribute, selection in reverse video.
    public static let `default` = Theme(name: "default", styles: [
        .text: Style(),
        .dim: Style(attributes: .dim),
        .title: Style(attributes: .bold),
        .border: Style(),
        .borderFocused: Style(attributes: .bold),
        .selection: Style(attributes: .reverse),
        .selectionInactive: Style(attributes: .underline),
        .running: Style(fg: .blue),
        .done: Style(fg: .green),
        .cached: Style(fg: .cyan),
        .error: Style(fg: .red, attributes: .bold),
        .warning: Style(fg: .yellow),
        .canceled: Style(fg: .yellow),
        .pending: Style(attributes: .dim),
        .info: Style(fg: .cyan),
        .progressBar: Style(fg: .blue),
        .progressTrack: Style(attributes: .dim),
        .duration: Style(attributes: .dim),
        .logStdout: Style(),
        .logStderr: Style(),
        .logTimestamp: Style(attributes: .dim),
        .searchMatch: Style(fg: .black, bg: .yellow),
        .header: Style(attributes: .bold),
        .footer: Style(),
        .footerKey: Style(fg: .cyan, attributes: .bold),
        .statusBar: Style(attributes: .reverse),
        .input: Style(attributes: .underline),
        .inputFocused: Style(attributes: [.underline, .bold]),
        .masked: Style(attributes: .dim),
    ])

    /// Attributes only (bold, dim, reverse, underline), no colours: for monochrome terminals.
    public static let mono = Theme(name: "mono", styles: [
        .text: Style(),
        .dim: Style(attributes: .dim),
        .title: Style(attributes: .bold),
        .border: Style(),
        .borderFocused: Style(attributes: .bold),
        .selection: Style(attributes: .reverse),
        .selectionInactive: Style(attributes: .underline),
        .running: Style(attributes: .bold),
        .done: Style(),
        .cached: Style(attributes: .dim),
        .error: Style(attributes: [.bold, .underline]),
        .warning: Style(attributes: .underline),
        .canceled: Style(attributes: .dim),
        .pending: Style(attributes: .dim),
        .info: Style(),
        .progressBar: Style(attributes: .reverse),
        .progressTrack: Style(attributes: .dim),
        .duration: Style(attributes: .dim),
        .logStdout: Style(),
        .logStderr: Style(),
        .logTimestamp: Style(attributes: .dim),
        .searchMatch: Style(attributes: [.reverse, .underline]),
        .header: Style(attributes: .bold),
        .footer: Style(),
        .footerKey: Style(attributes: .bold),
        .statusBar: Style(attributes: .reverse),
        .input: Style(attributes: .underline),
        .inputFocused: Style(attributes: [.underline, .bold]),
        .masked: Style(attributes: .dim),
    ])

    /// This theme without colours (for `NO_COLOR`): every role keeps its attributes and loses its
    /// foreground and background. A role that was told apart by colour alone (it had colours and no
    /// attributes) takes the attributes of `Theme.mono` instead, so selections, search matches and
    /// statuses stay visible.
    public func monochrome() -> Theme {
        var out: [ThemeRole: Style] = [:]
        for role in ThemeRole.allCases {
            let s = style(role)
            let hadColour = s.fg != .terminalDefault || s.bg != .terminalDefault
            let attributes = (hadColour && s.attributes.isEmpty) ? Theme.mono.style(role).attributes : s.attributes
            out[role] = Style(attributes: attributes)
        }
        return Theme(name: name, styles: out)
    }
}
