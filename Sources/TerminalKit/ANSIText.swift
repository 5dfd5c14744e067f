/// A run of text in one style.
public struct StyledSpan: Sendable, Equatable {
    /// The text (sanitized when it comes from ``ANSIText``).
    public var text: String
    /// Its style.
    public var style: Style

    /// Creates a span.
    public init(text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// Log lines with colour codes: SGR sequences become styles, everything else is sanitized as
/// ``Sanitizer`` does, and carriage returns act as on a terminal.
public enum ANSIText {
    /// Splits one log line into styled spans.
    ///
    /// SGR sequences (`ESC [ … m`, also with `:` sub-parameters) change the style, starting from
    /// `base`: 0 reset; 1 bold, 2 dim, 3 italic, 4 underline (`4:0` none), 7 reverse, 9 strike;
    /// 22, 23, 24, 27, 29 take those back; 30–37, 90–97, 40–47, 100–107 set ANSI colours; 38/48
    /// with `5;n` or `2;r;g;b` (or `5:n`, `2:r:g:b`, `2:cs:r:g:b`) set 256 and 24-bit colours; 39
    /// and 49 restore the colours. "Reset" and "default" always mean `base`'s value, so a line
    /// cannot take away what `base` has. Other parameters (blink, conceal, underline colour…) are
    /// ignored, as are SGR sequences with private or intermediate bytes (`ESC [ > 4 m`).
    /// With `colors: false` (NO_COLOR) colours are ignored and attributes kept.
    ///
    /// Carriage returns are applied first, as ``applyCarriageReturns(_:)`` does (so a line that
    /// had them applied already is fine), and one final `\n` or `\r\n` is dropped. Span texts
    /// are sanitized; empty spans are left out and neighbours of one style merged.
    public static func parse(_ line: [UInt8], base: Style, colors: Bool) -> [StyledSpan] {
        var body = dropCRLF(line)
        if body.last == 0x0A { body.removeLast() }
        return spans(body, base: base, colors: colors)
    }

    /// Applies the carriage returns of a line as a terminal would.
    ///
    /// After a `\r` the text overwrites the line from column 0; the last rewrite wins where it
    /// reaches and what it does not reach stays (`downloading 10%\r50%` → `50%nloading 10%`).
    /// Overwriting half of a wide character blanks its other half. A trailing `\r` changes nothing and `\r\n` becomes `\n`.
    ///
    /// Columns are counted on the sanitized text. A line without `\r` comes back unchanged;
    /// otherwise the result is sanitized, as ``Sanitizer`` does, with one SGR sequence before
    /// each change of style that sets that style from a reset (`ESC [ 0 ; 1 ; 31 m`), and other
    /// escape sequences removed; a final `\n` is kept.
    public static func applyCarriageReturns(_ line: [UInt8]) -> [UInt8] {
        var body = dropCRLF(line)
        guard body.contains(0x0D) else { return body }
        let newline = body.last == 0x0A
        if newline { body.removeLast() }
        var out: [UInt8] = []
        var current = Style.plain
        for span in spans(body, base: .plain, colors: true) {
            if span.style != current {
                out.append(contentsOf: Array("\u{1B}[\(sgrParameters(span.style))m".utf8))
                current = span.style
            }
            out.append(contentsOf: Array(span.text.utf8))
        }
        if current != .plain { out.append(contentsOf: Array("\u{1B}[0m".utf8)) }
        if newline { out.append(0x0A) }
        return out
    }

    /// The text of a log line as shown, without styles: carriage returns applied, escape
    /// sequences removed, sanitized; one final `\n` or `\r\n` dropped.
    public static func plainText(_ line: [UInt8]) -> String {
        parse(line, base: .plain, colors: false).map(\.text).joined()
    }

    // MARK: - Internals

    /// Drops each `\r` that comes right before a `\n`.
    static func dropCRLF(_ line: [UInt8]) -> [UInt8] {
        guard line.contains(0x0D) else { return line }
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        for (k, b) in line.enumerated() where !(b == 0x0D && k + 1 < line.count && line[k + 1] == 0x0A) {
            out.append(b)
        }
        return out
    }

    /// Spans of a line (no terminator), carriage returns applied.
    static func spans(_ line: [UInt8], base: Style, colors: Bool) -> [StyledSpan] {
        var scanner = EscapeScanner(Sanitizer.decode(line))
        var builder = SpanBuilder(base: base, colors: colors)
        var segments: [[StyledSpan]] = []
        while let token = scanner.next() {
            switch token {
            case .scalar("\r"): segments.append(builder.endSegment())
            case .scalar(let s): builder.append(s)
            case .sgr(let params): builder.apply(sgr: params)
            case .sequence: break
            }
        }
        let last = builder.endSegment()
        if segments.isEmpty { return last }
        segments.append(last)
        return overlay(segments)
    }

    /// Lays segments over each other from column 0, as a terminal does after each `\r`.
    static func overlay(_ segments: [[StyledSpan]]) -> [StyledSpan] {
        // A cell holds a grapheme; "" continues the wide grapheme to its left.
        var cells: [(text: String, style: Style)] = []
        for segment in segments {
            var cursor = 0
            for span in segment {
                for ch in span.text {
                    let w = TextWidth.width(of: ch)
                    if w == 0 { continue }
                    let end = cursor + w
                    // Blank what is left of graphemes cut at either edge.
                    if cursor < cells.count, cells[cursor].text.isEmpty {
                        var h = cursor - 1
                        while h > 0, cells[h].text.isEmpty { h -= 1 }
                        for k in max(0, h)..<cursor { cells[k].text = " " }
                    }
                    var e = end
                    while e < cells.count, cells[e].text.isEmpty {
                        cells[e].text = " "
                        e += 1
                    }
                    while cells.count < end { cells.append((" ", span.style)) }
                    cells[cursor] = (String(ch), span.style)
                    for k in (cursor + 1)..<end { cells[k] = ("", span.style) }
                    cursor = end
                }
            }
        }
        var out: [StyledSpan] = []
        for cell in cells where !cell.text.isEmpty {
            if let last = out.last, last.style == cell.style {
                out[out.count - 1].text += cell.text
            } else {
                out.append(StyledSpan(text: cell.text, style: cell.style))
            }
        }
        return out
    }

    /// SGR parameters that set `style` from a reset, like `0;1;31;48;5;236`.
    static func sgrParameters(_ style: Style) -> String {
        var p = ["0"]
        let attributes: [(Attributes, String)] = [
            (.bold, "1"), (.dim, "2"), (.italic, "3"), (.underline, "4"), (.reverse, "7"), (.strikethrough, "9"),
        ]
        for (a, code) in attributes where style.attributes.contains(a) { p.append(code) }
        if let fg = sgrColor(style.fg, offset: 30) { p.append(fg) }
        if let bg = sgrColor(style.bg, offset: 40) { p.append(bg) }
        return p.joined(separator: ";")
    }

    private static func sgrColor(_ c: Color, offset: Int) -> String? {
        switch c {
        case .terminalDefault: nil
        case .ansi(let n) where n < 8: "\(offset + Int(n))"
        case .ansi(let n) where n < 16: "\(offset + 60 + Int(n) - 8)"
        case .ansi(let n), .indexed(let n): "\(offset + 8);5;\(n)"
        case .rgb(let r, let g, let b): "\(offset + 8);2;\(r);\(g);\(b)"
        }
    }
}

/// Builds the spans of one line: current style, sanitized text, tab columns across spans.
struct SpanBuilder {
    let base: Style
    let colors: Bool
    private(set) var style: Style
    private var spans: [StyledSpan] = []
    private var text = LineBuilder()

    init(base: Style, colors: Bool) {
        self.base = base
        self.colors = colors
        style = base
    }

    mutating func append(_ s: Unicode.Scalar) { text.append(s) }

    mutating func apply(sgr params: [Unicode.Scalar]) {
        var next = style
        SGR.apply(params, to: &next, base: base, colors: colors)
        if next != style {
            flush()
            style = next
        }
    }

    /// Ends the segment at a `\r`: its spans; the next one starts at column 0, in the same style.
    mutating func endSegment() -> [StyledSpan] {
        flush()
        defer { spans = [] }
        text = LineBuilder()
        return spans
    }

    private mutating func flush() {
        guard !text.isEmpty else { return }
        let column = text.startColumn + text.width()
        let t = text.finish()
        text = LineBuilder(startColumn: column)
        guard !t.isEmpty else { return }
        if let last = spans.last, last.style == style {
            spans[spans.count - 1].text += t
        } else {
            spans.append(StyledSpan(text: t, style: style))
        }
    }
}

/// Interpretation of SGR parameters.
enum SGR {
    /// Parameters as groups split by `;`, each split by `:`; an empty number is nil.
    static func groups(_ params: [Unicode.Scalar]) -> [[Int?]] {
        var groups: [[Int?]] = [[nil]]
        for s in params {
            switch s {
            case ";": groups.append([nil])
            case ":": groups[groups.count - 1].append(nil)
            default:
                guard (0x30...0x39).contains(s.value) else { continue }
                let d = Int(s.value - 0x30)
                let g = groups.count - 1, k = groups[g].count - 1
                groups[g][k] = min(99_999, (groups[g][k] ?? 0) * 10 + d)
            }
        }
        return groups
    }

    static func apply(_ params: [Unicode.Scalar], to style: inout Style, base: Style, colors: Bool) {
        let g = groups(params)
        var k = 0
        while k < g.count {
            let group = g[k]
            let n = group[0] ?? 0
            if group.count > 1 {
                // Colon form: everything of this parameter is in its group.
                switch n {
                case 38, 48:
                    if let c = extended(Array(group.dropFirst()), colonForm: true) { set(n, c, &style, colors) }
                case 4:
                    if (group[1] ?? 0) == 0 {
                        style.attributes.remove(.underline)
                        style.attributes.formUnion(base.attributes.intersection(.underline))
                    } else {
                        style.attributes.insert(.underline)
                    }
                case 58: break
                default: simple(n, &style, base, colors)
                }
                k += 1
                continue
            }
            switch n {
            case 38, 48, 58:
                let rest = g[(k + 1)...].map { $0[0] }
                let mode = rest.first ?? nil
                let used = mode == 5 ? 2 : mode == 2 ? 4 : rest.count
                if n != 58, let c = extended(Array(rest.prefix(used)), colonForm: false) { set(n, c, &style, colors) }
                k += 1 + used
            default:
                simple(n, &style, base, colors)
                k += 1
            }
        }
    }

    /// `5;n` / `2;r;g;b` (colon form also `2:cs:r:g:b`) as a colour; nil when malformed.
    static func extended(_ p: [Int?], colonForm: Bool) -> Color? {
        func byte(_ v: Int?) -> UInt8? {
            let v = v ?? 0
            guard (0...255).contains(v) else { return nil }
            return UInt8(v)
        }
        guard let mode = p.first ?? nil else { return nil }
        switch mode {
        case 5:
            guard p.count >= 2, let n = byte(p[1]) else { return nil }
            return .indexed(n)
        case 2:
            let rgb = colonForm && p.count >= 5 ? Array(p[2...4]) : p.count >= 4 ? Array(p[1...3]) : []
            guard rgb.count == 3, let r = byte(rgb[0]), let g = byte(rgb[1]), let b = byte(rgb[2]) else { return nil }
            return .rgb(r, g, b)
        default:
            return nil
        }
    }

    private static func set(_ n: Int, _ c: Color, _ style: inout Style, _ colors: Bool) {
        guard colors else { return }
        if n == 38 { style.fg = c } else { style.bg = c }
    }

    private static func simple(_ n: Int, _ style: inout Style, _ base: Style, _ colors: Bool) {
        func restore(_ a: Attributes) {
            style.attributes.remove(a)
            style.attributes.formUnion(base.attributes.intersection(a))
        }
        switch n {
        case 0: style = base
        case 1: style.attributes.insert(.bold)
        case 2: style.attributes.insert(.dim)
        case 3: style.attributes.insert(.italic)
        case 4: style.attributes.insert(.underline)
        case 7: style.attributes.insert(.reverse)
        case 9: style.attributes.insert(.strikethrough)
        case 22: restore([.bold, .dim])
        case 23: restore(.italic)
        case 24: restore(.underline)
        case 27: restore(.reverse)
        case 29: restore(.strikethrough)
        case 30...37: if colors { style.fg = .ansi(UInt8(n - 30)) }
        case 39: style.fg = base.fg
        case 40...47: if colors { style.bg = .ansi(UInt8(n - 40)) }
        case 49: style.bg = base.bg
        case 90...97: if colors { style.fg = .ansi(UInt8(n - 90 + 8)) }
        case 100...107: if colors { style.bg = .ansi(UInt8(n - 100 + 8)) }
        default: break
        }
    }
}
