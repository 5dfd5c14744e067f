import CNcurses
import TerminalKit

/// Maps styles to ncurses attributes and colour pairs, allocating pairs (and, in palette mode,
/// colour slots) on demand. When the terminal runs out of pairs it sets `exhausted`; the caller
/// then calls `reset()` and repaints the whole screen.
struct ColorTable {
    /// How colours reach the terminal.
    enum Target: Equatable {
        /// No colour at all: attributes only.
        case mono
        /// 8 colours: bright foregrounds become bold, everything else the nearest of 8.
        case ansi8
        /// The 16 ANSI colours.
        case ansi16
        /// The 256 indexed colours; RGB goes to the nearest of 16–255.
        case indexed256
        /// Direct colour (terminfo `RGB`): colour numbers are `0xRRGGBB`; 0–7 are ANSI.
        case direct
        /// Palette slots `first..<end` are redefined with `init_extended_color` on demand.
        case palette(first: Int32, end: Int32)

        /// The public mode this target gives.
        var mode: CursesTerminal.ColorMode {
            switch self {
            case .mono: .mono
            case .ansi8, .ansi16: .ansi16
            case .indexed256: .indexed256
            case .direct, .palette: .trueColor
            }
        }
    }

    /// What a style becomes.
    struct Code {
        var attrs: attr_t
        var pair: Int32
    }

    private struct PairKey: Hashable {
        var fg: Int32
        var bg: Int32
    }

    let target: Target
    /// `use_default_colors` succeeded: colour -1 is the terminal's own default.
    let defaultColors: Bool
    /// The terminal is direct-colour (terminfo `RGB`): numbers from 8 up are 0xRRGGBB, not palette
    /// indexes, so a lower mode's palette indexes 8–255 must be sent as their RGB values.
    let directNumbers: Bool
    /// Highest usable pair number.
    let maxPair: Int32
    /// A pair (or palette slot) could not be allocated since the last reset.
    private(set) var exhausted = false
    /// One frame needed more pairs than the terminal has: until the next reset, styles that get
    /// no pair use pair 0 quietly instead of setting `exhausted` (so frames do not thrash).
    private(set) var saturated = false
    /// Pairs allocated so far (for diagnostics).
    var pairsInUse: Int { pairs.count }

    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private var slots: [Int32: Int32] = [:]
    private var nextSlot: Int32
    private var styles: [Style: Code] = [:]

    init(target: Target, defaultColors: Bool, directNumbers: Bool, maxPair: Int32) {
        self.target = target
        self.defaultColors = defaultColors
        self.directNumbers = directNumbers
        self.maxPair = maxPair
        if case .palette(let first, _) = target { nextSlot = first } else { nextSlot = 0 }
    }

    /// Forgets every pair and slot; the caller must repaint everything afterwards.
    mutating func reset() {
        pairs.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        styles.removeAll(keepingCapacity: true)
        nextPair = 1
        if case .palette(let first, _) = target { nextSlot = first }
        exhausted = false
        saturated = false
    }

    /// Accepts the shortage: see `saturated`.
    mutating func saturate() {
        saturated = true
        exhausted = false
    }

    /// Attributes and pair for a style (pair 0 when none could be allocated).
    mutating func code(for style: Style) -> Code {
        if let c = styles[style] { return c }
        var attrs = Self.attributes(style.attributes)
        var pair: Int32 = 0
        var ok = true
        if target != .mono {
            var (fg, bright) = number(style.fg, foreground: true, ok: &ok)
            var (bg, _) = number(style.bg, foreground: false, ok: &ok)
            if directNumbers, target != .direct {
                fg = Self.directNumber(fg)
                bg = Self.directNumber(bg)
            }
            if bright { attrs |= CN_A_BOLD }
            if ok { pair = allocatePair(fg: fg, bg: bg, ok: &ok) }
        }
        let code = Code(attrs: attrs, pair: ok ? pair : 0)
        if ok || saturated { styles[style] = code } else { exhausted = true }
        return code
    }

    /// A palette index as a direct-colour number (0–7 stay ANSI, -1 stays default).
    static func directNumber(_ n: Int32) -> Int32 {
        guard n >= 8, n < 256 else { return n }
        return max(8, ColorMath.rgb(ofIndex: UInt8(n)).packed)
    }

    static func attributes(_ a: Attributes) -> attr_t {
        var out = CN_A_NORMAL
        if a.contains(.bold) { out |= CN_A_BOLD }
        if a.contains(.dim) { out |= CN_A_DIM }
        if a.contains(.italic) { out |= CN_A_ITALIC }
        if a.contains(.underline) { out |= CN_A_UNDERLINE }
        if a.contains(.reverse) { out |= CN_A_REVERSE }
        // .strikethrough: ncurses 6.4 has no attribute for it; dropped.
        return out
    }

    private mutating func allocatePair(fg: Int32, bg: Int32, ok: inout Bool) -> Int32 {
        if fg == -1, bg == -1 { return 0 }
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        guard nextPair <= maxPair, cn_init_pair(nextPair, fg, bg) == OK else {
            ok = false
            return 0
        }
        let p = nextPair
        nextPair += 1
        pairs[key] = p
        return p
    }

    /// The ncurses colour number for a colour, and whether an 8-colour terminal needs bold to
    /// show a bright foreground.
    private mutating func number(_ c: Color, foreground: Bool, ok: inout Bool) -> (Int32, Bool) {
        let fallbackDefault: Int32 = defaultColors ? -1 : (foreground ? 7 : 0)
        switch target {
        case .mono:
            return (-1, false)
        case .ansi8:
            let n: UInt8
            switch c {
            case .terminalDefault: return (fallbackDefault, false)
            case .ansi(let i): n = i & 15
            case .indexed(let i): n = i < 16 ? i : ColorMath.nearest16(ColorMath.rgb(ofIndex: i))
            case .rgb(let r, let g, let b): n = ColorMath.nearest16(.init(r: Int(r), g: Int(g), b: Int(b)))
            }
            return (Int32(n & 7), foreground && n >= 8)
        case .ansi16:
            switch c {
            case .terminalDefault: return (fallbackDefault, false)
            case .ansi(let i): return (Int32(i & 15), false)
            case .indexed(let i):
                return (Int32(i < 16 ? i : ColorMath.nearest16(ColorMath.rgb(ofIndex: i))), false)
            case .rgb(let r, let g, let b):
                return (Int32(ColorMath.nearest16(.init(r: Int(r), g: Int(g), b: Int(b)))), false)
            }
        case .indexed256:
            switch c {
            case .terminalDefault: return (fallbackDefault, false)
            case .ansi(let i): return (Int32(i & 15), false)
            case .indexed(let i): return (Int32(i), false)
            case .rgb(let r, let g, let b):
                return (Int32(ColorMath.nearest256(.init(r: Int(r), g: Int(g), b: Int(b)))), false)
            }
        case .direct:
            // xterm-direct style terminfo: numbers below 8 are the ANSI colours, the rest 0xRRGGBB.
            let rgb: ColorMath.RGB
            switch c {
            case .terminalDefault: return (fallbackDefault, false)
            case .ansi(let i) where i < 8: return (Int32(i), false)
            case .indexed(let i) where i < 8: return (Int32(i), false)
            case .ansi(let i): rgb = ColorMath.rgb(ofIndex: i & 15)
            case .indexed(let i): rgb = ColorMath.rgb(ofIndex: i)
            case .rgb(let r, let g, let b): rgb = .init(r: Int(r), g: Int(g), b: Int(b))
            }
            return (max(8, rgb.packed), false)
        case .palette(_, let end):
            let rgb: ColorMath.RGB
            switch c {
            case .terminalDefault: return (fallbackDefault, false)
            case .ansi(let i): return (Int32(i & 15), false)
            case .indexed(let i) where i < 16: return (Int32(i), false)
            case .indexed(let i): rgb = ColorMath.rgb(ofIndex: i)
            case .rgb(let r, let g, let b): rgb = .init(r: Int(r), g: Int(g), b: Int(b))
            }
            if let s = slots[rgb.packed] { return (s, false) }
            guard nextSlot < end,
                cn_init_color(nextSlot, Int32(rgb.r * 1000 / 255), Int32(rgb.g * 1000 / 255), Int32(rgb.b * 1000 / 255)) == OK
            else {
                ok = false
                return (fallbackDefault, false)
            }
            let s = nextSlot
            nextSlot += 1
            slots[rgb.packed] = s
            return (s, false)
        }
    }
}
