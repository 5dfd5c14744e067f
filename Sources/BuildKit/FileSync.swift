import BuildModel
import Docker
import HistoryModel
import Foundation
import SwiftProtobuf
import Synchronization

/// The client side of fsutil's "diffcopy" protocol (BUILDKIT-NATIVE.md §5.1): for
/// `FileSync/DiffCopy` we are the **sender** of a local folder (the context, the Dockerfile's
/// folder); for `FileSend/DiffCopy` (local exporter) the **receiver**.
enum FileSync {
    /// A local folder the session offers (`dir-name`).
    struct Source: Sendable {
        /// The folder.
        var path: String
        /// `.dockerignore` patterns applied by the client (the daemon's `exclude-patterns` too).
        var excludes: [String] = []
        /// Only these names (the Dockerfile's folder when `-f` is outside the context).
        var only: [String]? = nil
    }

    /// Go's `os.FileMode` of a file (`Stat.mode` is one, not a POSIX `st_mode`).
    static func goFileMode(_ m: UInt32) -> UInt32 {
        var mode = m & 0o777
        switch m & UInt32(S_IFMT) {
        case UInt32(S_IFDIR): mode |= 1 << 31
        case UInt32(S_IFLNK): mode |= 1 << 27
        case UInt32(S_IFIFO): mode |= 1 << 25
        case UInt32(S_IFBLK): mode |= 1 << 26
        case UInt32(S_IFCHR): mode |= 1 << 26 | 1 << 21
        case UInt32(S_IFSOCK): mode |= 1 << 24
        default: break
        }
        if m & UInt32(S_ISUID) != 0 { mode |= 1 << 23 }
        if m & UInt32(S_ISGID) != 0 { mode |= 1 << 22 }
        if m & UInt32(S_ISVTX) != 0 { mode |= 1 << 20 }
        return mode
    }

    /// fsutil's include matching: `pattern` matched against `name` component-wise as a prefix.
    /// Returns (matched, partial): partial when `name` is only a parent of what the pattern names.
    static func matchPrefix(_ pattern: String, _ name: String) -> (Bool, Bool) {
        let nameParts = name.split(separator: "/", omittingEmptySubsequences: false)
        var patParts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        var partial = false
        if patParts.count > nameParts.count {
            patParts = Array(patParts.prefix(nameParts.count))
            partial = true
        }
        guard patParts.count == nameParts.count else { return (false, false) }
        for (p, n) in zip(patParts, nameParts) where !GlobMatch.match(String(p), String(n)) {
            return (false, false)
        }
        return (true, partial)
    }

    /// Include patterns of a call: `include-patterns` and `followpaths` (symbolic links among the
    /// latter add their targets, as fsutil's `FollowLinks`).
    static func includes(_ call: IncomingCall, root: String) -> [String]? {
        var patterns = call.values("include-patterns").map(clean)
        let follow = call.values("followpaths").map(clean)
        guard !patterns.isEmpty || !follow.isEmpty else { return nil }
        for f in follow {
            patterns.append(f)
            var path = f
            var hops = 0
            while hops < 40, case .success(let target) = POSIXFile.readLink(Array((root + "/" + path).utf8)) {
                let t = String(decoding: target, as: UTF8.self)
                let joined = t.hasPrefix("/") ? t : (path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) + "/" + t : t)
                let c = clean(joined)
                guard !c.hasPrefix("..") else { break }
                patterns.append(c)
                path = c
                hops += 1
            }
        }
        var seen = Set<String>()
        return patterns.filter { seen.insert($0).inserted }
    }

    /// `filepath.Clean` for relative slash paths.
    static func clean(_ p: String) -> String {
        var out: [Substring] = []
        for part in p.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == "..", let last = out.last, last != ".." { out.removeLast() } else { out.append(part) }
        }
        return out.isEmpty ? "." : out.joined(separator: "/")
    }

    /// An entry the sender listed: its path and, for regular files, where to read it.
    struct Listed: Sendable {
        let full: [UInt8]?
        let display: String
        var size: Int64 = 0
    }

    /// Serves `FileSync/DiffCopy` for `source`: lists the folder (STAT packets in Go's walk order,
    /// patterns applied here), then answers the daemon's requests for file contents until FIN.
    static func send(_ source: Source, call: IncomingCall, stats: TransferCounter?) async -> GRPCStatus {
        var excludes = source.excludes + call.values("exclude-patterns")
        if call.values("override-excludes").first == "true" { excludes = call.values("exclude-patterns") }
        let ignore: DockerIgnore
        do { ignore = try DockerIgnore(patterns: excludes) } catch {
            return GRPCStatus(code: 3, message: "invalid exclude patterns: \(error)")
        }
        var include = includes(call, root: source.path)
        if let only = source.only { include = (include ?? only).filter { only.contains($0) } }
        let files = Mutex<[Listed]>([])
        let listing = Task { () -> String? in
            do {
                var walker = try ContextWalker(root: Array(source.path.utf8), ignore: ignore, listWalkedExcludedDirectories: true)
                var lastIncludedDir: String?
                var seenInodes: [UInt64: String] = [:]
                var batch = call.allocator.buffer(capacity: 17 * 1024)
                var pending = 0
                while let entry = try walker.next() {
                    if Task.isCancelled { return nil }
                    let path = entry.displayPath
                    guard case .success(let info) = entry.stat else { continue }
                    if let include {
                        var skip = false
                        if let dir = lastIncludedDir, path.hasPrefix(dir + "/") { skip = true }
                        if !skip {
                            var matched = false
                            var partial = true
                            for p in include {
                                let (ok, part) = matchPrefix(p, path)
                                if ok {
                                    matched = true
                                    if !part {
                                        partial = false
                                        break
                                    }
                                }
                            }
                            if !matched {
                                if info.kind == .directory { walker.skipCurrentDirectory() }
                                continue
                            }
                            if !partial, info.kind == .directory { lastIncludedDir = path }
                        }
                    }
                    var stat = Fsutil_Types_Stat()
                    stat.path = path
                    stat.mode = goFileMode(info.rawMode)
                    stat.modTime = info.modificationTime * 1_000_000_000 + info.modificationNanos
                    if info.kind != .directory { stat.size = info.size }
                    if info.kind == .symbolicLink, case .success(let target) = POSIXFile.readLink(entry.fullPath) {
                        stat.linkname = String(decoding: target, as: UTF8.self)
                    }
                    var full: [UInt8]? = info.kind == .regular ? entry.fullPath : nil
                    if info.kind == .regular, info.linkCount > 1 {
                        if let first = seenInodes[info.inode] {
                            stat.linkname = first
                            stat.size = 0
                            full = nil
                        } else {
                            seenInodes[info.inode] = path
                        }
                    }
                    files.withLock { $0.append(Listed(full: full, display: path, size: info.size)) }
                    stats?.collector?.listed(
                        ContextManifest.Entry(
                            path: path, size: info.kind == .directory ? 0 : info.size, mode: info.rawMode,
                            modifiedNanos: info.modificationTime * 1_000_000_000 + info.modificationNanos,
                            digest: stat.linkname.isEmpty || info.kind != .symbolicLink ? nil : SHA256.digest(Array(stat.linkname.utf8))))
                    var packet = Fsutil_Types_Packet()
                    packet.type = .packetStat
                    packet.stat = stat
                    // Stats go out in batches of ~16 KiB: one write for a couple of hundred.
                    let bytes: [UInt8] = try packet.serializedBytes()
                    batch.writeInteger(UInt8(0))
                    batch.writeInteger(UInt32(bytes.count))
                    batch.writeBytes(bytes)
                    pending += 1
                    if batch.readableBytes >= 16 * 1024 {
                        try await call.send(framed: batch)
                        stats?.listed(pending)
                        pending = 0
                        batch = call.allocator.buffer(capacity: 17 * 1024)
                    }
                }
                // End of the listing: a STAT packet without a stat (zero bytes on the wire).
                batch.writeInteger(UInt8(0))
                batch.writeInteger(UInt32(0))
                try await call.send(framed: batch)
                stats?.listed(pending)
                return nil
            } catch let e as ContextError {
                return e.description
            } catch {
                return "\(error)"
            }
        }
        defer { listing.cancel() }
        do {
            for try await message in call.requests {
                let packet = try Fsutil_Types_Packet(serializedBytes: message)
                switch packet.type {
                case .packetReq:
                    let id = Int(packet.id)
                    guard let listed = files.withLock({ $0.indices.contains(id) ? $0[id] : nil }), let full = listed.full else {
                        return GRPCStatus(code: 2, message: "the daemon asked for entry \(id), which is not a regular file")
                    }
                    try await sendFile(full, id: packet.id, size: listed.size, display: listed.display, call: call, stats: stats)
                case .packetFin:
                    if let problem = await listing.value { return GRPCStatus(code: 2, message: problem) }
                    var fin = Fsutil_Types_Packet()
                    fin.type = .packetFin
                    try await call.send(try fin.serializedBytes())
                    return .ok
                case .packetErr:
                    return GRPCStatus(code: 2, message: "the daemon failed the transfer: \(String(decoding: packet.data, as: UTF8.self))")
                default:
                    break
                }
            }
        } catch {
            return GRPCStatus(code: 2, message: "file transfer failed: \(error)")
        }
        if let problem = await listing.value { return GRPCStatus(code: 2, message: problem) }
        return .ok
    }

    /// Files above this size get no digest in the history's manifest.
    static let manifestHashLimit: Int64 = 4 << 20

    static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// DATA packets of one file (32 KiB each, as fsutil), then an empty one.
    static func sendFile(_ full: [UInt8], id: UInt32, size: Int64, display: String, call: IncomingCall, stats: TransferCounter?) async throws {
        let fd: Int32
        switch POSIXFile.openForReading(full) {
        case .success(let d): fd = d
        case .failure(let e): throw BuildKitError("cannot read \(display) in the context: \(e.message)")
        }
        let file = OpenContextFile(descriptor: fd, size: 0, displayPath: display)
        defer { file.close() }
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        // The history's manifest hashes what is sent; files above 4 MiB are known by size and
        // time only (hashing a 1 GB context would cost seconds of CPU).
        var hash = stats?.collector == nil || size > manifestHashLimit ? nil : SHA256()
        while true {
            await call.writable()
            switch file.read(into: &buffer, count: buffer.count) {
            case .success(let n):
                if n > 0 { buffer.withUnsafeBytes { hash?.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
                // The Packet by hand, straight into the frame: type = DATA, ID, data (one copy
                // instead of three through Data, the message and the frame).
                var out = call.allocator.buffer(capacity: n + 24)
                var body: [UInt8] = [0x08, 0x02]
                if id != 0 {
                    body.append(0x18)
                    appendVarint(UInt64(id), to: &body)
                }
                if n > 0 {
                    body.append(0x22)
                    appendVarint(UInt64(n), to: &body)
                }
                out.writeInteger(UInt8(0))
                out.writeInteger(UInt32(body.count + n))
                out.writeBytes(body)
                _ = buffer.withUnsafeBytes { out.writeBytes(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                try await call.send(framed: out)
                if n == 0 {
                    stats?.sent(files: 1, bytes: 0)
                    if var h = hash { stats?.collector?.sent(display, digest: "sha256:" + h.hex()) }
                    return
                }
                stats?.sent(files: 0, bytes: n)
            case .failure(let e):
                throw BuildKitError("cannot read \(display) in the context: \(e.message)")
            }
        }
    }
}

/// What a session transferred (files requested, bytes sent), for the figures and the tests.
public final class TransferCounter: Sendable {
    private let state = Mutex((listed: 0, files: 0, bytes: 0))
    /// Receives the context manifest (the history store's), when one is kept.
    let collector: ManifestCollector?

    public init(collector: ManifestCollector? = nil) {
        self.collector = collector
    }

    func listed(_ n: Int) { state.withLock { $0.listed += n } }
    func sent(files: Int, bytes: Int) { state.withLock { $0.files += files; $0.bytes += bytes } }

    /// Entries listed, files the daemon asked for, bytes sent.
    public var figures: (listed: Int, files: Int, bytes: Int) { state.withLock { ($0.listed, $0.files, $0.bytes) } }
}

