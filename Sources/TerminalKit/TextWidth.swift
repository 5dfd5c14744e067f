/// Terminal cell widths of text, as glibc 2.36's `wcwidth` and tmux 3.3a count them (see
/// SWIFT-NOTES §P6): East Asian wide and fullwidth characters and emoji with emoji presentation
/// take 2 cells; combining marks, format characters and Hangul medial and final jamo take 0.
///
/// A grapheme cluster is as wide as the sum of its scalars, except that a scalar right after a
/// zero width joiner (U+200D) counts 0: tmux draws a ZWJ sequence in the cell of its base, so
/// `👩‍💻` is 2. Consequences, all measured in tmux 3.3a:
/// - VS16 does not widen a narrow base: `⚠️` is 1.
/// - A regional-indicator pair (a flag, `🇯🇵`) is 2; a lone indicator is 1.
/// - An emoji modifier is a cell of its own: `👍🏽` is 4.
/// - A spacing mark is a cell of its own: Devanagari `कि` is 2.
/// - Scalars that glibc 2.36 cannot measure (unassigned in Unicode 14, controls) count 0;
///   ``Sanitizer`` replaces them, so sanitized text never holds them.
public enum TextWidth {
    /// Cells taken by one grapheme cluster: usually 0, 1 or 2; more for the few clusters that
    /// terminals draw in several cells (an emoji with a skin-tone modifier, some Indic clusters).
    public static func width(of c: Character) -> Int {
        let scalars = c.unicodeScalars
        if scalars.count == 1, let s = scalars.first { return width(of: s) }
        var w = 0
        var afterJoiner = false
        for s in scalars {
            if !afterJoiner { w += width(of: s) }
            afterJoiner = s.value == 0x200D
        }
        return w
    }

    /// Cells taken by one scalar: 0, 1 or 2 (0 also for scalars that are not printable).
    public static func width(of s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x300 {
            if v >= 0x20 && v < 0x7F { return 1 }
            return v >= 0xA0 ? 1 : 0
        }
        // Box drawing, block elements and braille (borders, bars, spinners): all one cell.
        if (v >= 0x2500 && v <= 0x25A0) || (v >= 0x2800 && v <= 0x28FF) { return 1 }
        if contains(WidthTable.zero, v) { return 0 }
        if contains(WidthTable.wide, v) { return 2 }
        if contains(WidthTable.unprintable, v) { return 0 }
        return 1
    }

    /// True when glibc 2.36 gives the scalar a width.
    ///
    /// That is: assigned in Unicode 14, not a control, not U+2028 or U+2029. Text made of
    /// printable scalars measures the same here, in ncurses and in tmux.
    public static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x300 { return (v >= 0x20 && v < 0x7F) || v >= 0xA0 }
        return !contains(WidthTable.unprintable, v)
    }

    /// Cells taken by a string.
    public static func width(_ s: String) -> Int {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s.utf8.count }
        var w = 0
        for c in s { w += width(of: c) }
        return w
    }

    /// The longest prefix of `s` that fits in `columns` cells; with `ellipsis`, a cut string ends in `…`.
    public static func truncate(_ s: String, to columns: Int, ellipsis: Bool = true) -> String {
        guard columns > 0 else { return "" }
        if width(s) <= columns { return s }
        let limit = ellipsis ? columns - 1 : columns
        var out = ""
        var used = 0
        for c in s {
            let w = width(of: c)
            if used + w > limit { break }
            out.append(c)
            used += w
        }
        return ellipsis ? out + "…" : out
    }

    /// Pads with spaces (or cuts) to exactly `columns` cells.
    public static func pad(_ s: String, to columns: Int) -> String {
        let t = truncate(s, to: columns, ellipsis: false)
        let w = width(t)
        return w < columns ? t + String(repeating: " ", count: columns - w) : t
    }

    /// Splits `s` into lines of at most `width` cells, breaking at spaces; a word longer than a
    /// line is broken where it must be. Spaces at a break are dropped.
    public static func wrap(_ s: String, width: Int) -> [String] {
        guard width > 0 else { return [s] }
        var lines: [String] = []
        var line = ""
        var used = 0
        func flush() {
            while line.last == " " {
                line.removeLast()
                used -= 1
            }
            lines.append(line)
            line = ""
            used = 0
        }
        for word in s.split(separator: " ", omittingEmptySubsequences: false) {
            let w = self.width(String(word))
            if used > 0, used + 1 + w > width { flush() }
            if used > 0 {
                line.append(" ")
                used += 1
            }
            if w <= width - used {
                line += word
                used += w
                continue
            }
            // Longer than a line: break it by cells.
            for c in word {
                let cw = self.width(of: c)
                if used + cw > width, used > 0 { flush() }
                line.append(c)
                used += cw
            }
        }
        lines.append(line)
        return lines
    }

    /// Binary search in a flat table of sorted, inclusive `start, end` pairs.
    static func contains(_ table: [UInt32], _ v: UInt32) -> Bool {
        var lo = 0
        var hi = table.count / 2 - 1
        guard hi >= 0, v >= table[0], v <= table[table.count - 1] else { return false }
        while lo <= hi {
            let mid = (lo + hi) / 2
            if v < table[2 * mid] {
                hi = mid - 1
            } else if v > table[2 * mid + 1] {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }
}
