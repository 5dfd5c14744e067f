import BuildModel

/// The body of `buildtop history diff`: plain text lines.
public enum ComparisonText {
    /// A header with both builds' wall times and cache figures and the summary (broken before its
    /// reason when too wide), then one row per step of the current build (outcome word, name cut
    /// from the left like buildx, durations `1.2s → 3.4s (+2.2s)`), with the reason under each
    /// row where a miss started, then the steps the current build no longer has. Every line fits
    /// in `width` cells (at least 20) and holds no control character.
    public static func lines(
        _ comparison: BuildComparison, previous: BuildSnapshot, current: BuildSnapshot, width: Int
    ) -> [String] {
        let width = max(20, width)
        var out: [String] = []
        func header(_ label: String, _ snap: BuildSnapshot, _ wall: Double, _ cache: CacheFigure, _ extra: String) {
            var line = label + DurationText.format(wall) + "  " + BuildSummary.word(snap.state.phase)
            line += "  " + cache.text + "  builder " + Cells.clean(snap.builder)
            if snap.noCache { line += "  --no-cache" }
            out.append(line + extra)
        }
        header("previous  ", previous, comparison.previousWallTime, comparison.previousCache, "")
        header("current   ", current, comparison.wallTime, comparison.cache, "  (" + signed(comparison.wallDelta) + ")")
        // The summary whole: a long one breaks before its reason.
        let summary = comparison.summary
        if Cells.width(summary) > width, let dash = summary.firstRange(of: " — ") {
            out.append(String(summary[..<dash.lowerBound]))
            out.append("  — " + summary[dash.upperBound...])
        } else {
            out.append(summary)
        }
        out.append("")

        let wordWidth = 8
        // Durations take at most half the width: `3.4s (+2.2s)` when `1.2s → 3.4s (+2.2s)` is too wide.
        var durations = comparison.rows.map { durationText($0) }
        if (durations.map(Cells.width).max() ?? 0) > width / 2 - 2 {
            durations = comparison.rows.map { durationText($0, short: true) }
        }
        let durWidth = min(max(0, width / 2 - 2), durations.map(Cells.width).max() ?? 0)
        let nameWidth = max(8, width - wordWidth - 1 - (durWidth > 0 ? durWidth + 2 : 0))
        for (row, dur) in zip(comparison.rows, durations) {
            var line = Cells.pad(row.outcome.word, to: wordWidth) + " "
            line += Cells.pad(Cells.truncateLeft(Cells.clean(row.name), to: nameWidth), to: nameWidth)
            if durWidth > 0 { line += "  " + Cells.padLeft(dur, to: durWidth) }
            out.append(trimmed(line))
            if let reason = row.reason {
                out.append(String(repeating: " ", count: wordWidth + 1) + "↳ " + reason.text)
            }
        }
        for name in comparison.removed {
            out.append(trimmed(Cells.pad("removed", to: wordWidth) + " " + Cells.truncateLeft(Cells.clean(name), to: nameWidth)))
        }
        return out.map { Cells.fit($0, width, ascii: false) }
    }

    /// `1.2s → 3.4s (+2.2s)` (`short`: `3.4s (+2.2s)`); `3.4s` without a previous duration;
    /// `1.2s → -` when the step did not run now; empty when neither ran.
    public static func durationText(_ row: BuildComparison.Row, short: Bool = false) -> String {
        switch (row.previousDuration, row.duration) {
        case (let a?, let b?):
            (short ? "" : DurationText.format(a) + " → ") + DurationText.format(b) + " (" + signed(b - a) + ")"
        case (nil, let b?): DurationText.format(b)
        case (let a?, nil): DurationText.format(a) + " → -"
        case (nil, nil): ""
        }
    }

    /// `+2.2s`, `-0.4s`, `+0.0s`.
    public static func signed(_ seconds: Double) -> String {
        let text = DurationText.format(abs(seconds))
        return (seconds < 0 && text != "0.0s" ? "-" : "+") + text
    }

    static func trimmed(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}
