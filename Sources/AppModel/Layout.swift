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
