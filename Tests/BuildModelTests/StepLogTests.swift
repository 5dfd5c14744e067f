import Testing
@testable import BuildModel

struct StepLogTests {
    /// The vector newline count equals a byte-by-byte count for every length and density.
    @Test func newlineCountMatchesNaiveCount() {
        var g = SystemRandomNumberGenerator()
        for length in Array(0...300) + [8191, 8192, 8193, 70_000] {
            for density in [0, 1, 10, 50, 100] {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0..<100, using: &g) < density ? 10 : UInt8.random(in: 11...255, using: &g) }
                let fast = bytes.withUnsafeBufferPointer { StepLog.countNewlines($0) }
                #expect(fast == bytes.count { $0 == 10 }, "length \(length) density \(density)")
            }
        }
    }

    /// Spilling hands out the chunks as they were and keeps line numbers and tails exact.
    @Test func spillKeepsLinesExact() {
        var log = StepLog()
        var expected: [String] = []
        var pending = ""
        for i in 0..<500 {
            let text = i % 7 == 0 ? "part\(i)-" : "line \(i)\n"
            log.append(stream: 1, data: Array(text.utf8), time: Timestamp(seconds: Int64(i), nanos: 0))
            pending += text
            while let nl = pending.firstIndex(of: "\n") {
                expected.append(String(pending[..<nl]))
                pending = String(pending[pending.index(after: nl)...])
            }
        }
        var spilled: [LogChunk] = []
        spilled += log.spillOldest(keepBytes: 2000).chunks
        spilled += log.spillOldest(keepBytes: 500).chunks
        #expect(log.memoryBytes <= 500)
        #expect(log.totalLines == expected.count)
        let kept = log.lines(from: 0).map { String(decoding: $0.text, as: UTF8.self) }
        #expect(kept == Array(expected.suffix(kept.count)))
        #expect(log.spilledLines + kept.count == expected.count)
        // The spilled chunks followed by the ones in memory are the input, in order.
        let memory = (0..<log.chunkCount).map { log.chunk($0) }
        let all = (spilled + memory).flatMap(\.data)
        #expect(String(decoding: all, as: UTF8.self).hasSuffix("line 499\n"))
        #expect(all.count == (0..<500).reduce(0) { $0 + ($1 % 7 == 0 ? "part\($1)-".utf8.count : "line \($1)\n".utf8.count) })
    }
}

/// StepLog against a LineSplitter fed with everything (the reference), over random chunks of two
/// streams, random spills and a random flush.
struct StepLogRandomTests {
    struct Rand: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    @Test(arguments: 0..<300)
    func matchesTheReference(seed: Int) {
        var g = Rand(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        var log = StepLog()
        var reference = LineSplitter()
        var all: [LogLine] = []
        let steps = Int.random(in: 1...40, using: &g)
        for i in 0..<steps {
            let stream = Int.random(in: 1...2, using: &g)
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &g) {
                text.append(Int.random(in: 0..<4, using: &g) == 0 ? 10 : UInt8(ascii: "a") + UInt8(i % 26))
            }
            let time = Timestamp(seconds: Int64(i), nanos: 0)
            log.append(stream: stream, data: text, time: time)
            reference.feed(LogChunk(stream: stream, time: time, data: text)) { all.append($0) }
            if Int.random(in: 0..<6, using: &g) == 0 { _ = log.spillOldest(keepBytes: Int.random(in: 0...200, using: &g)) }
        }
        #expect(log.totalLines == all.count)
        let held = log.lines(from: 0)
        #expect(held == Array(all.suffix(held.count)), "seed \(seed)")
        #expect(log.partialLines == reference.partialLines, "seed \(seed)")
        for k in [1, 2, 3, 5, 8] where k <= held.count {
            #expect(log.tail(k) == Array(held.suffix(k)), "seed \(seed) tail \(k)")
        }
        log.flushPartials()
        let flushedAll = all + reference.partialLines
        #expect(log.totalLines == flushedAll.count, "seed \(seed)")
        let heldFlushed = log.lines(from: 0)
        #expect(heldFlushed == Array(flushedAll.suffix(heldFlushed.count)), "seed \(seed)")
        for k in [1, 2, 3, 5] where k <= heldFlushed.count {
            #expect(log.tail(k) == Array(heldFlushed.suffix(k)), "seed \(seed) flushed tail \(k)")
        }
    }

    /// The reviewer's cases.
    @Test func knownCases() {
        var log = StepLog()
        log.append(stream: 1, data: Array("0\n".utf8), time: .zero)
        log.append(stream: 1, data: Array("1\n2\n3\n4\n5\n6\n".utf8), time: .zero)
        log.append(stream: 2, data: Array("boom\n".utf8), time: .zero)
        #expect(log.tail(5).map { String(decoding: $0.text, as: UTF8.self) } == ["3", "4", "5", "6", "boom"])
        var stale = StepLog()
        stale.append(stream: 1, data: Array("abc".utf8), time: .zero)
        _ = stale.spillOldest(keepBytes: 0)
        stale.append(stream: 1, data: Array("def\n".utf8), time: .zero)
        #expect(stale.partialLines.isEmpty && !stale.hasPartial)
        stale.flushPartials()
        #expect(stale.totalLines == 1)
    }
}
