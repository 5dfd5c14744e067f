import App
import AppModel
import BuildEvents
import BuildModel
import Foundation
import Testing
import TestSupport
import Views

/// Every output comes from one fold: the same recorded stream gives the same step states, result,
/// counts and summary in `buildtop replay --progress plain` (the real binary) and in the
/// dashboard's reducer (what `replay --ui` and live builds feed).
struct OneTraceTests {
    static let cases: [(String, String)] = Fixtures.names.flatMap { [("engine", $0), ("rawjson", $0)] }

    /// The last end word printed for each step name (`#N CACHED`, `#N DONE 0.1s` …).
    static func plainEnds(_ text: String) -> [String: String] {
        var names: [Int: String] = [:]
        var ends: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard line.hasPrefix("#"), let sp = line.firstIndex(of: " "), let n = Int(line.dropFirst().prefix(upTo: sp)) else { continue }
            let rest = String(line[line.index(after: sp)...])
            if names[n] == nil || rest == names[n] {
                names[n] = rest
                continue
            }
            guard let name = names[n] else { continue }
            for word in ["CACHED", "SKIPPED", "CANCELED", "DONE", "ERROR"] where rest == word || rest.hasPrefix(word + " ") || rest.hasPrefix(word + ":") {
                ends[name] = word
            }
        }
        return ends
    }

    static func word(_ s: StepState) -> String? {
        switch s {
        case .cached: "CACHED"
        case .skipped: "SKIPPED"
        case .canceled: "CANCELED"
        case .done: "DONE"
        case .error: "ERROR"
        case .running, .pending: nil
        }
    }

    @Test(arguments: cases)
    func plainAndDashboardAgree(_ encoding: String, _ name: String) async throws {
        let file = Fixtures.directory.appendingPathComponent(encoding == "engine" ? "engine/\(name).stream" : "rawjson/\(name).jsonl")
        let plain = try await ChildProcess.buildtop(["replay", "--speed", "max", "--progress", "plain", file.path])
        let items = encoding == "engine" ? try Fixtures.engine(name) : try Fixtures.rawjson(name)

        // The dashboard's fold, fed as `replay --ui` feeds it.
        var app = AppState(now: UIFixtures.now, theme: .default, size: .init(width: 120, height: 40))
        _ = app.apply(.addBuild(id: 1, name: name, builder: "replay"))
        var error: String?
        var image: String?
        for item in items {
            switch item {
            case .status(let s): _ = app.apply(.driver(id: 1, .status(s)))
            case .text(let t): _ = app.apply(.driver(id: 1, .output(t)))
            case .imageID(let i):
                image = i
                _ = app.apply(.driver(id: 1, .imageID(i)))
            case .error(let e): error = e
            case .malformed: break
            }
        }
        _ = app.apply(.driver(id: 1, StreamItem.ending(error: error, imageID: image)))
        let entry = try #require(app.builds.first)
        let state = entry.state

        // Same step states.
        var dashboard: [String: String] = [:]
        for step in state.steps where !step.hidden {
            #expect(Self.word(step.state) != nil, "\(step.name) is still \(step.state) after the end")
            dashboard[step.name] = Self.word(step.state)
        }
        #expect(Self.plainEnds(plain.stderr) == dashboard)
        // Same result.
        let phase = state.phase
        #expect(plain.status == (phase == .succeeded ? 0 : phase == .canceled ? 130 : 1), "\(phase)")
        if let message = state.result?.errorMessage {
            #expect(plain.stderr.split(separator: "\n").last.map(String.init) == (phase == .canceled ? "ERROR: build canceled" : "ERROR: \(message)"))
        }
        // Same counts and the same summary line (both on the recording's clock).
        #expect(plain.stderr.contains("buildtop: " + entry.summaryLine(now: UIFixtures.now) + "\n"), "\(plain.stderr.suffix(300))")
        // The panel header shows the same cache figure.
        let screen = UIFixtures.render(app).text()
        #expect(screen.contains(state.cache.text))
    }
}
