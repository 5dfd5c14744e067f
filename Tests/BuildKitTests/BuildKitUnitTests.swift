@testable import BuildKit
import BuildModel
import Foundation
import Testing

struct BuildKitUnitTests {
    /// The local exporter's receiver refuses paths that would land outside the destination.
    @Test func localOutputRefusesEscapes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bt-recv-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: root + "/dir", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: "/etc")
        #expect(LocalReceiver.refusal("dir/file", root: root) == nil)
        #expect(LocalReceiver.refusal("/etc/passwd", root: root) != nil)
        #expect(LocalReceiver.refusal("../x", root: root) != nil)
        #expect(LocalReceiver.refusal("dir/../../x", root: root) != nil)
        #expect(LocalReceiver.refusal("out/passwd", root: root)?.contains("symbolic link") == true)
    }

    /// fsutil's include rules: component-wise prefix matching with Go's filepath.Match.
    @Test func includeMatching() {
        #expect(FileSync.matchPrefix("src/*.c", "src") == (true, true))
        #expect(FileSync.matchPrefix("src/*.c", "src/a.c") == (true, false))
        #expect(FileSync.matchPrefix("src/*.c", "src/a.h") == (false, false))
        #expect(FileSync.matchPrefix("Dockerfile", "Dockerfile") == (true, false))
        #expect(FileSync.matchPrefix("Dockerfile", "docs") == (false, false))
        #expect(GlobMatch.match("[a-c]?.txt", "b1.txt"))
        #expect(!GlobMatch.match("[^a-c]?.txt", "b1.txt"))
        #expect(GlobMatch.match("\\*", "*") && !GlobMatch.match("\\*", "x"))
        #expect(FileSync.clean("./a//b/../c") == "a/c")
    }

    /// Stat modes are Go FileModes.
    @Test func goFileModes() {
        func mode(_ raw: UInt32) -> UInt32 { FileSync.goFileMode(raw) }
        #expect(mode(UInt32(S_IFREG) | 0o644) == 0o644)
        #expect(mode(UInt32(S_IFDIR) | 0o755) == 2_147_484_141)
        #expect(mode(UInt32(S_IFLNK) | 0o777) == (1 << 27) | 0o777)
        #expect(mode(UInt32(S_IFREG) | UInt32(S_ISUID) | 0o755) == (1 << 23) | 0o755)
    }

    /// The request becomes the Dockerfile frontend's attributes and the exporter (§4, §6).
    @Test func solvePlan() throws {
        var r = BuildRequest(
            name: "x", contextPath: "/ctx", target: "final", tags: ["a:1", "b:2"], buildArgs: [.init(name: "V", value: "1"), .init(name: "E", value: nil)],
            labels: [.init(name: "l", value: "v")], platforms: ["linux/amd64"], noCache: true, pull: true, cacheFrom: ["reg/img:cache"],
            network: "none")
        r.cacheTo = ["type=inline"]
        let p = try NativeDriver.plan(r, dockerfileName: "Dockerfile", environment: ["E": "from-env"])
        #expect(p.frontendAttrs == [
            "filename": "Dockerfile", "target": "final", "build-arg:V": "1", "build-arg:E": "from-env", "label:l": "v",
            "platform": "linux/amd64", "no-cache": "", "image-resolve-mode": "pull", "force-network-mode": "none", "cache-from": "reg/img:cache",
        ])
        #expect(p.exporter == "moby" && p.exporterAttrs == ["name": "a:1,b:2"])
        #expect(p.cacheExports == ["inline"])
        var host = r
        host.network = "host"
        #expect(try NativeDriver.plan(host, dockerfileName: "Dockerfile", environment: [:]).entitlements == ["network.host"])
        var out = r
        out.outputs = ["type=local,dest=/tmp/o"]
        #expect(try NativeDriver.plan(out, dockerfileName: "Dockerfile", environment: [:]).exporter == "local")
        var bad = r
        bad.cacheTo = ["type=registry,ref=x"]
        #expect(NativeDriver.unsupported(bad)?.contains("inline") == true)
    }

    /// `--secret` flags: files are checked up front (missing, too big), env secrets read late.
    @Test func secretSpecs() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bt-sec-\(UUID().uuidString.prefix(6))").path
        try Data("v".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let s = try SecretStore(["id=a,src=\(file)", "id=b,env=B", "id=C"], environment: ["C": "x"])
        #expect(s.sources == ["a": .file(file), "b": .env("B"), "C": .env("C")])
        #expect(throws: BuildKitError.self) { try SecretStore(["id=a,src=/nonexistent"], environment: [:]) }
        #expect(throws: BuildKitError.self) { try SecretStore(["src=/x"], environment: [:]) }
    }
}
