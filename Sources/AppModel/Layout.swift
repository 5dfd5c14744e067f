import BuildModel
import TerminalKit

/// Where the panels go: shared by the dashboard's drawing and the reducer's mouse handling.
public enum PanelLayout {
    /// Panel rectangles for `count` builds in `rect`.
    public static func rects(count: Int, layout: Layout, focus: Int, rect: Rect) -> [Int: Rect] {
        guard count > 0 else { return [:] }
        switch layout {
        case .zoomed:
            return [min(max(0, focus), count - 1): rect]
        case .stacked:
            let rects = rect.grid(columns: 1, rows: count)
            return Dictionary(uniqueKeysWithValues: rects.enumerated().map { ($0.offset, $0.element) })
        case .grid:
            let maxCols = max(1, rect.width / 60)
            let cols = min(count, maxCols, count <= 2 && rect.width >= 120 ? 2 : maxCols)
            let rows = (count + cols - 1) / cols
            let rects = rect.grid(columns: cols, rows: rows)
            return Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, rects[$0]) })
        }
    }
}

/// A step's log as the log view shows it: shared by the view and the reducer (scrolling, search).
public enum LogLines {
    /// Lines of a step's log held in memory, with the unfinished tails.
    public static func lines(of step: Step) -> [LogLine] {
        step.log.lines() + step.log.partialLines
    }

    /// Absolute line numbers of lines containing `needle` (case-insensitive, colours ignored).
    public static func matches(_ needle: String, in step: Step) -> [Int] {
        guard !needle.isEmpty else { return [] }
        let n = needle.lowercased()
        let base = step.log.spilledLines
        return lines(of: step).enumerated().compactMap { i, l in
            ANSIText.plainText(l.text).lowercased().contains(n) ? base + i : nil
        }
    }
}

/// How the help overlay lays its lines out in the main area: one column when everything fits,
/// else two columns of whole entries, else one column that scrolls. No line is ever cut off.
public enum HelpLayout {
    /// Width of the keys column.
    public static let keyWidth = 14

    /// One line of the help.
    public struct Line: Sendable, Equatable {
        /// The keys (nil: a title, a blank or a wrapped continuation).
        public var keys: String?
        /// The text.
        public var text: String
        /// The keys do something now.
        public var enabled: Bool
        /// A section title.
        public var isTitle: Bool
    }

    /// The laid-out help: columns of lines, their width, the visible height and the scroll.
    public struct Layout: Sendable, Equatable {
        /// Lines of each column.
        public var columns: [[Line]]
        /// Width of a column.
        public var columnWidth: Int
        /// Lines shown per column.
        public var height: Int
        /// True when one column scrolls (the content is taller than the screen).
        public var scrolls: Bool
        /// Lines in all.
        public var total: Int
    }

    /// Entries (a title, or a binding with its wrapped lines) at `width`.
    static func entries(_ sections: [(String, [KeyHint])], width: Int) -> [[Line]] {
        var out: [[Line]] = []
        let textWidth = max(8, width - keyWidth - 2)
        for (i, (title, hints)) in sections.enumerated() {
            var head: [Line] = i > 0 ? [Line(keys: nil, text: "", enabled: true, isTitle: false)] : []
            head += TextWidth.wrap(title, width: width).map { Line(keys: nil, text: $0, enabled: true, isTitle: true) }
            for (n, h) in hints.enumerated() {
                var e = n == 0 ? head : []
                for (k, part) in TextWidth.wrap(h.label, width: textWidth).enumerated() {
                    e.append(Line(keys: k == 0 ? h.keys : nil, text: part, enabled: h.enabled, isTitle: false))
                }
                out.append(e)
            }
            if hints.isEmpty { out.append(head) }
        }
        return out
    }

    /// The layout in a main area of `area` cells (the box's borders and margins taken off).
    public static func layout(_ sections: [(String, [KeyHint])], area: Size) -> Layout {
        let availWidth = max(20, area.width - 6)
        let availHeight = max(1, area.height - 4)
        let one = entries(sections, width: min(76, availWidth))
        let lines = one.flatMap { $0 }
        if lines.count <= availHeight {
            return Layout(columns: [lines], columnWidth: min(76, availWidth), height: lines.count, scrolls: false, total: lines.count)
        }
        let w2 = (availWidth - 2) / 2
        if w2 >= 34 {
            var columns: [[Line]] = [[]]
            for e in entries(sections, width: min(76, w2)) {
                if columns[columns.count - 1].count + e.count > availHeight {
                    columns.append([])
                }
                var e = e
                if columns[columns.count - 1].isEmpty, e.first?.text.isEmpty == true, e.first?.keys == nil { e.removeFirst() }
                columns[columns.count - 1] += e
            }
            if columns.count <= 2 {
                let h = columns.map(\.count).max() ?? 0
                return Layout(columns: columns, columnWidth: min(76, w2), height: h, scrolls: false, total: columns.reduce(0) { $0 + $1.count })
            }
        }
        return Layout(columns: [lines], columnWidth: min(76, availWidth), height: availHeight, scrolls: true, total: lines.count)
    }

    /// The largest useful scroll offset for the help of `state`.
    public static func maxScroll(_ state: AppState) -> Int {
        let main = Size(width: state.size.width, height: max(0, state.size.height - 2))
        var s = state
        s.showHelp = false
        let l = layout(Keymap.helpSections(for: s), area: main)
        return l.scrolls ? max(0, l.total - l.height) : 0
    }
}
