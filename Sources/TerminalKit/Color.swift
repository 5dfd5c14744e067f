/// A terminal colour.
public enum Color: Sendable, Hashable {
    /// The terminal's own default foreground or background.
    case terminalDefault
    /// One of the 16 ANSI colours (0–7 normal, 8–15 bright).
    case ansi(UInt8)
    /// One of the 256 indexed colours.
    case indexed(UInt8)
    /// A 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)

    /// ANSI colour names, 0–7.
    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    /// ANSI colour names, 4–7.
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)
    /// Bright variants, 8–15.
    public static let brightBlack = Color.ansi(8), brightRed = Color.ansi(9), brightGreen = Color.ansi(10),
        brightYellow = Color.ansi(11), brightBlue = Color.ansi(12), brightMagenta = Color.ansi(13),
        brightCyan = Color.ansi(14), brightWhite = Color.ansi(15)
}

/// Text attributes.
public struct Attributes: OptionSet, Sendable, Hashable {
    /// The attribute bits.
    public let rawValue: UInt8
    /// Creates attributes from their bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Bold (SGR 1).
    public static let bold = Attributes(rawValue: 1)
    /// Dim, faint (SGR 2).
    public static let dim = Attributes(rawValue: 2)
    /// Italic (SGR 3).
    public static let italic = Attributes(rawValue: 4)
    /// Underline (SGR 4).
    public static let underline = Attributes(rawValue: 8)
    /// Reverse video (SGR 7).
    public static let reverse = Attributes(rawValue: 16)
    /// Strikethrough (SGR 9).
    public static let strikethrough = Attributes(rawValue: 32)
}

/// Foreground, background and attributes of a cell.
public struct Style: Sendable, Hashable {
    /// Foreground colour.
    public var fg: Color
    /// Background colour.
    public var bg: Color
    /// Attributes.
    public var attributes: Attributes

    /// Creates a style.
    public init(fg: Color = .terminalDefault, bg: Color = .terminalDefault, attributes: Attributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    /// The terminal's defaults, no attributes.
    public static let plain = Style()

    /// This style with attributes added.
    public func with(_ a: Attributes) -> Style {
        var s = self
        s.attributes.formUnion(a)
        return s
    }
}
