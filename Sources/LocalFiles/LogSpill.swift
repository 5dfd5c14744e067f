import BuildModel
import Foundation

/// Log lines that left a build's memory budget, kept on disk so full logs stay readable.
/// One file per step: records of `<stream> <seconds> <nanos> <length>\n<bytes>\n`.
public final class LogSpill: @unchecked Sendable {
    /// Folder holding this build's spill files.
    public let directory: URL
    private let lock = NSLock()
    private var handles: [String: FileHandle] = [:]
    private var splitters: [String: LineSplitter] = [:]

    /// Creates a spill store in `directory` (created on first write).
    public init(directory: URL) {
        self.directory = directory
    }

    private func file(for stepID: String) -> URL {
        let safe = stepID.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return directory.appendingPathComponent(String(safe) + ".log")
    }

    /// Appends the chunks of a step that left memory, as the lines they complete (a splitter per
    /// step keeps unfinished tails until their newline arrives).
    public func append(stepID: String, lines batch: LogBatch) throws {
        var lines: [LogLine] = []
        lock.withLock {
            var s = splitters[stepID] ?? LineSplitter()
            for c in batch.chunks { s.feed(c) { lines.append($0) } }
            splitters[stepID] = s
        }
        try append(stepID: stepID, lines: lines)
    }

    /// Appends lines of a step.
    public func append(stepID: String, lines: [LogLine]) throws {
        try lock.withLock {
            let handle: FileHandle
            if let h = handles[stepID] {
                handle = h
            } else {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let url = file(for: stepID)
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
                handle = try FileHandle(forWritingTo: url)
                handles[stepID] = handle
            }
            var out: [UInt8] = []
            for l in lines {
                out += Array("\(l.stream) \(l.time.seconds) \(l.time.nanos) \(l.text.count)\n".utf8)
                out += l.text
                out.append(10)
            }
            try handle.write(contentsOf: out)
        }
    }

    /// Reads back all spilled lines of a step, oldest first.
    public func read(stepID: String) throws -> [LogLine] {
        let data = try lock.withLock { () throws -> [UInt8] in
            try handles[stepID]?.synchronize()
            guard let d = FileManager.default.contents(atPath: file(for: stepID).path) else { return [] }
            return [UInt8](d)
        }
        var lines: [LogLine] = []
        var i = 0
        while i < data.count {
            guard let nl = data[i...].firstIndex(of: 10) else { break }
            let header = String(decoding: data[i..<nl], as: UTF8.self).split(separator: " ")
            guard header.count == 4, let s = Int(header[0]), let sec = Int64(header[1]), let ns = Int32(header[2]),
                let n = Int(header[3]), nl + 1 + n <= data.count
            else { break }
            lines.append(LogLine(stream: s, time: Timestamp(seconds: sec, nanos: ns), text: Array(data[(nl + 1)..<(nl + 1 + n)])))
            i = nl + 1 + n + 1
        }
        return lines
    }

    /// Closes files and deletes the folder.
    public func remove() {
        lock.withLock {
            for h in handles.values { try? h.close() }
            handles.removeAll()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
