import Foundation

/// Whole-or-nothing file writes: a temporary file in the same folder (`.tmp-<name>XXXXXX`), the
/// mode set, written, fsynced, then renamed over the target. Readers see the old or the new file.
public enum AtomicFile {
    /// Why a write failed, in one line.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Writes `bytes` to `path` with `mode` (creating the folder when missing).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(WriteError) {
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw WriteError(description: "cannot write \(path): \(error.localizedDescription)")
            }
        }
        var template = Array("\(dir.isEmpty ? "." : dir)/.tmp-\(base)XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buf -> Int32 in
            guard let base = buf.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else { throw WriteError(description: "cannot write \(path): \(errnoText())") }
        let tmp = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure: String?
        if fchmod(fd, mode) != 0 { failure = errnoText() }
        var written = 0
        while failure == nil, written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { failure = n < 0 ? errnoText() : "short write" } else { written += n }
        }
        if failure == nil, fsync(fd) != 0 { failure = errnoText() }
        close(fd)
        if failure == nil, rename(tmp, path) != 0 { failure = errnoText() }
        if let failure {
            unlink(tmp)
            throw WriteError(description: "cannot write \(path): \(failure)")
        }
    }
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}

/// Reading small files the way a user's tools do: open and read until the end (so a FIFO or a
/// slow network file blocks the reader, which is why callers read off the UI thread).
public enum SmallFile {
    /// The bytes of `path`, at most `limit` (nil: not readable, or longer than `limit`).
    public static func read(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return out }
            out += buf[0..<n]
            if out.count > limit { return nil }
        }
    }
}
