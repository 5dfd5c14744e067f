import CNcurses
import Glibc
import TerminalKit

extension CursesTerminal {
    /// Shows a frame, writing only the cells that differ from the previous frame.
    ///
    /// Runs of changed cells in a row go to ncurses in one `mvwadd_wchnstr` call; a wide grapheme
    /// is written once, at its left cell (its `""` continuation is covered by it). Then
    /// `wnoutrefresh` + `doupdate`, and ncurses sends the terminal only what changed.
    ///
    /// Everything is repainted (terminal cleared with `clearok`) on the first frame, after a
    /// resize, after ``suspend()``, after ``forceRedraw()`` and when the colour pairs ran out.
    /// Every cell is rewritten (without clearing) when the frame's size differs from the last
    /// frame's or from the window's; cells outside the window are clipped.
    ///
    /// Graphemes are written as one spacing character plus its combining marks. What the
    /// terminal could not place in the cells the frame gives it is replaced so that columns never
    /// shift: text after a zero-width joiner and U+FE0F are dropped, a control character becomes a
    /// space, and a character whose `wcwidth` differs from its slot (1 cell, or 2 when followed by
    /// a `""` continuation) becomes U+FFFD (a wide slot keeps a narrow character and a blank).
    public func present(_ screen: Screen) {
        guard screenPointer != nil, let win = cn_stdscr() else { return }
        let winSize = size
        let full = needsClear || previous?.size != screen.size || screen.size != winSize
        if needsClear, colors.saturated { colors.reset() }  // a repaint anyway: try again for all
        var written = draw(screen, win: win, winSize: winSize, full: full)
        if colors.exhausted {
            // Out of colour pairs: start the allocation over and repaint everything with it. If one
            // frame alone needs more pairs than the terminal has, the rest get the default pair
            // until the next full repaint (resize, suspend, forceRedraw).
            colors.reset()
            needsClear = true
            written = draw(screen, win: win, winSize: winSize, full: true)
            if colors.exhausted { colors.saturate() }
        }
        cellsWrittenLastFrame = written
        previous = screen
        _ = wnoutrefresh(win)
        _ = doupdate()
    }

    /// Writes the frame into stdscr; returns the number of cells handed to ncurses.
    private func draw(_ screen: Screen, win: UnsafeMutablePointer<WINDOW>, winSize: Size, full: Bool) -> Int {
        if full {
            _ = werase(win)
            if needsClear {
                _ = clearok(win, true)
                needsClear = false
            }
        }
        let cells = screen.cells
        let stride = screen.size.width
        let width = min(screen.size.width, winSize.width)
        let height = min(screen.size.height, winSize.height)
        guard width > 0, height > 0 else { return 0 }
        let prevCells = full ? [] : (previous?.cells ?? [])
        let diffing = !full && prevCells.count == cells.count
        if dirty.count != width { dirty = [Bool](repeating: false, count: width) }
        var written = 0

        for y in 0..<height {
            let base = y * stride
            if diffing {
                var any = false
                for x in 0..<width { dirty[x] = false }
                for x in 0..<width where cells[base + x] != prevCells[base + x] {
                    any = true
                    dirty[x] = true
                    // The cell on the left is drawn wide only when this one is a continuation.
                    if x > 0, cells[base + x].text.isEmpty != prevCells[base + x].text.isEmpty { dirty[x - 1] = true }
                    // A continuation on the right is covered, or not, by this cell.
                    if x + 1 < width, cells[base + x + 1].text.isEmpty { dirty[x + 1] = true }
                }
                if !any { continue }
            } else {
                for x in 0..<width { dirty[x] = true }
            }

            var x = 0
            while x < width {
                guard dirty[x] else {
                    x += 1
                    continue
                }
                run.removeAll(keepingCapacity: true)
                let start = x
                var col = x
                while col < width, dirty[col] {
                    let text = cells[base + col].text
                    if text.isEmpty, col > 0, isWideLead(cells, base: base, x: col - 1, width: width) {
                        // Covered by the wide grapheme on its left, which is not in this run
                        // (it would have skipped us): end the run here.
                        break
                    }
                    let cellsUsed = appendGlyph(cells[base + col], base: base, x: col, width: width, cells: cells)
                    col += cellsUsed
                }
                if run.isEmpty {
                    x = col + 1  // a covered continuation at the start: nothing to write
                    continue
                }
                let count = Int32(run.count)
                run.withUnsafeBufferPointer { buf in
                    _ = mvwadd_wchnstr(win, Int32(y), Int32(start), buf.baseAddress, count)
                }
                written += run.count
                x = col
            }
        }
        return written
    }

    /// True when the cell at `x` is drawn as a two-cell grapheme covering `x + 1`.
    private func isWideLead(_ cells: [Cell], base: Int, x: Int, width: Int) -> Bool {
        let text = cells[base + x].text
        guard x + 1 < width, cells[base + x + 1].text.isEmpty, let first = text.unicodeScalars.first else { return false }
        return Self.isPrintable(first) && wcwidth(wchar_t(bitPattern: first.value)) == 2
    }

    /// Appends the cchar_t for the cell at `x` to `run`; returns the cells it covers (1 or 2).
    private func appendGlyph(_ cell: Cell, base: Int, x: Int, width: Int, cells: [Cell]) -> Int {
        let code = colors.code(for: cell.style)
        let wideSlot = x + 1 < width && cells[base + x + 1].text.isEmpty && !cell.text.isEmpty
        var used = 1
        var cc = cchar_t()
        withUnsafeTemporaryAllocation(of: wchar_t.self, capacity: 8) { buf in
            var n = 0
            var scalars = cell.text.unicodeScalars.makeIterator()
            if let first = scalars.next(), Self.isPrintable(first) {
                let w = wcwidth(wchar_t(bitPattern: first.value))
                if w == 1 || (w == 2 && wideSlot) {
                    used = Int(w)
                    buf[n] = wchar_t(bitPattern: first.value)
                    n += 1
                    let limit = Int(cn_ccharw_max()) - 1
                    while n < limit, let s = scalars.next() {
                        if s.value == 0x200D { break }  // ZWJ: the rest would be another spacing character
                        if s.value == 0xFE0F || s.value == 0xFE0E { continue }
                        guard Self.isPrintable(s), wcwidth(wchar_t(bitPattern: s.value)) == 0 else { break }
                        buf[n] = wchar_t(bitPattern: s.value)
                        n += 1
                    }
                } else {
                    buf[n] = 0xFFFD
                    n += 1
                }
            } else {
                buf[n] = 0x20  // empty/continuation not covered, or a control character
                n += 1
            }
            buf[n] = 0
            if cn_setcchar(&cc, buf.baseAddress, code.attrs, code.pair) != OK {
                buf[0] = 0x20
                buf[1] = 0
                used = 1
                _ = cn_setcchar(&cc, buf.baseAddress, code.attrs, code.pair)
            }
        }
        run.append(cc)
        return used
    }

    /// Not a C0/C1 control character or DEL.
    static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v >= 0x20 && !(v >= 0x7F && v < 0xA0)
    }
}
