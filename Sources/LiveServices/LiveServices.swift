import App
import AppModel
import BuildKit
import BuildModel
import Docker
import Foundation
import Synchronization

extension RuntimeServices {
    /// Services backed by the real world: each build goes to buildx or the engine (BuildLauncher
    /// picks per builder), builders come from buildx's files, `docker buildx` and the engines, and
    /// builder commands run through `docker buildx` or write buildx's files.
    public static func live(
        hostFlag: String?, contextFlag: String?, builderFlag: String?, environment env: [String: String],
        themeDirectories: [String], clock: @escaping @Sendable () -> Timestamp
    ) -> RuntimeServices {
        let discovery = BuilderDiscovery(
            environment: env, homeDirectory: env["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path,
            hostFlag: hostFlag, contextFlag: contextFlag, workers: NativeWorkersProbe())
        let launcher = BuildLauncher(discovery: discovery, native: NativeBuilds(), recording: HistoryRecording.from(environment: env))
        var services = RuntimeServices(
            startBuild: { _, request, post in
                let control = BuildControl()
                var request = request
                if request.builder?.isEmpty ?? true { request.builder = builderFlag }
                let task = Task.detached { [request] in
                    let list = await discovery.discover(builderFlag: request.builder, details: false)
                    if Task.isCancelled || control.isTerminated {
                        post(.finished(.canceled))
                        return
                    }
                    let started = launcher.start(request, builders: list)
                    await control.attach(started)
                    for await e in started.events { post(e) }
                }
                return BuildHandle(cancel: { await control.cancel() }, task: task, terminate: { control.terminate() })
            },
            themeDirectories: themeDirectories, environment: env, clock: clock,
            discoverBuilders: { await discovery.discover(builderFlag: builderFlag) },
            runBuilderCommand: { command in
                let buildx = await discovery.buildxVersion() != nil
                return await BuilderManager(discovery: discovery).perform(command, buildxInstalled: buildx)
            })
        services.history = HistoryService.live(environment: env)
        return services
    }
}

/// A build's cancel and terminate, before and after it starts: a request made before the build
/// started is carried out as soon as it does.
final class BuildControl: Sendable {
    private struct State {
        var cancel: (@Sendable () async -> Void)?
        var terminate: (@Sendable () -> Void)?
        var cancelRequested = false
        var terminated = false
    }

    private let state = Mutex(State())

    var isTerminated: Bool { state.withLock { $0.terminated } }

    /// The build started: keep its controls and catch up on what was asked meanwhile.
    func attach(_ started: BuildLauncher.Started) async {
        let (cancel, terminate) = state.withLock { s -> (Bool, Bool) in
            s.cancel = started.cancel
            s.terminate = started.terminate
            return (s.cancelRequested, s.terminated)
        }
        if terminate { started.terminate() }
        if cancel { await started.cancel() }
    }

    /// Cancels now, or as soon as the build starts.
    func cancel() async {
        let action = state.withLock { s -> (@Sendable () async -> Void)? in
            s.cancelRequested = true
            return s.cancel
        }
        await action?()
    }

    /// Stops local work now, or as soon as the build starts.
    func terminate() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.terminated = true
            return s.terminate
        }
        action?()
    }
}
