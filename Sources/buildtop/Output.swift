import Docker
import BuildEvents
import BuildModel
import Foundation
import LocalFiles
import TerminalKit

/// Writes text to a file descriptor unbuffered (progress goes to stderr, like buildx).
struct FDWriter: Sendable {
    let fd: Int32

    static let stdout = FDWriter(fd: 1)
    static let stderr = FDWriter(fd: 2)

    func write(_ text: String) {
        guard !text.isEmpty else { return }
        var bytes = Array(text.utf8)
        write(&bytes)
    }

    func write(_ bytes: inout [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + off }, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                off += n
            }
        }
    }
}

/// `--progress` modes of the headless commands.
enum ProgressMode: String, CaseIterable {
    case auto, plain, rawjson, quiet, tty

    /// Until the full-screen UI lands, auto and tty print plain text.
    var resolved: ProgressMode { self == .auto || self == .tty ? .plain : self }

    static func parse(_ text: String?, environment: [String: String]) throws -> ProgressMode {
        var value = text ?? "auto"
        if value == "auto", let env = environment["BUILDKIT_PROGRESS"], !env.isEmpty { value = env }
        if value == "none" { return .quiet }
        guard let mode = ProgressMode(rawValue: value) else {
            throw CLIError("invalid progress mode \"\(value)\": use auto, plain, rawjson or quiet")
        }
        return mode
    }
}

/// A user-facing error: printed as one line, exit code 1 (or as given).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let code: Int32

    init(_ description: String, code: Int32 = 1) {
        self.description = description
        self.code = code
    }
}

/// Renders the progress of one or more builds headlessly: plain text (BuildKit's format), rawjson or
/// nothing. With several builds, every line is prefixed with the build's name (`[api] #3 …`).
/// Every figure comes from the build's `BuildState` (the printer reads its changes), so the text
/// says what the dashboard would show for the same stream.
final class HeadlessProgress {
    struct Build {
        var name: String
        var trace: PlainTrace
        var clock: BuildClock
        var pending: [UInt8] = []
        var spill: LogSpillSink?
    }

    /// Headless output is the log itself: keep little in memory (the rest goes to the spill file).
    static let logBudget = 256 * 1024

    let mode: ProgressMode
    let out: FDWriter
    let prefixed: Bool
    var builds: [Build] = []

    init(
        mode: ProgressMode, out: FDWriter = .stderr, names: [String], description: String?, clock: BuildClock.Source = .live,
        now: Timestamp = .zero, spill: (Int) -> LogSpillSink?
    ) {
        self.mode = mode.resolved
        self.out = out
        self.prefixed = names.count > 1
        for (i, n) in names.enumerated() {
            builds.append(
                Build(
                    name: n, trace: PlainTrace(name: n, logBudget: HeadlessProgress.logBudget, description: prefixed ? nil : description),
                    clock: BuildClock(source: clock, launchedAt: now), spill: spill(i)))
        }
    }

    /// How build `i` ended (nil while it runs).
    func result(_ i: Int) -> BuildResult? { builds[i].trace.state.result }

    /// The fold of build `i`.
    func state(_ i: Int) -> BuildState { builds[i].trace.state }

    /// Folds an event of build `i` and prints what it produced.
    func handle(_ i: Int, _ event: DriverEvent, now: Timestamp) {
        let (text, effects) = builds[i].trace.apply(event, now: now)
        let state = builds[i].trace.state
        builds[i].clock.observe(state, now: now)
        for case .spillLog(let id, let lines) in effects { builds[i].spill?.append(stepID: id, lines: lines) }
        switch event {
        case .status(let s):
            switch mode {
            case .plain: emit(i, text)
            case .rawjson:
                var line = RawJSONEncoder.encode(s)
                if prefixed {
                    emit(i, String(decoding: line, as: UTF8.self))
                } else {
                    out.write(&line)
                }
            default: break
            }
        case .output(let text):
            // Text outside the status stream (e.g. "Successfully tagged …"): plain mode only, so
            // rawjson output stays pure JSON.
            if mode == .plain { emit(i, Sanitizer.sanitize(text) + "\n") }
        case .finished, .streamEnded:
            if mode == .plain {
                emit(i, text)
                flush(i)
                emit(i, "buildtop: " + BuildSummary.line(state, elapsed: builds[i].clock.elapsed(state, now: now)) + "\n")
            }
            flush(i)
            if let result = state.result, let message = result.errorMessage {
                let line = result == .canceled ? "ERROR: build canceled\n" : "ERROR: \(Sanitizer.sanitize(message))\n"
                if prefixed { out.write("[\(builds[i].name)] " + line) } else { out.write(line) }
            }
        default: break
        }
    }

    private func emit(_ i: Int, _ text: String) {
        guard !text.isEmpty else { return }
        guard prefixed else {
            out.write(text)
            return
        }
        builds[i].pending += Array(text.utf8)
        var lines: [UInt8] = []
        let prefix = Array("[\(builds[i].name)] ".utf8)
        var start = 0
        let p = builds[i].pending
        for k in p.indices where p[k] == 10 {
            lines += prefix
            lines += p[start...k]
            start = k + 1
        }
        builds[i].pending = Array(p[start...])
        if !lines.isEmpty { out.write(&lines) }
    }

    private func flush(_ i: Int) {
        if !builds[i].pending.isEmpty {
            emit(i, "\n")
        }
    }
}

/// Writes spilled log lines; errors are reported once and otherwise ignored (logs were printed).
final class LogSpillSink {
    let spill: LogSpillBackend
    var failed = false

    init(_ spill: LogSpillBackend) {
        self.spill = spill
    }

    func append(stepID: String, lines: LogBatch) {
        guard !failed else { return }
        do { try spill.append(stepID: stepID, lines: lines) } catch {
            failed = true
            FDWriter.stderr.write("buildtop: cannot keep overflowing logs on disk: \(error)\n")
        }
    }
}

/// The Docker module's spill store, named here so Output.swift needs no Docker import of its own.
typealias LogSpillBackend = LocalFiles.LogSpill

/// Wall-clock "now" as a BuildKit timestamp.
func wallClock() -> Timestamp {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Timestamp(seconds: Int64(ts.tv_sec), nanos: Int32(ts.tv_nsec))
}
