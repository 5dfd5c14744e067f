/// Terminal cells of the text this module prints.
///
/// HistoryModel depends only on BuildModel, so it cannot use TerminalKit's `TextWidth` (glibc's
/// table). This is the same rule on a smaller table: East Asian wide and fullwidth ranges and
/// emoji with emoji presentation take 2 cells, combining marks and format characters 0, a scalar
/// after a zero width joiner 0. It agrees with `TextWidth` on ASCII, Latin, box drawing, blocks,
/// CJK and common emoji, which is what build names hold.
enum Cells {
    /// Cells taken by one grapheme cluster.
    static func width(of c: Character) -> Int {
        if let a = c.asciiValue { return a >= 0x20 && a < 0x7F ? 1 : 0 }
        var w = 0
        var afterJoiner = false
        for s in c.unicodeScalars {
            if !afterJoiner { w += width(of: s) }
            afterJoiner = s.value == 0x200D
        }
        return w
    }

    /// Cells taken by one scalar: 0, 1 or 2.
    static func width(of s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x300 { return (v >= 0x20 && v < 0x7F) || v >= 0xA0 ? 1 : 0 }
        if (v >= 0x2500 && v <= 0x25A0) || (v >= 0x2800 && v <= 0x28FF) { return 1 }
        if v >= 0x1160 && v <= 0x11FF { return 0 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control, .lineSeparator, .paragraphSeparator,
            .unassigned, .surrogate:
            return 0
        default: break
        }
        if s.properties.isEmojiPresentation { return 2 }
        for r in wide where r.contains(v) { return 2 }
        return 1
    }

    /// East Asian wide and fullwidth blocks (Markus Kuhn's `wcwidth` ranges, Unicode 14 planes).
    static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// Cells taken by a string.
    static func width(_ s: String) -> Int {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s.utf8.count }
        var w = 0
        for c in s { w += width(of: c) }
        return w
    }

    /// True for a scalar that must never reach a terminal: C0 and C1 controls, DEL, line and
    /// paragraph separators, bidirectional overrides and isolates, unassigned code points.
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return true }
        if v == 0x2028 || v == 0x2029 || v == 0x061C || v == 0x200E || v == 0x200F { return true }
        if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return true }
        return s.properties.generalCategory == .unassigned
    }

    /// `s` with every unsafe character replaced by `?` (and with `ascii`, every non-ASCII one).
    static func clean(_ s: String, ascii: Bool = false) -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s }
        var out = ""
        for c in s {
            if ascii {
                if let a = c.asciiValue, a >= 0x20, a < 0x7F { out.append(c) } else { out.append("?") }
            } else if c.unicodeScalars.contains(where: isUnsafe) {
                out.append("?")
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// The longest prefix of `s` that fits in `columns` cells, ending in `…` (ASCII: `..`) when cut.
    static func truncateRight(_ s: String, to columns: Int, ascii: Bool = false) -> String {
        guard columns > 0 else { return "" }
        if width(s) <= columns { return s }
        let mark = ascii ? ".." : "…"
        let markWidth = ascii ? 2 : 1
        guard columns > markWidth else { return String(repeating: ".", count: columns) }
        var out = ""
        var used = 0
        for c in s {
            let w = width(of: c)
            if used + w > columns - markWidth { break }
            out.append(c)
            used += w
        }
        return out + mark
    }

    /// `s` cut from the left like buildx does: `..` and the end that fits in `columns` cells.
    static func truncateLeft(_ s: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if width(s) <= columns { return s }
        guard columns > 2 else { return String(repeating: ".", count: columns) }
        var tail: [Character] = []
        var used = 0
        for c in s.reversed() {
            let w = width(of: c)
            if used + w > columns - 2 { break }
            tail.append(c)
            used += w
        }
        return ".." + String(tail.reversed())
    }

    /// `s` padded with spaces (or cut) to exactly `columns` cells.
    static func pad(_ s: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        var t = s
        if width(t) > columns { t = truncateRight(t, to: columns, ascii: true) }
        // A wide character may leave one cell short of `columns`.
        var w = width(t)
        while w > columns, !t.isEmpty {
            t.removeLast()
            w = width(t)
        }
        return w < columns ? t + String(repeating: " ", count: columns - w) : t
    }

    /// `s` right-aligned in `columns` cells (cut from the right when longer).
    static func padLeft(_ s: String, to columns: Int) -> String {
        let w = width(s)
        if w >= columns { return pad(s, to: columns) }
        return String(repeating: " ", count: columns - w) + s
    }

    /// A final guard: `line` cut to `columns` cells.
    static func fit(_ line: String, _ columns: Int, ascii: Bool) -> String {
        width(line) <= columns ? line : truncateRight(line, to: columns, ascii: ascii)
    }
}
