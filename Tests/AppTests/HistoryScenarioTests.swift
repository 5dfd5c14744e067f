import App
import AppModel
import BuildEvents
import BuildModel
import Foundation
import HistoryModel
import Synchronization
import TerminalKit
import Testing
import TestSupport
import Views

/// The history in the dashboard, through the real runtime loop: `H` lists the stored builds, the
/// filter narrows them, ⏎ opens one in a panel exactly like a live build (its recorded stream
/// fed through the same reducer), `t` its timeline, `c` the comparison, `r` refuses a masked arg.
@MainActor
struct HistoryScenarioTests {
    nonisolated static func row(_ ref: String, _ fixture: String, status: String, args: [BuildRequest.Arg] = [], age: Double) -> HistoryRow {
        var r = BuildRequest(name: fixture, contextPath: "/work/\(fixture)")
        r.buildArgs = args
        return HistoryRow(
            ref: ref, name: fixture, context: "/work/\(fixture)", status: status, startedAt: UIFixtures.now.adding(seconds: -age),
            duration: 3.2, cache: CacheFigure(hits: 1, of: 3), builder: "default", request: r,
            error: status == "failed" ? "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3" : nil)
    }

    nonisolated static let opened = Mutex<[String]>([])

    nonisolated static func service() -> HistoryService {
        var s = HistoryService(
            list: {
                .success([
                    row("aaaaaaaaaaaaaaaaaaaaaaaaa", "failing", status: "failed", age: 60),
                    row("bbbbbbbbbbbbbbbbbbbbbbbbb", "multistage", status: "completed", args: [.init(name: "API_TOKEN", value: "masked:0123456789abcdef")], age: 3600),
                ])
            },
            open: { ref, post in
                opened.withLock { $0.append(ref) }
                let name = ref.hasPrefix("a") ? "failing" : "multistage"
                for item in (try? Fixtures.rawjson(name)) ?? [] {
                    if case .status(let s) = item { post(.status(s)) }
                }
                post(ref.hasPrefix("a") ? .finished(.failed("process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3")) : .finished(.succeeded(imageID: nil)))
            },
            compare: { ref, _ in ("multistage: \(ref.prefix(8)) against cccccccc", ["first miss: [2/3] COPY app.txt /app/ — context changed: app.txt (modified)", "hit      [1/3] FROM localbase"]) })
        s.comparison = { _ in
            guard let a = try? Fixtures.rawjson("multistage-cached"), let b = try? Fixtures.rawjson("multistage") else { return (nil, "no fixtures") }
            let c = BuildComparison.compare(
                previous: BuildSnapshot(state: Fixtures.state(a)), current: BuildSnapshot(state: Fixtures.state(b)))
            return (c, nil)
        }
        return s
    }

    @Test func listFilterOpenTimelineCompare() {
        let h = Harness(history: Self.service())
        h.keys([.char("H")])
        #expect(h.text.contains("history — 2 builds"), "\(h.text)")
        #expect(h.text.contains("failing") && h.text.contains("multistage"))
        #expect(h.text.contains("trend of /work/failing"))
        // The filter narrows the list as it is typed.
        h.keys([.char("/")])
        h.type("multi")
        #expect(h.text.contains("filter: multi"))
        #expect(!h.text.contains("/work/failing"), "\(h.text)")
        h.keys([.enter])
        // r refuses: the token was masked in the history.
        h.keys([.char("r")])
        #expect(h.text.contains("API_TOKEN was masked in the history"), "\(h.text)")
        #expect(h.drivers.started.withLock { $0.isEmpty })
        // t: the build opens in a panel and its timeline shows.
        h.keys([.char("t")])
        #expect(Self.opened.withLock { $0.contains("bbbbbbbbbbbbbbbbbbbbbbbbb") })
        #expect(h.text.contains("timeline — build 1: multistage"), "\(h.text)")
        #expect(h.text.contains("wall "), "\(h.text)")
        #expect(h.text.contains("max 2"), "parallel stages: \(h.text)")
        // c: compare mode, the other build's figures and the miss reasons beside the rows.
        h.keys([.char("c")])
        #expect(h.text.contains("compared with the build before it"), "\(h.text)")
        #expect(h.text.contains("MISS"), "\(h.text)")
        h.keys([.escape])
        #expect(h.text.contains("✔ done"), "\(h.text)")
        // ⏎ on the failing build: a panel like a live one, with its error.
        h.keys([.char("H")])  // the list arrives from the service (play waits for it)
        h.keys([.char("/"), .ctrl("u"), .enter, .char("g"), .enter])
        #expect(h.text.contains("exit code: 3"), "\(h.text)")
        #expect(h.text.contains("2 finished"), "\(h.text)")
        // c: the comparison of the selected build.
        h.keys([.char("H")])
        h.keys([.char("j"), .char("c")])
        #expect(h.text.contains("first miss: [2/3] COPY app.txt /app/"), "\(h.text)")
        h.keys([.escape])
        #expect(h.text.contains("history — 2 builds"))
    }

    /// A stored stream of any size is read as fast as it is drawn: the reader waits while the
    /// loop is behind, so the queue of events stays a few hundred long (memory stays bounded).
    @Test func storedStreamHasBackPressure() {
        let bus = Mutex<EventBus?>(nil)
        let peak = Mutex(0)
        let service = HistoryService(
            list: { .success([Self.row("ccccccccccccccccccccccccc", "chatty", status: "completed", age: 5)]) },
            open: { _, post in
                let t0 = Timestamp(seconds: 1_795_900_000, nanos: 0)
                post(.status(SolveStatus(vertexes: [Vertex(digest: "sha256:c", name: "[1/1] RUN seq 1 20000", started: t0)])))
                for i in 0..<20_000 {
                    post(.status(SolveStatus(logs: [VertexLog(vertex: "sha256:c", stream: 1, data: Array("line \(i)\n".utf8), timestamp: t0)])))
                    if let b = bus.withLock({ $0 }) {
                        let n = b.count
                        peak.withLock { $0 = max($0, n) }
                    }
                }
                post(.status(SolveStatus(vertexes: [Vertex(digest: "sha256:c", name: "[1/1] RUN seq 1 20000", started: t0, completed: t0.adding(seconds: 1))])))
                post(.finished(.succeeded(imageID: nil)))
            },
            compare: { _, _ in ("", []) })
        let h = Harness(history: service)
        bus.withLock { $0 = h.runtime.bus }
        h.keys([.char("H")])
        h.keys([.enter])
        #expect(h.text.contains("✔ done"), "\(h.text)")
        #expect(peak.withLock { $0 } <= 260, "\(peak.withLock { $0 }) events queued")
    }

    /// p pins (the list shows `*`), d asks and deletes; the store is asked, the list read again.
    @Test func pinAndDelete() {
        let rows = Mutex([
            Self.row("ddddddddddddddddddddddddd", "keep", status: "completed", age: 10),
            Self.row("eeeeeeeeeeeeeeeeeeeeeeeee", "drop", status: "failed", age: 20),
        ])
        var service = HistoryService(
            list: { .success(rows.withLock { $0 }) }, open: { _, _ in }, compare: { _, _ in ("", []) })
        service.pin = { ref, pinned in
            rows.withLock { r in
                for i in r.indices where r[i].ref == ref { r[i].pinned = pinned }
            }
            return nil
        }
        service.remove = { ref in
            rows.withLock { $0.removeAll { $0.ref == ref } }
            return nil
        }
        let h = Harness(history: service)
        h.keys([.char("H")])
        h.keys([.char("p")])
        #expect(h.text.contains("dddddddd*"), "\(h.text)")
        #expect(h.text.contains("pinned keep"))
        h.keys([.char("j"), .char("d")])
        #expect(h.text.contains("Delete drop eeeeeeee from the history?"), "\(h.text)")
        h.keys([.char("y")])
        #expect(!h.text.contains("eeeeeeee  drop"), "\(h.text)")
        #expect(h.text.contains("deleted drop eeeeeeee from the history"))
        #expect(h.text.contains("history — 1 build"))
    }

    @Test func historyUnavailableSaysWhy() {
        let h = Harness()
        h.keys([.char("H")])
        #expect(h.text.contains("cannot read the history: the history is off"), "\(h.text)")
    }
}
