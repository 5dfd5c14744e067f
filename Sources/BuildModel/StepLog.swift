/// One complete line of a step's output.
public struct LogLine: Sendable, Equatable {
    /// 1 = stdout, 2 = stderr.
    public var stream: Int
    /// Time of the chunk in which the line began.
    public var time: Timestamp
    /// Raw bytes without the newline (untrusted: sanitize before display).
    public var text: [UInt8]

    /// Creates a line.
    public init(stream: Int, time: Timestamp, text: [UInt8]) {
        self.stream = stream
        self.time = time
        self.text = text
    }
}

/// The output of one step: log deltas split into lines per stream, with each stream's unfinished
/// tail kept apart until its newline arrives.
///
/// Complete lines live in one flat byte buffer (cheap for 100k-line logs). The oldest lines can be
/// moved out (`spillOldest`) when the build's memory budget is exceeded; their count is kept so
/// line numbers stay stable and the runtime can read them back from the spill file.
public struct StepLog: Sendable, Equatable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var streams: [UInt8] = []
    private var times: [Timestamp] = []
    private var partials: [Partial] = []

    /// Lines moved out of memory (they precede the lines held here).
    public private(set) var spilledLines = 0
    /// Bytes moved out of memory.
    public private(set) var spilledBytes = 0

    struct Partial: Sendable, Equatable {
        var stream: Int
        var time: Timestamp
        var bytes: [UInt8]
    }

    /// Creates an empty log.
    public init() {}

    /// Complete lines ever received (spilled + in memory).
    public var totalLines: Int { spilledLines + ends.count }
    /// Complete lines held in memory.
    public var memoryLineCount: Int { ends.count }
    /// Bytes held in memory (complete lines and partial tails).
    public var memoryBytes: Int { bytes.count + partials.reduce(0) { $0 + $1.bytes.count } }
    /// True when nothing was ever logged.
    public var isEmpty: Bool { totalLines == 0 && partials.isEmpty }

    /// Appends a log delta; returns the number of lines it completed.
    @discardableResult
    public mutating func append(stream: Int, data: [UInt8], time: Timestamp) -> Int {
        guard !data.isEmpty else { return 0 }
        var completed = 0
        var start = 0
        let pi = partials.firstIndex { $0.stream == stream }
        var lineTime = pi.map { partials[$0].time } ?? time
        data.withUnsafeBufferPointer { buf in
            var i = 0
            let n = buf.count
            while i < n {
                if buf[i] == 10 {
                    if start == 0, let pi {
                        bytes.append(contentsOf: partials[pi].bytes)
                    }
                    bytes.append(contentsOf: buf[start..<i])
                    ends.append(bytes.count)
                    streams.append(UInt8(truncatingIfNeeded: stream))
                    times.append(lineTime)
                    lineTime = time
                    completed += 1
                    start = i + 1
                }
                i += 1
            }
        }
        if let pi {
            if completed > 0 {
                partials.remove(at: pi)
                if start < data.count {
                    partials.append(Partial(stream: stream, time: time, bytes: Array(data[start...])))
                }
            } else {
                partials[pi].bytes.append(contentsOf: data)
            }
        } else if start < data.count {
            partials.append(Partial(stream: stream, time: time, bytes: Array(data[start...])))
        }
        return completed
    }

    /// Turns unfinished tails into lines (at the end of the build).
    public mutating func flushPartials() {
        for p in partials {
            bytes.append(contentsOf: p.bytes)
            ends.append(bytes.count)
            streams.append(UInt8(truncatingIfNeeded: p.stream))
            times.append(p.time)
        }
        partials.removeAll()
    }

    /// The in-memory line at absolute index `index` (nil when spilled or out of range).
    public func line(_ index: Int) -> LogLine? {
        let i = index - spilledLines
        guard i >= 0, i < ends.count else { return nil }
        let s = i == 0 ? 0 : ends[i - 1]
        return LogLine(stream: Int(streams[i]), time: times[i], text: Array(bytes[s..<ends[i]]))
    }

    /// In-memory lines from absolute index `from` (clamped to what is held).
    public func lines(from: Int = 0) -> [LogLine] {
        let first = max(from, spilledLines)
        guard first < totalLines else { return [] }
        return (first..<totalLines).compactMap { line($0) }
    }

    /// The last `count` complete lines held in memory.
    public func tail(_ count: Int) -> [LogLine] {
        lines(from: max(spilledLines, totalLines - count))
    }

    /// Unfinished tails, one per stream that has one, in arrival order.
    public var partialLines: [LogLine] {
        partials.map { LogLine(stream: $0.stream, time: $0.time, text: $0.bytes) }
    }

    /// Moves the oldest lines out of memory until at most `keepBytes` of complete lines remain;
    /// returns the lines removed (for the runtime to write to the spill file).
    public mutating func spillOldest(keepBytes: Int) -> [LogLine] {
        guard bytes.count > keepBytes, !ends.isEmpty else { return [] }
        let cutBytes = bytes.count - keepBytes
        var k = 0
        while k < ends.count, ends[k] <= cutBytes { k += 1 }
        if k == 0 { k = 1 }
        let removed = (spilledLines..<(spilledLines + k)).compactMap { line($0) }
        let removedBytes = ends[k - 1]
        bytes.removeFirst(removedBytes)
        ends.removeFirst(k)
        for j in ends.indices { ends[j] -= removedBytes }
        streams.removeFirst(k)
        times.removeFirst(k)
        spilledLines += k
        spilledBytes += removedBytes
        return removed
    }
}
