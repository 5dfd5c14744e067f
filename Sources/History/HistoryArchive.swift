import BuildModel
import Foundation
import GRDB
import LocalFiles

/// `buildtop history export` / `import`: builds as a plain ustar archive, per build a folder REF/
/// with `build.json` (the record), `status` (the status.v0 stream) and `context` (the
/// manifest, when kept). `tar tf` lists it; nothing but the store's own files is in it.
public enum HistoryArchive {
    /// The record of one build as exported.
    struct Record: Codable {
        var ref: String
        var name: String
        var context: String
        var request: String
        var builder: String
        var path: String
        var buildRef: String?
        var startedAt: Double
        var endedAt: Double?
        var duration: Double?
        var status: String
        var error: String?
        var failedStep: String?
        var imageID: String?
        var totalSteps: Int
        var completedSteps: Int
        var cachedSteps: Int
        var cacheHits: Int
        var cacheSteps: Int
        var pinned: Bool
    }

    /// Writes `entries` to `path` (whole or nothing: a temporary file renamed).
    public static func export(_ entries: [HistoryEntry], from store: HistoryStore, to path: String) throws(HistoryError) {
        var out: [UInt8] = []
        for e in entries {
            let record = Record(
                ref: e.ref, name: e.name, context: e.context, request: e.requestJSON, builder: e.builder, path: e.path,
                buildRef: e.buildRef, startedAt: e.startedAt, endedAt: e.endedAt, duration: e.duration, status: e.status.rawValue,
                error: e.error, failedStep: e.failedStep, imageID: e.imageID, totalSteps: e.totalSteps,
                completedSteps: e.completedSteps, cachedSteps: e.cachedSteps, cacheHits: e.cache.hits, cacheSteps: e.cache.of,
                pinned: e.pinned)
            guard let json = try? JSONEncoder().encode(record) else { throw HistoryError("cannot encode build \(e.ref)") }
            append(name: "\(e.ref)/build.json", [UInt8](json), to: &out)
            guard let stream = FileManager.default.contents(atPath: store.streamURL(e.ref).path) else {
                throw HistoryError("the status stream of build \(e.ref) is missing")
            }
            append(name: "\(e.ref)/status", [UInt8](stream), to: &out)
            if let manifest = FileManager.default.contents(atPath: store.manifestURL(e.ref).path) {
                append(name: "\(e.ref)/context", [UInt8](manifest), to: &out)
            }
        }
        out.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        do { try AtomicFile.write(out, to: path, mode: 0o600) } catch { throw HistoryError(error.description) }
    }

    /// Reads an archive into the store; returns the refs added (builds already there are skipped).
    public static func `import`(_ bytes: [UInt8], into store: HistoryStore) throws(HistoryError) -> [String] {
        var files: [String: [UInt8]] = [:]
        var order: [String] = []
        var at = 0
        while at + 512 <= bytes.count {
            let header = Array(bytes[at..<(at + 512)])
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = String(decoding: header[0..<100].prefix { $0 != 0 }, as: UTF8.self)
            let sizeText = String(decoding: header[124..<136].prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
            guard let size = Int(sizeText, radix: 8), size >= 0, at + 512 + size <= bytes.count else {
                throw HistoryError("not a buildtop history archive (bad entry at byte \(at))")
            }
            files[name] = Array(bytes[(at + 512)..<(at + 512 + size)])
            if name.hasSuffix("/build.json") { order.append(String(name.dropLast("/build.json".count))) }
            at += 512 + (size + 511) / 512 * 512
        }
        guard !order.isEmpty else { throw HistoryError("not a buildtop history archive (no build.json)") }
        var records: [Record] = []
        for ref in order {
            guard let json = files["\(ref)/build.json"], let r = try? JSONDecoder().decode(Record.self, from: Data(json)),
                r.ref == ref, ref.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), !ref.isEmpty
            else { throw HistoryError("build \(ref.debugDescription) of the archive is damaged") }
            records.append(r)
        }
        var added: [String] = []
        // Oldest first, so the store's order (and ^N, and "the build before") follows the builds' time.
        for r in records.sorted(by: { $0.startedAt < $1.startedAt }) {
            let ref = r.ref
            guard let stream = files["\(ref)/status"] else { throw HistoryError("build \(ref) of the archive has no status stream") }
            let exists = try store.read { db in try Int.fetchOne(db, sql: "SELECT 1 FROM build WHERE ref = ?", arguments: [ref]) != nil }
            if exists { continue }
            do {
                try AtomicFile.write(stream, to: store.streamURL(ref).path, mode: 0o600)
                if let m = files["\(ref)/context"] { try AtomicFile.write(m, to: store.manifestURL(ref).path, mode: 0o600) }
            } catch {
                throw HistoryError(error.description)
            }
            let status = HistoryEntry.Status(rawValue: r.status) == .running ? "interrupted" : r.status
            try store.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO build (ref, name, context, request, builder, path, build_ref, started_at, ended_at, duration,
                            status, error, failed_step, image_id, total_steps, completed_steps, cached_steps, cache_hits,
                            cache_base, stream_bytes, pinned, pid)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                        """,
                    arguments: [
                        ref, r.name, r.context, r.request, r.builder, r.path, r.buildRef, r.startedAt, r.endedAt, r.duration,
                        status, r.error, r.failedStep, r.imageID, r.totalSteps, r.completedSteps, r.cachedSteps, r.cacheHits,
                        r.cacheSteps, Int64(stream.count + (files["\(ref)/context"]?.count ?? 0)), r.pinned,
                    ])
            }
            added.append(ref)
        }
        return added
    }

    /// One ustar entry (names here are short ASCII: REF/file).
    static func append(name: String, _ data: [UInt8], to out: inout [UInt8]) {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int, _ size: Int) {
            for (i, b) in s.utf8.prefix(size).enumerated() { h[at + i] = b }
        }
        func octal(_ v: Int, _ at: Int, _ size: Int) {
            var digits = String(v, radix: 8)
            while digits.count < size - 1 { digits = "0" + digits }
            put(digits, at, size - 1)
        }
        put(name, 0, 100)
        octal(0o600, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(data.count, 124, 12)
        octal(Int(Date().timeIntervalSince1970), 136, 12)
        h[156] = UInt8(ascii: "0")
        put("ustar", 257, 6)
        put("00", 263, 2)
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        var digits = String(sum, radix: 8)
        while digits.count < 6 { digits = "0" + digits }
        put(digits, 148, 6)
        h[154] = 0
        h[155] = 32
        out.append(contentsOf: h)
        out.append(contentsOf: data)
        out.append(contentsOf: [UInt8](repeating: 0, count: (512 - data.count % 512) % 512))
    }
}
