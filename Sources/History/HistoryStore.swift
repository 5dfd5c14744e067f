import BuildModel
import Foundation
import GRDB
import HistoryModel
import LocalFiles

/// One build in the history.
public struct HistoryEntry: Sendable, Equatable {
    /// How the build ended (or that it has not).
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case running, completed, failed, canceled, interrupted

        /// buildx's `history ls` word (`Completed`, `Error`, `Running`), with Canceled and Interrupted.
        public var listWord: String {
            switch self {
            case .running: "Running"
            case .completed: "Completed"
            case .failed: "Error"
            case .canceled: "Canceled"
            case .interrupted: "Interrupted"
            }
        }

        /// The status for a result.
        public init(_ result: BuildResult) {
            switch result {
            case .succeeded: self = .completed
            case .failed, .engineLost: self = .failed
            case .canceled: self = .canceled
            }
        }
    }

    /// Row number: increases with every build recorded.
    public var seq: Int64
    /// BuildKit-style ref: 25 base-36 characters.
    public var ref: String
    /// Display name.
    public var name: String
    /// Absolute context folder.
    public var context: String
    /// The request as stored (JSON), decoded only when asked for (`history ls` lists thousands).
    public var requestJSON: String
    /// The request, with masked build args replaced by fingerprints and no stdin Dockerfile.
    public var request: BuildRequest {
        (try? JSONDecoder().decode(BuildRequest.self, from: Data(requestJSON.utf8))) ?? BuildRequest(name: name, contextPath: context)
    }
    /// Builder (docker context or buildx builder) name.
    public var builder: String
    /// Path taken (`native`, `engine`, `buildx`).
    public var path: String
    /// The engine's or buildx's build ref, when one was given.
    public var buildRef: String?
    /// Wall time of the launch (unix seconds).
    public var startedAt: Double
    /// Wall time of the end, nil while running.
    public var endedAt: Double?
    /// Elapsed seconds as the program showed them (BuildClock), nil while running.
    public var duration: Double?
    /// Outcome.
    public var status: Status
    /// The error line of a failed build.
    public var error: String?
    /// The failing step's name.
    public var failedStep: String?
    /// Exported image ID.
    public var imageID: String?
    /// Step counts (BuildState's): visible, completed, cached.
    public var totalSteps: Int, completedSteps: Int, cachedSteps: Int
    /// The cache figure (user steps served from the cache, of the cacheable user steps).
    public var cache: CacheFigure
    /// Bytes of the stored status stream.
    public var streamBytes: Int64
    /// Kept by retention.
    public var pinned: Bool

    /// `^N`-free short form of the ref.
    public var shortRef: String { String(ref.prefix(12)) }
}

/// Where and how much history is kept.
public struct HistorySettings: Sendable, Equatable {
    /// Folder of the store (`$XDG_STATE_HOME/buildtop`).
    public var folder: URL
    /// Builds kept at most (pinned ones are not counted).
    public var maxBuilds: Int
    /// Total size of the stored streams and manifests at most, in bytes.
    public var maxBytes: Int64
    /// False when recording is turned off (`BUILDTOP_HISTORY=off`).
    public var enabled: Bool

    /// Defaults: 1000 builds, 1 GiB.
    public static let defaultMaxBuilds = 1000
    public static let defaultMaxBytes: Int64 = 1 << 30

    /// Creates settings.
    public init(folder: URL, maxBuilds: Int = defaultMaxBuilds, maxBytes: Int64 = defaultMaxBytes, enabled: Bool = true) {
        self.folder = folder
        self.maxBuilds = maxBuilds
        self.maxBytes = maxBytes
        self.enabled = enabled
    }

    /// From the environment: `XDG_STATE_HOME` (default `~/.local/state`), `BUILDTOP_HISTORY=off`,
    /// `BUILDTOP_HISTORY_MAX_BUILDS=N`, `BUILDTOP_HISTORY_MAX_SIZE=SIZE` (bytes, or with a unit:
    /// `500MB`, `2GiB`).
    public static func from(environment env: [String: String]) -> HistorySettings {
        let folder: URL
        if let x = env["XDG_STATE_HOME"], !x.isEmpty {
            folder = URL(fileURLWithPath: x).appendingPathComponent("buildtop")
        } else {
            let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            folder = URL(fileURLWithPath: home).appendingPathComponent(".local/state/buildtop")
        }
        var s = HistorySettings(folder: folder)
        if let v = env["BUILDTOP_HISTORY"]?.lowercased(), ["off", "0", "false", "no"].contains(v) { s.enabled = false }
        if let v = env["BUILDTOP_HISTORY_MAX_BUILDS"], let n = Int(v), n >= 1 { s.maxBuilds = n }
        if let v = env["BUILDTOP_HISTORY_MAX_SIZE"], let n = ByteUnits.parse(v), n >= 0 { s.maxBytes = n }
        return s
    }
}

/// Why the store failed, in one line.
public struct HistoryError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The build history: an SQLite index (`builds.db`, WAL, safe for several processes) and one
/// status stream per build (`builds/REF.status`: BuildKit's `application/vnd.buildkit.status.v0`
/// frames) with the context manifest beside it (`builds/REF.context`).
public final class HistoryStore: Sendable {
    /// The settings in force.
    public let settings: HistorySettings
    let database: DatabaseQueue
    /// Folder of the streams.
    public let streamsFolder: URL

    /// Opens (creating) the store; builds left running by a process that is gone become
    /// interrupted.
    public init(settings: HistorySettings) throws(HistoryError) {
        self.settings = settings
        streamsFolder = settings.folder.appendingPathComponent("builds")
        do {
            try FileManager.default.createDirectory(at: streamsFolder, withIntermediateDirectories: true)
        } catch {
            throw HistoryError("cannot create \(streamsFolder.path): \(Self.reason(error))")
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "buildtop.history"
        // One connection, in WAL mode (other processes read while one writes): a pool would open
        // reader connections of its own, each with its schema and page cache, for a store that
        // reads a few rows at a time.
        config.journalMode = .wal
        do {
            // Two processes opening a new store at once would both read "no migration applied"
            // and both create the tables ("table meta already exists"): the creation and the
            // migration run under an exclusive flock on `builds.lock`.
            database = try FileLock.exclusive(settings.folder.appendingPathComponent("builds.lock").path, failure: HistoryError.init) {
                () throws(HistoryError) in
                do {
                    let database = try DatabaseQueue(path: settings.folder.appendingPathComponent("builds.db").path, configuration: config)
                    try Self.migrator.migrate(database)
                    return database
                } catch {
                    throw HistoryError(Self.reason(error))
                }
            }
            try markInterrupted()
        } catch {
            throw HistoryError("cannot open the history in \(settings.folder.path): \(Self.reason(error))")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? HistoryError { return e.description }
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        if let e = error as? CocoaError, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(u.code)))
        }
        return (error as NSError).localizedDescription
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE build (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        ref TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        context TEXT NOT NULL,
                        request TEXT NOT NULL,
                        builder TEXT NOT NULL,
                        path TEXT NOT NULL,
                        build_ref TEXT,
                        started_at REAL NOT NULL,
                        ended_at REAL,
                        duration REAL,
                        status TEXT NOT NULL,
                        error TEXT,
                        failed_step TEXT,
                        image_id TEXT,
                        total_steps INTEGER NOT NULL DEFAULT 0,
                        completed_steps INTEGER NOT NULL DEFAULT 0,
                        cached_steps INTEGER NOT NULL DEFAULT 0,
                        cache_hits INTEGER NOT NULL DEFAULT 0,
                        cache_base INTEGER NOT NULL DEFAULT 0,
                        stream_bytes INTEGER NOT NULL DEFAULT 0,
                        pinned INTEGER NOT NULL DEFAULT 0,
                        pid INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX build_context ON build (context, seq);
                    CREATE INDEX build_status ON build (status);
                    """)
            var key = [UInt8](repeating: 0, count: 32)
            var rng = SystemRandomNumberGenerator()
            for i in key.indices { key[i] = UInt8.random(in: 0...255, using: &rng) }
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('fingerprint-key', ?)", arguments: [key.map { String(format: "%02x", $0) }.joined()])
        }
        return m
    }

    /// Builds left `running` by a process that no longer exists become `interrupted`.
    func markInterrupted() throws {
        try database.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, pid FROM build WHERE status = 'running'")
            for row in rows {
                let pid: Int32 = row["pid"]
                if pid > 0, kill(pid, 0) == 0 || errno == EPERM { continue }
                try db.execute(
                    sql: "UPDATE build SET status = 'interrupted', error = COALESCE(error, 'buildtop stopped before the build ended') WHERE seq = ?",
                    arguments: [row["seq"] as Int64])
            }
        }
    }

    // MARK: - Reading

    static let columns = "seq, ref, name, context, request, builder, path, build_ref, started_at, ended_at, duration, status, error, failed_step, image_id, total_steps, completed_steps, cached_steps, cache_hits, cache_base, stream_bytes, pinned"

    /// An entry from a row of `columns`, by position (GRDB's lookups by name compare lower-cased
    /// names per column and row: 80 % of listing 10,000 builds).
    static func entry(_ row: Row) -> HistoryEntry {
        HistoryEntry(
            seq: row[0], ref: row[1], name: row[2], context: row[3], requestJSON: row[4], builder: row[5], path: row[6],
            buildRef: row[7], startedAt: row[8], endedAt: row[9], duration: row[10],
            status: HistoryEntry.Status(rawValue: row[11]) ?? .interrupted, error: row[12], failedStep: row[13],
            imageID: row[14], totalSteps: row[15], completedSteps: row[16], cachedSteps: row[17],
            cache: CacheFigure(hits: row[18], of: row[19]), streamBytes: row[20], pinned: row[21])
    }

    /// Builds, newest first (running ones first, as buildx sorts), at most `limit`.
    public func list(limit: Int? = nil, context: String? = nil) throws(HistoryError) -> [HistoryEntry] {
        var sql = "SELECT \(Self.columns) FROM build"
        var args: [any DatabaseValueConvertible] = []
        if let context {
            sql += " WHERE context = ?"
            args.append(context)
        }
        sql += " ORDER BY (status = 'running') DESC, seq DESC"
        if let limit {
            sql += " LIMIT ?"
            args.append(limit)
        }
        return try read { db in
            // A cursor reads each row in place (fetchAll copies every row first).
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            var out: [HistoryEntry] = []
            while let row = try cursor.next() { out.append(Self.entry(row)) }
            return out
        }
    }

    /// The build a user names: a ref or a unique prefix of one, `^N` (`^0` = newest), or nil for
    /// the newest.
    public func resolve(_ spec: String?) throws(HistoryError) -> HistoryEntry {
        let spec = spec ?? "^0"
        if spec.hasPrefix("^") {
            guard let n = Int(spec.dropFirst()), n >= 0 else { throw HistoryError("invalid offset \(spec): use ^0 for the newest build, ^1 for the one before") }
            let rows = try read { db in
                try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM build ORDER BY seq DESC LIMIT 1 OFFSET ?", arguments: [n])
            }
            guard let row = rows.first else {
                throw HistoryError(n == 0 ? "no builds in the history yet (\(settings.folder.path))" : "no build \(spec): the history has fewer than \(n + 1) builds")
            }
            return Self.entry(row)
        }
        guard !spec.isEmpty, spec.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw HistoryError("invalid build ref \(spec.debugDescription)")
        }
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM build WHERE ref LIKE ? ORDER BY seq DESC LIMIT 2", arguments: [spec.lowercased() + "%"])
        }
        switch rows.count {
        case 0: throw HistoryError("no build \(spec) in the history")
        case 1: return Self.entry(rows[0])
        default: throw HistoryError("\(spec) names several builds: give more of the ref")
        }
    }

    /// The build of the same context before `entry`, if any.
    public func previous(of entry: HistoryEntry) throws(HistoryError) -> HistoryEntry? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.columns) FROM build WHERE context = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
                arguments: [entry.context, entry.seq]
            ).map(Self.entry)
        }
    }

    /// The stored status stream of a build.
    public func streamURL(_ ref: String) -> URL { streamsFolder.appendingPathComponent("\(ref).status") }
    /// The stored context manifest of a build.
    public func manifestURL(_ ref: String) -> URL { streamsFolder.appendingPathComponent("\(ref).context") }

    /// The context manifest of a build, nil when none was recorded.
    public func manifest(_ ref: String) -> ContextManifest? {
        guard let data = FileManager.default.contents(atPath: manifestURL(ref).path) else { return nil }
        return ContextManifest(decoding: [UInt8](data))
    }

    // MARK: - Changing

    /// Deletes builds (their streams too).
    public func remove(_ refs: [String]) throws(HistoryError) {
        try write { db in
            for ref in refs { try db.execute(sql: "DELETE FROM build WHERE ref = ?", arguments: [ref]) }
        }
        for ref in refs { removeFiles(ref) }
    }

    /// Pins or unpins a build (pinned builds are kept by retention).
    public func pin(_ ref: String, _ pinned: Bool = true) throws(HistoryError) {
        try write { db in try db.execute(sql: "UPDATE build SET pinned = ? WHERE ref = ?", arguments: [pinned, ref]) }
    }

    func removeFiles(_ ref: String) {
        try? FileManager.default.removeItem(at: streamURL(ref))
        try? FileManager.default.removeItem(at: manifestURL(ref))
    }

    /// Drops the oldest finished, unpinned builds beyond the count and size limits.
    @discardableResult
    public func applyRetention() throws(HistoryError) -> [String] {
        let (maxBuilds, maxBytes) = (settings.maxBuilds, settings.maxBytes)
        let dropped: [String] = try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT ref, stream_bytes, pinned, status FROM build ORDER BY seq DESC")
            var kept = 0
            var bytes: Int64 = 0
            var drop: [String] = []
            for row in rows {
                let size: Int64 = row["stream_bytes"]
                let pinned: Bool = row["pinned"]
                let status: String = row["status"]
                if pinned || status == "running" { bytes += size; continue }
                if kept >= maxBuilds || bytes + size > maxBytes {
                    drop.append(row["ref"])
                } else {
                    kept += 1
                    bytes += size
                }
            }
            for ref in drop { try db.execute(sql: "DELETE FROM build WHERE ref = ?", arguments: [ref]) }
            return drop
        }
        for ref in dropped { removeFiles(ref) }
        return dropped
    }

    // MARK: - Recording

    /// A keyed fingerprint of a masked value: equal values give equal fingerprints; the value
    /// cannot be read back without the store's key.
    public func fingerprint(_ value: String) -> String {
        let key = (try? database.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fingerprint-key'") }) ?? nil
        var h = SHA256()
        h.update(Array((key ?? "").utf8))
        h.update([0])
        h.update(Array(value.utf8))
        return "masked:" + String(h.hex().prefix(16))
    }

    /// The request as stored: masked args as fingerprints, no stdin Dockerfile.
    public func storable(_ request: BuildRequest) -> BuildRequest {
        var r = request
        r.dockerfileContents = nil
        r.buildArgs = r.buildArgs.map { arg in
            guard BuildRequest.Arg.looksSecret(arg.name), let v = arg.value else { return arg }
            return BuildRequest.Arg(name: arg.name, value: fingerprint(v))
        }
        return r
    }

    struct Begin {
        var ref: String
        var request: BuildRequest
        var builder: String
        var path: String
        var startedAt: Double
    }

    func insert(_ b: Begin) throws(HistoryError) -> Int64 {
        let json = (try? String(decoding: JSONEncoder().encode(b.request), as: UTF8.self)) ?? "{}"
        let context = URL(fileURLWithPath: b.request.contextPath).standardizedFileURL.path
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO build (ref, name, context, request, builder, path, started_at, status, pid)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)
                    """,
                arguments: [b.ref, b.request.name, context, json, b.builder, b.path, b.startedAt, Int64(getpid())])
            return db.lastInsertedRowID
        }
    }

    struct End {
        var buildRef: String?
        var endedAt: Double
        var duration: Double
        var status: HistoryEntry.Status
        var error: String?
        var failedStep: String?
        var imageID: String?
        var totalSteps: Int, completedSteps: Int, cachedSteps: Int
        var cache: CacheFigure
        var streamBytes: Int64
    }

    func update(_ seq: Int64, _ e: End) throws(HistoryError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE build SET build_ref = ?, ended_at = ?, duration = ?, status = ?, error = ?, failed_step = ?,
                        image_id = ?, total_steps = ?, completed_steps = ?, cached_steps = ?, cache_hits = ?,
                        cache_base = ?, stream_bytes = ? WHERE seq = ?
                    """,
                arguments: [
                    e.buildRef, e.endedAt, e.duration, e.status.rawValue, e.error, e.failedStep, e.imageID, e.totalSteps,
                    e.completedSteps, e.cachedSteps, e.cache.hits, e.cache.of, e.streamBytes, seq,
                ])
        }
    }

    /// A new BuildKit-style ref: 25 base-36 characters.
    public static func newRef() -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var rng = SystemRandomNumberGenerator()
        return String((0..<25).map { _ in alphabet[Int.random(in: 0..<36, using: &rng)] })
    }

    // MARK: - GRDB access with one error type

    func read<T>(_ body: (Database) throws -> T) throws(HistoryError) -> T {
        do { return try database.read(body) } catch { throw HistoryError("history: \(Self.reason(error))") }
    }

    func write<T>(_ body: (Database) throws -> T) throws(HistoryError) -> T {
        do { return try database.write(body) } catch { throw HistoryError("history: \(Self.reason(error))") }
    }
}
