import BuildModel
import Foundation
import HistoryModel

/// The context manifest of a folder, walked and hashed here: for the paths where buildx or the
/// legacy upload send the context and buildtop does not see the bytes go (the native path
/// collects it while sending, see `ManifestCollector`). `.dockerignore` applies as on the wire.
public enum ContextManifestWalk {
    /// Files above this size are known by size, mode and time only (as on the native path).
    public static let hashLimit: Int64 = 4 << 20

    /// Walks `contextPath`; nil when it cannot be read. Stops early when the task is canceled.
    public static func walk(_ contextPath: String) -> ContextManifest? {
        let root = Array(URL(fileURLWithPath: contextPath).standardizedFileURL.path.utf8)
        var patterns: [String] = []
        if case .success(let bytes) = POSIXFile.readAll(root + Array("/.dockerignore".utf8)) {
            patterns = DockerIgnore.read(String(decoding: bytes, as: UTF8.self))
        }
        guard let ignore = try? DockerIgnore(patterns: patterns),
            var walker = try? ContextWalker(root: root, ignore: ignore)
        else { return nil }
        var entries: [ContextManifest.Entry] = []
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while let entry = try? walker.next() {
            if Task.isCancelled { return nil }
            guard case .success(let info) = entry.stat else { continue }
            var e = ContextManifest.Entry(
                path: entry.displayPath, size: info.kind == .directory ? 0 : info.size, mode: info.rawMode,
                modifiedNanos: info.modificationTime * 1_000_000_000 + info.modificationNanos)
            switch info.kind {
            case .regular where info.size <= hashLimit:
                if case .success(let fd) = POSIXFile.openForReading(entry.fullPath) {
                    var h = SHA256()
                    var ok = true
                    while true {
                        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                        if n < 0, errno == EINTR { continue }
                        if n < 0 { ok = false }
                        if n <= 0 { break }
                        buffer.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    }
                    close(fd)
                    if ok { e.digest = "sha256:" + h.hex() }
                }
            case .symbolicLink:
                if case .success(let target) = POSIXFile.readLink(entry.fullPath) { e.digest = SHA256.digest(target) }
            default:
                break
            }
            entries.append(e)
        }
        return ContextManifest(entries: entries)
    }
}
