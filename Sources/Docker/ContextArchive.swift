import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the Dockerfile of a build comes from.
public enum DockerfileSource: Sendable, Equatable {
    /// A path relative to the context folder (the docker CLI default is "Dockerfile").
    case inContext(String)
    /// A path given like `docker build -f`: absolute or relative to the current directory, inside or outside the context.
    case external(String)
    /// The Dockerfile content itself, like `docker build -f -`.
    case stdin([UInt8])
}

/// A build context that cannot be archived, described in one line.
public struct ContextError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One clear line, e.g. `context folder "x" not found`.
    public let description: String

    /// Creates an error with its one-line description.
    public init(description: String) {
        self.description = description
    }
}

/// The build context of a docker build, streamed as an uncompressed tar like the docker CLI produces it.
///
/// Everything is checked when it is created (like the CLI's `ValidateContextDirectory`), so that a bad context
/// fails before any byte is sent. File contents are read chunk by chunk while streaming, never as a whole.
/// The archive is used from one thread at a time.
public final class ContextArchive {
    /// Value for the Engine API `dockerfile=` query parameter.
    public let dockerfileName: String

    private let root: [UInt8]
    private let ignore: DockerIgnore
    /// Dockerfile bytes to add under `dockerfileName` (Dockerfile from stdin or outside the context).
    private let addedDockerfile: [UInt8]?
    /// `.dockerignore` content as read from the context (nil when there is none), for the added-Dockerfile case.
    private let dockerignoreContent: [UInt8]?
    private let creationTime: Int64

    private var walker: ContextWalker
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var openFile: OpenContextFile?
    private var hardLinks: [ContextFileID: [UInt8]] = [:]
    private var sawDockerignore = false
    private var phase: Phase = .walking
    private var scratch: [UInt8] = []

    private enum Phase {
        case walking
        case finishing
        case done
    }

    /// Validates the context and the Dockerfile; throws before anything is streamed.
    public init(contextDirectory: String, dockerfile: DockerfileSource) throws(ContextError) {
        let root = try ContextArchive.resolveContext(contextDirectory)
        self.root = root

        // The Dockerfile: inside the context (relative name) or added to the archive under a random name.
        var relativeDockerfile: [UInt8]
        var addedDockerfile: [UInt8]?
        var fromStdin = false
        switch dockerfile {
        case .stdin(let content):
            addedDockerfile = content
            relativeDockerfile = Array("-".utf8)
            fromStdin = true
        case .inContext(let given), .external(let given):
            let isExternal: Bool
            if case .external = dockerfile { isExternal = true } else { isExternal = false }
            let (path, display) = ContextArchive.dockerfilePath(
                given: given, isExternal: isExternal, root: root, contextDirectory: contextDirectory)
            let resolved = try ContextArchive.validateDockerfile(path, display: display)
            let prefix = root == [IgnorePath.slash] ? root : root + [IgnorePath.slash]
            if resolved.starts(with: prefix) && resolved.count > prefix.count {
                relativeDockerfile = Array(resolved[prefix.count...])
            } else {
                // Outside the context: the CLI reads it and adds it to the archive (AddDockerfileToBuildContext).
                addedDockerfile = try ContextArchive.readWholeFile(resolved, display: "Dockerfile \"\(display)\"")
                relativeDockerfile = ContextArchive.relativePath(from: root, to: resolved)
            }
        }
        self.addedDockerfile = addedDockerfile

        // .dockerignore from the context root (ReadDockerignore), then TrimBuildFilesFromExcludes.
        let dockerignorePath = root + Array("/.dockerignore".utf8)
        var patterns: [String] = []
        var dockerignoreContent: [UInt8]?
        switch POSIXFile.readAll(dockerignorePath) {
        case .success(let bytes):
            dockerignoreContent = bytes
            patterns = DockerIgnore.read(String(decoding: bytes, as: UTF8.self))
        case .failure(let code) where code.code == ENOENT:
            break
        case .failure(let code):
            throw ContextError(description: "cannot read \".dockerignore\" in the context: \(code.message)")
        }
        self.dockerignoreContent = dockerignoreContent
        var ignore: DockerIgnore
        do {
            ignore = try DockerIgnore(patterns: patterns)
            if ignore.legacyMatches(Array(".dockerignore".utf8)) {
                patterns.append("!.dockerignore")
            }
            // The CLI decides with the deprecated Matches; MatchesOrParentMatches is also consulted so that the
            // Dockerfile is always sent, even when only a parent directory pattern excludes it.
            if !fromStdin && (ignore.legacyMatches(relativeDockerfile) || ignore.matchesOrParentMatches(relativeDockerfile)) {
                patterns.append("!" + String(decoding: relativeDockerfile, as: UTF8.self))
            }
            ignore = try DockerIgnore(patterns: patterns)
        } catch {
            throw ContextError(description: "\(error)")
        }
        self.ignore = ignore

        if addedDockerfile != nil {
            let dockerignoreStat = POSIXFile.lstat(dockerignorePath)
            if case .success(let info) = dockerignoreStat, info.kind == .directory {
                throw ContextError(description: "\".dockerignore\" in the context is a folder, not a file")
            }
            var name: String
            repeat {
                var generator = SystemRandomNumberGenerator()
                name = (0..<10).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            } while Int64(name.prefix(12)) != nil
            self.dockerfileName = ".dockerfile." + name
        } else {
            self.dockerfileName = String(decoding: relativeDockerfile, as: UTF8.self)
        }
        self.creationTime = Int64(Date().timeIntervalSince1970.rounded())

        // ValidateContextDirectory: every entry that will be sent must be readable now.
        var validator = try ContextWalker(root: root, ignore: ignore)
        while let entry = try validator.next() {
            if case .failure(let code) = entry.stat {
                throw ContextError(description: "cannot read \"\(entry.displayPath)\" in the context: \(code.message)")
            }
            if case .success(let info) = entry.stat, info.kind == .regular {
                if case .failure(let code) = POSIXFile.checkReadable(entry.fullPath) {
                    throw ContextError(
                        description: "cannot read \"\(entry.displayPath)\" in the context: \(code.message)")
                }
            }
        }
        self.walker = try ContextWalker(root: root, ignore: ignore)
    }

    deinit {
        openFile?.close()
    }

    /// The next bytes of the tar stream (at most `maxBytes`), or nil after the end-of-archive blocks.
    public func nextChunk(maxBytes: Int = 64 * 1024) throws(ContextError) -> [UInt8]? {
        let limit = max(1, maxBytes)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(min(limit, 1 << 20))
        while chunk.count < limit {
            if pendingOffset < pending.count {
                let count = min(limit - chunk.count, pending.count - pendingOffset)
                chunk.append(contentsOf: pending[pendingOffset..<(pendingOffset + count)])
                pendingOffset += count
                if pendingOffset == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    pendingOffset = 0
                }
                continue
            }
            if let file = openFile {
                try streamFileData(file, into: &chunk, limit: limit)
                continue
            }
            switch phase {
            case .walking:
                if let entry = try walker.next() {
                    try emit(entry)
                } else {
                    phase = .finishing
                    emitAddedEntries()
                    pending.append(contentsOf: TarEntryHeader.endOfArchive)
                }
            case .finishing:
                phase = .done
            case .done:
                return chunk.isEmpty ? nil : chunk
            }
        }
        return chunk
    }

    // MARK: - Streaming

    private func streamFileData(_ file: OpenContextFile, into chunk: inout [UInt8], limit: Int) throws(ContextError) {
        if file.remaining == 0 {
            file.close()
            openFile = nil
            pending.append(contentsOf: [UInt8](repeating: 0, count: TarEntryHeader.padding(afterDataOf: file.size)))
            return
        }
        let wanted = Int(min(Int64(limit - chunk.count), file.remaining))
        if scratch.count < wanted { scratch = [UInt8](repeating: 0, count: min(max(wanted, 64 * 1024), 1 << 20)) }
        let toRead = min(wanted, scratch.count)
        switch file.read(into: &scratch, count: toRead) {
        case .success(let count):
            if count == 0 {
                file.close()
                openFile = nil
                throw ContextError(description: "\"\(file.displayPath)\" in the context got shorter while it was being sent")
            }
            chunk.append(contentsOf: scratch[0..<count])
            file.remaining -= Int64(count)
        case .failure(let code):
            file.close()
            openFile = nil
            throw ContextError(description: "cannot read \"\(file.displayPath)\" in the context: \(code.message)")
        }
    }

    private func emit(_ entry: ContextWalker.Entry) throws(ContextError) {
        guard case .success(let info) = entry.stat else {
            // Vanished since it was listed: the archive skips it (moby logs and goes on).
            return
        }
        let isRootDockerignore = entry.relativePath == Array(".dockerignore".utf8)
        if addedDockerfile != nil && isRootDockerignore && info.kind != .directory {
            // AddDockerfileToBuildContext rewrites .dockerignore to also ignore the added Dockerfile.
            sawDockerignore = true
            let content = (dockerignoreContent ?? []) + Array("\n\(dockerfileName)\n".utf8)
            let mode = info.kind == .regular ? info.permissions : 0o600
            appendRegularFile(name: entry.relativePath, mode: mode, modificationTime: info.modificationTime, content: content)
            return
        }
        var header = TarEntryHeader(
            name: entry.relativePath,
            mode: info.permissions,
            modificationTime: info.modificationTime,
            typeFlag: TarEntryHeader.regular
        )
        switch info.kind {
        case .directory:
            header.name.append(IgnorePath.slash)
            header.typeFlag = TarEntryHeader.directory
        case .symbolicLink:
            switch POSIXFile.readLink(entry.fullPath) {
            case .success(let target):
                header.linkName = target
            case .failure(let code):
                if code.code == ENOENT { return }
                throw ContextError(description: "cannot read link \"\(entry.displayPath)\" in the context: \(code.message)")
            }
            header.typeFlag = TarEntryHeader.symbolicLink
            if info.linkCount > 1, let first = registerHardLink(info, name: header.name) {
                header.typeFlag = TarEntryHeader.hardLink
                header.linkName = first
            }
        case .regular:
            header.size = info.size
            if info.linkCount > 1, let first = registerHardLink(info, name: header.name) {
                header.typeFlag = TarEntryHeader.hardLink
                header.linkName = first
                header.size = 0
            }
        case .other:
            // FIFOs, sockets and devices are not sent.
            return
        }
        if header.typeFlag == TarEntryHeader.regular && header.size > 0 {
            switch POSIXFile.openForReading(entry.fullPath) {
            case .success(let descriptor):
                openFile = OpenContextFile(
                    descriptor: descriptor, size: header.size, displayPath: entry.displayPath)
            case .failure(let code):
                if code.code == ENOENT { return }
                throw ContextError(description: "cannot read \"\(entry.displayPath)\" in the context: \(code.message)")
            }
        }
        pending.append(contentsOf: header.encoded())
    }

    /// Moby's hard link bookkeeping: the first name of a multiply linked inode; later ones become links to it.
    private func registerHardLink(_ info: ContextFileInfo, name: [UInt8]) -> [UInt8]? {
        let id = ContextFileID(device: info.device, inode: info.inode)
        if let first = hardLinks[id] { return first }
        hardLinks[id] = name
        return nil
    }

    private func emitAddedEntries() {
        guard let content = addedDockerfile else { return }
        appendRegularFile(name: Array(dockerfileName.utf8), mode: 0o600, modificationTime: creationTime, content: content)
        if !sawDockerignore {
            let ignoreContent = Array(".dockerignore\n\(dockerfileName)\n".utf8)
            appendRegularFile(
                name: Array(".dockerignore".utf8), mode: 0o600, modificationTime: creationTime, content: ignoreContent)
        }
    }

    private func appendRegularFile(name: [UInt8], mode: Int64, modificationTime: Int64, content: [UInt8]) {
        let header = TarEntryHeader(
            name: name,
            mode: mode,
            size: Int64(content.count),
            modificationTime: modificationTime,
            typeFlag: TarEntryHeader.regular
        )
        pending.append(contentsOf: header.encoded())
        pending.append(contentsOf: content)
        pending.append(contentsOf: [UInt8](repeating: 0, count: TarEntryHeader.padding(afterDataOf: Int64(content.count))))
    }

    // MARK: - Validation helpers

    private static func resolveContext(_ contextDirectory: String) throws(ContextError) -> [UInt8] {
        let display = contextDirectory
        let resolved: [UInt8]
        switch POSIXFile.realPath(Array(contextDirectory.utf8)) {
        case .success(let path):
            resolved = path
        case .failure(let code):
            switch code.code {
            case ENOENT:
                throw ContextError(description: "context folder \"\(display)\" not found")
            case ELOOP:
                throw ContextError(description: "too many levels of symbolic links: context folder \"\(display)\"")
            case ENOTDIR:
                throw ContextError(description: "context folder \"\(display)\" not found (a part of the path is not a folder)")
            default:
                throw ContextError(description: "cannot open context folder \"\(display)\": \(code.message)")
            }
        }
        switch POSIXFile.lstat(resolved) {
        case .success(let info):
            if info.kind != .directory {
                throw ContextError(description: "context folder \"\(display)\" is not a folder")
            }
        case .failure(let code):
            throw ContextError(description: "cannot open context folder \"\(display)\": \(code.message)")
        }
        if case .failure(let code) = POSIXFile.listDirectory(resolved) {
            throw ContextError(description: "cannot read context folder \"\(display)\": \(code.message)")
        }
        return resolved
    }

    /// The path to resolve, and how to name it in errors.
    private static func dockerfilePath(
        given: String, isExternal: Bool, root: [UInt8], contextDirectory: String
    ) -> ([UInt8], String) {
        let name = given.isEmpty ? "Dockerfile" : given
        if isExternal {
            return (Array(name.utf8), name)
        }
        let nameBytes = Array(name.utf8)
        let display = String(decoding: IgnorePath.clean(Array(contextDirectory.utf8) + [IgnorePath.slash] + nameBytes), as: UTF8.self)
        if nameBytes.first == IgnorePath.slash {
            return (nameBytes, name)
        }
        var path = root + [IgnorePath.slash] + nameBytes
        if name == "Dockerfile", case .failure(let code) = POSIXFile.lstat(path), code.code == ENOENT {
            // Like the CLI, fall back to "dockerfile" when only that one exists.
            let alternative = root + Array("/dockerfile".utf8)
            if case .success = POSIXFile.lstat(alternative) {
                path = alternative
                return (path, String(decoding: IgnorePath.clean(Array(contextDirectory.utf8) + Array("/dockerfile".utf8)), as: UTF8.self))
            }
        }
        return (path, display)
    }

    /// Resolves symbolic links and checks that the Dockerfile is a readable regular file.
    private static func validateDockerfile(_ path: [UInt8], display: String) throws(ContextError) -> [UInt8] {
        let resolved: [UInt8]
        switch POSIXFile.realPath(path) {
        case .success(let value):
            resolved = value
        case .failure(let code):
            switch code.code {
            case ENOENT, ENOTDIR:
                throw ContextError(description: "Dockerfile \"\(display)\" not found")
            case ELOOP:
                throw ContextError(description: "too many levels of symbolic links: Dockerfile \"\(display)\"")
            default:
                throw ContextError(description: "cannot read Dockerfile \"\(display)\": \(code.message)")
            }
        }
        switch POSIXFile.lstat(resolved) {
        case .success(let info):
            if info.kind == .directory {
                throw ContextError(description: "Dockerfile \"\(display)\" is a folder, not a file")
            }
            if info.kind != .regular {
                throw ContextError(description: "Dockerfile \"\(display)\" is not a regular file")
            }
        case .failure(let code):
            throw ContextError(description: "cannot read Dockerfile \"\(display)\": \(code.message)")
        }
        if case .failure(let code) = POSIXFile.checkReadable(resolved) {
            throw ContextError(description: "cannot read Dockerfile \"\(display)\": \(code.message)")
        }
        return resolved
    }

    private static func readWholeFile(_ path: [UInt8], display: String) throws(ContextError) -> [UInt8] {
        switch POSIXFile.readAll(path) {
        case .success(let bytes):
            return bytes
        case .failure(let code):
            throw ContextError(description: "cannot read \(display): \(code.message)")
        }
    }

    /// Go's `filepath.Rel` for two clean absolute paths.
    private static func relativePath(from base: [UInt8], to target: [UInt8]) -> [UInt8] {
        let baseParts = IgnorePath.split(base).filter { !$0.isEmpty }
        let targetParts = IgnorePath.split(target).filter { !$0.isEmpty }
        var common = 0
        while common < baseParts.count && common < targetParts.count && baseParts[common] == targetParts[common] {
            common += 1
        }
        var parts: [[UInt8]] = Array(repeating: Array("..".utf8), count: baseParts.count - common)
        parts.append(contentsOf: targetParts[common...])
        return parts.isEmpty ? [IgnorePath.dot] : IgnorePath.join(parts[...])
    }
}

// MARK: - Walking the context (moby's TarWithOptions walk)

/// Walks the context in Go's `filepath.WalkDir` order, applying the exclusion and directory pruning rules of
/// moby's `TarWithOptions` (MatchesUsingParentResults, exceptions keeping excluded directories walked).
package struct ContextWalker {
    package struct Entry {
        package let relativePath: [UInt8]
        package let fullPath: [UInt8]
        package let stat: Result<ContextFileInfo, ContextErrno>

        package var displayPath: String { String(decoding: relativePath, as: UTF8.self) }
    }

    private struct Frame {
        let relativeDirectory: [UInt8]
        let names: [[UInt8]]
        var index: Int
        let info: DockerIgnore.ParentMatchInfo?
    }

    private let root: [UInt8]
    private let ignore: DockerIgnore
    private var stack: [Frame]
    /// The entry `next()` returned last was a directory whose contents are queued.
    private var returnedDirectory = false

    /// fsutil's walker (the session's file sync) also lists an excluded directory that it walks
    /// because an exception may re-include something below it; the docker CLI's tar does not.
    private let listWalkedExcludedDirectories: Bool

    package init(root: [UInt8], ignore: DockerIgnore, listWalkedExcludedDirectories: Bool = false) throws(ContextError) {
        self.root = root
        self.ignore = ignore
        self.listWalkedExcludedDirectories = listWalkedExcludedDirectories
        switch POSIXFile.listDirectory(root) {
        case .success(let names):
            stack = [Frame(relativeDirectory: [], names: names, index: 0, info: nil)]
        case .failure(let code):
            throw ContextError(description: "cannot read the context folder: \(code.message)")
        }
    }

    package mutating func next() throws(ContextError) -> Entry? {
        returnedDirectory = false
        while let top = stack.last {
            if top.index >= top.names.count {
                stack.removeLast()
                continue
            }
            let name = top.names[top.index]
            stack[stack.count - 1].index += 1
            let relative = top.relativeDirectory.isEmpty ? name : top.relativeDirectory + [IgnorePath.slash] + name
            let full = root == [IgnorePath.slash] ? root + relative : root + [IgnorePath.slash] + relative
            let stat = POSIXFile.lstat(full)
            let isDirectory: Bool
            if case .success(let info) = stat { isDirectory = info.kind == .directory } else { isDirectory = false }

            let (skip, info) = ignore.matchesUsingParentResults(relative, parent: top.info)
            if skip {
                if !isDirectory { continue }
                if !ignore.exceptionMayReinclude(underDirectory: relative) { continue }
                try push(relative: relative, full: full, info: info)
                if listWalkedExcludedDirectories {
                    returnedDirectory = true
                    return Entry(relativePath: relative, fullPath: full, stat: stat)
                }
                continue
            }
            if isDirectory {
                try push(relative: relative, full: full, info: info)
                returnedDirectory = true
            }
            return Entry(relativePath: relative, fullPath: full, stat: stat)
        }
        return nil
    }

    /// Skips the contents of the directory `next()` just returned (`filepath.SkipDir`).
    package mutating func skipCurrentDirectory() {
        if returnedDirectory {
            stack.removeLast()
            returnedDirectory = false
        }
    }

    private mutating func push(relative: [UInt8], full: [UInt8], info: DockerIgnore.ParentMatchInfo) throws(ContextError) {
        switch POSIXFile.listDirectory(full) {
        case .success(let names):
            stack.append(Frame(relativeDirectory: relative, names: names, index: 0, info: info))
        case .failure(let code):
            let display = String(decoding: relative, as: UTF8.self)
            throw ContextError(description: "cannot read \"\(display)\" in the context: \(code.message)")
        }
    }
}

// MARK: - POSIX file access on byte paths

/// An `errno` value as an error.
package struct ContextErrno: Error, Equatable {
    package let code: Int32

    static var current: ContextErrno { ContextErrno(code: errno) }

    package var message: String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

struct ContextFileID: Hashable {
    let device: UInt64
    let inode: UInt64
}

package struct ContextFileInfo {
    package enum Kind { case regular, directory, symbolicLink, other }

    package let kind: Kind
    package let permissions: Int64
    package let size: Int64
    package let modificationTime: Int64
    package let linkCount: UInt64
    package let device: UInt64
    package let inode: UInt64
    /// Nanoseconds of the modification time (0 ..< 1e9).
    package var modificationNanos: Int64 = 0
    /// The whole `st_mode` (file type bits included).
    package var rawMode: UInt32 = 0
}

/// A regular file being streamed.
package final class OpenContextFile {
    private var descriptor: Int32
    let size: Int64
    var remaining: Int64
    let displayPath: String

    package init(descriptor: Int32, size: Int64, displayPath: String) {
        self.descriptor = descriptor
        self.size = size
        self.remaining = size
        self.displayPath = displayPath
    }

    package func read(into buffer: inout [UInt8], count: Int) -> Result<Int, ContextErrno> {
        while true {
            let descriptor = self.descriptor
            let result = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return readDescriptor(descriptor, base, min(count, raw.count))
            }
            if result >= 0 { return .success(result) }
            let code = ContextErrno.current
            if code.code == EINTR || code.code == EAGAIN { continue }
            return .failure(code)
        }
    }

    package func close() {
        if descriptor >= 0 {
            _ = closeDescriptor(descriptor)
            descriptor = -1
        }
    }

    deinit {
        close()
    }
}

private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}

private func systemLstat(_ path: [CChar], _ status: inout stat) -> Int32 {
    lstat(path, &status)
}

private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

package enum POSIXFile {
    private static let typeMask: UInt32 = 0o170000
    private static let directoryType: UInt32 = 0o040000
    private static let regularType: UInt32 = 0o100000
    private static let linkType: UInt32 = 0o120000

    package static func cString(_ path: [UInt8]) -> [CChar] {
        path.map { CChar(bitPattern: $0) } + [0]
    }

    package static func lstat(_ path: [UInt8]) -> Result<ContextFileInfo, ContextErrno> {
        var status = stat()
        let result = systemLstat(cString(path), &status)
        if result != 0 { return .failure(.current) }
        let format = UInt32(status.st_mode) & typeMask
        let kind: ContextFileInfo.Kind
        switch format {
        case directoryType: kind = .directory
        case regularType: kind = .regular
        case linkType: kind = .symbolicLink
        default: kind = .other
        }
        #if canImport(Darwin)
        let seconds = Int64(status.st_mtimespec.tv_sec)
        let nanos = Int64(status.st_mtimespec.tv_nsec)
        #else
        let seconds = Int64(status.st_mtim.tv_sec)
        let nanos = Int64(status.st_mtim.tv_nsec)
        #endif
        return .success(ContextFileInfo(
            kind: kind,
            permissions: Int64(UInt32(status.st_mode) & 0o7777),
            size: Int64(status.st_size),
            modificationTime: seconds,
            linkCount: UInt64(status.st_nlink),
            device: UInt64(truncatingIfNeeded: status.st_dev),
            inode: UInt64(status.st_ino),
            modificationNanos: nanos,
            rawMode: UInt32(status.st_mode)
        ))
    }

    package static func realPath(_ path: [UInt8]) -> Result<[UInt8], ContextErrno> {
        guard let resolved = realpath(cString(path), nil) else { return .failure(.current) }
        defer { free(resolved) }
        let length = strlen(resolved)
        return .success(resolved.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        })
    }

    package static func readLink(_ path: [UInt8]) -> Result<[UInt8], ContextErrno> {
        var capacity = 256
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let count = readlink(cString(path), &buffer, capacity)
            if count < 0 { return .failure(.current) }
            if count < capacity {
                return .success(buffer[0..<count].map { UInt8(bitPattern: $0) })
            }
            capacity *= 2
        }
    }

    package static func openForReading(_ path: [UInt8]) -> Result<Int32, ContextErrno> {
        while true {
            let descriptor = open(cString(path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            if descriptor >= 0 { return .success(descriptor) }
            let code = ContextErrno.current
            if code.code == EINTR { continue }
            return .failure(code)
        }
    }

    /// Opens and closes the file, like `ValidateContextDirectory`.
    static func checkReadable(_ path: [UInt8]) -> Result<Void, ContextErrno> {
        switch openForReading(path) {
        case .success(let descriptor):
            _ = closeDescriptor(descriptor)
            return .success(())
        case .failure(let code):
            return .failure(code)
        }
    }

    /// Reads a small file whole (following symbolic links).
    package static func readAll(_ path: [UInt8]) -> Result<[UInt8], ContextErrno> {
        var descriptor: Int32
        repeat {
            descriptor = open(cString(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        } while descriptor < 0 && errno == EINTR
        if descriptor < 0 { return .failure(.current) }
        let file = OpenContextFile(descriptor: descriptor, size: 0, displayPath: "")
        defer { file.close() }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            switch file.read(into: &buffer, count: buffer.count) {
            case .success(let count):
                if count == 0 { return .success(content) }
                content.append(contentsOf: buffer[0..<count])
            case .failure(let code):
                return .failure(code)
            }
        }
    }

    /// Entry names of a folder (without "." and ".."), sorted bytewise like Go's `os.ReadDir`.
    package static func listDirectory(_ path: [UInt8]) -> Result<[[UInt8]], ContextErrno> {
        guard let directory = opendir(cString(path)) else { return .failure(.current) }
        defer { closedir(directory) }
        guard let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else { return .failure(ContextErrno(code: EINVAL)) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { return .failure(.current) }
                break
            }
            let namePointer = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            let length = strlen(namePointer)
            let name = namePointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                Array(UnsafeBufferPointer(start: $0, count: length))
            }
            if name == [IgnorePath.dot] || name == [IgnorePath.dot, IgnorePath.dot] { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        return .success(names)
    }
}
