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
            hostFlag: hostFlag, contextFlag: contextFlag)
        let launcher = BuildLauncher(discovery: discovery)
        return RuntimeServices(
            startBuild: { _, request, post in
                let control = CancelControl()
                let terminator = TerminateControl()
                var request = request
                if request.builder?.isEmpty ?? true { request.builder = builderFlag }
                let task = Task.detached { [request] in
                    let list = await discovery.discover(builderFlag: request.builder, details: false)
                    if Task.isCancelled || terminator.isTerminated {
                        post(.finished(.canceled))
                        return
                    }
                    let started = launcher.start(request, builders: list)
                    terminator.attach(started.terminate)
                    if control.attach(started.cancel) { await started.cancel() }
                    for await e in started.events { post(e) }
                }
                return BuildHandle(cancel: { await control.cancel() }, task: task, terminate: { terminator.terminate() })
            },
            themeDirectories: themeDirectories, environment: env, clock: clock,
            discoverBuilders: { await discovery.discover(builderFlag: builderFlag) },
            runBuilderCommand: { command in
                let buildx = await discovery.buildxVersion() != nil
                return await BuilderManager(discovery: discovery).perform(command, buildxInstalled: buildx)
            })
    }
}

/// Holds a started build's cancel action; a cancel asked for before the build started runs as
/// soon as it does.
final class CancelControl: Sendable {
    private let state = Mutex<(action: (@Sendable () async -> Void)?, requested: Bool)>((nil, false))

    /// Stores the action; true when a cancel was already requested.
    func attach(_ action: @escaping @Sendable () async -> Void) -> Bool {
        state.withLock { s in
            s.action = action
            return s.requested
        }
    }

    /// Cancels now, or as soon as the build starts.
    func cancel() async {
        let action = state.withLock { s -> (@Sendable () async -> Void)? in
            s.requested = true
            return s.action
        }
        await action?()
    }
}

/// Holds a started build's terminate action; a terminate asked for before the build started
/// runs as soon as it does (sticky).
final class TerminateControl: Sendable {
    private let state = Mutex<(action: (@Sendable () -> Void)?, terminated: Bool)>((nil, false))

    var isTerminated: Bool { state.withLock { $0.terminated } }

    func attach(_ a: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            s.action = a
            return s.terminated
        }
        if now { a() }
    }

    func terminate() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.terminated = true
            return s.action
        }
        action?()
    }
}
