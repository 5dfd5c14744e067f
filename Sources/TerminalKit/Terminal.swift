/// A device that shows screens: ncurses in the program, memory in tests.
public protocol Terminal: AnyObject {
    /// The current size.
    var size: Size { get }
    /// Shows a frame (implementations write only what changed).
    func present(_ screen: Screen)
}

/// A terminal in memory for tests: keeps the last frame and counts frames.
public final class MemoryTerminal: Terminal {
    /// The current size.
    public var size: Size
    /// The last frame presented.
    public private(set) var screen: Screen
    /// Frames presented so far.
    public private(set) var frames = 0

    /// Creates a terminal of a size.
    public init(size: Size) {
        self.size = size
        self.screen = Screen(size: size)
    }

    /// Keeps the frame and counts it.
    public func present(_ screen: Screen) {
        self.screen = screen
        frames += 1
    }
}
