import BuildModel
import TerminalKit

extension AppState {
    /// Opens the builders menu and starts a discovery.
    mutating func openBuilders() -> [Effect] {
        var menu = BuilderMenuState()
        if let list = builderList, let i = list.builders.firstIndex(where: \.isCurrent) { menu.selected = i }
        mode = .builders(menu)
        return [discoverBuilders()]
    }

    /// Starts a discovery (a new generation).
    mutating func discoverBuilders() -> Effect {
        builderGeneration += 1
        buildersLoading = true
        return .discoverBuilders(generation: builderGeneration)
    }

    /// A discovery finished; a result older than the one shown is dropped.
    mutating func buildersLoaded(_ list: BuilderList, generation: Int) {
        guard generation >= shownBuilderGeneration else { return }
        shownBuilderGeneration = generation
        let previous = selectedBuilderName
        builderList = list
        buildersLoading = generation < builderGeneration
        currentBuilder = list.current
        if case .builders(var menu) = mode {
            if let name = previous, let i = list.builders.firstIndex(where: { $0.name == name }) {
                menu.selected = i
            } else {
                menu.selected = min(menu.selected, max(0, list.builders.count - 1))
            }
            mode = .builders(menu)
        }
    }

    /// The name of the builder selected in the menu.
    var selectedBuilderName: String? {
        guard case .builders(let menu) = mode, let list = builderList, list.builders.indices.contains(menu.selected) else { return nil }
        return list.builders[menu.selected].name
    }

    /// A command finished: log it, show it, and read the builders again when it changed them.
    mutating func builderCommandFinished(_ command: BuilderCommand, _ entry: CommandLogEntry) -> [Effect] {
        commandLog.append(entry)
        if commandLog.count > 50 { commandLog.removeFirst(commandLog.count - 50) }
        message = entry.succeeded ? "done: \(entry.command)" : "failed: \(entry.errorMessage)"
        if case .builders(var menu) = mode {
            if case .inspect = command { menu.detail = entry.output } else if case .bootstrap = command { menu.detail = entry.output } else { menu.detail = nil }
            mode = .builders(menu)
        }
        guard entry.succeeded, command.changesBuilders else { return [] }
        return [discoverBuilders()]
    }

    /// Runs a command, or — when it needs buildx and there is none — says so in the command log.
    mutating func builderCommand(_ command: BuilderCommand) -> [Effect] {
        guard let list = builderList else {
            message = "still looking for builders…"
            return []
        }
        if list.buildxVersion == nil, let why = command.refusalWithoutBuildx {
            commandLog.append(CommandLogEntry(command: command.commandLine + " (not run)", succeeded: false, output: "ERROR: \(why)"))
            message = "buildx is not installed: \(command.buildxArguments.first ?? "this") needs it"
            return []
        }
        message = "running: \(command.commandLine)"
        return [.runBuilderCommand(command)]
    }

    mutating func buildersAction(_ a: Action) -> [Effect] {
        guard case .builders(var menu) = mode else { return [] }
        if let e = common(a) { return e }
        let builders = builderList?.builders ?? []
        let selected = builders.indices.contains(menu.selected) ? builders[menu.selected] : nil
        var effects: [Effect] = []
        let needsList: [Action] = [.useBuilder, .useDefault, .useGlobal, .createBuilder, .removeBuilder, .bootstrapBuilder, .stopBuilder, .inspectBuilder, .toggleAlias]
        if builderList == nil, needsList.contains(a) {
            message = "still looking for builders…"
            return []
        }
        switch a {
        case .back:
            if menu.detail != nil {
                menu.detail = nil
                mode = .builders(menu)
            } else {
                mode = .dashboard
            }
            return []
        case .down: menu.selected = min(max(0, builders.count - 1), menu.selected + 1)
        case .up: menu.selected = max(0, menu.selected - 1)
        case .useBuilder, .useDefault, .useGlobal:
            guard let b = selected else { break }
            effects = builderCommand(.use(name: b.name, global: a == .useGlobal, makeDefault: a == .useDefault))
        case .createBuilder:
            if builderList == nil {
                message = "still looking for builders…"
            } else if builderList?.buildxVersion == nil {
                effects = builderCommand(.create(BuilderSpec()))
            } else {
                menu.create = CreateBuilderForm()
            }
        case .removeBuilder:
            guard let b = selected else { break }
            if b.isContextBuilder {
                message = "\(b.name) is a docker context's builder: remove it with `docker context rm \(b.name)`"
            } else if builderList?.buildxVersion == nil {
                effects = builderCommand(.remove(name: b.name))
            } else {
                confirm = .removeBuilder(b.name)
            }
        case .bootstrapBuilder:
            if let b = selected { effects = builderCommand(.bootstrap(name: b.name)) }
        case .stopBuilder:
            if let b = selected { effects = builderCommand(.stop(name: b.name)) }
        case .inspectBuilder:
            if let b = selected { effects = builderCommand(.inspect(name: b.name)) }
        case .toggleAlias:
            effects = builderCommand(.setAlias(!(builderList?.aliasInstalled ?? false)))
        case .refresh:
            menu.detail = nil
            effects = [discoverBuilders()]
        default: break
        }
        if case .builders = mode { mode = .builders(menu) }
        return effects
    }

    mutating func createAction(_ a: Action) -> [Effect] {
        guard case .builders(var menu) = mode, var form = menu.create else { return [] }
        if a == .help || a == .quit { return common(a) ?? [] }
        let fields = CreateBuilderForm.Field.allCases
        func move(_ d: Int) {
            let i = fields.firstIndex(of: form.field) ?? 0
            form.field = fields[(i + d + fields.count) % fields.count]
        }
        switch a {
        case .dismiss:
            menu.create = nil
            mode = .builders(menu)
            return []
        case .nextField: move(1)
        case .prevField: move(-1)
        case .choosePrevious, .chooseNext:
            if form.field == .driver {
                let all = CreateBuilderForm.drivers
                let i = all.firstIndex(of: form.driver) ?? 0
                form.driver = all[(i + (a == .chooseNext ? 1 : all.count - 1)) % all.count]
            } else if form.field == .use {
                form.use.toggle()
            } else if form.field == .bootstrap {
                form.bootstrap.toggle()
            }
        case .toggle:
            if form.field == .use { form.use.toggle() } else if form.field == .bootstrap { form.bootstrap.toggle() }
        case .deleteChar: form.edit { if !$0.isEmpty { $0.removeLast() } }
        case .clearField: form.edit { $0 = "" }
        case .launch:
            menu.create = nil
            mode = .builders(menu)
            return builderCommand(.create(form.spec))
        default: break
        }
        menu.create = form
        mode = .builders(menu)
        return []
    }
}
