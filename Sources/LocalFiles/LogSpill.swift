import BuildModel
import Foundation

/// Log bytes that left a build's memory budget, kept on disk so full logs stay readable.
/// One file per step: records of `<stream> <seconds> <nanos> <length>\n<bytes>\n`, each the
/// chunk as it arrived (lines are split when the file is read: splitting on the way out cost
/// an allocation per line and held spilling to ~14 MB/s).
public final class LogSpill: @unchecked Sendable {
    /// Folder holding this build's spill files.
    public let directory: URL
    private let lock = NSLock()
    private var handles: [String: FileHandle] = [:]

    /// Creates a spill store in `directory` (created on first write).
    public init(directory: URL) {
        self.directory = directory
    }

    private func file(for stepID: String) -> URL {
        let safe = stepID.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return directory.appendingPathComponent(String(safe) + ".log")
    }

    /// Appends the chunks of a step that left memory, as they are.
    public func append(stepID: String, lines batch: LogBatch) throws {
        try write(stepID: stepID, batch.chunks.map { ($0.stream, $0.time, $0.data, false) })
    }

    /// Appends whole lines of a step.
    public func append(stepID: String, lines: [LogLine]) throws {
        try write(stepID: stepID, lines.map { ($0.stream, $0.time, $0.text, true) })
    }

    private func write(stepID: String, _ records: [(stream: Int, time: Timestamp, data: [UInt8], newline: Bool)]) throws {
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
            out.reserveCapacity(records.reduce(0) { $0 + $1.data.count + 40 })
            for r in records {
                // Digits written in place: an interpolated header per record was the cost.
                LogSpill.appendDecimal(Int64(r.stream), to: &out)
                out.append(32)
                LogSpill.appendDecimal(r.time.seconds, to: &out)
                out.append(32)
                LogSpill.appendDecimal(Int64(r.time.nanos), to: &out)
                out.append(32)
                LogSpill.appendDecimal(Int64(r.data.count + (r.newline ? 1 : 0)), to: &out)
                out.append(10)
                out += r.data
                if r.newline { out.append(10) }
                out.append(10)
            }
            try handle.write(contentsOf: out)
        }
    }

    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            // Int64.min has no positive twin: its digits come from the magnitude.
            appendDecimal(UInt64(v.magnitude), to: &out)
        } else {
            appendDecimal(UInt64(v), to: &out)
        }
    }

    static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            } while x > 0
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    /// Reads back all spilled lines of a step, oldest first.
    public func read(stepID: String) throws -> [LogLine] {
        let data = try lock.withLock { () throws -> [UInt8] in
            try handles[stepID]?.synchronize()
            guard let d = FileManager.default.contents(atPath: file(for: stepID).path) else { return [] }
            return [UInt8](d)
        }
        // Complete lines only: an unfinished tail at the end is still in the step's memory.
        var lines: [LogLine] = []
        var splitter = LineSplitter()
        var i = 0
        while i < data.count {
            guard let nl = data[i...].firstIndex(of: 10) else { break }
            let header = String(decoding: data[i..<nl], as: UTF8.self).split(separator: " ")
            guard header.count == 4, let s = Int(header[0]), let sec = Int64(header[1]), let ns = Int32(header[2]),
                let n = Int(header[3]), nl + 1 + n <= data.count
            else { break }
            let chunk = LogChunk(stream: s, time: Timestamp(seconds: sec, nanos: ns), data: Array(data[(nl + 1)..<(nl + 1 + n)]))
            splitter.feed(chunk) { lines.append($0) }
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
