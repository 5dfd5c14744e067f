import BuildModel
import TerminalKit

extension AppState {
    /// Keys of the new-build form.
    mutating func formKey(_ k: Key, _ form: FormState) -> [Effect] {
        var form = form
        var effects: [Effect] = []
        form.error = nil
        let fields = FormState.Field.allCases
        func move(_ d: Int) {
            let leaving = form.field
            let i = (fields.firstIndex(of: form.field) ?? 0) + d
            form.field = fields[(i + fields.count) % fields.count]
            if leaving == .context || leaving == .dockerfile {
                effects.append(.inspectDockerfile(context: form.context, dockerfile: form.dockerfile))
                if leaving == .context { effects.append(.loadHistory(context: form.context)) }
            }
            form.completions = []
        }
        switch k {
        case .escape:
            mode = .dashboard
            return []
        case .ctrl("l"):
            return submit(form)
        case .ctrl("c"):
            return common(.quit) ?? []
        case .backTab, .up:
            if form.field == .args, k == .up, form.argRow > 0 { form.argRow -= 1 } else { move(-1) }
        case .down:
            if form.field == .args, form.argRow < form.args.count - 1 { form.argRow += 1 } else { move(1) }
        case .tab:
            if form.field == .context {
                effects.append(.completePath(form.context))
            } else if form.field == .args, !form.args.isEmpty {
                form.argValue.toggle()
            } else {
                move(1)
            }
        case .enter:
            switch form.field {
            case .launch: return submit(form)
            case .args:
                form.args.insert(.init(name: "", value: ""), at: form.args.isEmpty ? 0 : form.argRow + 1)
                form.argRow = form.args.count == 1 ? 0 : form.argRow + 1
                form.argValue = false
            case .noCache: form.noCache.toggle()
            case .pull: form.pull.toggle()
            default: move(1)
            }
        case .ctrl("n"):
            if form.field == .args || form.args.isEmpty {
                form.field = .args
                form.args.append(.init(name: "", value: ""))
                form.argRow = form.args.count - 1
                form.argValue = false
            }
        case .ctrl("d"):
            if form.field == .args, form.args.indices.contains(form.argRow) {
                form.args.remove(at: form.argRow)
                form.argRow = max(0, min(form.argRow, form.args.count - 1))
            }
        case .left, .right:
            if form.field == .target {
                let choices = [""] + form.stages
                let i = choices.firstIndex(of: form.target) ?? 0
                form.target = choices[(i + (k == .right ? 1 : choices.count - 1)) % choices.count]
            } else if form.field == .builder {
                let choices = [""] + (builderList?.builders.map(\.name) ?? [])
                let i = choices.firstIndex(of: form.builder) ?? 0
                form.builder = choices[(i + (k == .right ? 1 : choices.count - 1)) % choices.count]
            } else if form.field == .noCache {
                form.noCache.toggle()
            } else if form.field == .pull {
                form.pull.toggle()
            } else if form.field == .args {
                form.argValue = k == .right
            }
        case .char(" ") where form.field == .noCache || form.field == .pull:
            if form.field == .noCache { form.noCache.toggle() } else { form.pull.toggle() }
        case .char(let c):
            edit(&form) { $0.append(c) }
        case .backspace:
            edit(&form) { if !$0.isEmpty { $0.removeLast() } }
        case .ctrl("u"):
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
        case .noCache, .pull, .launch: break
        }
    }

    /// The request a form describes, or an error for the user.
    public static func request(from form: FormState) -> Result<BuildRequest, FormError> {
        let context = form.context.trimmingCharactersSpaces()
        guard !context.isEmpty else { return .failure(FormError("the context folder is empty")) }
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
            if row.value.isEmpty, row.defaultValue != nil { continue }  // the Dockerfile default applies
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
