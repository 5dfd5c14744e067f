/// One cell of the screen: a grapheme and its style. A wide grapheme occupies its cell and the
/// next, which holds `text == ""` (a continuation).
public struct Cell: Sendable, Hashable {
    /// The grapheme shown, `" "` when empty, `""` for the right half of a wide grapheme.
    public var text: String
    /// Its style.
    public var style: Style

    /// Creates a cell.
    public init(_ text: String = " ", style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// A grid of cells: what one frame shows. Views draw into it; terminals present it.
public struct Screen: Sendable, Equatable {
    /// Its size.
    public let size: Size
    /// Cells row by row.
    public private(set) var cells: [Cell]

    /// A blank screen.
    public init(size: Size, style: Style = .plain) {
        self.size = Size(width: max(0, size.width), height: max(0, size.height))
        cells = Array(repeating: Cell(" ", style: style), count: self.size.width * self.size.height)
    }

    /// The whole area.
    public var bounds: Rect { Rect(size) }

    /// The cell at a position (a blank one outside).
    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return Cell() }
        return cells[y * size.width + x]
    }

    /// Sets one cell (ignored outside).
    public mutating func set(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
        let i = y * size.width + x
        // Overwriting half of a wide grapheme blanks its other half.
        if cells[i].text.isEmpty, x > 0 { cells[i - 1] = Cell(" ", style: cells[i - 1].style) }
        if !cells[i].text.isEmpty, x + 1 < size.width, cells[i + 1].text.isEmpty, TextWidth.width(of: Character(cells[i].text.isEmpty ? " " : cells[i].text)) == 2 {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// Writes text (already sanitized) from (x, y) to the right, clipped to `clip`; a wide grapheme
    /// that does not fit is replaced by a space. Returns the columns used.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style, clip: Rect? = nil) -> Int {
        let area = (clip ?? bounds).intersection(bounds)
        guard y >= area.y, y < area.maxY else { return 0 }
        var col = x
        for ch in text {
            let w = TextWidth.width(of: ch)
            if w == 0 { continue }
            if col + w > area.maxX {
                if col < area.maxX, col >= area.x { set(x: col, y: y, Cell(" ", style: style)) }
                break
            }
            if col >= area.x {
                set(x: col, y: y, Cell(String(ch), style: style))
                if w == 2 { set(x: col + 1, y: y, Cell("", style: style)) }
            }
            col += w
        }
        return max(0, col - x)
    }

    /// Fills a rectangle with a character.
    public mutating func fill(_ rect: Rect, style: Style, char: Character = " ") {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for yy in r.y..<r.maxY {
            for xx in r.x..<r.maxX { cells[yy * size.width + xx] = Cell(String(char), style: style) }
        }
    }

    /// Changes the style of a rectangle, keeping its text.
    public mutating func restyle(_ rect: Rect, _ change: (inout Style) -> Void) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for yy in r.y..<r.maxY {
            for xx in r.x..<r.maxX { change(&cells[yy * size.width + xx].style) }
        }
    }

    /// Draws a single-line box around `rect` with an optional title in the top edge.
    public mutating func box(_ rect: Rect, style: Style, title: String = "", titleStyle: Style? = nil) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let l = rect.x, r = rect.maxX - 1, t = rect.y, b = rect.maxY - 1
        for xx in (l + 1)..<r {
            set(x: xx, y: t, Cell("─", style: style))
            set(x: xx, y: b, Cell("─", style: style))
        }
        for yy in (t + 1)..<b {
            set(x: l, y: yy, Cell("│", style: style))
            set(x: r, y: yy, Cell("│", style: style))
        }
        set(x: l, y: t, Cell("┌", style: style))
        set(x: r, y: t, Cell("┐", style: style))
        set(x: l, y: b, Cell("└", style: style))
        set(x: r, y: b, Cell("┘", style: style))
        if !title.isEmpty, rect.width > 4 {
            let text = " " + TextWidth.truncate(title, to: rect.width - 4) + " "
            write(text, x: l + 1, y: t, style: titleStyle ?? style, clip: Rect(x: l + 1, y: t, width: rect.width - 2, height: 1))
        }
    }

    /// The screen as text, one line per row, trailing spaces removed (for snapshots).
    public func text() -> String {
        var lines: [String] = []
        for yy in 0..<size.height {
            var line = ""
            for xx in 0..<size.width { line += cells[yy * size.width + xx].text }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Text of one row (trailing spaces removed).
    public func row(_ y: Int) -> String {
        guard y >= 0, y < size.height else { return "" }
        var line = ""
        for xx in 0..<size.width { line += cells[y * size.width + xx].text }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    /// Styles as runs per row, e.g. `3: 0-9 fg=red bold | 10-79 plain` (for snapshots where colour matters).
    public func styleDump() -> String {
        var lines: [String] = []
        for yy in 0..<size.height {
            var runs: [String] = []
            var start = 0
            var cur = cells[yy * size.width].style
            for xx in 1...max(1, size.width) {
                let s = xx < size.width ? cells[yy * size.width + xx].style : nil
                if s != cur {
                    runs.append("\(start)-\(xx - 1) \(Screen.describe(cur))")
                    start = xx
                    if let s { cur = s }
                }
            }
            lines.append("\(yy): " + runs.joined(separator: " | "))
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ s: Style) -> String {
        var parts: [String] = []
        if s.fg != .terminalDefault { parts.append("fg=\(describe(s.fg))") }
        if s.bg != .terminalDefault { parts.append("bg=\(describe(s.bg))") }
        let names: [(Attributes, String)] = [
            (.bold, "bold"), (.dim, "dim"), (.italic, "italic"), (.underline, "underline"), (.reverse, "reverse"),
            (.strikethrough, "strike"),
        ]
        for (a, n) in names where s.attributes.contains(a) { parts.append(n) }
        return parts.isEmpty ? "plain" : parts.joined(separator: " ")
    }

    static func describe(_ c: Color) -> String {
        switch c {
        case .terminalDefault: "default"
        case .ansi(let n): ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"][Int(n % 8)] + (n >= 8 ? "+" : "")
        case .indexed(let n): "\(n)"
        case .rgb(let r, let g, let b): "#" + [r, g, b].map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        }
    }
}
