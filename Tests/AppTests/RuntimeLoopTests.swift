import App
import AppModel
import BuildEvents
import BuildModel
import Foundation
import Synchronization
import TerminalKit
import Testing
import TestSupport
import Views

/// The real `Runtime.run` loop, driven by a scripted terminal and a test clock: frames only on
/// change and at most ~30 a second, the 1 s tick only while a build runs, resize while idle,
/// suspend, quit, and file effects that never hold up the screen.
@MainActor
struct RuntimeLoopTests {
    /// A status update of a running build (a vertex that started at `at`).
    static func status(_ digest: String, at: Timestamp, log: String? = nil) -> AppEvent {
        var s = SolveStatus(vertexes: [Vertex(digest: digest, name: "[1/1] RUN x", started: at)])
        if let log { s.logs = [VertexLog(vertex: digest, stream: 1, data: Array(log.utf8), timestamp: at)] }
        return .driver(id: 1, .status(s))
    }

    /// A key that changes nothing draws nothing; one that changes the screen draws one frame.
    @Test func framesOnlyOnChange() {
        let h = Harness()
        h.settle()
        let before = h.terminal.frames
        #expect(before >= 1)
        h.keys([.char("%"), .char("Q"), .pageDown])  // bound to nothing on the dashboard
        #expect(h.terminal.frames == before)
        h.keys([.char("?")])
        #expect(h.terminal.frames == before + 1)
        #expect(h.text.contains("help — ? or Esc to close"))
        h.keys([.escape])
        #expect(h.terminal.frames == before + 2)
        // With nothing running the loop sleeps without a timeout: time passes, no frame.
        let waits = h.terminal.waits.count
        h.play([.idle(milliseconds: 60_000)])
        #expect(h.terminal.frames == before + 2)
        #expect(h.terminal.waits.count > waits)
        #expect(h.terminal.waits[waits...].allSatisfy { $0 == nil })
    }

    /// A burst of driver events is drawn at most ~30 times a second, and the last state is shown.
    @Test func framesAreCoalesced() {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "burst", contextPath: "/b"))])
        let start = h.terminal.frames
        let t0 = h.clock.wall
        var script: [ScriptedTerminal.Action] = []
        let bus = h.runtime.bus
        for i in 0..<300 {
            let e = Self.status("sha256:a", at: t0, log: "line \(i)\n")
            script.append(.run { bus.post(e) })
            script.append(.idle(milliseconds: 2))
        }
        h.play(script)
        let frames = h.terminal.frames - start
        // 300 events over 600 ms of test time: at most one frame per 33 ms (+1 for the last).
        #expect(frames >= 2)
        #expect(frames <= 600 / 33 + 2, "\(frames) frames")
        let times = h.terminal.frameTimes.suffix(frames)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= 33, "frames \(a) and \(b) ms") }
        #expect(h.text.contains("line 299"))
    }

    /// While a build runs the loop ticks once a second (the clock on screen moves); once it
    /// ended the loop sleeps without a timeout again.
    @Test func tickOnlyWhileRunning() {
        let h = Harness()
        h.play([.idle(milliseconds: 5_000)])
        #expect(h.terminal.waits.last == .some(nil))
        h.post([.launch(BuildRequest(name: "tick", contextPath: "/t"))])
        h.post([Self.status("sha256:a", at: h.clock.wall)])
        let frames = h.terminal.frames
        h.play([.idle(milliseconds: 3_000)])
        // Three ticks, three frames, each wait at most a second.
        #expect(h.terminal.frames - frames == 3)
        #expect(h.terminal.waits.suffix(3).allSatisfy { ($0 ?? Int32.max) <= 1000 })
        #expect(h.text.contains("running  3.0s"))
        h.post([.driver(id: 1, .finished(.succeeded(imageID: nil)))])
        let ended = h.terminal.frames
        h.play([.idle(milliseconds: 5_000)])
        #expect(h.terminal.frames == ended)
        #expect(h.terminal.waits.last == .some(nil))
        #expect(h.text.contains("done  3.0s"))
    }

    /// A resize while nothing happens is drawn at once at the new size (no key needed).
    @Test func resizeWhileIdle() {
        let h = Harness(size: Size(width: 120, height: 30))
        h.play([.idle(milliseconds: 10_000), .resize(Size(width: 80, height: 24))])
        #expect(h.terminal.frameSizes.last == Size(width: 80, height: 24))
        #expect(h.runtime.state.size == Size(width: 80, height: 24))
        #expect(h.text.split(separator: "\n").allSatisfy { TextWidth.width(String($0)) <= 80 })
    }

    /// Ctrl-Z suspends to the shell and redraws on return; `q` ends the loop.
    @Test func suspendAndQuit() {
        let h = Harness()
        h.settle()
        let frames = h.terminal.frames
        h.keys([.ctrl("z")])
        #expect(h.terminal.suspended == 1)
        #expect(h.terminal.frames == frames + 1)
        h.keys([.char("q")])
        #expect(h.runtime.state.quitting)
    }

    /// SIGTERM (posted by the terminal's signal handler) ends the loop and cancels running builds.
    @Test func terminateSignal() {
        let h = Harness()
        h.post([.launch(BuildRequest(name: "x", contextPath: "/x"))])
        h.post([.terminate])
        #expect(h.runtime.state.quitting)
        for _ in 0..<2000 where h.drivers.canceled.withLock({ $0.isEmpty }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(h.drivers.canceled.withLock { $0 } == [1])
    }

    /// Quitting with running builds does not wait for their cancels: the loop returns while the
    /// engine is still answering.
    @Test func quitDoesNotWaitForCancels() {
        let release = DispatchSemaphore(value: 0)
        let h = Harness(cancel: { _ in
            // An engine that takes long to answer the cancel (until the test lets it go).
            _ = release.wait(timeout: .now() + 30)
        })
        h.post([.launch(BuildRequest(name: "slow", contextPath: "/s"))])
        let started = DispatchTime.now()
        h.keys([.char("q"), .char("y")])
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        #expect(h.runtime.state.quitting)
        release.signal()
        // Behaviour, not speed: had the loop waited for the cancel, it would have returned only
        // after the 30 s above.
        #expect(seconds < 20)
    }

    /// Reading a Dockerfile happens off the loop: a Dockerfile that is a FIFO nobody writes yet
    /// does not stop the screen (keys still draw); when it is written, its ARGs arrive.
    @Test func fileEffectsDoNotBlockTheLoop() throws {
        let dir = try TestEngine.tempDir("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("Dockerfile").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let h = Harness()
        h.keys([.char("n"), .ctrl("u")])
        h.type(dir.path)
        // Leaving the context field reads the Dockerfile (which blocks until the FIFO is written).
        h.play([.key(.down)], waitForFiles: false)
        let frames = h.terminal.frames
        h.play([.key(.down)], waitForFiles: false)
        h.play([.key(.down)], waitForFiles: false)
        #expect(h.terminal.frames == frames + 2)
        guard case .form(let form) = h.runtime.state.mode else {
            Issue.record("the form closed")
            return
        }
        #expect(form.field == .tags)
        #expect(!h.text.contains("GREETING"))
        // Feed the FIFO: the read finishes and the form gets the ARG row.
        // The reader holds the FIFO open (non-blocking open fails with ENXIO when nobody reads).
        let fd = open(fifo, O_WRONLY | O_NONBLOCK)
        #expect(fd >= 0, "nobody is reading the Dockerfile: errno \(errno)")
        guard fd >= 0 else { return }
        let text = Array("FROM localbase\nARG GREETING=hello\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        h.settle()
        #expect(h.text.contains("GREETING"))
    }
}
