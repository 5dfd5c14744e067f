import CBytes

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

/// A log delta as it arrived: raw bytes of one stream at one time.
public struct LogChunk: Sendable, Equatable {
    /// 1 = stdout, 2 = stderr.
    public var stream: Int
    /// Time of the chunk.
    public var time: Timestamp
    /// Raw bytes (not line aligned).
    public var data: [UInt8]

    /// Creates a chunk.
    public init(stream: Int, time: Timestamp, data: [UInt8]) {
        self.stream = stream
        self.time = time
        self.data = data
    }
}

/// Chunks that left memory together (for the spill file), with the line count they completed.
public struct LogBatch: Sendable, Equatable {
    /// The chunks, oldest first.
    public var chunks: [LogChunk] = []
    /// Newlines in these chunks (complete lines they end).
    public var lineCount = 0

    /// Creates a batch.
    public init(chunks: [LogChunk] = [], lineCount: Int = 0) {
        self.chunks = chunks
        self.lineCount = lineCount
    }

    /// Number of chunks.
    public var count: Int { chunks.count }
}

/// Splits chunks into lines per stream: a stream's unfinished tail waits for its newline, and a
/// line takes the time of the chunk it began in. Complete lines come out in the order their
/// newlines arrived.
public struct LineSplitter: Sendable, Equatable {
    struct Tail: Sendable, Equatable {
        var stream: Int
        var time: Timestamp
        var bytes: [UInt8]
    }

    private var tails: [Tail] = []

    /// Creates a splitter with no pending tails.
    public init() {}

    init(tails: [Tail]) {
        self.tails = tails
    }

    /// Feeds a chunk; calls `emit` for each line it completes.
    public mutating func feed(_ c: LogChunk, _ emit: (LogLine) -> Void) {
        feed(stream: c.stream, time: c.time, data: c.data[...], emit)
    }

    /// Feeds raw bytes of a stream.
    public mutating func feed(stream: Int, time: Timestamp, data: ArraySlice<UInt8>, _ emit: (LogLine) -> Void) {
        guard !data.isEmpty else { return }
        var ti = tails.firstIndex { $0.stream == stream }
        var start = data.startIndex
        var i = start
        while i < data.endIndex {
            if data[i] == 10 {
                if let t = ti {
                    emit(LogLine(stream: stream, time: tails[t].time, text: tails[t].bytes + data[start..<i]))
                    tails.remove(at: t)
                    ti = nil
                } else {
                    emit(LogLine(stream: stream, time: time, text: Array(data[start..<i])))
                }
                start = i + 1
            }
            i += 1
        }
        if start < data.endIndex {
            if let t = ti {
                tails[t].bytes.append(contentsOf: data[start...])
            } else {
                tails.append(Tail(stream: stream, time: time, bytes: Array(data[start...])))
            }
        }
    }

    /// Unfinished tails, in the order they began.
    public var partialLines: [LogLine] { tails.map { LogLine(stream: $0.stream, time: $0.time, text: $0.bytes) } }

    /// Forgets the tails (used when a window starts mid-line).
    public mutating func reset() { tails.removeAll() }
}

/// The output of one step, kept as the chunks that arrived: appending keeps the chunk's bytes as
/// they are (no copy) and counts its newlines, no per-line work, so a 100 MB status stream folds
/// at memory speed. Lines are split on demand (`lines`, `tail`) with BuildKit's per-stream
/// semantics (`LineSplitter`).
///
/// The oldest chunks can leave memory (`spillOldest`) when the build's budget is exceeded; the
/// line count and each stream's unfinished tail at that boundary are kept, so line numbers stay
/// stable and the lines held in memory split exactly as they would have.
public struct StepLog: Sendable, Equatable {
    struct Chunk: Sendable, Equatable {
        var data: [UInt8]
        var stream: UInt8
        var newlines: Int32
        var time: Timestamp
    }

    /// Chunks in memory are `store[head...]` (spilled ones are dropped from the front lazily).
    private var store: [Chunk] = []
    private var head = 0
    private var dataBytes = 0
    private var memoryNewlines = 0
    /// Each stream's unfinished tail at the spill boundary.
    private var carry = LineSplitter()
    private var flushed = false
    /// Where each stream's unfinished tail begins: chunk index in memory (-1 = before the spill
    /// boundary, in `carry`) and offset. Kept up to date on append so tails cost nothing to find.
    private var tailRefs: [TailRef] = []

    struct TailRef: Sendable, Equatable {
        var stream: UInt8
        var chunk: Int
        var offset: Int
    }

    /// Complete lines that left memory.
    public private(set) var spilledLines = 0
    /// Bytes that left memory.
    public private(set) var spilledBytes = 0

    /// Creates an empty log.
    public init() {}

    public static func == (a: StepLog, b: StepLog) -> Bool {
        a.store[a.head...] == b.store[b.head...] && a.memoryNewlines == b.memoryNewlines && a.carry == b.carry
            && a.flushed == b.flushed && a.flushedTails == b.flushedTails && a.tailRefs == b.tailRefs
            && a.spilledLines == b.spilledLines && a.spilledBytes == b.spilledBytes
    }

    /// Complete lines ever received.
    public var totalLines: Int { spilledLines + memoryNewlines + (flushed ? flushedTails : 0) }
    private var flushedTails = 0
    /// Complete lines held in memory.
    public var memoryLineCount: Int { memoryNewlines + (flushed ? flushedTails : 0) }
    /// Bytes held in memory (data and per-chunk records).
    public var memoryBytes: Int { dataBytes + chunkCount * 32 }
    /// Chunks held in memory.
    public var chunkCount: Int { store.count - head }
    /// True when nothing was ever logged.
    public var isEmpty: Bool { totalLines == 0 && dataBytes == 0 && tailRefs.isEmpty }

    /// Appends a log delta (kept without copying); returns the number of newlines (completed lines) in it.
    @discardableResult
    public mutating func append(stream: Int, data chunk: [UInt8], time: Timestamp) -> Int {
        guard !chunk.isEmpty else { return 0 }
        let n = chunk.withUnsafeBufferPointer { StepLog.countNewlines($0) }
        let index = chunkCount
        let sid = UInt8(truncatingIfNeeded: stream)
        store.append(Chunk(data: chunk, stream: sid, newlines: Int32(truncatingIfNeeded: n), time: time))
        dataBytes += chunk.count
        memoryNewlines += n
        let ti = tailRefs.firstIndex { $0.stream == sid }
        if n > 0, let last = chunk.lastIndex(of: 10) {
            // A new tail goes last, as in LineSplitter: tails are ordered by where they began.
            if let ti { tailRefs.remove(at: ti) }
            if last + 1 < chunk.count { tailRefs.append(TailRef(stream: sid, chunk: index, offset: last + 1)) }
        } else if ti == nil {
            tailRefs.append(TailRef(stream: sid, chunk: index, offset: 0))
        }
        return n
    }

    /// Newline bytes in a buffer (vector compares in `CBytes`).
    static func countNewlines(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        return cbytes_count(base, buf.count, 10)
    }

    /// The chunk at index `i` of those in memory.
    public func chunk(_ i: Int) -> LogChunk {
        let c = store[head + i]
        return LogChunk(stream: Int(c.stream), time: c.time, data: c.data)
    }

    private func forEachLine(fromChunk first: Int, splitter: LineSplitter, _ body: (LogLine) -> Void) -> LineSplitter {
        var s = splitter
        var i = head + first
        while i < store.count {
            let c = store[i]
            s.feed(stream: Int(c.stream), time: c.time, data: c.data[...], body)
            i += 1
        }
        return s
    }

    /// Turns unfinished tails into lines (at the end of the build).
    public mutating func flushPartials() {
        flushedTails = partialLines.count
        flushed = true
    }

    /// In-memory lines from absolute index `from` (clamped to what is held).
    public func lines(from: Int = 0) -> [LogLine] {
        var out: [LogLine] = []
        var index = spilledLines
        let rest = forEachLine(fromChunk: 0, splitter: carry) { line in
            if index >= from { out.append(line) }
            index += 1
        }
        if flushed {
            for p in rest.partialLines {
                if index >= from { out.append(p) }
                index += 1
            }
        }
        return out
    }

    /// The in-memory line at absolute index `index`.
    public func line(_ index: Int) -> LogLine? {
        lines(from: index).first
    }

    /// The last `count` lines held in memory (with the flushed tails at the end), splitting only
    /// the chunks needed: the window starts with each stream's real unfinished tail at that point.
    public func tail(_ count: Int) -> [LogLine] {
        guard count > 0 else { return [] }
        var need = count
        var j = chunkCount
        while j > 0, need > 0 {
            j -= 1
            need -= Int(store[head + j].newlines)
        }
        var out: [LogLine] = []
        let rest = forEachLine(fromChunk: j, splitter: j == 0 ? carry : splitter(before: j)) { out.append($0) }
        if flushed { out += rest.partialLines }
        return Array(out.suffix(count))
    }

    /// Each stream's unfinished tail just before in-memory chunk `j` (what splitting from the
    /// start would hold there), found by walking back to each stream's last newline.
    func splitter(before j: Int) -> LineSplitter {
        let carried = carry.partialLines
        // A stream with a tail at `j` still has one at the end (a tail ref) or ends it inside the
        // window: no need to look at the chunks before the window for this (tail runs per frame).
        var streams: [Int] = tailRefs.map { Int($0.stream) }
        for i in j..<chunkCount where !streams.contains(Int(store[head + i].stream)) { streams.append(Int(store[head + i].stream)) }
        // (begin position, carry order, tail); carry tails begin before every chunk.
        var tails: [(Int, Int, LineSplitter.Tail)] = []
        for s in streams {
            var bytes: [UInt8] = []
            var time: Timestamp?
            var begin = -1
            var i = j - 1
            var pieces: [Int] = []
            var newlineChunk: Int?
            while i >= 0 {
                let c = store[head + i]
                if Int(c.stream) == s {
                    if c.newlines > 0 {
                        newlineChunk = i
                        break
                    }
                    pieces.append(i)
                }
                i -= 1
            }
            if let k = newlineChunk {
                let c = store[head + k]
                if let last = c.data.lastIndex(of: 10), last + 1 < c.data.count {
                    bytes += c.data[(last + 1)...]
                    time = c.time
                    begin = k
                }
            } else if let t = carried.first(where: { $0.stream == s }) {
                bytes = t.text
                time = t.time
            }
            for p in pieces.reversed() {
                if time == nil {
                    time = store[head + p].time
                    begin = p
                }
                bytes += store[head + p].data
            }
            guard let time, !(bytes.isEmpty && begin >= 0) else { continue }
            let order = carried.firstIndex { $0.stream == s } ?? 0
            tails.append((begin, order, LineSplitter.Tail(stream: s, time: time, bytes: bytes)))
        }
        tails.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return LineSplitter(tails: tails.map(\.2))
    }

    /// Unfinished tails exist (cheap, unlike `partialLines`).
    public var hasPartial: Bool { !flushed && !tailRefs.isEmpty }

    /// Unfinished tails, one per stream that has one, in the order they began.
    public var partialLines: [LogLine] {
        guard !flushed else { return [] }
        var out: [LogLine] = []
        let carried = carry.partialLines
        for ref in tailRefs {
            var text: [UInt8] = []
            var time = Timestamp.zero
            var from = ref.chunk + 1
            if ref.chunk < 0 {
                if let c = carried.first(where: { $0.stream == Int(ref.stream) }) {
                    text = c.text
                    time = c.time
                }
                from = 0
            } else {
                let c = store[head + ref.chunk]
                text.append(contentsOf: c.data[ref.offset...])
                time = c.time
            }
            var i = head + from
            while i < store.count {
                if store[i].stream == ref.stream { text.append(contentsOf: store[i].data) }
                i += 1
            }
            out.append(LogLine(stream: Int(ref.stream), time: time, text: text))
        }
        return out
    }

    /// Moves the oldest chunks out of memory until it holds at most `keepBytes` (as
    /// `memoryBytes` counts them); returns them for the runtime's spill file. No bytes are copied:
    /// the batch shares the chunks' storage.
    public mutating func spillOldest(keepBytes: Int) -> LogBatch {
        guard memoryBytes > keepBytes, chunkCount > 0 else { return LogBatch() }
        // Smallest k whose removal brings memory under keepBytes.
        let total = memoryBytes
        var k = 0
        var freed = 0
        var bytes = 0
        while k < chunkCount, total - freed > keepBytes {
            let size = store[head + k].data.count
            freed += size + 32
            bytes += size
            k += 1
        }
        var batch = LogBatch()
        batch.chunks.reserveCapacity(k)
        var lines = 0
        for i in 0..<k {
            let c = chunk(i)
            batch.chunks.append(c)
            lines += Int(store[head + i].newlines)
            // Keep each stream's unfinished tail across the boundary, without splitting lines.
            carry.carryOver(c)
        }
        batch.lineCount = lines
        // The batch holds the bytes now: the store lets go of them at once (the records go with the
        // next compaction). A log that spills a chunk or two at a time kept up to 63 chunks of
        // bytes per step alive: 2,450 steps held ~1.3× the stream.
        for i in head..<(head + k) { store[i].data = [] }
        head += k
        if head >= 64, head * 2 >= store.count {
            store.removeFirst(head)
            head = 0
        }
        dataBytes -= bytes
        memoryNewlines -= lines
        spilledLines += lines
        spilledBytes += bytes
        for j in tailRefs.indices {
            tailRefs[j].chunk = tailRefs[j].chunk < k ? -1 : tailRefs[j].chunk - k
            if tailRefs[j].chunk < 0 { tailRefs[j].offset = 0 }
        }
        return batch
    }
}

extension LineSplitter {
    /// Advances the tails past a chunk without producing lines: after its last newline only the
    /// bytes that follow remain pending for its stream.
    mutating func carryOver(_ c: LogChunk) {
        guard !c.data.isEmpty else { return }
        let ti = tails.firstIndex { $0.stream == c.stream }
        if let last = c.data.lastIndex(of: 10) {
            if let ti { tails.remove(at: ti) }
            if last + 1 < c.data.count {
                tails.append(Tail(stream: c.stream, time: c.time, bytes: Array(c.data[(last + 1)...])))
            }
        } else if let ti {
            tails[ti].bytes.append(contentsOf: c.data)
        } else {
            tails.append(Tail(stream: c.stream, time: c.time, bytes: c.data))
        }
    }
}
