import BuildEvents
import BuildModel
import Foundation
import HistoryModel
import LocalFiles

/// Records one build into the history while it runs: its row in the index, its status stream as
/// `application/vnd.buildkit.status.v0` frames (flushed as vertices change, so a killed process
/// leaves a replayable prefix), and at the end its result and figures. A store that cannot be
/// written never fails the build: the recorder stops and says so once (`warning`).
public final class BuildRecorder: @unchecked Sendable {
    /// The build's ref in the history.
    public let ref: String
    let store: HistoryStore
    let seq: Int64
    let lock = NSLock()
    var fd: Int32
    var buffer: [UInt8] = []
    var bytes: Int64 = 0
    /// The stream folded without logs: counts, cache figure, result.
    var state: BuildState
    var clock: BuildClock
    var manifest: ContextManifest?
    var manifestProvider: (@Sendable () -> ContextManifest?)?
    var done = false
    var warningText: String?
    var warned = false
    let now: @Sendable () -> Timestamp

    /// Starts recording a build; nil and a warning line when the store cannot take it.
    public static func begin(
        store: HistoryStore, request: BuildRequest, builder: String, path: String,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(unix: Date().timeIntervalSince1970) }
    ) -> (recorder: BuildRecorder?, warning: String?) {
        let ref = HistoryStore.newRef()
        let url = store.streamURL(ref)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return (nil, "history: cannot write \(url.path): \(String(cString: strerror(errno))); this build is not recorded")
        }
        let seq: Int64
        do {
            seq = try store.insert(
                .init(ref: ref, request: store.storable(request), builder: builder, path: path, startedAt: now().unix))
        } catch {
            Glibc.close(fd)
            unlink(url.path)
            return (nil, "\(error.description); this build is not recorded")
        }
        return (BuildRecorder(ref: ref, store: store, seq: seq, fd: fd, name: request.name, now: now), nil)
    }

    init(ref: String, store: HistoryStore, seq: Int64, fd: Int32, name: String, now: @escaping @Sendable () -> Timestamp) {
        self.ref = ref
        self.store = store
        self.seq = seq
        self.fd = fd
        self.now = now
        state = BuildState(name: name, logBudget: 0)
        clock = BuildClock(source: .live, launchedAt: now())
    }

    /// The first problem met, once: the caller prints it (one line) and goes on.
    public func takeWarning() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let w = warningText, !warned else { return nil }
        warned = true
        return w
    }

    /// The context as it was sent (files BuildKit did not ask for take their digest from the
    /// previous build of the same context when size, mode and time match).
    public func setManifest(_ manifest: ContextManifest) {
        lock.lock()
        self.manifest = manifest
        lock.unlock()
    }

    /// Asks `provider` for the manifest when the build ends (a collector filled while sending).
    public func provideManifest(_ provider: @escaping @Sendable () -> ContextManifest?) {
        lock.lock()
        manifestProvider = provider
        lock.unlock()
    }

    /// Records one event; the end event closes the record.
    public func record(_ event: DriverEvent) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        switch event {
        case .status(let s):
            if fd >= 0 {
                do { try StatusFrames.append(s, to: &buffer) } catch { fail("history: cannot encode a status update: \(error)") }
                if buffer.count >= 64 << 10 || !s.vertexes.isEmpty { flush() }
            }
            var lean = s
            lean.logs = []
            _ = state.apply(.status(lean))
        default:
            _ = state.apply(event)
        }
        clock.observe(state, now: now())
        if event.isEnd { close(result: state.result ?? state.inferredResult()) }
    }

    /// Ends a record whose stream stopped without an end event.
    public func abandon() {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        close(result: nil)
    }

    /// Forwards `events`, recording each; warnings go to `warn` (once).
    public func tee(_ events: AsyncStream<DriverEvent>, warn: @escaping @Sendable (String) -> Void) -> AsyncStream<DriverEvent> {
        AsyncStream { c in
            let task = Task {
                for await e in events {
                    self.record(e)
                    if let w = self.takeWarning() { warn(w) }
                    c.yield(e)
                }
                self.abandon()
                if let w = self.takeWarning() { warn(w) }
                c.finish()
            }
            c.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Locked helpers

    private func fail(_ message: String) {
        if warningText == nil { warningText = message }
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        buffer = []
    }

    private func flush() {
        guard fd >= 0, !buffer.isEmpty else { return }
        var written = 0
        while written < buffer.count {
            let n = buffer[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                let why = n < 0 ? String(cString: strerror(errno)) : "short write"
                fail("history: cannot write \(store.streamURL(ref).path): \(why); the rest of this build is not recorded")
                return
            }
            written += n
        }
        bytes += Int64(written)
        buffer.removeAll(keepingCapacity: true)
    }

    private func close(result: BuildResult?) {
        done = true
        flush()
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        var manifestBytes: Int64 = 0
        if let manifest = manifest ?? manifestProvider?() {
            let filled = fillDigests(manifest)
            let data = filled.encoded()
            do {
                try AtomicFile.write(data, to: store.manifestURL(ref).path, mode: 0o600)
                manifestBytes = Int64(data.count)
            } catch {
                if warningText == nil { warningText = "history: \(error.description)" }
            }
        }
        let end = now()
        let status: HistoryEntry.Status = result.map(HistoryEntry.Status.init) ?? .interrupted
        let error = result?.errorMessage ?? (result == nil ? "the build's event stream stopped without a result" : nil)
        do {
            try store.update(
                seq,
                .init(
                    buildRef: state.ref, endedAt: end.unix, duration: clock.elapsed(state, now: end), status: status,
                    error: error, failedStep: state.failedStep?.name, imageID: state.imageID ?? result?.imageID,
                    totalSteps: state.totalSteps, completedSteps: state.completedSteps, cachedSteps: state.cachedSteps,
                    cache: state.cache, streamBytes: bytes + manifestBytes))
            try store.applyRetention()
        } catch {
            if warningText == nil { warningText = "\(error.description)" }
        }
    }

    /// Digests of files BuildKit did not ask for, from the newest earlier manifest of the context.
    private func fillDigests(_ m: ContextManifest) -> ContextManifest {
        guard m.entries.contains(where: { $0.isRegularFile && $0.digest == nil }) else { return m }
        let context = (try? store.read { db in
            try String.fetchOne(db, sql: "SELECT context FROM build WHERE seq = ?", arguments: [seq])
        }) ?? nil
        guard let context,
            let prior = (try? store.read({ db in
                try String.fetchAll(
                    db, sql: "SELECT ref FROM build WHERE context = ? AND seq < ? ORDER BY seq DESC LIMIT 5",
                    arguments: [context, seq])
            })) ?? nil
        else { return m }
        for ref in prior {
            guard let old = store.manifest(ref) else { continue }
            var known: [String: ContextManifest.Entry] = [:]
            for e in old.entries where e.digest != nil { known[e.path] = e }
            var out = m
            for i in out.entries.indices where out.entries[i].isRegularFile && out.entries[i].digest == nil {
                let e = out.entries[i]
                if let k = known[e.path], k.size == e.size, k.mode == e.mode, k.modifiedNanos == e.modifiedNanos {
                    out.entries[i].digest = k.digest
                }
            }
            return out
        }
        return m
    }
}
