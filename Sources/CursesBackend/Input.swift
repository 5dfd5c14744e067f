import CNcurses
import CTermGuard
import Glibc
import TerminalKit

extension CursesTerminal {
    /// Most events returned by one call; the rest stay queued for the next call (which then does
    /// not sleep), so a huge paste cannot starve the rest of the loop.
    static let maxEventsPerCall = 512

    /// Sleeps until the terminal has input, ``wakeFD`` is readable, an exit signal arrived, or the
    /// timeout passed (nil: no timeout); then returns every pending terminal event.
    ///
    /// - The sleep is `ppoll` on the tty, ``wakeFD`` and the exit-signal pipe with an empty signal
    ///   mask, so a SIGWINCH (blocked everywhere else, see ``prepareProcess()``) is delivered here
    ///   and shows up as one `.resize(size)` (several resizes in one call are merged).
    /// - Keys are drained with `wget_wch` until none is left; Escape alone arrives 25 ms after the
    ///   key (Alt-x arrives as `.escape`, `.char("x")`).
    /// - Returns `[]` when woken by ``wakeFD``, a timeout, an exit signal or an interrupted sleep:
    ///   the caller then drains its own queue. ``wakeFD`` is never read here.
    /// - An exit signal (SIGTERM, SIGHUP, SIGINT) calls the handler given to
    ///   ``installExitSignalHandlers(onSignal:)`` on this thread before returning; with no handler
    ///   it shuts the terminal down and re-raises the signal with its previous action.
    /// - After ``shutdown()`` it only waits on ``wakeFD`` (or the timeout) and returns `[]`.
    /// - If the tty hangs up it is reported like SIGHUP (once) and no longer polled; if ``wakeFD``
    ///   turns out to be closed, it is set to -1.
    public func waitForEvents(timeoutMilliseconds: Int32?) -> [TerminalEvent] {
        var fds: [pollfd] = []
        let ttyIndex = screenPointer != nil && !ttyHungUp ? fds.count : -1
        if ttyIndex >= 0 { fds.append(pollfd(fd: ttyFD, events: Int16(POLLIN), revents: 0)) }
        let wakeIndex = wakeFD >= 0 ? fds.count : -1
        if wakeIndex >= 0 { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
        if exitSignalFD >= 0 { fds.append(pollfd(fd: exitSignalFD, events: Int16(POLLIN), revents: 0)) }

        var events = pendingEvents
        pendingEvents.removeAll()
        let mustNotSleep = !events.isEmpty || inputPending
        let timeout: Int32 = mustNotSleep ? 0 : max(-1, timeoutMilliseconds ?? -1)
        let rc = fds.withUnsafeMutableBufferPointer { cn_ppoll_unblocked($0.baseAddress, nfds_t($0.count), timeout) }
        if rc < 0, errno != EINTR { return events }

        let broken = Int16(POLLHUP | POLLERR | POLLNVAL)
        if wakeIndex >= 0, fds[wakeIndex].revents & Int16(POLLNVAL) != 0 {
            wakeFD = -1  // closed by its owner: stop polling it instead of spinning
        }
        if exitSignalFD >= 0 {
            // SIGWINCH only wakes the loop: the resize itself comes from wget_wch as KEY_RESIZE.
            while case let sig = tg_exit_signals_next(), sig != 0 {
                if sig != SIGWINCH { deliverExitSignal(sig) }
            }
        }
        if ttyIndex >= 0, fds[ttyIndex].revents & broken != 0 {
            // The terminal hung up (window closed, ssh dropped). Normally SIGHUP arrives too; if
            // it is ignored, report it anyway, once, and stop polling the dead tty (else: a spin).
            drainInput(into: &events)
            ttyHungUp = true
            if !hangupDelivered { deliverExitSignal(SIGHUP) }
            return events
        }
        guard screenPointer != nil else { return [] }
        drainInput(into: &events)
        return events
    }

    /// Reads every key ncurses has (nodelay), up to ``maxEventsPerCall``.
    private func drainInput(into events: inout [TerminalEvent]) {
        guard screenPointer != nil, let win = cn_stdscr() else { return }
        inputPending = false
        // Resizes merge into one, at the position of the last (a resize queued by suspend() too).
        var lastResize = events.lastIndex { if case .resize = $0 { true } else { false } }
        while true {
            if events.count >= Self.maxEventsPerCall {
                inputPending = true
                break
            }
            var wc: wint_t = 0
            let rc = wget_wch(win, &wc)
            if rc == KEY_CODE_YES {
                let code = Int32(bitPattern: wc)
                if code == KEY_RESIZE {
                    needsClear = true
                    if let i = lastResize { events.remove(at: i) }
                    lastResize = events.count
                    events.append(.resize(size))
                } else if code == KEY_MOUSE {
                    if let m = readMouse() { events.append(.mouse(m)) }
                } else if let key = KeyDecoder.keyCode(code) {
                    events.append(.key(key))
                }
            } else if rc == OK {
                if let key = KeyDecoder.character(wc) { events.append(.key(key)) }
            } else {
                break  // ERR: nothing left
            }
        }
    }

    private func readMouse() -> MouseEvent? {
        var x: Int32 = 0, y: Int32 = 0
        var state: mmask_t = 0
        guard mouseEnabled, cn_getmouse(&x, &y, &state) == OK else { return nil }
        let kind: MouseEvent.Kind
        if state & CN_BUTTON4_PRESSED != 0 {
            kind = .scrollUp
        } else if state & CN_BUTTON5_PRESSED != 0 {
            kind = .scrollDown
        } else if state & (CN_BUTTON1_PRESSED | CN_BUTTON1_CLICKED) != 0 {
            kind = .press
        } else if state & CN_BUTTON1_RELEASED != 0 {
            kind = .release
        } else {
            return nil
        }
        return MouseEvent(kind: kind, x: Int(x), y: Int(y))
    }

    // MARK: - Exit signals

    /// Sets what happens on SIGTERM, SIGHUP or SIGINT (SIGINT only comes from `kill`: in raw mode
    /// Ctrl-C is the key `.ctrl("c")`).
    ///
    /// The signals are caught from init on by a tiny C handler that writes the signal number to a
    /// pipe polled by ``waitForEvents(timeoutMilliseconds:)``; `onSignal` runs there, on the
    /// loop's thread, synchronously, before that call returns `[]`, so it can simply set a flag or
    /// post a quit event; the app then leaves its loop, stops its work and calls ``shutdown()``.
    /// Without a handler the terminal is shut down and the signal re-raised, so the process ends
    /// as it would have, with a sane terminal. A second exit signal, read or not, restores the
    /// terminal at once and ends the process by that signal (for a loop that is stuck).
    /// Signals ignored at start (e.g. SIGHUP under `nohup`) stay ignored.
    public func installExitSignalHandlers(onSignal: @escaping @Sendable (Int32) -> Void) {
        onExitSignal = onSignal
    }

    private func deliverExitSignal(_ sig: Int32) {
        if sig == SIGHUP { hangupDelivered = true }
        if let handler = onExitSignal {
            handler(sig)
        } else {
            shutdown()  // puts the previous (usually default) action back
            _ = raise(sig)
        }
    }

    // MARK: - Suspend

    /// Job control from raw mode: call it when the user presses Ctrl-Z (`.ctrl("z")`).
    ///
    /// Leaves curses mode (`endwin`: the shell's screen and tty modes come back), stops the
    /// process with SIGTSTP at its default action, and returns after `fg` (SIGCONT): curses mode
    /// is restored, the screen repainted at once from ncurses' copy, and the next ``present(_:)``
    /// repaints everything. If the terminal changed size meanwhile, the next
    /// ``waitForEvents(timeoutMilliseconds:)`` returns `.resize` without sleeping.
    public func suspend() {
        guard screenPointer != nil, let win = cn_stdscr() else { return }
        _ = endwin()
        _ = tg_suspend_self()
        // Back from SIGCONT. doupdate after endwin restores program mode (raw, keypad, mouse).
        var rows: Int32 = 0, cols: Int32 = 0
        if cn_tty_size(ttyFD, &rows, &cols) == 0, rows != getmaxy(win) || cols != getmaxx(win) {
            _ = resizeterm(rows, cols)
            pendingEvents.append(.resize(size))
        }
        _ = curs_set(0)
        _ = keypad(win, true)  // doupdate does not send keypad_xmit again (seen in tmux)
        _ = clearok(win, true)
        _ = wnoutrefresh(win)
        _ = doupdate()
        needsClear = true
        // resizeterm may also queue KEY_RESIZE: waitForEvents merges it with ours.
    }
}
