import CNcurses
import CTermGuard
import Glibc
import Synchronization
import TerminalKit

/// The program's terminal: a `Terminal` on ncursesw, opened on `/dev/tty`.
///
/// Threading: not thread-safe, like ncurses itself. Create it, present frames, wait for events,
/// suspend and shut it down all from one thread: the main thread, which runs the event loop.
/// Other threads only post work and ring ``wakeFD``.
///
/// Process set-up: call ``prepareProcess()`` as the very first thing in `main`, before any thread
/// exists, so that every thread inherits a blocked SIGWINCH; the signal is then delivered only
/// inside ``waitForEvents(timeoutMilliseconds:)``, which unblocks it atomically (`ppoll`).
///
/// A typical loop:
/// ```swift
/// CursesTerminal.prepareProcess()
/// let term = try CursesTerminal(options: .init(mouse: false))
/// term.wakeFD = bus.fd                       // an eventfd; background work rings it
/// term.installExitSignalHandlers { _ in bus.post(.quit) }
/// defer { term.shutdown() }
/// while running {
///     for e in term.waitForEvents(timeoutMilliseconds: nil) { handle(e) }   // [] when woken
///     for e in bus.drain() { apply(e) }                                      // caller drains the eventfd
///     term.present(render(state, term.size))
/// }
/// ```
public final class CursesTerminal: Terminal {
    /// How colours are shown.
    public enum ColorMode: Sendable, Hashable {
        /// 24-bit colour: exact RGB (terminfo `RGB`, or redefined palette slots, see
        /// ``Options/allowPaletteChanges``).
        case trueColor
        /// The 256 indexed colours; RGB is shown as the nearest of 16–255.
        case indexed256
        /// The 16 ANSI colours (8 plus bold on 8-colour terminals); the rest as the nearest of 16.
        case ansi16
        /// No colours, attributes only.
        case mono
    }

    /// What to set up.
    public struct Options: Sendable {
        /// Report mouse presses, releases and the wheel (`mousemask`). Off by default: with mouse
        /// reporting on, the terminal's own text selection needs Shift.
        public var mouse: Bool
        /// The colour mode; nil detects it: `NO_COLOR` set or a terminal without colours → mono;
        /// `COLORTERM=truecolor|24bit` or terminfo `RGB` → true colour; 256 colours → indexed256;
        /// otherwise ansi16. A mode beyond what the terminfo entry can do is lowered to what it can.
        public var colorMode: ColorMode?
        /// In true-colour mode on a terminal whose terminfo has no `RGB` flag but can redefine its
        /// palette (`ccc`, e.g. xterm-256color), redefine palette slots 16–255 to show exact RGB.
        /// Off by default: the change outlives a killed process, and terminals that claim `ccc`
        /// but ignore the palette sequence would show wrong colours. When off, such terminals get
        /// the nearest of the 256 colours.
        public var allowPaletteChanges: Bool

        /// Creates options.
        public init(mouse: Bool = false, colorMode: ColorMode? = nil, allowPaletteChanges: Bool = false) {
            self.mouse = mouse
            self.colorMode = colorMode
            self.allowPaletteChanges = allowPaletteChanges
        }
    }

    /// Why the terminal could not be opened.
    public enum InitError: Error, CustomStringConvertible, Sendable {
        /// There is no controlling terminal (`/dev/tty` cannot be opened), e.g. under cron or CI.
        case noTerminal(String)
        /// `TERM` is unset or names a terminal type the terminfo database does not know.
        case unknownTerminal(String)
        /// Another `CursesTerminal` is active in this process.
        case alreadyActive

        /// A one-line explanation for the user.
        public var description: String {
            switch self {
            case .noTerminal(let why): "no terminal: \(why)"
            case .unknownTerminal(let why): "unknown terminal: \(why)"
            case .alreadyActive: "a curses terminal is already active in this process"
            }
        }
    }

    /// The eventfd (or any pollable descriptor) that background work rings; -1 for none. It is only
    /// polled here, never read: the caller drains it.
    public var wakeFD: Int32 = -1
    /// The descriptor of `/dev/tty` (-1 after ``shutdown()``).
    public internal(set) var ttyFD: Int32 = -1
    /// The colour mode in effect (after detection and after lowering to what the terminal can do).
    public let colorMode: ColorMode
    /// Cells handed to ncurses by the last ``present(_:)``: one per grapheme written (a wide
    /// grapheme counts once). A frame that changes one cell writes one cell.
    public internal(set) var cellsWrittenLastFrame = 0
    /// True from a successful init until ``shutdown()``.
    public var isActive: Bool { screenPointer != nil }

    private static let activeInstance = Mutex<Bool>(false)

    var screenPointer: OpaquePointer?
    var ttyFile: UnsafeMutablePointer<FILE>?
    var exitSignalFD: Int32 = -1
    var onExitSignal: (@Sendable (Int32) -> Void)?
    var colors: ColorTable
    let mouseEnabled: Bool
    var previous: Screen?
    var needsClear = true
    var pendingEvents: [TerminalEvent] = []
    var inputPending = false
    var ttyHungUp = false
    var hangupDelivered = false
    var lastSize = Size(width: 80, height: 24)
    var run: [cchar_t] = []
    var dirty: [Bool] = []

    // MARK: - Process set-up

    /// Prepares the process for curses. Call it FIRST in `main`, before anything starts a thread
    /// (Dispatch, Tasks, NIO): it blocks SIGWINCH in the calling thread, which every later thread
    /// inherits, and sets the locale from the environment, falling back to `C.UTF-8` when that
    /// gives no UTF-8 character set (`env -i`, cron, CI), so wide characters work.
    public static func prepareProcess() {
        _ = cn_block_sigwinch()
        _ = setlocale(LC_ALL, "")
        ensureUTF8Locale()
    }

    private static func ensureUTF8Locale() {
        guard let current = setlocale(LC_CTYPE, nil) else { return }
        let name = String(cString: current).lowercased()
        if !(name.contains("utf-8") || name.contains("utf8")) { _ = setlocale(LC_CTYPE, "C.UTF-8") }
    }

    // MARK: - Init and shutdown

    /// Opens `/dev/tty` in curses mode: raw input (Ctrl-C arrives as `.ctrl("c")`, Ctrl-Z as
    /// `.ctrl("z")`), no echo, keypad keys decoded, hidden cursor, 25 ms Escape delay, colours
    /// with the terminal's own defaults, mouse if asked. Installs the crash guard (CTermGuard) and
    /// catches SIGTERM/SIGHUP/SIGINT (see ``installExitSignalHandlers(onSignal:)``).
    ///
    /// Also blocks SIGWINCH in the calling thread; see ``prepareProcess()`` for why that should
    /// have happened earlier.
    /// - Throws: ``InitError`` when there is no terminal, `TERM` is unknown, or another instance is active.
    public init(options: Options = Options()) throws {
        let claimed = Self.activeInstance.withLock { active -> Bool in
            if active { return false }
            active = true
            return true
        }
        guard claimed else { throw InitError.alreadyActive }
        var success = false
        defer { if !success { Self.activeInstance.withLock { $0 = false } } }

        _ = cn_block_sigwinch()
        Self.ensureUTF8Locale()

        guard let term = getenv("TERM").map({ String(cString: $0) }), !term.isEmpty else {
            throw InitError.unknownTerminal("TERM is not set")
        }
        guard let tty = fopen("/dev/tty", "r+e") else {
            throw InitError.noTerminal("cannot open /dev/tty: \(String(cString: strerror(errno)))")
        }
        let fd = fileno(tty)
        guard isatty(fd) != 0 else {
            fclose(tty)
            throw InitError.noTerminal("/dev/tty is not a terminal")
        }
        // Before newterm: ncurses then leaves SIGINT/SIGTERM alone (it only takes them at default).
        let sigFD = tg_exit_signals_install()
        guard let scr = newterm(nil, tty, tty) else {
            tg_exit_signals_uninstall()
            fclose(tty)
            throw InitError.unknownTerminal("'\(term)' is not in the terminfo database (try TERM=xterm-256color)")
        }
        _ = set_term(scr)
        let win = cn_stdscr()
        _ = raw()
        _ = noecho()
        _ = nonl()
        _ = keypad(win, true)
        _ = nodelay(win, true)
        _ = leaveok(win, true)
        _ = curs_set(0)
        _ = set_escdelay(25)

        // Colours.
        let requested = options.colorMode ?? Self.detectColorMode()
        var target = ColorTable.Target.mono
        var defaults = false
        var direct = false
        if requested != .mono, has_colors(), start_color() == OK {
            defaults = use_default_colors() == OK
            let n = cn_colors()
            let rgbFlag = cn_tigetflag("RGB") > 0
            direct = rgbFlag && n >= 0x1000000
            func fallback() -> ColorTable.Target { n >= 256 ? .indexed256 : (n >= 16 ? .ansi16 : .ansi8) }
            switch requested {
            case .trueColor:
                if direct {
                    target = .direct
                } else if options.allowPaletteChanges, can_change_color(), n >= 16 {
                    target = .palette(first: 16, end: Int32(min(n, 256)))
                } else {
                    target = fallback()
                }
            case .indexed256: target = fallback()
            case .ansi16: target = n >= 16 ? .ansi16 : .ansi8
            case .mono: target = .mono
            }
            if n < 8 { target = .mono }
        }
        let pairLimit = max(0, min(Int(cn_color_pairs()) - 1, Int(Int32.max)))
        colors = ColorTable(target: target, defaultColors: defaults, directNumbers: direct, maxPair: Int32(pairLimit))
        colorMode = target.mode

        mouseEnabled = options.mouse
        if options.mouse {
            _ = mouseinterval(0)  // no click synthesis: presses and releases arrive at once
            let mask = CN_BUTTON1_PRESSED | CN_BUTTON1_RELEASED | CN_BUTTON4_PRESSED | CN_BUTTON5_PRESSED
            _ = mousemask(mask, nil)
        }

        screenPointer = scr
        ttyFile = tty
        ttyFD = fd
        exitSignalFD = sigFD
        lastSize = Self.windowSize(win)
        tg_install()
        tg_winch_install()
        success = true
    }

    deinit {
        shutdown()
    }

    /// Leaves curses mode for good: `endwin`, `delscreen`, closes `/dev/tty`, and puts back the
    /// signal handlers (crash guard, exit signals) that were there before. Idempotent; the
    /// terminal is then back in the mode the shell left it in. ``present(_:)`` does nothing after it.
    public func shutdown() {
        guard let scr = screenPointer else { return }
        tg_uninstall()
        if mouseEnabled { _ = mousemask(0, nil) }
        _ = endwin()
        delscreen(scr)
        screenPointer = nil
        if let tty = ttyFile { fclose(tty) }
        ttyFile = nil
        ttyFD = -1
        tg_winch_uninstall()
        tg_exit_signals_uninstall()
        exitSignalFD = -1
        previous = nil
        Self.activeInstance.withLock { $0 = false }
    }

    // MARK: - Size

    /// The current size in cells (the last known size after ``shutdown()``).
    public var size: Size {
        if screenPointer != nil { lastSize = Self.windowSize(cn_stdscr()) }
        return lastSize
    }

    private static func windowSize(_ win: UnsafeMutablePointer<WINDOW>?) -> Size {
        Size(width: Int(max(0, getmaxx(win))), height: Int(max(0, getmaxy(win))))
    }

    /// Makes the next ``present(_:)`` clear the terminal and repaint every cell (e.g. after
    /// another program wrote over the screen).
    public func forceRedraw() {
        needsClear = true
    }

    // MARK: - Colour detection

    /// The mode chosen when ``Options/colorMode`` is nil (environment only; terminfo is consulted
    /// in init, which lowers it to what the terminal can show).
    static func detectColorMode() -> ColorMode {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        if let nc = env("NO_COLOR"), !nc.isEmpty { return .mono }
        if let ct = env("COLORTERM")?.lowercased(), ct == "truecolor" || ct == "24bit" { return .trueColor }
        if cn_tigetflag("RGB") > 0 { return .trueColor }
        let n = cn_tigetnum("colors")
        if n >= 256 { return .indexed256 }
        if n >= 8 { return .ansi16 }
        return .mono
    }
}
