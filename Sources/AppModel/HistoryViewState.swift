import BuildModel
import HistoryModel
import TerminalKit

/// One stored build in the history view.
public struct HistoryRow: Sendable, Equatable {
    /// The build's ref in the store.
    public var ref: String
    /// Display name.
    public var name: String
    /// Context folder.
    public var context: String
    /// `completed`, `failed`, `canceled`, `interrupted`, `running`.
    public var status: String
    /// Wall time of the launch.
    public var startedAt: Timestamp
    /// Elapsed seconds, nil while running.
    public var duration: Double?
    /// The cache figure.
    public var cache: CacheFigure
    /// Builder name.
    public var builder: String
    /// The stored request (masked build args carry a `masked:` fingerprint, not the value).
    public var request: BuildRequest
    /// Kept by retention.
    public var pinned: Bool
    /// The error of a failed build.
    public var error: String?

    /// Creates a row.
    public init(
        ref: String, name: String, context: String, status: String, startedAt: Timestamp, duration: Double?,
        cache: CacheFigure, builder: String, request: BuildRequest, pinned: Bool = false, error: String? = nil
    ) {
        self.ref = ref
        self.name = name
        self.context = context
        self.status = status
        self.startedAt = startedAt
        self.duration = duration
        self.cache = cache
        self.builder = builder
        self.request = request
        self.pinned = pinned
        self.error = error
    }

    /// True when `text` (any case) is in the name, context, status, builder or ref.
    public func matches(_ text: String) -> Bool {
        let t = text.lowercased()
        guard !t.isEmpty else { return true }
        return [name, context, status, builder, ref].contains { $0.lowercased().contains(t) }
    }
}

/// The history view (`H` or `:history`).
public struct HistoryViewState: Sendable, Equatable {
    /// Builds, newest first (as loaded).
    public var rows: [HistoryRow] = []
    /// Selected row among the visible ones.
    public var selected = 0
    /// The filter text.
    public var filter = ""
    /// Typing into the filter.
    public var filtering = false
    /// The list is being read.
    public var loading = true
    /// Why the history could not be read.
    public var error: String?

    /// Creates the view state.
    public init() {}

    /// The rows the filter lets through.
    public var visible: [HistoryRow] { filter.isEmpty ? rows : rows.filter { $0.matches(filter) } }

    /// The selected row.
    public var current: HistoryRow? {
        let v = visible
        return v.indices.contains(selected) ? v[selected] : nil
    }

    /// The builds of `context` (newest first), for the trend line.
    public func trend(of context: String, limit: Int = 20) -> [HistoryRow] {
        Array(rows.filter { $0.context == context }.prefix(limit))
    }
}

/// A build's timeline (`t`): drawn from its live state, so it grows while the build runs.
public struct TimelineViewState: Sendable, Equatable {
    /// The build shown.
    public var buildID: Int
    /// First row shown.
    public var scroll = 0
    /// ASCII glyphs instead of blocks.
    public var ascii = false
    /// The comparison with the build of the same context before it (compare mode, `c`).
    public var comparison: BuildComparison?
    /// The comparison was asked for and has not arrived.
    public var comparing = false

    /// Creates the view state.
    public init(buildID: Int) { self.buildID = buildID }
}

/// Lines of text computed elsewhere (a comparison of two stored builds), scrollable.
public struct TextViewState: Sendable, Equatable {
    /// Title line.
    public var title: String
    /// The lines (sanitized when drawn).
    public var lines: [String]
    /// First line shown.
    public var scroll = 0
    /// Whether the lines are still coming.
    public var loading = false

    /// Creates the view state.
    public init(title: String, lines: [String] = [], loading: Bool = false) {
        self.title = title
        self.lines = lines
        self.loading = loading
    }
}
