import Foundation
import Testing
import TestSupport

/// tmux around the real binary: send keys, read the screen.
struct Tmux {
    let session: String

    @discardableResult
    func run(_ args: [String]) async throws -> ProcessResult {
        try await ChildProcess.run("/usr/bin/tmux", args, timeout: 30)
    }

    func keys(_ keys: String...) async throws {
        try await run(["send-keys", "-t", session] + keys)
        try await Task.sleep(for: .milliseconds(150))
    }

    func type(_ text: String) async throws {
        try await run(["send-keys", "-t", session, "-l", text])
        try await Task.sleep(for: .milliseconds(150))
    }

    func screen() async throws -> String {
        try await run(["capture-pane", "-p", "-t", session]).stdout
    }

    /// Waits until the screen satisfies `condition` (returns the last screen either way).
    func wait(_ timeout: Double, _ condition: (String) -> Bool) async throws -> (Bool, String) {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try await screen()
            if condition(last) { return (true, last) }
            try await Task.sleep(for: .milliseconds(200))
        }
        return (false, last)
    }
}

/// The real binary in tmux against the private engine, walking the README: three builds from the
/// form (a build arg; a context switch that must not carry the first context's arg), a failing
/// build's log, a cancel question whose build finishes first, a resize while idle, quit to a
/// clean shell; then `buildtop build` on the terminal leaving by itself with 0 and with the
/// failure's exit code.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct TmuxE2ETests {
    @Test func readmeWalk() async throws {
        let a = try TestEngine.tempDir("e2e-api")
        let b = try TestEngine.tempDir("e2e-web")
        let c = try TestEngine.tempDir("e2e-bad")
        let d = try TestEngine.tempDir("e2e-quick")
        let state = try TestEngine.tempDir("e2e-state")
        defer { for dir in [a, b, c, d, state] { try? FileManager.default.removeItem(at: dir) } }
        let nonce = UUID().uuidString.prefix(6)
        try TestEngine.write(["Dockerfile": "FROM localbase\nARG GREETING=hello\nRUN echo \"greet=$GREETING \(nonce)\" && sleep 3 && echo done-a\n"], in: a)
        try TestEngine.write(["Dockerfile": "FROM localbase\nARG GREETING\nRUN echo \"b-greet=${GREETING:-unset} \(nonce)\" && sleep 120\n"], in: b)
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo c-out-\(nonce) && echo c-err-\(nonce) >&2 && exit 3\n"], in: c)
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo quick-\(nonce) && sleep 4\n"], in: d)
        let session = "bt-e2e-\(nonce)"
        let tmux = Tmux(session: session)
        let host = TestEngine.host ?? ""
        try await tmux.run([
            "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
            "env -i PATH=/usr/bin:/bin HOME=\(state.path) TERM=tmux-256color LANG=C.UTF-8 SWIFT_BACKTRACE=interactive=no DOCKER_HOST=\(host) DOCKER_CONFIG=\(state.path)/docker XDG_STATE_HOME=\(state.path) bash --norc --noprofile",
        ])
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/tmux"), arguments: ["kill-session", "-t", session]) { _ in } }
        try await tmux.type("PS1='$ '; \(TestEngine.binary)")
        try await tmux.keys("Enter")
        var (ok, screen) = try await tmux.wait(20) { $0.contains("new build") && $0.contains("Context") }
        #expect(ok, "the form did not open:\n\(screen)")

        // A build from the form: context, network none, optionally the first build arg's value.
        func launch(_ dir: URL, arg: String?) async throws {
            try await tmux.keys("C-u")
            try await tmux.type(dir.path)
            for _ in 0..<5 { try await tmux.keys("Down") }  // → network
            try await tmux.keys("C-u")
            try await tmux.type("none")
            for _ in 0..<4 { try await tmux.keys("Down") }  // → build args (first row, value)
            if let arg {
                try await tmux.keys("C-u")
                try await tmux.type(arg)
            }
            try await tmux.keys("C-l")
        }
        try await launch(a, arg: "e2e")
        (ok, screen) = try await tmux.wait(30) { $0.contains("1 " + a.lastPathComponent) && $0.contains("greet=e2e") }
        #expect(ok, "build 1 did not show its log tail:\n\(screen)")

        // Build 2: the form opens on build 1's context with its GREETING; switching the context
        // to b must not carry it (b declares GREETING too, with no default).
        try await tmux.keys("n")
        (ok, screen) = try await tmux.wait(10) { $0.contains("new build") && $0.contains("restored the last build") }
        #expect(ok, "the form did not restore build 1's request:\n\(screen)")
        try await launch(b, arg: nil)
        (ok, screen) = try await tmux.wait(30) { $0.contains("2 " + b.lastPathComponent) && ($0.contains("b-greet=unset \(nonce)") || $0.contains("b-greet=e2e \(nonce)")) }
        #expect(ok, "build 2 did not start:\n\(screen)")
        #expect(screen.contains("b-greet=unset \(nonce)"), "build 2 got another context's build arg:\n\(screen)")

        // Build 3 fails: its panel shows the error, its log the failing step's output.
        try await tmux.keys("n")
        (ok, screen) = try await tmux.wait(10) { $0.contains("new build") }
        try await launch(c, arg: nil)
        (ok, screen) = try await tmux.wait(30) { $0.contains("3 " + c.lastPathComponent) && $0.contains("exit code: 3") }
        #expect(ok, "build 3 did not fail visibly:\n\(screen)")
        try await tmux.keys("3")
        try await tmux.keys("Enter")
        (ok, screen) = try await tmux.wait(10) { $0.contains("c-err-\(nonce)") && $0.contains("c-out-\(nonce)") && $0.contains("log ·") }
        #expect(ok, "the failing step's log is not shown:\n\(screen)")
        try await tmux.keys("Escape")

        // Build 1 finishes; its log shows the build arg.
        (ok, screen) = try await tmux.wait(60) { $0.contains("builds: 1 running, 2 finished") }
        #expect(ok, "build 1 did not finish:\n\(screen)")
        try await tmux.keys("1")
        try await tmux.keys("Enter")
        try await tmux.keys("Tab")
        for _ in 0..<8 { try await tmux.keys("k") }
        var found = false
        for _ in 0..<10 {
            screen = try await tmux.screen()
            if screen.contains("greet=e2e \(nonce)") && screen.contains("log ·") { found = true; break }
            try await tmux.keys("j")
        }
        #expect(found, "the log of build 1 does not show the build arg:\n\(screen)")
        try await tmux.keys("Escape")

        // Cancel build 2 (confirmed): it ends canceled.
        try await tmux.keys("2")
        try await tmux.keys("x")
        (ok, screen) = try await tmux.wait(10) { $0.contains("Cancel build 2") }
        #expect(ok, "no confirmation:\n\(screen)")
        try await tmux.keys("y")
        (ok, screen) = try await tmux.wait(40) { $0.contains("builds: 0 running, 3 finished") && $0.contains("canceled") }
        #expect(ok, "build 2 was not canceled:\n\(screen)")

        // Build 4 is short: its cancel question is still open when it finishes, so it closes.
        try await tmux.keys("n")
        (ok, screen) = try await tmux.wait(10) { $0.contains("new build") }
        try await launch(d, arg: nil)
        (ok, screen) = try await tmux.wait(30) { $0.contains("4 " + d.lastPathComponent) && $0.contains("quick-\(nonce)") }
        #expect(ok, "build 4 did not start:\n\(screen)")
        try await tmux.keys("4")
        try await tmux.keys("x")
        (ok, screen) = try await tmux.wait(10) { $0.contains("Cancel build 4") }
        #expect(ok, "no confirmation for build 4:\n\(screen)")
        (ok, screen) = try await tmux.wait(30) { $0.contains("ended before it was canceled") && !$0.contains("Cancel build 4") }
        #expect(ok, "the question stayed after build 4 ended:\n\(screen)")
        try await tmux.keys("y")  // answers nothing now
        (ok, screen) = try await tmux.wait(5) { $0.contains("builds: 0 running, 4 finished") }
        #expect(ok)

        // Resize while idle: the screen follows without a key.
        try await tmux.run(["resize-window", "-t", session, "-x", "100", "-y", "30"])
        (ok, screen) = try await tmux.wait(5) { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.contains { $0.hasSuffix("┐") && $0.count == 100 } && !lines.contains { $0.count > 100 }
        }
        #expect(ok, "the screen did not follow the resize:\n\(screen)")
        try await tmux.run(["resize-window", "-t", session, "-x", "160", "-y", "48"])

        // The builders menu: the engine's own builder, current, running (read from the engine).
        try await tmux.keys("b")
        (ok, screen) = try await tmux.wait(20) { $0.contains("builders — current: default") && $0.contains("* default") && $0.contains("running") }
        #expect(ok, "the builders menu did not show the engine's builder:\n\(screen)")
        #expect(screen.contains("buildx not installed"))
        try await tmux.keys("Escape")

        // The history: the four builds, newest first; the failing one opens in a panel with its
        // timeline, drawn from the stored stream.
        try await tmux.keys("H")
        (ok, screen) = try await tmux.wait(10) { $0.contains("history — 4 builds") && $0.contains(c.lastPathComponent) }
        #expect(ok, "the history did not list the builds:\n\(screen)")
        try await tmux.keys("/")
        try await tmux.type(c.lastPathComponent)
        try await tmux.keys("Enter")
        (ok, screen) = try await tmux.wait(5) { $0.contains("filter: \(c.lastPathComponent)") && $0.contains("failed") && !$0.contains(a.lastPathComponent) }
        #expect(ok, "the filter did not narrow the list:\n\(screen)")
        try await tmux.keys("t")
        (ok, screen) = try await tmux.wait(10) { $0.contains("timeline — build 5: \(c.lastPathComponent)") && $0.contains("wall ") && $0.contains("exit 3") }
        #expect(ok, "the stored build's timeline did not show:\n\(screen)")
        try await tmux.keys("Escape")
        (ok, screen) = try await tmux.wait(10) { $0.contains("5 \(c.lastPathComponent)") && $0.contains("exit code: 3") }
        #expect(ok, "the stored build is not in a panel like a live one:\n\(screen)")

        // Quit: the summary is left in the scrollback and the shell works.
        try await tmux.keys("q")
        (ok, screen) = try await tmux.wait(20) { s in
            s.contains("buildtop: 5 builds") && s.split(separator: "\n").contains { $0 == "$" || $0.hasPrefix("$ ") }
        }
        #expect(ok, "did not quit to the shell:\n\(screen)")
        #expect(screen.contains("canceled"))
        try await tmux.type("clear; stty -a | grep -o -- ' icanon\\| echo ' | tr -d ' ' | sort | tr '\\n' + ; echo; echo shell-ok-$((40+2))")
        try await tmux.keys("Enter")
        (ok, screen) = try await tmux.wait(10) { $0.contains("shell-ok-42") }
        #expect(ok, "the shell is not usable:\n\(screen)")
        #expect(screen.contains("echo+icanon+"))

        // `buildtop build` on a terminal: the dashboard, then back to the shell by itself with the
        // build's exit code and the summary in the scrollback.
        try await tmux.type("clear; \(TestEngine.binary) build --no-cache --network none \(d.path); echo exit=$?")
        try await tmux.keys("Enter")
        (ok, screen) = try await tmux.wait(20) { $0.contains("closes when the build ends") }
        #expect(ok, "buildtop build did not open the dashboard:\n\(screen)")
        (ok, screen) = try await tmux.wait(40) { $0.contains("exit=0") }
        #expect(ok, "buildtop build did not end by itself with 0:\n\(screen)")
        #expect(screen.contains("1 \(d.lastPathComponent): done in"))
        try await tmux.type("clear; \(TestEngine.binary) build --network none \(c.path); echo exit=$?")
        try await tmux.keys("Enter")
        (ok, screen) = try await tmux.wait(40) { $0.contains("exit=") }
        #expect(screen.contains("exit=1"), "buildtop build of a failing build:\n\(screen)")
        #expect(screen.contains("error: ") && screen.contains("exit code: 3"))
    }
}
