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
