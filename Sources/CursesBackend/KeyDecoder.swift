import CNcurses
import TerminalKit

/// Turns what `wget_wch` returned into keys. Pure apart from reading ncurses' key constants.
enum KeyDecoder {
    /// A character (`wget_wch` returned OK): control codes become `.ctrl`, Tab/Enter/Esc/Backspace
    /// their own keys. Nil for codes that mean nothing here (C1 controls, invalid scalars).
    static func character(_ code: UInt32) -> Key? {
        switch code {
        case 0: return .ctrl(" ")  // Ctrl-Space / Ctrl-@
        case 8, 127: return .backspace  // terminals send DEL (127) or BS (8) for Backspace
        case 9: return .tab
        case 10, 13: return .enter  // nonl(): Enter is CR; LF (Ctrl-J) is taken as Enter too
        case 27: return .escape
        case 1...26:
            guard let s = Unicode.Scalar(UInt32(96) + code) else { return nil }
            return .ctrl(Character(s))
        case 28: return .ctrl("\\")
        case 29: return .ctrl("]")
        case 30: return .ctrl("^")
        case 31: return .ctrl("_")
        case 0x80..<0xA0: return nil
        default:
            guard let s = Unicode.Scalar(code) else { return nil }
            return .char(Character(s))
        }
    }

    /// A key code (`wget_wch` returned KEY_CODE_YES). KEY_RESIZE and KEY_MOUSE are handled by the
    /// caller; nil for keys we do not map.
    static func keyCode(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_IC: return .insert
        default:
            let f0 = cn_key_f(0)
            if code > f0, code <= f0 + 63 { return .function(Int(code - f0)) }
            return nil
        }
    }
}
