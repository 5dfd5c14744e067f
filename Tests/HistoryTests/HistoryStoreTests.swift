import BuildEvents
import BuildModel
import Foundation
import History
import HistoryModel
import Synchronization
import Testing
import TestSupport

/// The history store with recorded fixture streams: frames, index, refs, retention, interrupted
/// builds, masked values.
struct HistoryStoreTests {
    static func store(maxBuilds: Int = 1000, maxBytes: Int64 = 1 << 30) throws -> (HistoryStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-hist-\(UUID().uuidString.prefix(8))")
        return (try HistoryStore(settings: HistorySettings(folder: dir, maxBuilds: maxBuilds, maxBytes: maxBytes)), dir)
    }

    /// Records a fixture as a build of `context`.
    @discardableResult
    static func record(_ store: HistoryStore, _ fixture: String, context: String = "/tmp/ctx", args: [BuildRequest.Arg] = []) throws -> String {
        var request = BuildRequest(name: fixture, contextPath: context)
        request.buildArgs = args
        let (rec, warning) = BuildRecorder.begin(store: store, request: request, builder: "default", path: "native")
        #expect(warning == nil)
        let recorder = try #require(rec)
        for item in try Fixtures.rawjson(fixture) {
            if case .status(let s) = item { recorder.record(.status(s)) }
        }
        recorder.record(.streamEnded)
        return recorder.ref
    }

    /// The status.v0 frames give back the statuses they were made of.
    @Test(arguments: ["multistage", "failing", "chatty"])
    func framesRoundTrip(_ name: String) throws {
        let statuses = Fixtures.statuses(try Fixtures.rawjson(name))
        var bytes: [UInt8] = []
        for s in statuses { try StatusFrames.append(s, to: &bytes) }
        #expect(StreamFormat.detect(Array(bytes.prefix(64))) == .statusV0)
        let back = StatusFrames.decodeAll(bytes)
        #expect(back.count == statuses.count)
        #expect(Fixtures.state(back) == Fixtures.state(statuses.map { .status($0) }))
        // Fed in small pieces, the same.
        var d = StatusFrames.Decoder()
        var pieces: [StreamItem] = []
        var i = 0
        while i < bytes.count {
            pieces += d.feed(bytes[i..<min(bytes.count, i + 7)])
            i += 7
        }
        pieces += d.finish()
        #expect(pieces.count == statuses.count)
        // Cut short: the prefix, then one malformed item.
        let cut = StatusFrames.decodeAll(Array(bytes.dropLast(3)))
        #expect(cut.count == statuses.count)
        if case .malformed? = cut.last {} else { Issue.record("a cut frame is not reported") }
    }

    @Test func recordsListsAndResolves() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Self.record(store, "multistage")
        let b = try Self.record(store, "failing")
        let c = try Self.record(store, "multistage-cached")
        let list = try store.list()
        #expect(list.map(\.ref) == [c, b, a])
        #expect(list.map(\.status) == [.completed, .failed, .completed])
        #expect(try store.resolve(nil).ref == c)
        #expect(try store.resolve("^2").ref == a)
        #expect(try store.resolve(String(b.prefix(8))).ref == b)
        #expect(throws: HistoryError.self) { try store.resolve("^3") }
        #expect(throws: HistoryError.self) { try store.resolve("../etc") }
        // The figures are the fold's, the same everything else prints.
        let state = Fixtures.state(try Fixtures.rawjson("multistage-cached"))
        let entry = try store.resolve(c)
        #expect(entry.cache == state.cache)
        #expect(entry.totalSteps == state.totalSteps)
        #expect(try store.resolve(b).failedStep != nil)
        #expect(try store.previous(of: entry)?.ref == b)
        // The stored stream replays to the same state.
        let bytes = [UInt8](try Data(contentsOf: store.streamURL(a)))
        #expect(Fixtures.state(StatusFrames.decodeAll(bytes)).steps.map(\.state) == Fixtures.state(try Fixtures.rawjson("multistage")).steps.map(\.state))
    }

    @Test func retentionKeepsPinnedAndNewest() throws {
        let (store, dir) = try Self.store(maxBuilds: 2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Self.record(store, "simple")
        try store.pin(a)
        let b = try Self.record(store, "simple")
        let c = try Self.record(store, "simple")
        let d = try Self.record(store, "simple")
        #expect(Set(try store.list().map(\.ref)) == [a, c, d])
        #expect(!FileManager.default.fileExists(atPath: store.streamURL(b).path))
        // By size: a limit below one stream keeps only pinned builds.
        let (small, dir2) = try Self.store(maxBytes: 10)
        defer { try? FileManager.default.removeItem(at: dir2) }
        try Self.record(small, "simple")
        #expect(try small.list().isEmpty)
    }

    @Test func deadProcessLeavesInterruptedBuild() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (rec, _) = BuildRecorder.begin(store: store, request: BuildRequest(name: "x", contextPath: "/tmp/x"), builder: "default", path: "native")
        let ref = try #require(rec?.ref)
        #expect(try store.resolve(ref).status == .running)
        // A pid that is gone: a child that exited.
        let p = ChildProcess.runBlocking("/bin/true", [])
        #expect(p == 0)
        let sql = dir.appendingPathComponent("builds.db").path
        let set = ChildProcess.runBlocking("/usr/bin/sqlite3", [sql, "UPDATE build SET pid = 999999 WHERE ref = '\(ref)'"])
        #expect(set == 0)
        let reopened = try HistoryStore(settings: store.settings)
        #expect(try reopened.resolve(ref).status == .interrupted)
        // The running process's own builds stay running.
        let (rec2, _) = BuildRecorder.begin(store: store, request: BuildRequest(name: "y", contextPath: "/tmp/y"), builder: "default", path: "native")
        let again = try HistoryStore(settings: store.settings)
        #expect(try again.resolve(try #require(rec2?.ref)).status == .running)
    }

    @Test func maskedArgsAreFingerprints() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = try Self.record(store, "simple", args: [.init(name: "API_TOKEN", value: "supersecret123"), .init(name: "VERSION", value: "1.2.3")])
        let entry = try store.resolve(ref)
        let token = try #require(entry.request.buildArgs.first { $0.name == "API_TOKEN" }?.value)
        #expect(BuildSnapshot.isMasked(token))
        #expect(token == store.fingerprint("supersecret123"))
        #expect(token != store.fingerprint("supersecret124"))
        #expect(entry.request.buildArgs.first { $0.name == "VERSION" }?.value == "1.2.3")
        var all = Data()
        for f in try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil) {
            all.append((try? Data(contentsOf: f)) ?? Data())
        }
        #expect(all.range(of: Data("supersecret123".utf8)) == nil)
    }

    /// Processes opening a new store at once: each opens it, none creates the tables twice
    /// (CI saw "table meta already exists" from two `buildtop build`s started together).
    @Test func concurrentFirstOpens() throws {
        for _ in 0..<20 {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-hist-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: dir) }
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    _ = try HistoryStore(settings: HistorySettings(folder: dir))
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
        }
    }

    @Test func unwritableFolderIsOneError() throws {
        #expect(throws: HistoryError.self) {
            _ = try HistoryStore(settings: HistorySettings(folder: URL(fileURLWithPath: "/proc/buildtop-cannot")))
        }
    }

    @Test func settingsFromEnvironment() {
        let s = HistorySettings.from(environment: ["XDG_STATE_HOME": "/x", "BUILDTOP_HISTORY_MAX_BUILDS": "5", "BUILDTOP_HISTORY_MAX_SIZE": "2MB"])
        #expect(s.folder.path == "/x/buildtop")
        #expect(s.maxBuilds == 5 && s.maxBytes == 2_000_000 && s.enabled)
        #expect(!HistorySettings.from(environment: ["HOME": "/h", "BUILDTOP_HISTORY": "off"]).enabled)
        #expect(HistorySettings.from(environment: ["HOME": "/h"]).folder.path == "/h/.local/state/buildtop")
    }
}

/// Export and import: the same builds, in time order, skipped when already there; junk refused.
struct HistoryArchiveTests {
    @Test func roundTrip() throws {
        let (a, dirA) = try HistoryStoreTests.store()
        let (b, dirB) = try HistoryStoreTests.store()
        defer {
            try? FileManager.default.removeItem(at: dirA)
            try? FileManager.default.removeItem(at: dirB)
        }
        let r1 = try HistoryStoreTests.record(a, "multistage")
        let r2 = try HistoryStoreTests.record(a, "failing")
        let file = dirA.appendingPathComponent("export.tar").path
        try HistoryArchive.export(try a.list(), from: a, to: file)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(try HistoryArchive.import(bytes, into: b) == [r1, r2])
        #expect(try b.list().map(\.ref) == [r2, r1])
        #expect(try b.resolve(r2).status == .failed)
        #expect(try b.resolve(r1).cache == a.resolve(r1).cache)
        #expect(try b.state(b.resolve(r1)).steps.map(\.state) == a.state(a.resolve(r1)).steps.map(\.state))
        #expect(try HistoryArchive.import(bytes, into: b).isEmpty)
        // GNU tar reads it.
        #expect(ChildProcess.runBlocking("/bin/tar", ["tf", file]) == 0)
        #expect(throws: HistoryError.self) { _ = try HistoryArchive.import(Array("not a tar".utf8) + [UInt8](repeating: 1, count: 600), into: b) }
    }
}

/// The manifest's line format keeps any path and every field.
struct ManifestFormatTests {
    @Test func roundTrip() {
        let m = ContextManifest(entries: [
            .init(path: "a\tb\nc\\d", size: 3, mode: 0o100644, modifiedNanos: 1_700_000_000_123_456_789, digest: "sha256:ab"),
            .init(path: "dir", size: 0, mode: 0o040755, modifiedNanos: -1),
            .init(path: "ünï/código.txt", size: 1 << 40, mode: 0o120777, modifiedNanos: 0, digest: nil),
        ])
        let bytes = m.encoded()
        #expect(ContextManifest(decoding: bytes) == m)
        #expect(ContextManifest(decoding: Array("{\"entries\":[]}".utf8)) == nil)
        #expect(ContextManifest(decoding: Array(bytes.dropLast(3))) == nil)
    }
}
