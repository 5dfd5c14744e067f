/// Makes untrusted text (log bytes, step names, error strings, builder names) safe for the terminal.
///
/// Sanitizing works on one line. What comes out holds no control character (C0, DEL, C1), no
/// escape sequence, no BiDi control and no scalar that glibc 2.36 cannot measure, so
/// ``TextWidth``, ncurses and tmux agree on its width. In order:
/// 1. UTF-8 is decoded; each invalid sequence (overlong, surrogate, truncated, `0xFF`…)
///    becomes U+FFFD `�`.
/// 2. Whole escape sequences are removed: CSI `ESC [ … final` (with private and intermediate
///    bytes), OSC `ESC ] … BEL | ESC \` (titles, OSC 52 clipboard, OSC 8 hyperlinks), DCS
///    `ESC P … ST`, SOS/PM/APC `ESC X | ESC ^ | ESC _ … ST`, `ESC` + intermediates + final
///    (`ESC ( B`), two-character `ESC x`, and the 8-bit forms introduced by U+009B (CSI),
///    U+009D (OSC), U+0090 (DCS), U+0098, U+009E, U+009F and ended by U+009C (ST).
///    An `ESC` inside a string sequence ends it (as in xterm); CAN and SUB abort one.
/// 3. A lone `ESC`, or the `ESC` of a sequence that is cut off (by the end of the line, or by a
///    character that cannot be in it), becomes a visible `␛` and what followed it is shown as
///    text; a cut-off 8-bit introducer becomes `�`.
/// 4. TAB becomes spaces to the next multiple of 8 columns; `\n` (and U+2028, U+2029) become
///    `␤`; other C0 controls become Control Pictures (U+2400 + code: `␀`, `␇`, `␍`); DEL becomes
///    `␡`; other C1 controls and scalars unassigned in Unicode 14 become `�`.
/// 5. BiDi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the deprecated
///    format controls U+206A–U+206F and U+FFF9–U+FFFB are removed.
/// 6. A zero width joiner that joins nothing (at the end of a grapheme cluster) is removed:
///    tmux would glue the next character onto it.
///
/// Carriage returns are the caller's business (``ANSIText/applyCarriageReturns(_:)``,
/// ``ANSIText/plainText(_:)``); a stray `\r` here becomes `␍`.
public enum Sanitizer {
    /// Decodes untrusted bytes as UTF-8 and sanitizes them (see ``Sanitizer``).
    public static func sanitize(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        return sanitize(scalars: decode(bytes))
    }

    /// Sanitizes an untrusted string (see ``Sanitizer``).
    ///
    /// Printable ASCII is returned as is.
    public static func sanitize(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s }
        return sanitize(scalars: Array(s.unicodeScalars))
    }

    /// True when `s` may go to the terminal as it is.
    ///
    /// That is: no C0 or C1 control, no DEL, no BiDi control, no line or paragraph separator, and
    /// only scalars that glibc 2.36 can measure. Everything ``sanitize(_:)-(String)`` returns passes.
    public static func isSafe(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy(isSafe)
    }

    /// True when one scalar may go to the terminal (see ``isSafe(_:)-(String)``).
    public static func isSafe(_ s: Unicode.Scalar) -> Bool {
        if s.value >= 0x20 && s.value < 0x7F { return true }
        return TextWidth.isPrintable(s) && !isRemoved(s.value)
    }

    // MARK: - Internals shared with ANSIText

    /// UTF-8 decoding that replaces each maximal invalid subsequence with U+FFFD.
    static func decode(_ bytes: [UInt8]) -> [Unicode.Scalar] {
        Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
    }

    static func sanitize(scalars: [Unicode.Scalar]) -> String {
        var scanner = EscapeScanner(scalars)
        var out = LineBuilder()
        while let token = scanner.next() {
            if case .scalar(let s) = token { out.append(s) }
        }
        return out.finish()
    }

    /// What a text scalar becomes.
    enum Mapped {
        case keep(Unicode.Scalar)
        case tab
        case drop
    }

    static let replacement: Unicode.Scalar = "\u{FFFD}"
    static let newlinePicture: Unicode.Scalar = "\u{2424}"

    static func map(_ s: Unicode.Scalar) -> Mapped {
        let v = s.value
        if v >= 0x20 && v < 0x7F { return .keep(s) }
        switch v {
        case 0x09: return .tab
        case 0x0A, 0x2028, 0x2029: return .keep(newlinePicture)
        case 0x00..<0x20: return .keep(Unicode.Scalar(0x2400 + v) ?? replacement)
        case 0x7F: return .keep("\u{2421}")
        case 0x80..<0xA0: return .keep(replacement)
        default:
            if isRemoved(v) { return .drop }
            return TextWidth.isPrintable(s) ? .keep(s) : .keep(replacement)
        }
    }

    /// BiDi controls and deprecated invisible format controls.
    static func isRemoved(_ v: UInt32) -> Bool {
        switch v {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x206A...0x206F, 0xFFF9...0xFFFB: true
        default: false
        }
    }

    /// Removes zero width joiners that end a grapheme cluster (they join nothing).
    static func dropDanglingJoiners(_ s: String) -> String {
        guard s.unicodeScalars.contains("\u{200D}") else { return s }
        var out = String.UnicodeScalarView()
        for c in s {
            var scalars = Array(c.unicodeScalars)
            while scalars.last == "\u{200D}" { scalars.removeLast() }
            // One scalar at a time: `UnicodeScalarView.append(contentsOf:)` copies the whole
            // view on each call (Swift 6.3), which made long lines quadratic.
            for scalar in scalars { out.append(scalar) }
        }
        return String(out)
    }
}

/// Accumulates mapped text of one line (or one styled span of it), expanding tabs by the
/// display column.
struct LineBuilder {
    /// Columns before this text (earlier spans of the line).
    let startColumn: Int
    /// Text up to and including the last tab's spaces, and its width.
    private var done = String.UnicodeScalarView()
    private var doneWidth = 0
    /// Text since the last tab.
    private var tail = String.UnicodeScalarView()

    init(startColumn: Int = 0) {
        self.startColumn = startColumn
    }

    var isEmpty: Bool { done.isEmpty && tail.isEmpty }

    mutating func append(_ s: Unicode.Scalar) {
        switch Sanitizer.map(s) {
        case .keep(let k): tail.append(k)
        case .drop: break
        case .tab:
            let col = startColumn + width()
            let spaces = 8 - col % 8
            // Scalar by scalar, as in Sanitizer.dropDanglingJoiners (linear in the line).
            for scalar in tail { done.append(scalar) }
            for _ in 0..<spaces { done.append(" ") }
            tail = String.UnicodeScalarView()
            doneWidth = col + spaces - startColumn
        }
    }

    /// Columns taken by the text so far.
    func width() -> Int {
        doneWidth + TextWidth.width(String(tail))
    }

    /// The sanitized text.
    func finish() -> String {
        var all = done
        all.append(contentsOf: tail)
        return Sanitizer.dropDanglingJoiners(String(all))
    }
}

/// Splits decoded scalars into text scalars and escape sequences.
struct EscapeScanner {
    enum Token: Equatable {
        /// A scalar to show (still to be mapped); a cut-off introducer arrives as `␛` or `�`.
        case scalar(Unicode.Scalar)
        /// A complete SGR sequence `CSI params m`: its parameter scalars (digits, `;`, `:`).
        case sgr([Unicode.Scalar])
        /// Any other complete (or aborted) sequence: removed.
        case sequence
    }

    private let s: [Unicode.Scalar]
    private var i = 0
    /// Scalars before this index are passed through as text (the rest of a cut-off string
    /// sequence), which keeps scanning linear.
    private var literalUntil = 0

    init(_ scalars: [Unicode.Scalar]) { s = scalars }

    private static let esc: UInt32 = 0x1B

    mutating func next() -> Token? {
        guard i < s.count else { return nil }
        let c = s[i].value
        if i < literalUntil {
            i += 1
            return .scalar(s[i - 1])
        }
        switch c {
        case Self.esc: return escape()
        case 0x9B: return csi(introducer: i, start: i + 1)
        case 0x9D, 0x90, 0x98, 0x9E, 0x9F: return string(introducer: i, start: i + 1)
        default:
            i += 1
            return .scalar(s[i - 1])
        }
    }

    /// The visible stand-in of a cut-off introducer at `at`.
    private func cutOff(_ at: Int) -> Token {
        .scalar(s[at].value == Self.esc ? "\u{241B}" : Sanitizer.replacement)
    }

    private mutating func escape() -> Token {
        let start = i
        guard i + 1 < s.count else {
            i += 1
            return cutOff(start)
        }
        let n = s[i + 1].value
        switch n {
        case 0x5B: return csi(introducer: i, start: i + 2)  // [
        case 0x5D, 0x50, 0x58, 0x5E, 0x5F: return string(introducer: i, start: i + 2)  // ] P X ^ _
        case 0x20...0x2F:
            var j = i + 1
            while j < s.count, (0x20...0x2F).contains(s[j].value) { j += 1 }
            if j < s.count, (0x30...0x7E).contains(s[j].value) {
                i = j + 1
                return .sequence
            }
            i += 1
            return cutOff(start)
        case 0x30...0x7E:
            i += 2
            return .sequence
        default:
            i += 1
            return cutOff(start)
        }
    }

    private mutating func csi(introducer: Int, start: Int) -> Token {
        var j = start
        var plain = true  // only digits, ';' and ':'
        while j < s.count, (0x20...0x3F).contains(s[j].value) {
            let v = s[j].value
            if !((0x30...0x3B).contains(v)) { plain = false }
            j += 1
        }
        guard j < s.count, (0x40...0x7E).contains(s[j].value) else {
            i = introducer + 1
            return cutOff(introducer)
        }
        i = j + 1
        if plain, s[j] == "m" { return .sgr(Array(s[start..<j])) }
        return .sequence
    }

    private mutating func string(introducer: Int, start: Int) -> Token {
        var j = start
        while j < s.count {
            switch s[j].value {
            case 0x07, 0x9C:
                i = j + 1
                return .sequence
            case 0x18, 0x1A:  // CAN, SUB abort the sequence
                i = j + 1
                return .sequence
            case Self.esc where j + 1 < s.count:
                // ESC \ is the terminator; any other ESC ends the string and starts anew.
                i = s[j + 1] == "\\" ? j + 2 : j
                return .sequence
            default:
                j += 1
            }
        }
        i = introducer + 1
        literalUntil = s.count
        return cutOff(introducer)
    }
}
