import App
import AppModel
import ArgumentParser
import BuildModel
import Foundation
import LocalFiles
import TerminalKit
import Views

/// Hidden: frame-time and memory figures of the dashboard (used by scripts/bench.sh).
struct BenchUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-ui", shouldDisplay: false)

    @Option var builds = 16
    @Option var steps = 300
    @Option var width = 200
    @Option var height = 60
    @Option var frames = 400
    @Option(name: .customLong("log-mib"), help: "MiB of log per build for the memory figure.") var logMiB = 2

    func run() throws {
        let t0 = Timestamp(seconds: 1_800_000_000, nanos: 0)
        var state = AppState(now: t0, theme: .default, size: Size(width: width, height: height))
        // Builds with `steps` steps each; a third running, the rest done or cached.
        for b in 0..<builds {
            var st = BuildState(name: "build-\(b)")
            var vs: [Vertex] = []
            for s in 0..<steps {
                let start = t0.adding(seconds: Double(s) * 0.01)
                let running = s % 3 == 0 && s > steps - 10
                vs.append(Vertex(digest: "sha256:\(b)-\(s)", name: "[stage-\(s % 4) \(s % 20 + 1)/20] RUN make target-\(s) && echo step \(s)",
                                 started: start, completed: running ? nil : start.adding(seconds: 0.5), cached: s % 4 == 1))
            }
            _ = st.apply(SolveStatus(vertexes: vs))
            // Logs: `logMiB` per build spread over the running steps.
            let line = Array("\u{1B}[32mok\u{1B}[0m compiling module with a fairly long line of output text ........\n".utf8)
            let perStep = logMiB * 1024 * 1024 / max(1, vs.filter { $0.completed == nil }.count)
            for v in vs where v.completed == nil {
                var chunk: [UInt8] = []
                while chunk.count < perStep { chunk += line }
                var off = 0
                while off < chunk.count {
                    let end = min(chunk.count, off + 32 * 1024)
                    _ = st.apply(SolveStatus(logs: [VertexLog(vertex: v.digest, stream: 1, data: Array(chunk[off..<end]), timestamp: t0.adding(seconds: 1))]))
                    off = end
                }
            }
            state.builds.append(BuildEntry(id: b + 1, request: BuildRequest(name: "build-\(b)", contextPath: "/ctx/\(b)"), state: st, builder: "default", launchedAt: t0))
        }
        state.nextID = builds + 1
        let rssAfterState = Self.rssKiB()

        // Frames: each one advances the clock and appends a log line to a running step.
        var previous = Screen(size: state.size)
        var times: [Double] = []
        var changed = 0
        for f in 0..<frames {
            state.now = t0.adding(seconds: 2 + Double(f) / 30)
            let b = f % builds
            if let step = state.builds[b].state.steps.last(where: { $0.isRunning }) {
                _ = state.builds[b].state.apply(SolveStatus(logs: [VertexLog(vertex: step.id, stream: 1, data: Array("frame \(f)\n".utf8), timestamp: state.now)]))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let screen = RootView.render(state, hints: Keymap.hints(for: state))
            var diff = 0
            for i in screen.cells.indices where screen.cells[i] != previous.cells[i] { diff += 1 }
            let ns = DispatchTime.now().uptimeNanoseconds - start
            times.append(Double(ns) / 1e6)
            changed += diff
            previous = screen
        }
        times.sort()
        func pct(_ p: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * p))] }
        // Full logs stay viewable: the log view of a running step holds every line.
        var lv = LogViewState(buildID: 1, step: 0)
        let running = state.builds[0].state.visibleSteps.firstIndex { $0.isRunning } ?? 0
        lv.step = running
        state.mode = .logs(lv)
        let logStart = DispatchTime.now().uptimeNanoseconds
        let logScreen = RootView.render(state, hints: [])
        let logMs = Double(DispatchTime.now().uptimeNanoseconds - logStart) / 1e6
        let step = state.builds[0].state.visibleSteps[running]
        let viewable = LogLines.lines(of: step).count + step.log.spilledLines
        print(String(format: "frames=%d size=%dx%d builds=%d steps=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f cells_changed_per_frame=%.0f", frames, width, height, builds, steps, pct(0.5), pct(0.99), times.last ?? 0, Double(changed) / Double(frames)))
        print(String(format: "log_view_ms=%.1f lines_viewable=%d of_step_total=%d rss_after_state_kib=%d rss_end_kib=%d", logMs, viewable, step.log.totalLines, rssAfterState, Self.rssKiB()))
        _ = logScreen
    }

    static func rssKiB() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
