import BuildModel
import TerminalKit

extension AppState {
    /// The one reducer: folds an event into the state and returns the I/O to perform. Pure.
    public mutating func apply(_ event: AppEvent) -> [Effect] {
        switch event {
        case .tick(let t):
            now = t
            return []
        case .resize(let s):
            size = s
            return []
        case .driver(let id, let e):
            return driver(id, e)
        case .themeLoaded(let t):
            theme = t
            message = "theme \(t.name)"
            return []
        case .notice(let text):
            message = text
            return []
        case .dockerfileInfo(let context, let info):
            return dockerfileInspected(context: context, info)
        case .dockerfileText(let id, let text):
            if let i = index(of: id) { builds[i].dockerfileLines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            return []
        case .completions(let prefix, let list):
            return completionsArrived(prefix: prefix, list)
        case .history(let context, let r):
            return historyLoaded(context: context, r)
        case .openForm:
            return openForm()
        case .terminate:
            quitting = true
            for i in builds.indices where builds[i].isRunning { builds[i].cancelRequested = true }
            return [.quit(cancelRunning: runningCount > 0)]
        case .launch(let r):
            return launch(r)
        case .addBuild(let id, let name, let builder):
            var entry = BuildEntry(
                id: id, request: BuildRequest(name: name, contextPath: ""), state: BuildState(name: name),
                builder: builder, launchedAt: now, clock: .recording)
            entry.number = builds.count + 1
            builds.append(entry)
            nextID = max(nextID, id + 1)
            return []
        case .buildersLoaded(let list, let generation):
            buildersLoaded(list, generation: generation)
            return []
        case .builderCommandFinished(let command, let entry):
            return builderCommandFinished(command, entry)
        case .openBuilders:
            return openBuilders()
        case .openHistory:
            return openHistory()
        case .historyListed(let rows):
            return historyListed(rows)
        case .historyFailed(let why):
            return historyFailed(why)
        case .textLoaded(let title, let lines):
            return textLoaded(title: title, lines: lines)
        case .timelineComparison(let id, let comparison, let note):
            guard case .timeline(var t) = mode, t.buildID == id else { return [] }
            t.comparing = false
            t.comparison = comparison
            if let note { message = note }
            mode = .timeline(t)
            return []
        case .mouse(let m):
            return mouse(m)
        case .key(let k):
            return key(k)
        }
    }

    // MARK: - Drivers

    mutating func driver(_ id: Int, _ e: DriverEvent) -> [Effect] {
        guard let i = index(of: id) else { return [] }
        let effects = builds[i].state.apply(e)
        builds[i].clock.observe(builds[i].state, now: now)
        if e.isEnd, let r = builds[i].state.result {
            let label = "build \(builds[i].number) (\(builds[i].request.name))"
            switch r {
            case .succeeded: message = "\(label) finished"
            case .canceled: message = "\(label) canceled"
            case .failed, .engineLost: message = "\(label) failed"
            }
            if exitWhenDone, runningCount == 0 {
                quitting = true
                return effects.map { $0.effect(id: id) } + [.quit(cancelRunning: false)]
            }
            if case .cancel(let id) = confirm, id == builds[i].id {
                // The build ended while its cancel question was open: the question is moot.
                confirm = nil
                message = "\(label) ended before it was canceled: " + BuildSummary.word(builds[i].state.phase)
            }
        }
        return effects.map { $0.effect(id: id) }
    }

    // MARK: - Builds

    mutating func launch(_ r: BuildRequest) -> [Effect] {
        let id = nextID
        nextID += 1
        let builder = r.builder.flatMap { $0.isEmpty ? nil : $0 } ?? currentBuilder
        var entry = BuildEntry(id: id, request: r, state: BuildState(name: r.name), builder: builder, launchedAt: now)
        entry.number = builds.count + 1
        var effects: [Effect] = [.startBuild(id: id, request: r), .saveHistory(r)]
        if let contents = r.dockerfileContents {
            entry.dockerfileLines = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        } else {
            effects.append(.readDockerfile(id: id, path: AppState.dockerfilePath(r)))
        }
        builds.append(entry)
        focus = builds.count - 1
        if case .form = mode { mode = .dashboard }
        message = exitWhenDone
            ? "building \(r.name): closes when the build ends · any key keeps it open"
            : "launched build \(entry.number) (\(r.name))"
        return effects
    }

    mutating func rerun(_ index: Int) -> [Effect] {
        guard builds.indices.contains(index), !builds[index].isRunning else { return [] }
        let r = builds[index].request
        guard !r.contextPath.isEmpty else {
            message = "a replayed build cannot be rerun"
            return []
        }
        let id = nextID
        nextID += 1
        let lines = builds[index].dockerfileLines
        let number = builds[index].number
        builds[index] = BuildEntry(id: id, request: r, state: BuildState(name: r.name), builder: builds[index].builder, launchedAt: now)
        builds[index].number = number
        builds[index].dockerfileLines = lines
        if case .logs(var lv) = mode {
            lv.buildID = id
            lv.step = 0
            mode = .logs(lv)
        }
        message = "rerunning build \(number) (\(r.name))"
        return [.startBuild(id: id, request: r)]
    }

    /// Where a request's Dockerfile is: `-f` as given, else `Dockerfile` in the context.
    public static func dockerfilePath(_ r: BuildRequest) -> String {
        if let f = r.dockerfile, !f.isEmpty { return f }
        return r.contextPath.hasSuffix("/") ? r.contextPath + "Dockerfile" : r.contextPath + "/Dockerfile"
    }

    mutating func openForm() -> [Effect] {
        var form = FormState()
        form.builder = ""
        form.network = defaultNetwork
        if let last = builds.last?.request, !last.contextPath.isEmpty { form.context = last.contextPath }
        mode = .form(form)
        var effects = contextChanged()
        if builderList == nil, !buildersLoading { effects.append(discoverBuilders()) }
        return effects
    }

    // MARK: - Keys

    mutating func key(_ k: Key) -> [Effect] {
        let ctx = Keymap.context(for: self)
        if ctx != .confirm, ctx != .palette, ctx != .help { message = nil }
        let action = Keymap.action(for: k, state: self)
        if exitWhenDone, let a = action, ![Action.cancel, .yes, .no, .quit, .suspend].contains(a) {
            // The user is looking around: the dashboard stays when the build ends.
            exitWhenDone = false
        }
        guard let a = action else {
            if Keymap.takesText(ctx), case .char(let c) = k { return type(c, in: ctx) }
            return []
        }
        switch ctx {
        case .confirm: return confirmAction(a)
        case .palette: return paletteAction(a)
        case .help:
            let most = HelpLayout.maxScroll(self)
            let page = max(1, size.height - 8)
            switch a {
            case .down: helpScroll = min(most, helpScroll + 1)
            case .up: helpScroll = max(0, helpScroll - 1)
            case .pageDown: helpScroll = min(most, helpScroll + page)
            case .pageUp: helpScroll = max(0, helpScroll - page)
            default: showHelp = false
            }
            return []
        case .search: return searchAction(a)
        case .savePrompt: return savePromptAction(a)
        case .form: return formAction(a)
        case .createBuilder: return createAction(a)
        case .dashboard: return dashboardAction(a)
        case .logs: return logsAction(a)
        case .builders: return buildersAction(a)
        case .history: return historyAction(a)
        case .historyFilter: return historyFilterAction(a)
        case .timeline: return timelineAction(a)
        case .text: return textAction(a)
        }
    }

    /// A character typed into the field of a text context.
    mutating func type(_ c: Character, in ctx: KeyContext) -> [Effect] {
        switch (ctx, mode) {
        case (.palette, _): palette = (palette ?? "") + String(c)
        case (.historyFilter, .history(var h)):
            h.filter.append(c)
            h.selected = 0
            mode = .history(h)
        case (.search, .logs(var lv)):
            lv.search.append(c)
            mode = .logs(lv)
        case (.savePrompt, .logs(var lv)):
            lv.savePath = (lv.savePath ?? "") + String(c)
            mode = .logs(lv)
        case (.form, .form(var form)):
            form.error = nil
            edit(&form) { $0.append(c) }
            mode = .form(form)
        case (.createBuilder, .builders(var menu)):
            if var create = menu.create {
                create.edit { $0.append(c) }
                menu.create = create
                mode = .builders(menu)
            }
        default: break
        }
        return []
    }

    mutating func common(_ a: Action) -> [Effect]? {
        switch a {
        case .help:
            showHelp = true
            return []
        case .palette:
            palette = ""
            return []
        case .quit:
            let running = runningCount
            if running > 0 {
                confirm = .quit(running: running)
                return []
            }
            quitting = true
            return [.quit(cancelRunning: false)]
        case .suspend:
            return []
        default:
            return nil
        }
    }

    mutating func dashboardAction(_ a: Action) -> [Effect] {
        if let e = common(a) { return e }
        let n = builds.count
        switch a {
        case .newBuild: return openForm()
        case .builders: return openBuilders()
        case .history: return openHistory()
        case .timeline: return openTimeline()
        case .open:
            guard let b = focused else { return [] }
            let steps = b.state.visibleSteps
            let start = b.state.failedStep.flatMap { f in steps.firstIndex { $0.id == f.id } }
                ?? steps.lastIndex { $0.isRunning } ?? max(0, steps.count - 1)
            mode = .logs(LogViewState(buildID: b.id, step: start))
        case .nextPanel: if n > 0 { focus = (focus + 1) % n }
        case .prevPanel: if n > 0 { focus = (focus + n - 1) % n }
        case .panel(let i): if i < n { focus = i }
        case .zoom: layout = layout == .zoomed ? .grid : .zoomed
        case .layout: layout = layout == .stacked ? .grid : .stacked
        case .moreTail: tailLines = min(20, tailLines + 1)
        case .lessTail: tailLines = max(0, tailLines - 1)
        case .rerun: return rerun(focus)
        case .cancel:
            if let b = focused, b.isRunning, !b.cancelRequested { confirm = .cancel(buildID: b.id) }
        default: break
        }
        return []
    }

    mutating func confirmAction(_ a: Action) -> [Effect] {
        guard let c = confirm else { return [] }
        confirm = nil
        guard a == .yes else { return [] }
        switch c {
        case .removeBuilder(let name):
            return builderCommand(.remove(name: name))
        case .removeStored(let ref, let name):
            message = "deleted \(name) \(ref.prefix(8)) from the history"
            return [.removeStored(ref: ref)]
        case .cancel(let id):
            guard let i = index(of: id), builds[i].isRunning else { return [] }
            builds[i].cancelRequested = true
            message = "canceling build \(builds[i].number)"
            return [.cancelBuild(id: id)]
        case .quit:
            quitting = true
            for i in builds.indices where builds[i].isRunning { builds[i].cancelRequested = true }
            return [.quit(cancelRunning: runningCount > 0)]
        }
    }

    // MARK: - Palette

    mutating func paletteAction(_ a: Action) -> [Effect] {
        guard let text = palette else { return [] }
        switch a {
        case .dismiss: palette = nil
        case .deleteChar:
            if text.isEmpty { palette = nil } else { palette = String(text.dropLast()) }
        case .clearField: palette = ""
        case .submit:
            palette = nil
            return runCommand(text)
        default: break
        }
        return []
    }

    /// Runs a palette command: `:build [PATH]`, `:builders`, `:theme NAME`, `:layout grid|stacked`, `:quit`.
    public mutating func runCommand(_ text: String) -> [Effect] {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let cmd = parts.first else { return [] }
        switch cmd {
        case "q", "quit", "exit":
            return common(.quit) ?? []
        case "build", "new", "b":
            var effects = openForm()
            if parts.count > 1, case .form(var form) = mode {
                form.context = parts[1]
                mode = .form(form)
                effects = contextChanged()
            }
            return effects
        case "theme":
            guard parts.count > 1 else {
                message = "usage: :theme NAME|PATH"
                return []
            }
            return [.loadTheme(parts[1])]
        case "layout":
            if parts.count > 1, let l = Layout(rawValue: parts[1]) { layout = l } else { message = "usage: :layout grid|stacked|zoomed" }
            return []
        case "builders", "builder":
            return openBuilders()
        case "history", "hist":
            return openHistory()
        case "timeline":
            return openTimeline()
        case "help":
            showHelp = true
            return []
        default:
            message = "unknown command :\(cmd) (try :build, :history, :timeline, :theme, :layout, :builders, :quit)"
            return []
        }
    }

    // MARK: - Logs

    func logSteps(_ lv: LogViewState) -> [Step] { build(lv.buildID)?.state.visibleSteps ?? [] }

    mutating func logsAction(_ a: Action) -> [Effect] {
        guard case .logs(var lv) = mode else { return [] }
        if let e = common(a) { return e }
        let steps = logSteps(lv)
        let page = max(1, size.height - 4)
        let lineCount = steps.indices.contains(lv.step) ? LogLines.lines(of: steps[lv.step]).count + steps[lv.step].log.spilledLines : 0
        func scroll(_ delta: Int) {
            if lv.follow { lv.scroll = max(0, lineCount - page) }
            lv.follow = false
            lv.scroll = min(max(0, lv.scroll + delta), max(0, lineCount - 1))
        }
        switch a {
        case .back:
            mode = .dashboard
            return []
        case .switchFocus: lv.stepsFocused.toggle()
        case .down:
            if lv.stepsFocused { lv.step = min(steps.count - 1, lv.step + 1); lv.follow = true; lv.matchLine = nil } else { scroll(1) }
        case .up:
            if lv.stepsFocused { lv.step = max(0, lv.step - 1); lv.follow = true; lv.matchLine = nil } else { scroll(-1) }
        case .top:
            if lv.stepsFocused { lv.step = 0 } else { lv.follow = false; lv.scroll = 0 }
        case .bottom:
            if lv.stepsFocused { lv.step = max(0, steps.count - 1) } else { lv.follow = true }
        case .pageDown: scroll(page)
        case .pageUp: scroll(-page)
        case .follow: lv.follow.toggle()
        case .wrap: lv.wrap.toggle()
        case .timestamps: lv.timestamps.toggle()
        case .search:
            lv.searching = true
            lv.search = ""
        case .nextMatch, .prevMatch:
            guard steps.indices.contains(lv.step) else { break }
            let m = LogLines.matches(lv.search, in: steps[lv.step])
            guard !m.isEmpty else {
                message = "no match for \(lv.search)"
                break
            }
            let cur = lv.matchLine ?? (a == .nextMatch ? -1 : Int.max)
            let next = a == .nextMatch ? (m.first { $0 > cur } ?? m[0]) : (m.last { $0 < cur } ?? m[m.count - 1])
            lv.matchLine = next
            lv.follow = false
            lv.scroll = max(0, next - page / 2)
            message = "match \((m.firstIndex(of: next) ?? 0) + 1)/\(m.count)"
        case .timeline:
            mode = .timeline(TimelineViewState(buildID: lv.buildID))
            return []
        case .save:
            guard steps.indices.contains(lv.step), let b = build(lv.buildID) else { break }
            lv.savePath = proposedLogPath(b, stepNumber: lv.step + 1)
        case .cancel:
            if let b = build(lv.buildID), b.isRunning, !b.cancelRequested { confirm = .cancel(buildID: b.id) }
        case .rerun:
            if let i = index(of: lv.buildID) {
                mode = .logs(lv)
                return rerun(i)
            }
        default: break
        }
        mode = .logs(lv)
        return []
    }

    /// Where `s` proposes to save a step's log: `$XDG_STATE_HOME/buildtop/logs/NAME-bN-stepM.log`.
    func proposedLogPath(_ b: BuildEntry, stepNumber: Int) -> String {
        let safe = String(b.request.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        let dir = stateDirectory.isEmpty ? "." : stateDirectory + "/logs"
        return "\(dir)/\(safe)-build\(b.number)-step\(stepNumber).log"
    }

    mutating func savePromptAction(_ a: Action) -> [Effect] {
        guard case .logs(var lv) = mode, let path = lv.savePath else { return [] }
        switch a {
        case .dismiss:
            lv.savePath = nil
            message = "not saved"
        case .deleteChar: lv.savePath = String(path.dropLast())
        case .clearField: lv.savePath = ""
        case .submit:
            let trimmed = path.trimmingCharactersSpaces()
            guard !trimmed.isEmpty else {
                message = "type a file name, or esc"
                break
            }
            lv.savePath = nil
            mode = .logs(lv)
            let steps = logSteps(lv)
            guard steps.indices.contains(lv.step) else { return [] }
            message = "saving…"
            return [.saveLog(id: lv.buildID, stepID: steps[lv.step].id, path: trimmed)]
        default: break
        }
        mode = .logs(lv)
        return []
    }

    mutating func searchAction(_ a: Action) -> [Effect] {
        guard case .logs(var lv) = mode else { return [] }
        switch a {
        case .dismiss:
            lv.searching = false
            lv.search = ""
            lv.matchLine = nil
        case .deleteChar: if !lv.search.isEmpty { lv.search.removeLast() }
        case .clearField: lv.search = ""
        case .submit:
            lv.searching = false
            mode = .logs(lv)
            return logsAction(.nextMatch)
        default: break
        }
        mode = .logs(lv)
        return []
    }

    // MARK: - Mouse

    mutating func mouse(_ m: MouseEvent) -> [Effect] {
        guard confirm == nil, palette == nil, !showHelp else { return [] }
        exitWhenDone = false
        switch mode {
        case .dashboard:
            guard m.kind == .press else { return [] }
            let main = Rect(x: 0, y: 1, width: size.width, height: size.height - 2)
            for (i, r) in PanelLayout.rects(count: builds.count, layout: layout, focus: focus, rect: main) where r.contains(x: m.x, y: m.y) {
                focus = i
            }
        case .logs(let lv):
            if m.kind == .scrollDown || m.kind == .scrollUp {
                mode = .logs(LogViewState(copying: lv, stepsFocused: false))
                return logsAction(m.kind == .scrollDown ? .down : .up)
            }
        case .history:
            if m.kind == .scrollDown || m.kind == .scrollUp { return historyAction(m.kind == .scrollDown ? .down : .up) }
        case .timeline:
            if m.kind == .scrollDown || m.kind == .scrollUp { return timelineAction(m.kind == .scrollDown ? .down : .up) }
        case .text:
            if m.kind == .scrollDown || m.kind == .scrollUp { return textAction(m.kind == .scrollDown ? .down : .up) }
        case .form, .builders: break
        }
        return []
    }
}

extension BuildEffect {
    /// The app effect of build `id`'s effect.
    func effect(id: Int) -> Effect {
        switch self {
        case .spillLog(let stepID, let batch): .spill(id: id, stepID: stepID, batch: batch)
        }
    }
}

extension LogViewState {
    init(copying lv: LogViewState, stepsFocused: Bool) {
        self = lv
        self.stepsFocused = stepsFocused
    }
}
