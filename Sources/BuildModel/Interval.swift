/// A time span in which a vertex ran; an open `stop` means still running.
public struct Interval: Sendable, Equatable {
    /// Start of the span.
    public var start: Timestamp
    /// End of the span; nil while running.
    public var stop: Timestamp?

    /// Creates an interval.
    public init(start: Timestamp, stop: Timestamp?) {
        self.start = start
        self.stop = stop
    }

    /// Merges overlapping intervals the way BuildKit's progressui does (`mergeIntervals`): sorted by
    /// start, overlapping spans combined, an open span swallowing everything after it.
    public static func merge(_ intervals: [Interval]) -> [Interval] {
        guard !intervals.isEmpty else { return [] }
        let sorted = intervals.sorted { $0.start < $1.start }
        var merged: [Interval] = []
        var cur = sorted[0]
        for next in sorted.dropFirst() {
            guard let curStop = cur.stop else {
                merged.append(cur)
                return merged
            }
            if curStop < next.start {
                merged.append(cur)
                cur = next
                continue
            }
            guard let nextStop = next.stop else {
                merged.append(Interval(start: cur.start, stop: nil))
                return merged
            }
            if curStop >= nextStop { continue }
            cur = Interval(start: cur.start, stop: nextStop)
        }
        merged.append(cur)
        return merged
    }

    /// Total seconds covered by merged intervals; open spans count up to `now`.
    public static func totalSeconds(_ merged: [Interval], now: Timestamp?) -> Double {
        var total = 0.0
        for ival in merged {
            if let stop = ival.stop {
                total += stop.seconds(since: ival.start)
            } else if let now {
                total += max(0, now.seconds(since: ival.start))
            }
        }
        return total
    }
}
