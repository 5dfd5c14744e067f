import Foundation
import Testing
import TestSupport
@testable import Docker
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One entry of a parsed tar stream.
struct ParsedTarEntry {
    var name: String
    var type: UInt8
    var linkName: String
    var mode: Int
    var uid: Int
    var gid: Int
    var uname: String
    var gname: String
    var mtime: Int
    var content: [UInt8]
    var hadPAX: Bool
    var usedPrefix: Bool
}

/// A minimal tar reader for the tests: USTAR headers, PAX `x` headers, checksums, end blocks.
enum TestTarReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func octal(_ block: ArraySlice<UInt8>) -> Int {
        var value = 0
        for byte in block {
            if byte == 0 || byte == 0x20 { if value > 0 { break } else { continue } }
            value = value * 8 + Int(byte - 0x30)
        }
        return value
    }

    static func string(_ block: ArraySlice<UInt8>) -> [UInt8] {
        Array(block.prefix(while: { $0 != 0 }))
    }

    static func parse(_ data: [UInt8]) throws -> [ParsedTarEntry] {
        var entries: [ParsedTarEntry] = []
        var offset = 0
        var pax: [String: [UInt8]] = [:]
        var sawEnd = false
        while offset + 512 <= data.count {
            let block = data[offset..<(offset + 512)]
            if block.allSatisfy({ $0 == 0 }) {
                guard offset + 1024 == data.count, data[(offset + 512)...].allSatisfy({ $0 == 0 }) else {
                    throw Failure(description: "end blocks are not exactly the last 1024 bytes")
                }
                sawEnd = true
                break
            }
            var sum = 0
            for (index, byte) in block.enumerated() {
                sum += (148..<156).contains(index) ? 0x20 : Int(byte)
            }
            let stored = octal(block[(offset + 148)..<(offset + 156)])
            guard sum == stored else { throw Failure(description: "bad checksum at \(offset)") }
            guard Array(block[(offset + 257)..<(offset + 263)]) == Array("ustar".utf8) + [0],
                  Array(block[(offset + 263)..<(offset + 265)]) == Array("00".utf8) else {
                throw Failure(description: "bad magic at \(offset)")
            }
            let type = block[offset + 156]
            let size = octal(block[(offset + 124)..<(offset + 136)])
            let dataStart = offset + 512
            let padded = (size + 511) / 512 * 512
            let body = Array(data[dataStart..<(dataStart + size)])
            offset = dataStart + padded
            if type == UInt8(ascii: "x") {
                var index = 0
                while index < body.count {
                    guard let space = body[index...].firstIndex(of: 0x20) else { break }
                    let length = Int(String(decoding: body[index..<space], as: UTF8.self)) ?? 0
                    let record = body[(space + 1)..<(index + length - 1)]
                    guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { break }
                    pax[String(decoding: record[..<equals], as: UTF8.self)] = Array(record[(equals + 1)...])
                    index += length
                }
                continue
            }
            let prefix = string(block[(dataStart - 512 + 345)..<(dataStart - 512 + 500)])
            var name = string(block[(dataStart - 512)..<(dataStart - 512 + 100)])
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
            if let path = pax["path"] { name = path }
            var link = string(block[(dataStart - 512 + 157)..<(dataStart - 512 + 257)])
            if let path = pax["linkpath"] { link = path }
            entries.append(ParsedTarEntry(
                name: String(decoding: name, as: UTF8.self),
                type: type,
                linkName: String(decoding: link, as: UTF8.self),
                mode: octal(block[(dataStart - 512 + 100)..<(dataStart - 512 + 108)]),
                uid: octal(block[(dataStart - 512 + 108)..<(dataStart - 512 + 116)]),
                gid: octal(block[(dataStart - 512 + 116)..<(dataStart - 512 + 124)]),
                uname: String(decoding: string(block[(dataStart - 512 + 265)..<(dataStart - 512 + 297)]), as: UTF8.self),
                gname: String(decoding: string(block[(dataStart - 512 + 297)..<(dataStart - 512 + 329)]), as: UTF8.self),
                mtime: octal(block[(dataStart - 512 + 136)..<(dataStart - 512 + 148)]),
                content: body,
                hadPAX: !pax.isEmpty,
                usedPrefix: !prefix.isEmpty
            ))
            pax = [:]
        }
        guard sawEnd else { throw Failure(description: "no end-of-archive blocks") }
        return entries
    }
}

/// A temporary folder removed when the value is dropped.
final class TemporaryFolder {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-ctx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func url(_ relative: String) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(relative)
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        let target = url(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target.path)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(at: url(relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: url(relative).path, withDestinationPath: target)
    }
}

func streamAll(_ archive: ContextArchive, maxBytes: Int) throws -> [UInt8] {
    var bytes: [UInt8] = []
    while let chunk = try archive.nextChunk(maxBytes: maxBytes) {
        #expect(chunk.count <= maxBytes)
        #expect(!chunk.isEmpty)
        bytes.append(contentsOf: chunk)
    }
    #expect(try archive.nextChunk(maxBytes: maxBytes) == nil)
    return bytes
}

func contextError(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as ContextError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}

@Suite("ContextArchive")
struct ContextArchiveTests {
    static let longName = String(repeating: "l", count: 120) + ".txt"
    static let longPath = String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60) + ".txt"

    func makeContext() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM scratch\nCOPY . /\n")
        try folder.write("a.txt", "alpha\n")
        try folder.write("dir/b.txt", "bravo\n", mode: 0o600)
        try folder.write("dir/sub/c.sh", "#!/bin/sh\n", mode: 0o755)
        try folder.mkdir("empty")
        try folder.symlink("passwd-link", to: "/etc/passwd")
        try folder.symlink("loop-a", to: "loop-b")
        try folder.symlink("loop-b", to: "loop-a")
        try folder.symlink("dir-link", to: "dir")
        try folder.write(Self.longName, "long\n")
        try folder.write(Self.longPath, "split\n")
        try folder.write("caf\u{E9}.txt", "unicode\n")
        try folder.write("ignored/x.txt", "x\n")
        try folder.write("ignored/keep.txt", "keep\n")
        try folder.write("debug.log", "log\n")
        try folder.write(".dockerignore", "# comment\nignored\n!ignored/keep.txt\n*.log\nDockerfile\n.dockerignore\n")
        return folder
    }

    @Test func archivesTheContextLikeTheDockerCLI() throws {
        let folder = try makeContext()
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
        #expect(archive.dockerfileName == "Dockerfile")
        let entries = try TestTarReader.parse(try streamAll(archive, maxBytes: 100))
        let names = entries.map(\.name)
        let expected = [
            ".dockerignore", "Dockerfile", "a.txt", "caf\u{E9}.txt",
            String(repeating: "d", count: 60) + "/", Self.longPath,
            "dir/", "dir/b.txt", "dir/sub/", "dir/sub/c.sh", "dir-link", "empty/",
            "ignored/keep.txt", Self.longName, "loop-a", "loop-b", "passwd-link",
        ]
        #expect(names == expected)

        func entry(_ name: String) -> ParsedTarEntry? { entries.first(where: { $0.name == name }) }
        #expect(entry("a.txt")?.content == Array("alpha\n".utf8))
        #expect(entry("a.txt")?.type == UInt8(ascii: "0"))
        #expect(entry("a.txt")?.mode == 0o644)
        #expect(entry("dir/b.txt")?.mode == 0o600)
        #expect(entry("dir/sub/c.sh")?.mode == 0o755)
        #expect(entry("dir/")?.type == UInt8(ascii: "5"))
        #expect(entry("passwd-link")?.type == UInt8(ascii: "2"))
        #expect(entry("passwd-link")?.linkName == "/etc/passwd")
        #expect(entry("passwd-link")?.content == [])
        #expect(entry("loop-a")?.linkName == "loop-b")
        #expect(entry("dir-link")?.type == UInt8(ascii: "2"))
        #expect(entry("ignored/keep.txt")?.content == Array("keep\n".utf8))
        #expect(entry("caf\u{E9}.txt")?.hadPAX == true)
        #expect(entry(Self.longName)?.hadPAX == true)
        #expect(entry(Self.longPath)?.hadPAX == false)
        #expect(entry(Self.longPath)?.usedPrefix == true)
        #expect(entry("a.txt")?.hadPAX == false)
        for item in entries {
            #expect(item.uid == 0 && item.gid == 0)
            #expect(item.uname.isEmpty && item.gname.isEmpty)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.url("a.txt").path)
        let modified = try #require(attributes[.modificationDate] as? Date)
        #expect(entry("a.txt")?.mtime == Int(modified.timeIntervalSince1970))
    }

    @Test func chunkSizeDoesNotChangeTheBytes() throws {
        let folder = try makeContext()
        let small = try streamAll(ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile")), maxBytes: 7)
        let large = try streamAll(ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile")), maxBytes: 1 << 20)
        #expect(small == large)
        #expect(small.count % 512 == 0)
    }

    @Test func gnuTarAcceptsTheArchive() async throws {
        // GNU tar is in every Debian (package `tar`, essential): the test needs it, never skips.
        let tar = "/bin/tar"
        try #require(FileManager.default.isExecutableFile(atPath: tar), "GNU tar is missing at \(tar)")
        let folder = try makeContext()
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
        let output = try TemporaryFolder()
        let tarFile = output.url("context.tar")
        try Data(try streamAll(archive, maxBytes: 4096)).write(to: tarFile)
        let result = try await ChildProcess.run(tar, ["-tf", tarFile.path])
        #expect(result.status == 0)
        let names = result.stdout.split(separator: "\n").map(String.init)
        #expect(names.contains(Self.longName))
        #expect(names.contains(Self.longPath))
        #expect(names.contains("caf\u{E9}.txt"))
        #expect(names.contains("passwd-link"))
    }

    @Test func dockerfileAndDockerignoreAreAlwaysSent() throws {
        let folder = try TemporaryFolder()
        try folder.write("build/Dockerfile", "FROM scratch\n")
        try folder.write("build/other", "o\n")
        try folder.write("src/main.c", "int main;\n")
        try folder.write(".dockerignore", "**\n")
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("build/Dockerfile"))
        #expect(archive.dockerfileName == "build/Dockerfile")
        let names = try TestTarReader.parse(try streamAll(archive, maxBytes: 512)).map(\.name)
        #expect(names == [".dockerignore", "build/Dockerfile"])
    }

    @Test func dockerfileBelowAnExcludedParentIsSent() throws {
        let folder = try TemporaryFolder()
        try folder.write("x/y/b/Dockerfile", "FROM scratch\n")
        try folder.write("x/y/b/other", "o\n")
        try folder.write(".dockerignore", "**/b\n")
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("x/y/b/Dockerfile"))
        let names = try TestTarReader.parse(try streamAll(archive, maxBytes: 512)).map(\.name)
        #expect(names == [".dockerignore", "x/", "x/y/", "x/y/b/Dockerfile"])
    }

    @Test func lowercaseDockerfileFallback() throws {
        let folder = try TemporaryFolder()
        try folder.write("dockerfile", "FROM scratch\n")
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
        #expect(archive.dockerfileName == "dockerfile")
    }

    @Test func dockerfileSymlinkResolvesToItsTarget() throws {
        let folder = try TemporaryFolder()
        try folder.write("docker/Dockerfile.dev", "FROM scratch\n")
        try folder.symlink("Dockerfile", to: "docker/Dockerfile.dev")
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
        #expect(archive.dockerfileName == "docker/Dockerfile.dev")
    }

    static func isRandomDockerfileName(_ name: String) -> Bool {
        guard name.hasPrefix(".dockerfile.") else { return false }
        let suffix = name.dropFirst(".dockerfile.".count)
        return suffix.count == 20 && suffix.allSatisfy { "0123456789abcdef".contains($0) }
    }

    @Test func externalDockerfileIsAddedUnderARandomName() throws {
        let folder = try TemporaryFolder()
        try folder.write("app.txt", "app\n")
        let outside = try TemporaryFolder()
        try outside.write("Build.dockerfile", "FROM alpine\nRUN true\n")
        let archive = try ContextArchive(
            contextDirectory: folder.path, dockerfile: .external(outside.url("Build.dockerfile").path))
        #expect(Self.isRandomDockerfileName(archive.dockerfileName))
        let entries = try TestTarReader.parse(try streamAll(archive, maxBytes: 333))
        #expect(entries.map(\.name) == ["app.txt", archive.dockerfileName, ".dockerignore"])
        #expect(entries[1].content == Array("FROM alpine\nRUN true\n".utf8))
        #expect(entries[1].mode == 0o600)
        #expect(entries[2].content == Array(".dockerignore\n\(archive.dockerfileName)\n".utf8))
    }

    @Test func externalDockerfileExtendsAnExistingDockerignore() throws {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM own\n")
        try folder.write(".dockerignore", "secret\n")
        try folder.write("secret", "s\n")
        let outside = try TemporaryFolder()
        try outside.write("Dockerfile", "FROM other\n")
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .external(outside.url("Dockerfile").path))
        let entries = try TestTarReader.parse(try streamAll(archive, maxBytes: 64))
        #expect(entries.map(\.name) == [".dockerignore", "Dockerfile", archive.dockerfileName])
        #expect(entries[0].content == Array("secret\n\n\(archive.dockerfileName)\n".utf8))
        #expect(entries[1].content == Array("FROM own\n".utf8))
        #expect(entries[2].content == Array("FROM other\n".utf8))
    }

    @Test func externalDockerfileInsideTheContextKeepsItsPath() throws {
        let folder = try TemporaryFolder()
        try folder.write("ci/Dockerfile", "FROM scratch\n")
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .external(folder.url("ci/Dockerfile").path))
        #expect(archive.dockerfileName == "ci/Dockerfile")
        let names = try TestTarReader.parse(try streamAll(archive, maxBytes: 1024)).map(\.name)
        #expect(names == ["ci/", "ci/Dockerfile"])
    }

    @Test func stdinDockerfileIsAddedUnderARandomName() throws {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM ignored\n")
        let content = Array("FROM busybox\n".utf8)
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .stdin(content))
        #expect(Self.isRandomDockerfileName(archive.dockerfileName))
        let entries = try TestTarReader.parse(try streamAll(archive, maxBytes: 1000))
        #expect(entries.map(\.name) == ["Dockerfile", archive.dockerfileName, ".dockerignore"])
        #expect(entries[1].content == content)
    }

    @Test func hardLinksAreStoredAsLinks() throws {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM scratch\n")
        try folder.write("first", "shared\n")
        try FileManager.default.linkItem(atPath: folder.url("first").path, toPath: folder.url("second").path)
        let entries = try TestTarReader.parse(
            try streamAll(ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile")), maxBytes: 512))
        let second = try #require(entries.first(where: { $0.name == "second" }))
        #expect(second.type == UInt8(ascii: "1"))
        #expect(second.linkName == "first")
        #expect(second.content.isEmpty)
    }

    @Test func contextThroughASymlinkIsFollowed() throws {
        let folder = try makeContext()
        let links = try TemporaryFolder()
        try links.symlink("ctx", to: folder.path)
        let archive = try ContextArchive(contextDirectory: links.url("ctx").path, dockerfile: .inContext("Dockerfile"))
        let names = try TestTarReader.parse(try streamAll(archive, maxBytes: 4096)).map(\.name)
        #expect(names.contains("dir/b.txt"))
    }

    @Test func errorsAreOneClearLine() throws {
        let folder = try TemporaryFolder()
        try folder.write("file.txt", "x\n")
        try folder.mkdir("ctx/Dockerfile")
        try folder.symlink("loop1", to: "loop2")
        try folder.symlink("loop2", to: "loop1")
        try folder.mkdir("nodockerfile")

        let missing = folder.url("missing").path
        #expect(contextError { _ = try ContextArchive(contextDirectory: missing, dockerfile: .inContext("Dockerfile")) }
                == "context folder \"\(missing)\" not found")
        let file = folder.url("file.txt").path
        #expect(contextError { _ = try ContextArchive(contextDirectory: file, dockerfile: .inContext("Dockerfile")) }
                == "context folder \"\(file)\" is not a folder")
        let loop = folder.url("loop1").path
        #expect(contextError { _ = try ContextArchive(contextDirectory: loop, dockerfile: .inContext("Dockerfile")) }?
                    .hasPrefix("too many levels of symbolic links") == true)
        let empty = folder.url("nodockerfile").path
        #expect(contextError { _ = try ContextArchive(contextDirectory: empty, dockerfile: .inContext("Dockerfile")) }
                == "Dockerfile \"\(empty)/Dockerfile\" not found")
        #expect(contextError { _ = try ContextArchive(contextDirectory: empty, dockerfile: .external("/nonexistent/Dockerfile")) }
                == "Dockerfile \"/nonexistent/Dockerfile\" not found")
        let ctx = folder.url("ctx").path
        #expect(contextError { _ = try ContextArchive(contextDirectory: ctx, dockerfile: .inContext("Dockerfile")) }
                == "Dockerfile \"\(ctx)/Dockerfile\" is a folder, not a file")
        try folder.write("badignore/Dockerfile", "FROM scratch\n")
        try folder.write("badignore/.dockerignore", "[\n")
        #expect(contextError {
            _ = try ContextArchive(contextDirectory: folder.url("badignore").path, dockerfile: .inContext("Dockerfile"))
        } == "invalid .dockerignore pattern \"[\": syntax error in pattern")
    }

    @Test(.enabled(if: getuid() != 0, "root can read any file"))
    func unreadableFileFailsBeforeStreaming() throws {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM scratch\n")
        try folder.write("secret.txt", "s\n", mode: 0)
        #expect(contextError {
            _ = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
        } == "cannot read \"secret.txt\" in the context: Permission denied")
        try folder.write(".dockerignore", "secret.txt\n")
        _ = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
    }

    @Test func fifosAreSkippedAndDoNotBlock() throws {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM scratch\n")
        #expect(mkfifo(folder.url("pipe").path, 0o644) == 0)
        let names = try TestTarReader.parse(
            try streamAll(ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile")), maxBytes: 512)
        ).map(\.name)
        #expect(names == ["Dockerfile"])
    }

    @Test func largeFileStreamsInBoundedChunks() throws {
        let folder = try TemporaryFolder()
        try folder.write("Dockerfile", "FROM scratch\n")
        let size = 50 * 1024 * 1024 + 3
        let big = folder.url("big.bin")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: UInt64(size))
        try handle.seek(toOffset: UInt64(size - 3))
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()

        let before = Self.maxResidentKilobytes()
        let archive = try ContextArchive(contextDirectory: folder.path, dockerfile: .inContext("Dockerfile"))
        let maxBytes = 64 * 1024
        var total = 0
        var tail: [UInt8] = []
        var head: [UInt8] = []
        while let chunk = try archive.nextChunk(maxBytes: maxBytes) {
            #expect(chunk.count <= maxBytes)
            if head.count < 2048 { head.append(contentsOf: chunk.prefix(2048 - head.count)) }
            total += chunk.count
            tail = Array((tail + chunk).suffix(2048))
        }
        let dataPadding = (512 - size % 512) % 512
        // Dockerfile entry (header + 1 block), big.bin header, data, padding, end blocks.
        #expect(total == 512 + 512 + 512 + size + dataPadding + 1024)
        #expect(Array(head[1024..<1031]) == Array("big.bin".utf8))
        let endOfData = tail.count - 1024 - dataPadding
        #expect(Array(tail[(endOfData - 3)..<endOfData]) == [1, 2, 3])
        let growth = Self.maxResidentKilobytes() - before
        #expect(growth < 30 * 1024, "resident memory grew by \(growth) KiB")
    }

    static func maxResidentKilobytes() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Int(usage.ru_maxrss)
    }
}
