/// One cell of the screen: a grapheme and its style.
///
/// A wide grapheme occupies its cell and the next (more for the rare grapheme wider than 2, see
/// ``TextWidth``), which hold `text == ""` (continuations); a row's text is the concatenation of
/// its cells' texts, as tmux shows it.
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

/// A grid of cells: what one frame shows.
///
/// Views draw into it; terminals present it.
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
    ///
    /// The cell's text is one grapheme: a wide one also takes the cells to its right
    /// (continuations), or becomes a space when it does not fit before the right edge; a
    /// zero-width one is ignored. Overwriting part of a wide grapheme blanks the
    /// rest of it. A continuation (`""`) only restyles the right half of a wide grapheme; anywhere
    /// else it is a space.
    public mutating func set(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
        let i = y * size.width + x
        if cell.text.isEmpty {
            if cells[i].text.isEmpty, x > 0 {
                cells[i].style = cell.style
            } else {
                put(" ", width: 1, x: x, y: y, style: cell.style)
            }
            return
        }
        var w = TextWidth.width(cell.text)
        guard w > 0 else { return }
        var text = cell.text
        if !text.unicodeScalars.allSatisfy(Sanitizer.isSafe) {
            text = "\u{FFFD}"  // as in write(_:x:y:style:clip:)
            w = 1
        }
        if x + w > size.width {
            put(" ", width: 1, x: x, y: y, style: cell.style)
        } else {
            put(text, width: w, x: x, y: y, style: cell.style)
        }
    }

    /// Puts a grapheme of width `w` ≥ 1 at (x, y): head plus `w - 1` continuations.
    ///
    /// The caller checks that it fits. Blanks the rest of any wide grapheme it cuts.
    /// One-character strings of the ASCII range (small strings: no allocation, made once).
    static let ascii: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    private mutating func put(_ text: String, width w: Int, x: Int, y: Int, style: Style) {
        let row = y * size.width
        // A continuation at x: blank the head and continuations to its left.
        if cells[row + x].text.isEmpty {
            var h = x - 1
            while h > 0, cells[row + h].text.isEmpty { h -= 1 }
            for k in max(0, h)..<x { cells[row + k].text = " " }
        }
        // Continuations right after the new grapheme lose their head.
        var e = x + w
        while e < size.width, cells[row + e].text.isEmpty {
            cells[row + e].text = " "
            e += 1
        }
        cells[row + x] = Cell(text, style: style)
        for k in (x + 1)..<(x + w) { cells[row + k] = Cell("", style: style) }
    }

    /// Writes text from (x, y) to the right, clipped to `clip`, and returns the columns it
    /// advanced (up to the clip's right edge).
    ///
    /// Zero-width grapheme clusters (a combining mark with no base, controls, BiDi controls) are
    /// skipped, never written as a cell of their own: even unsanitized text cannot put a control
    /// into a cell, but untrusted text must go through ``Sanitizer`` first to have escape
    /// sequences removed and controls made visible. A wide grapheme cut by the clip's right
    /// (or left) edge leaves spaces in the cells it would take inside the clip.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style, clip: Rect? = nil) -> Int {
        let area = (clip ?? bounds).intersection(bounds)
        guard !area.isEmpty, y >= area.y, y < area.maxY else { return 0 }
        var col = x
        // Fast path: printable ASCII needs no grapheme breaking or width lookups.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            for b in text.utf8 {
                if col >= area.maxX { break }
                if col >= area.x { put(Screen.ascii[Int(b)], width: 1, x: col, y: y, style: style) }
                col += 1
            }
            return max(0, col - x)
        }
        for var ch in text {
            if col >= area.maxX { break }
            var w = TextWidth.width(of: ch)
            if w == 0 { continue }
            if !ch.unicodeScalars.allSatisfy(Sanitizer.isSafe) {
                // A scalar glibc cannot measure, joined to a printable one (after a ZWJ, or a
                // mark newer than Unicode 14): the cluster is shown as `�`, as Sanitizer does.
                ch = "\u{FFFD}"
                w = 1
            }
            if col + w > area.maxX {
                for k in max(col, area.x)..<area.maxX { put(" ", width: 1, x: k, y: y, style: style) }
                col = area.maxX
                break
            }
            if col >= area.x {
                put(String(ch), width: w, x: col, y: y, style: style)
            } else if col + w > area.x {
                for k in area.x..<(col + w) { put(" ", width: 1, x: k, y: y, style: style) }
            }
            col += w
        }
        return max(0, col - x)
    }

    /// Writes styled spans one after another from (x, y), clipped to `clip`, and returns the
    /// columns advanced (see ``write(_:x:y:style:clip:)``).
    @discardableResult
    public mutating func write(_ spans: [StyledSpan], x: Int, y: Int, clip: Rect? = nil) -> Int {
        var col = x
        for span in spans {
            col += write(span.text, x: col, y: y, style: span.style, clip: clip)
        }
        return col - x
    }

    /// Fills a rectangle with a character.
    ///
    /// A wide one is repeated every two columns, with spaces where it does not fit; a zero-width
    /// one fills with spaces. Wide graphemes cut at the rectangle's edges are blanked.
    public mutating func fill(_ rect: Rect, style: Style, char: Character = " ") {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        let w = TextWidth.width(of: char)
        let text = w == 0 ? " " : String(char)
        for yy in r.y..<r.maxY {
            var xx = r.x
            while xx < r.maxX {
                if w <= 1 || xx + w <= r.maxX {
                    put(text, width: max(1, w), x: xx, y: yy, style: style)
                    xx += max(1, w)
                } else {
                    put(" ", width: 1, x: xx, y: yy, style: style)
                    xx += 1
                }
            }
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
            write(
                text, x: l + 1, y: t, style: titleStyle ?? style,
                clip: Rect(x: l + 1, y: t, width: rect.width - 2, height: 1))
        }
    }

    /// The screen as text, one line per row, trailing spaces removed (for snapshots).
    public func text() -> String {
        (0..<size.height).map(row).joined(separator: "\n")
    }

    /// Text of one row (trailing spaces removed).
    public func row(_ y: Int) -> String {
        guard y >= 0, y < size.height else { return "" }
        var line = ""
        for xx in 0..<size.width { line += cells[y * size.width + xx].text }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    /// Styles as runs per row, like `3: 0-9 fg=red bold | 10-79 plain` (for snapshots where colour matters).
    public func styleDump() -> String {
        var lines: [String] = []
        for yy in 0..<size.height {
            guard size.width > 0 else {
                lines.append("\(yy): ")
                continue
            }
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
        case .ansi(let n):
            ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"][Int(n % 8)] + (n >= 8 ? "+" : "")
        case .indexed(let n): "\(n)"
        case .rgb(let r, let g, let b):
            "#"
                + [r, g, b].map {
                    String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
                }.joined()
        }
    }
}
