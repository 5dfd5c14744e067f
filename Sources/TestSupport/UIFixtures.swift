import App
import AppModel
import BuildEvents
import BuildModel
import Foundation
import Synchronization
import TerminalKit
import Views

/// App states built from the recorded streams, at a fixed time, for view and scenario tests.
public enum UIFixtures {
    /// A fixed "now": shortly after the recordings.
    public static let now = Timestamp(seconds: 1_795_917_200, nanos: 0)

    /// A build entry from a recording (all its events applied).
    public static func entry(_ name: String, id: Int, upTo limit: Int? = nil) throws -> BuildEntry {
        let items = try Fixtures.engine(name)
        var state = BuildState(name: name)
        var n = 0
        var failure: String?
        var image: String?
        for item in items {
            if let limit, n >= limit { break }
            switch item {
            case .status(let s):
                _ = state.apply(.status(s))
                n += 1
            case .error(let e): failure = e
            case .imageID(let i): image = i
            default: break
            }
        }
        if limit == nil {
            _ = state.apply(StreamItem.ending(error: failure, imageID: image))
        }
        let request = BuildRequest(name: name, contextPath: "/ctx/\(name)", buildArgs: [.init(name: "VERSION", value: "1.0")])
        return BuildEntry(id: id, request: request, state: state, builder: "default", launchedAt: state.startTime ?? now, clock: .recording)
    }

    /// A dashboard with the given recordings (a limit leaves that build running).
    public static func state(_ builds: [(String, Int?)], size: Size = Size(width: 120, height: 40), theme: Theme = .default) throws -> AppState {
        var st = AppState(now: now, theme: theme, size: size)
        for (i, b) in builds.enumerated() {
            let e = try entry(b.0, id: i + 1, upTo: b.1)
            if b.1 != nil, let last = e.state.lastEventTime { st.now = max(st.now, last) }
            st.builds.append(e)
        }
        if let last = st.builds.compactMap({ $0.state.lastEventTime }).max() { st.now = last.adding(seconds: 1) }
        st.nextID = builds.count + 1
        return st
    }

    /// Renders a state the way the runtime does.
    public static func render(_ state: AppState) -> Screen {
        RootView.render(state, hints: Keymap.hints(for: state), helpHints: Keymap.helpSections(for: state))
    }
}

/// A clock tests move by hand: wall time and monotonic time advance together.
public final class TestClock: Sendable {
    private let state: Mutex<(wall: Timestamp, mono: UInt64)>

    /// Starts at `wall`.
    public init(wall: Timestamp = UIFixtures.now) {
        state = Mutex((wall, 1_000_000_000))
    }

    /// Wall time now.
    public var wall: Timestamp { state.withLock { $0.wall } }
    /// Monotonic nanoseconds now.
    public var monotonic: UInt64 { state.withLock { $0.mono } }

    /// Lets `milliseconds` pass.
    public func advance(milliseconds: Int) {
        state.withLock { s in
            s.wall = s.wall.adding(seconds: Double(milliseconds) / 1000)
            s.mono += UInt64(milliseconds) * 1_000_000
        }
    }
}

/// A terminal for tests of the real runtime loop: it plays a script of terminal events and lets
/// time pass on a `TestClock` when the loop sleeps; it keeps every frame it was given.
public final class ScriptedTerminal: InteractiveTerminal {
    /// One thing that happens at the terminal.
    public enum Action {
        /// A key press.
        case key(Key)
        /// The window changes size (SIGWINCH).
        case resize(Size)
        /// Nothing happens for this long (the loop sleeps through it, waking for its own timeouts).
        case idle(milliseconds: Int)
        /// Runs code between two waits of the loop (post a background event, check something).
        case run(() -> Void)
    }

    public var size: Size
    public var wakeFD: Int32 = -1
    public private(set) var screen: Screen
    /// Frames presented.
    public private(set) var frames = 0
    /// Sizes of the frames presented, in order.
    public private(set) var frameSizes: [Size] = []
    /// Times (monotonic ms) at which frames were presented.
    public private(set) var frameTimes: [UInt64] = []
    /// Times the loop suspended to the shell.
    public private(set) var suspended = 0
    /// The timeout of every wait, in order (nil: sleep until something happens).
    public private(set) var waits: [Int32?] = []
    /// What is left to play.
    public var script: [Action] = []
    let clock: TestClock

    /// Creates a terminal of a size over a test clock.
    public init(size: Size, clock: TestClock = TestClock()) {
        self.size = size
        self.screen = Screen(size: size)
        self.clock = clock
    }

    public func present(_ screen: Screen) {
        self.screen = screen
        frames += 1
        frameSizes.append(screen.size)
        frameTimes.append(clock.monotonic / 1_000_000)
    }

    public func waitForEvents(timeoutMilliseconds: Int32?) -> [TerminalEvent] {
        waits.append(timeoutMilliseconds)
        while let next = script.first {
            switch next {
            case .key(let k):
                script.removeFirst()
                return [.key(k)]
            case .resize(let s):
                script.removeFirst()
                size = s
                return [.resize(s)]
            case .run(let body):
                script.removeFirst()
                body()
                if pollWake(0) { return [] }
            case .idle(let ms):
                // Sleep: until the loop's timeout, or through the whole idle time.
                if let t = timeoutMilliseconds, Int(t) < ms {
                    clock.advance(milliseconds: Int(t))
                    script[0] = .idle(milliseconds: ms - Int(t))
                } else {
                    clock.advance(milliseconds: ms)
                    script.removeFirst()
                }
                return []
            }
        }
        // Script played: wait a little for background work (real time), or let time pass.
        if pollWake(10) { return [] }
        if let t = timeoutMilliseconds { clock.advance(milliseconds: Int(t)) }
        return []
    }

    /// True when the runtime's doorbell rang within `ms` real milliseconds.
    func pollWake(_ ms: Int32) -> Bool {
        guard wakeFD >= 0 else { return false }
        var p = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, ms) > 0
    }

    public func shutdown() {}
    public func suspend() { suspended += 1 }
}
