import App
import AppModel
import BuildEvents
import BuildModel
import Foundation
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
            var e = try entry(b.0, id: i + 1, upTo: b.1)
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

/// A terminal for scenario tests: keeps the last frame; input comes from the test.
public final class ScriptedTerminal: InteractiveTerminal {
    public var size: Size
    public var wakeFD: Int32 = -1
    public private(set) var screen: Screen
    public private(set) var frames = 0
    public private(set) var suspended = 0

    /// Creates a terminal of a size.
    public init(size: Size) {
        self.size = size
        self.screen = Screen(size: size)
    }

    public func present(_ screen: Screen) {
        self.screen = screen
        frames += 1
    }

    public func waitForEvents(timeoutMilliseconds: Int32?) -> [TerminalEvent] { [] }
    public func shutdown() {}
    public func suspend() { suspended += 1 }
}
