import BuildModel
import TerminalKit

extension AppState {
    // MARK: - History view

    mutating func openHistory() -> [Effect] {
        var h = HistoryViewState()
        if case .history(let old) = mode { h = old }
        h.loading = true
        h.error = nil
        mode = .history(h)
        return [.listHistory]
    }

    mutating func historyListed(_ rows: [HistoryRow]) -> [Effect] {
        guard case .history(var h) = mode else { return [] }
        let ref = h.current?.ref
        h.rows = rows
        h.loading = false
        h.error = nil
        h.selected = ref.flatMap { r in h.visible.firstIndex { $0.ref == r } } ?? 0
        mode = .history(h)
        return []
    }

    mutating func historyFailed(_ why: String) -> [Effect] {
        guard case .history(var h) = mode else { return [] }
        h.loading = false
        h.error = why
        mode = .history(h)
        return []
    }

    /// Adds a panel for stored build `row` and asks for its stream (it arrives like a live one).
    mutating func openStored(_ row: HistoryRow) -> (Int, [Effect]) {
        if let existing = builds.first(where: { $0.storedRef == row.ref }) {
            return (existing.id, [])
        }
        let id = nextID
        nextID += 1
        var entry = BuildEntry(
            id: id, request: row.request, state: BuildState(name: row.name), builder: row.builder, launchedAt: row.startedAt,
            clock: .recording)
        entry.number = builds.count + 1
        entry.storedRef = row.ref
        builds.append(entry)
        focus = builds.count - 1
        message = "build \(entry.number): \(row.name) from the history (\(DurationText.format(max(0, now.seconds(since: row.startedAt)))) ago)"
        return (id, [.openStored(id: id, ref: row.ref), .readDockerfile(id: id, path: AppState.dockerfilePath(row.request))])
    }

    mutating func historyAction(_ a: Action) -> [Effect] {
        if let e = common(a) { return e }
        guard case .history(var h) = mode else { return [] }
        let count = h.visible.count
        let page = max(1, size.height - 8)
        switch a {
        case .down: h.selected = min(max(0, count - 1), h.selected + 1)
        case .up: h.selected = max(0, h.selected - 1)
        case .top: h.selected = 0
        case .bottom: h.selected = max(0, count - 1)
        case .pageDown: h.selected = min(max(0, count - 1), h.selected + page)
        case .pageUp: h.selected = max(0, h.selected - page)
        case .filter: h.filtering = true
        case .refresh: return openHistory()
        case .back:
            mode = .dashboard
            return []
        case .open:
            guard let row = h.current else { return [] }
            let (_, effects) = openStored(row)
            mode = .dashboard
            return effects
        case .timeline:
            guard let row = h.current else { return [] }
            let (id, effects) = openStored(row)
            mode = .timeline(TimelineViewState(buildID: id))
            return effects
        case .compare:
            guard let row = h.current else { return [] }
            mode = .text(TextViewState(title: "\(row.name): \(row.ref) against the build of its context before it", loading: true))
            return [.compareStored(ref: row.ref)]
        case .pin:
            guard let row = h.current else { return [] }
            message = row.pinned ? "unpinned \(row.name) \(row.ref.prefix(8))" : "pinned \(row.name) \(row.ref.prefix(8)): retention keeps it"
            return [.pinStored(ref: row.ref, pinned: !row.pinned)]
        case .removeStored:
            guard let row = h.current else { return [] }
            confirm = .removeStored(ref: row.ref, name: row.name)
            return []
        case .rerun:
            guard let row = h.current else { return [] }
            if let masked = row.request.buildArgs.first(where: { $0.value?.hasPrefix("masked:") ?? false }) {
                message = "\(masked.name) was masked in the history: open the form (n) and type it to rerun"
                return []
            }
            return launch(row.request)
        default: break
        }
        mode = .history(h)
        return []
    }

    mutating func historyFilterAction(_ a: Action) -> [Effect] {
        guard case .history(var h) = mode else { return [] }
        switch a {
        case .submit: h.filtering = false
        case .dismiss:
            h.filtering = false
            h.filter = ""
        case .deleteChar: if !h.filter.isEmpty { h.filter.removeLast() }
        case .clearField: h.filter = ""
        default: break
        }
        h.selected = min(h.selected, max(0, h.visible.count - 1))
        mode = .history(h)
        return []
    }

    // MARK: - Timeline and text

    mutating func openTimeline() -> [Effect] {
        let id: Int?
        if case .logs(let lv) = mode { id = lv.buildID } else { id = focused?.id }
        guard let id else { return [] }
        mode = .timeline(TimelineViewState(buildID: id))
        return []
    }

    mutating func timelineAction(_ a: Action) -> [Effect] {
        if let e = common(a) { return e }
        guard case .timeline(var t) = mode else { return [] }
        let page = max(1, size.height - 8)
        switch a {
        case .down: t.scroll += 1
        case .up: t.scroll = max(0, t.scroll - 1)
        case .pageDown: t.scroll += page
        case .pageUp: t.scroll = max(0, t.scroll - page)
        case .glyphs: t.ascii.toggle()
        case .compare:
            if t.comparison != nil {
                t.comparison = nil
            } else if let ref = build(t.buildID)?.storedRef {
                t.comparing = true
                mode = .timeline(t)
                return [.compareForTimeline(id: t.buildID, ref: ref)]
            }
        case .back:
            mode = .dashboard
            return []
        case .open:
            guard let b = build(t.buildID) else { return [] }
            if let i = index(of: b.id) { focus = i }
            mode = .logs(LogViewState(buildID: b.id, step: max(0, b.state.visibleSteps.count - 1)))
            return []
        default: break
        }
        if let b = build(t.buildID) { t.scroll = min(t.scroll, max(0, b.state.visibleSteps.count - 1)) }
        mode = .timeline(t)
        return []
    }

    mutating func textAction(_ a: Action) -> [Effect] {
        if let e = common(a) { return e }
        guard case .text(var v) = mode else { return [] }
        let page = max(1, size.height - 6)
        let most = max(0, v.lines.count - 1)
        switch a {
        case .down: v.scroll = min(most, v.scroll + 1)
        case .up: v.scroll = max(0, v.scroll - 1)
        case .pageDown: v.scroll = min(most, v.scroll + page)
        case .pageUp: v.scroll = max(0, v.scroll - page)
        case .back:
            // Back to the history the comparison came from.
            return openHistory()
        default: break
        }
        mode = .text(v)
        return []
    }

    mutating func textLoaded(title: String, lines: [String]) -> [Effect] {
        guard case .text(var v) = mode, v.loading else { return [] }
        v.title = title
        v.lines = lines
        v.loading = false
        mode = .text(v)
        return []
    }
}
