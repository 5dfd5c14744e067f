import BuildModel
import TerminalKit

extension AppState {
    // MARK: - Context and Dockerfile

    /// The form's context may have changed (the field was left, completed, or `:build PATH`):
    /// a new folder starts from its own remembered request, or from empty with its Dockerfile's
    /// stages and ARGs. Tags, target, no-cache, pull and the build args of another folder never
    /// carry over; rows the user typed in this form stay.
    mutating func contextChanged() -> [Effect] {
        guard case .form(var form) = mode else { return [] }
        let context = form.context.trimmingCharactersSpaces()
        form.completions = []
        if form.loadedContext != context {
            form.loadedContext = context
            form.dockerfile = ""
            form.target = ""
            form.tags = ""
            form.noCache = false
            form.pull = false
            form.stages = []
            form.declaredArgs = nil
            form.problem = nil
            form.inspectedDockerfile = ""
            form.args = form.args.filter { $0.origin == .typed }
            form.argRow = min(form.argRow, max(0, form.args.count - 1))
            mode = .form(form)
            // The remembered request first: it may name another Dockerfile, and a launch waiting
            // for the check must see it.
            return [.loadHistory(context: context), .inspectDockerfile(context: context, dockerfile: "")]
        }
        mode = .form(form)
        return []
    }

    /// The Dockerfile of the form's context was read (or found missing).
    mutating func dockerfileInspected(context: String, _ info: DockerfileInfo) -> [Effect] {
        guard case .form(var form) = mode, form.loadedContext == context else { return [] }
        form.problem = info.problem
        if info.problem != nil {
            form.stages = []
            form.declaredArgs = nil
            if form.launchWhenChecked {
                form.launchWhenChecked = false
                form.error = info.problem
            }
            mode = .form(form)
            return []
        }
        form.stages = info.targets
        if !form.target.isEmpty, !info.targets.contains(form.target) { form.target = "" }
        let declared = info.args.map(\.name)
        form.declaredArgs = declared
        for arg in info.args where !form.args.contains(where: { $0.name == arg.name }) {
            form.args.append(.init(name: arg.name, value: "", defaultValue: arg.defaultValue, origin: .dockerfile))
        }
        for i in form.args.indices {
            form.args[i].defaultValue = info.args.first { $0.name == form.args[i].name }?.defaultValue
        }
        Self.dropUndeclared(&form)
        mode = .form(form)
        if form.launchWhenChecked {
            form.launchWhenChecked = false
            mode = .form(form)
            return submit(form)
        }
        return []
    }

    /// Rows that came from an `ARG` line the Dockerfile (now) does not declare go. Rows the user
    /// typed, here or in the context's last build, stay: BuildKit's own arguments
    /// (`BUILDKIT_INLINE_CACHE`, proxies) are never declared.
    static func dropUndeclared(_ form: inout FormState) {
        guard let declared = form.declaredArgs else { return }
        form.args.removeAll { $0.origin == .dockerfile && !declared.contains($0.name) }
        form.argRow = min(form.argRow, max(0, form.args.count - 1))
    }

    /// The remembered request of the form's context arrived (nil: none).
    mutating func historyLoaded(context: String, _ r: BuildRequest?) -> [Effect] {
        guard case .form(var form) = mode, form.loadedContext == context, let r else { return [] }
        form.dockerfile = r.dockerfile ?? ""
        form.target = r.target ?? ""
        form.tags = r.tags.joined(separator: ",")
        form.platforms = r.platforms.joined(separator: ",")
        form.network = r.network ?? ""
        form.noCache = r.noCache
        form.pull = r.pull
        form.builder = r.builder ?? ""
        for a in r.buildArgs {
            if let i = form.args.firstIndex(where: { $0.name == a.name }) {
                if form.args[i].origin != .typed { form.args[i].value = a.value ?? "" }
            } else {
                form.args.append(.init(name: a.name, value: a.value ?? "", origin: .remembered))
            }
        }
        Self.dropUndeclared(&form)
        message = "restored the last build of \(context)"
        var effects: [Effect] = []
        if form.dockerfile != form.inspectedDockerfile {
            // The remembered request names another Dockerfile: read that one.
            form.inspectedDockerfile = form.dockerfile
            effects.append(.inspectDockerfile(context: context, dockerfile: form.dockerfile))
        }
        mode = .form(form)
        return effects
    }

    /// Folder completions for the context field arrived.
    mutating func completionsArrived(prefix: String, _ list: [String]) -> [Effect] {
        guard case .form(var form) = mode, form.context == prefix else { return [] }
        form.completions = list
        if list.isEmpty { message = "no folder starts with \(prefix)" }
        if list.count == 1, let only = list.first {
            form.context = only
            form.completions = []
            mode = .form(form)
            return contextChanged()
        }
        mode = .form(form)
        return []
    }

    // MARK: - Keys

    /// An action of the new-build form.
    mutating func formAction(_ a: Action) -> [Effect] {
        guard case .form(var form) = mode else { return [] }
        if a == .help || a == .quit { return common(a) ?? [] }
        var effects: [Effect] = []
        form.error = nil
        let fields = FormState.Field.allCases
        func move(_ d: Int) {
            let leaving = form.field
            let i = (fields.firstIndex(of: form.field) ?? 0) + d
            form.field = fields[(i + fields.count) % fields.count]
            form.completions = []
            if leaving == .context {
                mode = .form(form)
                effects += contextChanged()
                if case .form(let f) = mode { form = f }
            } else if leaving == .dockerfile, let context = form.loadedContext, form.dockerfile != form.inspectedDockerfile {
                form.inspectedDockerfile = form.dockerfile
                effects.append(.inspectDockerfile(context: context, dockerfile: form.dockerfile))
            }
        }
        switch a {
        case .dismiss:
            mode = .dashboard
            return []
        case .launch:
            if form.field == .context || form.loadedContext != form.context.trimmingCharactersSpaces() {
                // Read the context first: launch once it is known to be buildable.
                form.launchWhenChecked = true
                mode = .form(form)
                let e = contextChanged()
                guard e.isEmpty else { return e }
                guard case .form(let f) = mode else { return [] }
                form = f
                form.launchWhenChecked = false
            }
            return submit(form)
        case .prevField:
            if form.field == .args, form.argRow > 0 { form.argRow -= 1 } else { move(-1) }
        case .nextField:
            if form.field == .args, form.argRow < form.args.count - 1 { form.argRow += 1 } else { move(1) }
        case .complete:
            effects.append(.completePath(form.context))
        case .toggleArgColumn:
            form.argValue.toggle()
        case .insertArgRow:
            form.args.insert(.init(name: "", value: ""), at: form.args.isEmpty ? 0 : form.argRow + 1)
            form.argRow = form.args.count == 1 ? 0 : form.argRow + 1
            form.argValue = false
        case .addArgRow:
            form.field = .args
            form.args.append(.init(name: "", value: ""))
            form.argRow = form.args.count - 1
            form.argValue = false
        case .deleteArgRow:
            if form.args.indices.contains(form.argRow) {
                form.args.remove(at: form.argRow)
                form.argRow = max(0, min(form.argRow, form.args.count - 1))
            }
        case .toggle:
            if form.field == .noCache { form.noCache.toggle() } else if form.field == .pull { form.pull.toggle() }
        case .choosePrevious, .chooseNext:
            let forward = a == .chooseNext
            switch form.field {
            case .target:
                let choices = [""] + form.stages
                let i = choices.firstIndex(of: form.target) ?? 0
                form.target = choices[(i + (forward ? 1 : choices.count - 1)) % choices.count]
            case .builder:
                let choices = [""] + (builderList?.builders.map(\.name) ?? [])
                let i = choices.firstIndex(of: form.builder) ?? 0
                form.builder = choices[(i + (forward ? 1 : choices.count - 1)) % choices.count]
            case .noCache: form.noCache.toggle()
            case .pull: form.pull.toggle()
            case .args: form.argValue = forward
            default: break
            }
        case .deleteChar:
            edit(&form) { if !$0.isEmpty { $0.removeLast() } }
        case .clearField:
            edit(&form) { $0 = "" }
        default: break
        }
        mode = .form(form)
        return effects
    }

    func edit(_ form: inout FormState, _ change: (inout String) -> Void) {
        switch form.field {
        case .context:
            change(&form.context)
            form.completions = []
        case .dockerfile: change(&form.dockerfile)
        case .target: change(&form.target)
        case .tags: change(&form.tags)
        case .platforms: change(&form.platforms)
        case .network: change(&form.network)
        case .builder: change(&form.builder)
        case .args:
            guard form.args.indices.contains(form.argRow) else { return }
            if form.argValue { change(&form.args[form.argRow].value) } else { change(&form.args[form.argRow].name) }
            form.args[form.argRow].origin = .typed
        case .noCache, .pull, .launch: break
        }
    }

    /// The request a form describes, or an error for the user.
    public static func request(from form: FormState) -> Result<BuildRequest, FormError> {
        let context = form.context.trimmingCharactersSpaces()
        guard !context.isEmpty else { return .failure(FormError("the context folder is empty")) }
        if let problem = form.problem, form.loadedContext == context { return .failure(FormError(problem)) }
        func list(_ s: String) -> [String] {
            s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        let network = form.network.trimmingCharactersSpaces()
        if !["", "default", "none", "host"].contains(network) {
            return .failure(FormError("network must be default, none or host"))
        }
        var args: [BuildRequest.Arg] = []
        for row in form.args {
            let name = row.name.trimmingCharactersSpaces()
            if name.isEmpty {
                if !row.value.isEmpty { return .failure(FormError("a build arg has a value but no name")) }
                continue
            }
            // An ARG row left empty passes nothing: the Dockerfile's default (or none) applies.
            if row.value.isEmpty, row.defaultValue != nil || row.origin == .dockerfile { continue }
            args.append(.init(name: name, value: row.value))
        }
        var name = context
        while name.hasSuffix("/"), name.count > 1 { name.removeLast() }
        name = name.split(separator: "/").last.map(String.init) ?? name
        if name == "." || name.isEmpty { name = "build" }
        return .success(
            BuildRequest(
                name: name, contextPath: context, dockerfile: form.dockerfile.isEmpty ? nil : form.dockerfile,
                target: form.target.isEmpty ? nil : form.target, tags: list(form.tags), buildArgs: args,
                platforms: list(form.platforms), noCache: form.noCache, pull: form.pull,
                network: network.isEmpty ? nil : network, builder: form.builder.isEmpty ? nil : form.builder)
                .with { r in
                    // Tagged images are loaded into the engine's image store, as with the engine
                    // path (a docker-container builder keeps results in its cache otherwise).
                    r.load = !r.tags.isEmpty
                })
    }

    mutating func submit(_ form: FormState) -> [Effect] {
        switch AppState.request(from: form) {
        case .success(let r):
            return launch(r)
        case .failure(let e):
            var f = form
            f.error = e.message
            mode = .form(f)
            return []
        }
    }
}

/// A form that cannot be launched.
public struct FormError: Error, Equatable {
    /// What is wrong.
    public let message: String

    init(_ message: String) {
        self.message = message
    }
}

extension String {
    func trimmingCharactersSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
