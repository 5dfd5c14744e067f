/// A key press, decoded by the terminal backend.
public enum Key: Sendable, Hashable {
    /// A printable character.
    case char(Character)
    /// Ctrl plus a letter (`.ctrl("c")`).
    case ctrl(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case enter, escape, tab, backTab, backspace, delete, insert
    /// A function key, F1 = `.function(1)`.
    case function(Int)
}

/// A mouse action (only with `--mouse`).
public struct MouseEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable { case press, release, scrollUp, scrollDown }
    /// What happened.
    public var kind: Kind
    /// Column.
    public var x: Int
    /// Row.
    public var y: Int

    /// Creates a mouse event.
    public init(kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}

/// Input from the terminal.
public enum TerminalEvent: Sendable, Hashable {
    /// A key press.
    case key(Key)
    /// A mouse action.
    case mouse(MouseEvent)
    /// The terminal changed size.
    case resize(Size)
}
