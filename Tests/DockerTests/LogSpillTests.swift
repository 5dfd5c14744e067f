import BuildModel
import Foundation
import LocalFiles
import Testing

/// The spill file keeps every line whole: stream, time (negative seconds too: Go's zero time),
/// any bytes.
struct LogSpillTests {
    @Test func linesRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bt-spill-\(UUID().uuidString.prefix(8))")
        let spill = LogSpill(directory: dir)
        defer { spill.remove() }
        let lines = [
            LogLine(stream: 1, time: Timestamp(seconds: 1_795_917_200, nanos: 123_456_789), text: Array("hello".utf8)),
            LogLine(stream: 2, time: .zero, text: [0, 13, 0xff, 32, 0x1b]),
            LogLine(stream: 1, time: Timestamp(seconds: 0, nanos: 0), text: []),
        ]
        try spill.append(stepID: "sha256:abc", lines: lines)
        try spill.append(stepID: "sha256:abc", lines: [lines[0]])
        #expect(try spill.read(stepID: "sha256:abc") == lines + [lines[0]])
        // Chunks split into lines across batches.
        var batch = LogBatch()
        batch.chunks = [LogChunk(stream: 1, time: .zero, data: Array("a\nb".utf8)), LogChunk(stream: 1, time: .zero, data: Array("c\n".utf8))]
        try spill.append(stepID: "s2", lines: batch)
        #expect(try spill.read(stepID: "s2").map { String(decoding: $0.text, as: UTF8.self) } == ["a", "bc"])
    }
}
