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

/// The real binary in tmux against the private engine: two builds launched from the form (one
/// with a build arg), both panels progress, a log opened, one build canceled, quit to a clean shell.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct TmuxE2ETests {
    @Test func launchWatchCancelQuit() async throws {
        let a = try TestEngine.tempDir("e2e-api")
        let b = try TestEngine.tempDir("e2e-web")
        let state = try TestEngine.tempDir("e2e-state")
        defer { for d in [a, b, state] { try? FileManager.default.removeItem(at: d) } }
        let nonce = UUID().uuidString.prefix(6)
        try TestEngine.write(["Dockerfile": "FROM localbase\nARG GREETING=hello\nRUN echo \"greet=$GREETING \(nonce)\" && sleep 3 && echo done-a\n"], in: a)
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo start-b-\(nonce) && sleep 120\n"], in: b)
        let session = "bt-e2e-\(nonce)"
        let tmux = Tmux(session: session)
        let host = TestEngine.host ?? ""
        try await tmux.run([
            "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
            "env -i PATH=/usr/bin:/bin HOME=/tmp TERM=tmux-256color LANG=C.UTF-8 SWIFT_BACKTRACE=interactive=no DOCKER_HOST=\(host) DOCKER_CONFIG=\(state.path)/docker XDG_STATE_HOME=\(state.path) bash --norc --noprofile",
        ])
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/tmux"), arguments: ["kill-session", "-t", session]) { _ in } }
        try await tmux.type("PS1='$ '; \(TestEngine.binary)")
        try await tmux.keys("Enter")
        var (ok, screen) = try await tmux.wait(20) { $0.contains("new build") && $0.contains("Context") }
        #expect(ok, "the form did not open:\n\(screen)")

        // Build 1: context a, network none, build arg GREETING=e2e.
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

        // Build 2 from the form.
        try await tmux.keys("n")
        (ok, screen) = try await tmux.wait(10) { $0.contains("new build") }
        #expect(ok)
        try await launch(b, arg: nil)
        (ok, screen) = try await tmux.wait(30) { $0.contains("2 " + b.lastPathComponent) && $0.contains("start-b-\(nonce)") }
        #expect(ok, "build 2 did not start:\n\(screen)")
        #expect(screen.contains("1 " + a.lastPathComponent))

        // Build 1 finishes; its log shows the build arg.
        (ok, screen) = try await tmux.wait(60) { $0.contains("builds: 1 running, 1 finished") }
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

        // Cancel build 2 (confirmed).
        try await tmux.keys("2")
        try await tmux.keys("x")
        (ok, screen) = try await tmux.wait(10) { $0.contains("Cancel build 2") }
        #expect(ok, "no confirmation:\n\(screen)")
        try await tmux.keys("y")
        (ok, screen) = try await tmux.wait(40) { $0.contains("builds: 0 running, 2 finished") && $0.contains("canceled") }
        #expect(ok, "build 2 was not canceled:\n\(screen)")

        // The builders menu: the engine's own builder, current, running (read from the engine).
        try await tmux.keys("b")
        (ok, screen) = try await tmux.wait(20) { $0.contains("builders — current: default") && $0.contains("* default") && $0.contains("running") }
        #expect(ok, "the builders menu did not show the engine's builder:\n\(screen)")
        #expect(screen.contains("buildx not installed"))
        try await tmux.keys("Escape")
        (ok, screen) = try await tmux.wait(10) { $0.contains("builds: 0 running, 2 finished") }
        #expect(ok)

        // Quit: the summary is left in the scrollback and the shell works.
        try await tmux.keys("q")
        (ok, screen) = try await tmux.wait(20) { s in
            s.contains("buildtop: 2 builds") && s.split(separator: "\n").contains { $0 == "$" || $0.hasPrefix("$ ") }
        }
        #expect(ok, "did not quit to the shell:\n\(screen)")
        #expect(screen.contains("canceled"))
        try await tmux.type("stty -a | grep -o -- ' icanon\\| echo ' | tr -d ' ' | sort | tr '\\n' + ; echo; echo shell-ok-$((40+2))")
        try await tmux.keys("Enter")
        (ok, screen) = try await tmux.wait(10) { $0.contains("shell-ok-42") }
        #expect(ok, "the shell is not usable:\n\(screen)")
        #expect(screen.contains("echo+icanon+"))
    }
}
