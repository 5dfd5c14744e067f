import App
import AppModel
import BuildEvents
import BuildModel
import CursesBackend
import Docker
import Foundation
import LiveServices
import LocalFiles
import TerminalKit
import Views

extension CursesTerminal: InteractiveTerminal {}

/// Options shared by the UI entry points.
struct UIOptions {
    var theme: String?
    var mouse = false
    var host: String?
    var context: String?
    var builder: String?
}

/// Runs the full-screen UI until the user quits; returns the process exit code.
@MainActor
enum UIRunner {
    /// Folders searched for themes: `$XDG_CONFIG_HOME/buildtop/themes`, then the shipped `themes/`.
    nonisolated static func themeDirectories(_ env: [String: String]) -> [String] {
        var dirs: [String] = []
        if let x = env["XDG_CONFIG_HOME"], !x.isEmpty {
            dirs.append(x + "/buildtop/themes")
        } else if let h = env["HOME"] {
            dirs.append(h + "/.config/buildtop/themes")
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let t = dir.appendingPathComponent("themes")
            if FileManager.default.fileExists(atPath: t.appendingPathComponent("default.yaml").path) {
                dirs.append(t.path)
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        dirs.append(FileManager.default.currentDirectoryPath + "/themes")
        return dirs
    }

    /// Services backed by the real world (buildx or the engine, buildx's files).
    nonisolated static func services(_ options: UIOptions, env: [String: String]) -> RuntimeServices {
        RuntimeServices.live(
            hostFlag: options.host, contextFlag: options.context, builderFlag: options.builder, environment: env,
            themeDirectories: themeDirectories(env), clock: { wallClock() })
    }

    /// Opens the terminal, runs the loop, restores the terminal, prints `summary` of the builds.
    static func run(
        _ options: UIOptions, services: RuntimeServices, builders: BuilderList?, builderName: String? = nil, printSummary: Bool,
        exitWhenDone: Bool = false, setup: (Runtime) -> Void
    ) async -> Int32 {
        let env = services.environment
        var theme = Theme.default
        do {
            theme = try ThemeLoader.load(nameOrPath: options.theme ?? "default", searchDirectories: services.themeDirectories)
        } catch {
            if options.theme != nil {
                FDWriter.stderr.write("ERROR: \(error)\n")
                return 1
            }
        }
        theme = ThemeLoader.applyEnvironment(theme, environment: env)
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal(options: .init(mouse: options.mouse))
        } catch {
            FDWriter.stderr.write("ERROR: \(error)\n")
            return 1
        }
        var state = AppState(now: services.clock(), theme: theme, size: terminal.size)
        state.currentBuilder = builders?.current ?? builderName ?? options.builder ?? "default"
        state.builderList = builders
        state.noColor = !(env["NO_COLOR"] ?? "").isEmpty
        state.defaultNetwork = env["BUILDTOP_DEFAULT_NETWORK"] ?? ""
        state.exitWhenDone = exitWhenDone
        let runtime = Runtime(state: state, terminal: terminal, services: services)
        let bus = runtime.bus
        terminal.installExitSignalHandlers { _ in bus.post(.terminate) }
        setup(runtime)
        runtime.run()
        terminal.shutdown()
        let waiting = runtime.state.builds.count { $0.isRunning }
        if waiting > 0 {
            FDWriter.stderr.write("buildtop: waiting up to 5 s for \(waiting) canceled build\(waiting == 1 ? "" : "s") to end\n")
        }
        await runtime.finish()
        let builds = runtime.state.builds
        if printSummary { FDWriter.stdout.write(Summary.text(builds, now: wallClock())) }
        return Summary.exitCode(builds)
    }
}

/// The one-screen summary left in the scrollback after the UI exits.
enum Summary {
    /// The exit code of a dashboard session: the first failed build's (buildx's own codes kept),
    /// else 130 when a build was canceled, else 0.
    static func exitCode(_ builds: [BuildEntry]) -> Int32 {
        if let failed = builds.first(where: { $0.state.phase == .failed }), let r = failed.state.result { return r.exitCode }
        if builds.contains(where: { $0.state.phase == .canceled || ($0.isRunning && $0.cancelRequested) }) { return 130 }
        return 0
    }

    static func text(_ builds: [BuildEntry], now: Timestamp) -> String {
        guard !builds.isEmpty else { return "" }
        var out = "buildtop: \(builds.count) build\(builds.count == 1 ? "" : "s")\n"
        for b in builds {
            let st = b.state
            // A build still running when the dashboard closed was canceled on the way out.
            let phase: BuildPhase = b.isRunning && b.cancelRequested ? .canceled : st.phase
            out += "  \(b.number) \(Sanitizer.sanitize(b.request.name)): "
            out += BuildSummary.line(st, elapsed: b.elapsed(now: now), phase: phase) + "\n"
            if st.phase == .failed, let m = st.errorMessage {
                out += "    error: \(Sanitizer.sanitize(m))\n"
                if let f = st.failedStep {
                    out += "    in \(Sanitizer.sanitize(f.name))\n"
                    for l in f.log.tail(5) { out += "      " + Sanitizer.sanitize(l.text) + "\n" }
                }
            }
        }
        return out
    }
}

/// Feeds a saved stream into the UI as a build, paced like `replay`.
enum ReplayFeeder {
    static func start(id: Int, entries: [ReplayCommand.Entry], ending: DriverEvent, speed: Double, bus: EventBus) -> Task<Void, Never> {
        Task.detached {
            let waits = ReplayPacing.waits(offsets: entries.map(\.offset), speed: speed)
            for (e, wait) in zip(entries, waits) {
                if wait > 0, (try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))) == nil { return }
                bus.post(.driver(id: id, e.event))
            }
            bus.post(.driver(id: id, ending))
        }
    }
}

