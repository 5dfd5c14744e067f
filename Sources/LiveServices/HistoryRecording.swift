import App
import AppModel
import BuildModel
import Docker
import Foundation
import History
import HistoryModel
import Synchronization

/// Records every build the launcher starts into the history store. A store that cannot be
/// opened or written never stops a build: the build's stream carries one `WARNING:` line.
public final class HistoryRecording: BuildRecording {
    let settings: HistorySettings
    private let store = Mutex<Result<HistoryStore, HistoryError>?>(nil)

    /// Records into the store `settings` name (opened at the first build).
    public init(settings: HistorySettings) {
        self.settings = settings
    }

    /// From the environment; nil when recording is off (`BUILDTOP_HISTORY=off`).
    public static func from(environment env: [String: String]) -> HistoryRecording? {
        let s = HistorySettings.from(environment: env)
        return s.enabled ? HistoryRecording(settings: s) : nil
    }

    func open() -> Result<HistoryStore, HistoryError> {
        store.withLock { s in
            if let s { return s }
            let r: Result<HistoryStore, HistoryError>
            do throws(HistoryError) { r = .success(try HistoryStore(settings: settings)) } catch { r = .failure(error) }
            s = r
            return r
        }
    }

    public func begin(_ request: BuildRequest, builder: String, path: BuildPath) -> RecordingSession? {
        let collector = ManifestCollector()
        let store: HistoryStore
        switch open() {
        case .success(let s): store = s
        case .failure(let e): return Self.warningOnly("WARNING: \(e.description); this build is not recorded", collector)
        }
        let pathName: String
        switch path {
        case .native: pathName = "native"
        case .engine: pathName = "engine"
        case .buildx: pathName = "buildx"
        case .unavailable: pathName = "none"
        }
        let (recorder, warning) = BuildRecorder.begin(store: store, request: request, builder: builder, path: pathName)
        guard let recorder else { return Self.warningOnly("WARNING: \(warning ?? "history unavailable")", collector) }
        // The native path fills the collector while it sends; the others send the context out of
        // sight, so it is walked and hashed here, beside the build.
        let walk: Task<ContextManifest?, Never>?
        switch path {
        case .engine, .buildx:
            let context = request.contextPath
            walk = Task.detached(priority: .utility) { ContextManifestWalk.walk(context) }
        case .native, .unavailable:
            walk = nil
        }
        let walked = WalkedManifest()
        recorder.provideManifest {
            if let m: ContextManifest = walked.value.withLock({ $0 }) { return m }
            return collector.isEmpty ? nil : collector.manifest
        }
        return RecordingSession(manifest: collector) { events in
            // The walk usually ends long before the build; the end event waits for it at most 2 s.
            let prepared = AsyncStream<DriverEvent> { pc in
                let t = Task {
                    for await e in events {
                        if e.isEnd, let walk {
                            let m = await Self.value(of: walk, within: .seconds(2))
                            walked.value.withLock { $0 = m }
                        }
                        pc.yield(e)
                    }
                    pc.finish()
                }
                pc.onTermination = { _ in t.cancel() }
            }
            return AsyncStream { c in
                let task = Task {
                    for await e in recorder.tee(prepared, warn: { c.yield(.output("WARNING: \($0)")) }) { c.yield(e) }
                    c.finish()
                }
                c.onTermination = { _ in task.cancel() }
            }
        }
    }

    /// A session that records nothing and says why, once.
    static func warningOnly(_ line: String, _ collector: ManifestCollector) -> RecordingSession {
        RecordingSession(manifest: collector) { events in
            AsyncStream { c in
                let task = Task {
                    c.yield(.output(line))
                    for await e in events { c.yield(e) }
                    c.finish()
                }
                c.onTermination = { _ in task.cancel() }
            }
        }
    }

    static func value(of task: Task<ContextManifest?, Never>, within limit: Duration) async -> ContextManifest? {
        await withTaskGroup(of: ContextManifest?.self) { g in
            g.addTask { await task.value }
            g.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await g.next() ?? nil
            g.cancelAll()
            return first
        }
    }
}

/// The manifest a walk produced, shared between the stream and the recorder.
final class WalkedManifest: Sendable {
    let value = Mutex<ContextManifest?>(nil)
}

extension HistoryService {
    /// The store named by the environment, read for the dashboard.
    public static func live(environment env: [String: String]) -> HistoryService {
        let settings = HistorySettings.from(environment: env)
        @Sendable func store() -> Result<HistoryStore, HistoryError> {
            do throws(HistoryError) { return .success(try HistoryStore(settings: settings)) } catch { return .failure(error) }
        }
        /// A stored build against the build before it of the same context.
        enum Against { case first(HistoryEntry, String), pair(HistoryEntry, HistoryEntry, BuildSnapshot, BuildSnapshot, BuildComparison) }
        @Sendable func comparePrevious(_ ref: String) throws(HistoryError) -> Against {
            let s = try store().get()
            let b = try s.resolve(ref)
            guard let a = try s.previous(of: b) else {
                return .first(b, "the first build of \(b.context) in the history: nothing to compare it with")
            }
            let previous = try s.snapshot(a)
            let current = try s.snapshot(b)
            return .pair(a, b, previous, current, BuildComparison.compare(previous: previous, current: current))
        }
        var service = HistoryService(
            list: {
                switch store() {
                case .failure(let e): return .failure(HistoryServiceError(e.description))
                case .success(let s):
                    do throws(HistoryError) {
                        return .success(try s.list().map(HistoryRow.init))
                    } catch {
                        return .failure(HistoryServiceError(error.description))
                    }
                }
            },
            open: { ref, post in
                do throws(HistoryError) {
                    let s = try store().get()
                    try s.events(try s.resolve(ref), post)
                } catch {
                    post(.finished(.failed(error.description)))
                }
            },
            compare: { ref, width in
                do throws(HistoryError) {
                    switch try comparePrevious(ref) {
                    case .first(let b, let why): return ("\(b.name): \(b.ref)", [why])
                    case .pair(let a, let b, let previous, let current, let c):
                        return (
                            "\(b.name): \(b.ref.prefix(8)) against \(a.ref.prefix(8))",
                            ComparisonText.lines(c, previous: previous, current: current, width: width)
                        )
                    }
                } catch {
                    return ("comparison", [error.description])
                }
            })
        service.comparison = { ref in
            do throws(HistoryError) {
                switch try comparePrevious(ref) {
                case .first(_, let why): return (nil, why)
                case .pair(_, _, _, _, let c): return (c, nil)
                }
            } catch {
                return (nil, error.description)
            }
        }
        service.pin = { ref, pinned in
            do throws(HistoryError) {
                try store().get().pin(ref, pinned)
                return nil
            } catch {
                return error.description
            }
        }
        service.remove = { ref in
            do throws(HistoryError) {
                try store().get().remove([ref])
                return nil
            } catch {
                return error.description
            }
        }
        return service
    }
}

extension HistoryRow {
    /// The dashboard's row of a stored build.
    init(_ e: HistoryEntry) {
        self.init(
            ref: e.ref, name: e.name, context: e.context, status: e.status.rawValue, startedAt: Timestamp(unix: e.startedAt),
            duration: e.duration, cache: e.cache, builder: e.builder, request: e.request, pinned: e.pinned, error: e.error)
    }
}
