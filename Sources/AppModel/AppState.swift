import BuildModel
import TerminalKit

/// One build on the dashboard.
public struct BuildEntry: Sendable, Equatable {
    /// Identity of this run (driver events are routed by it; a rerun gets a new one).
    public let id: Int
    /// The number the user sees everywhere (panel title, dialogs, messages, summary); a rerun
    /// keeps it.
    public var number: Int
    /// What was asked for (used by rerun).
    public var request: BuildRequest
    /// The folded status.
    public var state: BuildState
    /// Builder that runs it.
    public var builder: String
    /// How its elapsed time is measured (wall clock, or a recording's own clock).
    public var clock: BuildClock
    /// A cancel was sent.
    public var cancelRequested = false
    /// Lines of the Dockerfile (read at launch) to point at the failing instruction.
    public var dockerfileLines: [String] = []
    /// The history ref of a build opened from the history (its stream is a recording).
    public var storedRef: String?

    /// The Dockerfile line (1-based) and its text of a step's instruction, when it can be found.
    public func dockerfileLine(for step: Step) -> (Int, String)? {
        guard let (_, instruction) = Step.splitStagePrefix(step.name), !dockerfileLines.isEmpty else { return nil }
        func norm(_ s: Substring) -> String { s.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        let want = norm(Substring(instruction)).lowercased()
        for (i, l) in dockerfileLines.enumerated() {
            let have = norm(Substring(l)).lowercased()
            guard !have.isEmpty, !have.hasPrefix("#") else { continue }
            if have == want || (have.hasSuffix("\\") && want.hasPrefix(String(have.dropLast()).trimmingSpaces())) {
                return (i + 1, l)
            }
        }
        return nil
    }

    /// Creates an entry.
    public init(id: Int, request: BuildRequest, state: BuildState, builder: String, launchedAt: Timestamp, clock: BuildClock.Source = .live) {
        self.id = id
        self.number = id
        self.request = request
        self.state = state
        self.builder = builder
        self.clock = BuildClock(source: clock, launchedAt: launchedAt)
    }

    /// Wall time when it was launched.
    public var launchedAt: Timestamp { clock.launchedAt }

    /// Seconds elapsed at `now` (stopped once the build ended).
    public func elapsed(now: Timestamp) -> Double { clock.elapsed(state, now: now) }

    /// The summary line every output shows for this build.
    public func summaryLine(now: Timestamp) -> String {
        BuildSummary.line(state, elapsed: elapsed(now: now))
    }

    /// True while the build has not finished.
    public var isRunning: Bool { state.result == nil }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// How panels share the screen.
public enum Layout: String, Sendable, Equatable, CaseIterable {
    /// A grid of panels.
    case grid
    /// Panels one above the other.
    case stacked
    /// The focused build alone.
    case zoomed
}

/// The step-and-log view of one build.
public struct LogViewState: Sendable, Equatable {
    /// The build shown.
    public var buildID: Int
    /// Selected step (index into the build's visible steps).
    public var step: Int
    /// First log line shown (absolute line number), when not following.
    public var scroll: Int = 0
    /// Keep the newest line in view.
    public var follow = true
    /// Wrap long lines.
    public var wrap = false
    /// Show each line's time.
    public var timestamps = false
    /// The search text (highlighted; `n`/`N` jump).
    public var search = ""
    /// Typing into the search field.
    public var searching = false
    /// Line of the current match.
    public var matchLine: Int?
    /// Focus on the step list (true) or the log (false).
    public var stepsFocused = false
    /// The path typed into the save prompt while it is open (`s`).
    public var savePath: String?

    /// Creates the view state.
    public init(buildID: Int, step: Int) {
        self.buildID = buildID
        self.step = step
    }
}

/// The new-build form.
public struct FormState: Sendable, Equatable {
    /// Form fields in tab order.
    public enum Field: Int, Sendable, CaseIterable {
        case context, dockerfile, target, tags, platforms, network, noCache, pull, builder, args, launch
    }

    /// A build-arg row.
    public struct ArgRow: Sendable, Equatable {
        /// Name.
        public var name: String
        /// Value (may be empty).
        public var value: String
        /// Default from the Dockerfile (shown dim when the value is empty).
        public var defaultValue: String?
        /// Where the row came from.
        public var origin: Origin

        /// Where a row came from; a row the user typed stays when the context or the Dockerfile
        /// changes, the others follow them.
        public enum Origin: Sendable, Equatable {
            /// An `ARG` line of the Dockerfile.
            case dockerfile
            /// The context's remembered request.
            case remembered
            /// Typed in this form.
            case typed
        }

        /// Creates a row.
        public init(name: String, value: String, defaultValue: String? = nil, origin: Origin = .typed) {
            self.name = name
            self.value = value
            self.defaultValue = defaultValue
            self.origin = origin
        }

        /// True when the name looks like a secret (its value is masked).
        public var isSecret: Bool { BuildRequest.Arg.looksSecret(name) }
    }

    public var context: String = "."
    public var dockerfile: String = ""
    public var target: String = ""
    public var tags: String = ""
    public var platforms: String = ""
    public var network: String = ""
    public var noCache = false
    public var pull = false
    public var builder: String = ""
    public var args: [ArgRow] = []
    /// Focused field.
    public var field: Field = .context
    /// Selected build-arg row.
    public var argRow = 0
    /// Editing the value (true) or the name (false) of the selected row.
    public var argValue = true
    /// Stages found in the Dockerfile (target choices).
    public var stages: [String] = []
    /// Path completions for the context field.
    public var completions: [String] = []
    /// A problem to show.
    public var error: String?
    /// The context folder the per-context fields (Dockerfile, target, tags, no-cache, pull, build
    /// args) belong to; nil until the first context is loaded.
    public var loadedContext: String?
    /// Why the context cannot be built as it is (no such folder, no Dockerfile); launch refuses.
    public var problem: String?
    /// The Dockerfile field's value when the Dockerfile was last read (leaving the field unchanged
    /// reads nothing).
    public var inspectedDockerfile = ""
    /// ARG names the Dockerfile declares (nil until it was read).
    public var declaredArgs: [String]?
    /// ^L was pressed before the context was read: launch once it is, if it can be built.
    public var launchWhenChecked = false

    /// The problem of the context as typed (none while the typed context was not read yet).
    public var contextProblem: String? {
        loadedContext == context.trimmingCharacters() ? problem : nil
    }

    /// Creates a form.
    public init() {}
}

/// The builders menu (`b` or `:builders`).
public struct BuilderMenuState: Sendable, Equatable {
    /// Selected row (index into the builder list).
    public var selected = 0
    /// The create form, while open.
    public var create: CreateBuilderForm?
    /// Output of the last `inspect`, shown under the list.
    public var detail: String?

    /// Creates the menu state.
    public init() {}
}

/// The fields of `docker buildx create` in the builders menu.
public struct CreateBuilderForm: Sendable, Equatable {
    /// Fields in tab order.
    public enum Field: Int, Sendable, CaseIterable {
        case name, driver, driverOptions, endpoint, platforms, buildkitdFlags, use, bootstrap
    }

    /// Drivers offered (←/→ on the driver field).
    public static let drivers = ["docker-container", "kubernetes", "remote", "docker"]

    public var name = ""
    public var driver = "docker-container"
    /// Comma-separated `k=v` driver options.
    public var driverOptions = ""
    public var endpoint = ""
    /// Comma-separated platforms.
    public var platforms = ""
    public var buildkitdFlags = ""
    public var use = true
    public var bootstrap = false
    /// Focused field.
    public var field: Field = .name

    /// Creates an empty form.
    public init() {}

    /// Applies `change` to the focused text field (choices and boxes are not typed into).
    public mutating func edit(_ change: (inout String) -> Void) {
        switch field {
        case .name: change(&name)
        case .driverOptions: change(&driverOptions)
        case .endpoint: change(&endpoint)
        case .platforms: change(&platforms)
        case .buildkitdFlags: change(&buildkitdFlags)
        case .driver, .use, .bootstrap: break
        }
    }

    /// The spec the form describes.
    public var spec: BuilderSpec {
        func list(_ s: String) -> [String] {
            s.split(separator: ",").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
        }
        return BuilderSpec(
            name: name.trimmingCharacters(), driver: driver, driverOptions: list(driverOptions),
            endpoint: endpoint.trimmingCharacters(), platforms: list(platforms), buildkitdFlags: buildkitdFlags.trimmingCharacters(),
            use: use, bootstrap: bootstrap)
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// A question waiting for y/n.
public enum Confirmation: Sendable, Equatable {
    /// Remove this builder (`docker buildx rm`)?
    case removeBuilder(String)
    /// Cancel this build?
    case cancel(buildID: Int)
    /// Quit while builds run?
    case quit(running: Int)
    /// Delete this build from the history?
    case removeStored(ref: String, name: String)
}

/// What the main area shows.
public enum Mode: Sendable, Equatable {
    /// The panels.
    case dashboard
    /// One build's steps and the selected step's log.
    case logs(LogViewState)
    /// The new-build form.
    case form(FormState)
    /// The builders menu.
    case builders(BuilderMenuState)
    /// The stored builds.
    case history(HistoryViewState)
    /// A build on a time axis.
    case timeline(TimelineViewState)
    /// A comparison of two stored builds (or other computed text).
    case text(TextViewState)
}

/// A key hint for the footer and the help screen.
public struct KeyHint: Sendable, Equatable {
    /// Keys as shown, e.g. `j/k`.
    public var keys: String
    /// What they do.
    public var label: String
    /// The keys do something now (the help dims the others).
    public var enabled: Bool

    /// Creates a hint.
    public init(keys: String, label: String, enabled: Bool = true) {
        self.keys = keys
        self.label = label
        self.enabled = enabled
    }
}

/// Everything the screen shows. Changed only by the App reducer.
public struct AppState: Sendable, Equatable {
    /// Builds in launch order.
    public var builds: [BuildEntry] = []
    /// Index of the focused build.
    public var focus = 0
    /// Panel arrangement.
    public var layout: Layout = .grid
    /// Main area.
    public var mode: Mode = .dashboard
    /// Help overlay shown.
    public var showHelp = false {
        didSet { if !showHelp { helpScroll = 0 } }
    }
    /// First help line shown when the help scrolls.
    public var helpScroll = 0
    /// Command palette text while open.
    public var palette: String?
    /// Question waiting for y/n.
    public var confirm: Confirmation?
    /// Flash message for the status line.
    public var message: String?
    /// Current time (from ticks).
    public var now: Timestamp
    /// Colours.
    public var theme: Theme
    /// Log tail lines per running step in panels.
    public var tailLines = 3
    /// Screen size.
    public var size: Size
    /// Builder used for new builds.
    public var currentBuilder = "default"
    /// The builders found (nil until the first discovery).
    public var builderList: BuilderList?
    /// A discovery is running.
    public var buildersLoading = false
    /// Generation of the newest discovery asked for, and of the one shown (older results are dropped).
    public var builderGeneration = 0
    public var shownBuilderGeneration = 0
    /// `docker buildx …` commands run from the menu and what came of them, oldest first.
    public var commandLog: [CommandLogEntry] = []
    /// Network prefilled in the form (`BUILDTOP_DEFAULT_NETWORK`, e.g. `none` on an engine without a bridge).
    public var defaultNetwork = ""
    /// Next build id.
    public var nextID = 1
    /// Colours disabled (NO_COLOR): ANSI colours in logs are dropped.
    public var noColor = false
    /// `$XDG_STATE_HOME/buildtop`: where saved logs are proposed to go.
    public var stateDirectory = ""
    /// The app should exit.
    public var quitting = false
    /// `buildtop build` on a terminal: leave by itself when the last build ends, unless the user
    /// interacted (any key other than cancelling or quitting keeps the dashboard open).
    public var exitWhenDone = false

    /// Creates the state.
    public init(now: Timestamp, theme: Theme, size: Size) {
        self.now = now
        self.theme = theme
        self.size = size
    }

    /// The build with an id.
    public func build(_ id: Int) -> BuildEntry? { builds.first { $0.id == id } }

    /// Index of a build id.
    public func index(of id: Int) -> Int? { builds.firstIndex { $0.id == id } }

    /// The focused build.
    public var focused: BuildEntry? { builds.indices.contains(focus) ? builds[focus] : nil }

    /// Builds still running.
    public var runningCount: Int { builds.count { $0.isRunning } }
}
